import type { Doc } from '../../core/doc.js';
import type { DocSource, ReadEvents } from '../../core/pipeline.js';
import { decoded, openDecoded } from '../decode.js';
import { readCsv } from './csv.js';
import { readJsonArray } from './jsonArray.js';
import { readJsonl } from './jsonl.js';
import { readHtml } from './html.js';
import { readParquet } from './parquet.js';
import { readWarc } from './warc.js';
import type { InputFormat, ReadOptions, ReadSettings } from './options.js';
import { readSettings } from './options.js';
import { readText } from './text.js';
import { fileErrorOf, nextChunk } from '../ioFailure.js';

export type { InputFormat, ReadOptions } from './options.js';
export { INPUT_FORMATS } from './options.js';
export { readParquet, parquetToJson } from './parquet.js';
export { readWarc } from './warc.js';
export { readHtml } from './html.js';
export { readCsv } from './csv.js';
export { readJsonArray } from './jsonArray.js';
export { readJsonl } from './jsonl.js';
export { readText } from './text.js';

/** The format of a file by its name, ignoring a `.gz`/`.zst` ending; `json` may still turn out to be JSON Lines. */
export function formatOf(path: string): Exclude<InputFormat, 'auto'> {
  if (path.endsWith('.parquet')) return 'parquet';
  const name = path.replace(/\.(gz|zst)$/, '');
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.tsv')) return 'tsv';
  if (name.endsWith('.txt')) return 'txt';
  if (name.endsWith('.warc') || name.endsWith('.wet')) return 'warc';
  if (name.endsWith('.html') || name.endsWith('.htm')) return 'html';
  if (name.endsWith('.json')) return 'json';
  return 'jsonl';
}

/** Peek at the decoded stream: a `.json` file (or stdin) whose first non-space byte is `[` is a JSON array. */
async function* sniffJson(path: string, events: ReadEvents, s: ReadSettings): AsyncGenerator<Doc[]> {
  const it = openDecoded(path);
  const head: Buffer[] = [];
  let first = -1;
  for (;;) {
    const r = await nextChunk(it);
    if (r instanceof Error) {
      events.fileError(fileErrorOf(path, r, 0));
      break;
    }
    if (r.done) break;
    head.push(r.value);
    const b = r.value;
    let i = head.length === 1 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
    for (; i < b.length; i++) {
      const c = b[i];
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) {
        first = c;
        break;
      }
    }
    if (first !== -1) break;
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (first === 0x5b) yield* readJsonArray(path, events, s, replay());
  else yield* readJsonl(path, events, s, replay());
}

function readOne(path: string, events: ReadEvents, s: ReadSettings): AsyncGenerator<Doc[]> {
  const f = s.format !== 'auto' ? s.format : path === '-' ? 'jsonl' : formatOf(path);
  switch (f) {
    case 'csv':
      return readCsv(path, events, s, ',');
    case 'tsv':
      return readCsv(path, events, s, '\t');
    case 'txt':
      return readText(path, events, s);
    case 'parquet':
      return readParquet(path, events, s);
    case 'warc':
      return readWarc(path, events, s);
    case 'html':
      return readHtml(path, events, s);
    case 'json':
      return s.format === 'json' ? readJsonArray(path, events, s) : sniffJson(path, events, s);
    default:
      return readJsonl(path, events, s);
  }
}

/**
 * A source over files, in the order given (see `expandInputs` for a deterministic order).
 * `-` reads stdin (JSON Lines unless a format is given). Plain, gzip and zstd inputs are told
 * apart by their first bytes.
 */
export function readFiles(paths: readonly string[], options: ReadOptions = {}): DocSource {
  const s = readSettings(options);
  return {
    async *read(events) {
      for (const p of paths) {
        events.file(p);
        yield* readOne(p, events, s);
      }
    },
  };
}

/** All chunks as one buffer (Parquet is read from its footer, so it cannot stream in). */
async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** A source over in-memory byte chunks in one format, for tests and embedding. */
export function readChunks(name: string, chunks: AsyncIterable<Buffer>, format: Exclude<InputFormat, 'auto'>, options: ReadOptions = {}): DocSource {
  const s = readSettings({ ...options, format });
  return {
    async *read(events) {
      events.file(name);
      const d = decoded(chunks);
      if (format === 'jsonl') yield* readJsonl(name, events, s, d);
      else if (format === 'json') yield* readJsonArray(name, events, s, d);
      else if (format === 'csv' || format === 'tsv') yield* readCsv(name, events, s, format === 'csv' ? ',' : '\t', d);
      else if (format === 'warc') yield* readWarc(name, events, s, chunks);
      else if (format === 'html') yield* readHtml(name, events, s, d);
      else if (format === 'parquet') yield* readParquet(name, events, s, await collect(chunks));
      else yield* readText(name, events, s, d);
    },
  };
}
