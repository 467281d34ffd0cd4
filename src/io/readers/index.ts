import type { Doc } from '../../core/doc.js';
import type { DocSource, ReadEvents } from '../../core/pipeline.js';
import { decoded, openDecoded } from '../decode.js';
import { readJsonl } from './jsonl.js';
import type { InputFormat, ReadOptions, ReadSettings } from './options.js';
import { readSettings } from './options.js';
import { fileErrorOf, nextChunk } from '../ioFailure.js';
import { open, stat } from 'node:fs/promises';
import { fsPath } from '../../core/fsname.js';

export type { InputFormat, ReadOptions } from './options.js';
export { INPUT_FORMATS } from './options.js';
export { readJsonl } from './jsonl.js';

/*
 * The readers of the other formats are loaded when a file of theirs is read (JSON Lines, the
 * common case, is loaded with this module): a short command over JSON Lines does not load the
 * CSV, JSON array, text, WARC, Parquet and HTML readers, nor the HTML extractor and charset
 * tables the HTML reader brings (#16's start-up of a short command).
 */
const csv = () => import('./csv.js');
const jsonArray = () => import('./jsonArray.js');
const text = () => import('./text.js');
const parquet = () => import('./parquet.js');
const warc = () => import('./warc.js');
const html = () => import('./html.js');

/** The batches of `make`'s generator once its module is loaded. */
async function* later(make: () => Promise<AsyncGenerator<Doc[]>>): AsyncGenerator<Doc[]> {
  yield* await make();
}

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

/** A JSONL line this long that begins with `[` is taken for a one-line JSON array instead (see `stdinIsArray`). */
const STDIN_SNIFF_BYTES = 8 << 20;

/**
 * Whether stdin that begins with `[` (at `at` in `head`) is a JSON array rather than JSON Lines
 * of arrays (which `--wrap-arrays` reads). A JSON array is told by its first line: a pretty-printed
 * array's first line (`[`, or `[{...},`) is not a whole JSON value; a JSON Lines input's is, and
 * another line follows it. A single line holding an array is JSON Lines only when `--wrap-arrays`
 * is set and its elements look like chat messages (`role`/`from`), else the array's elements are
 * the records. `more` is false when the input ended within `head`.
 */
function stdinIsArray(head: Buffer, at: number, more: boolean, wrap: string | undefined): boolean {
  const nl = head.indexOf(10, at);
  if (nl === -1) {
    if (more) return true; // no line end in the first STDIN_SNIFF_BYTES: not a JSON Lines record
  }
  const end = nl === -1 ? head.length : nl;
  let value: unknown;
  try {
    value = JSON.parse(head.subarray(at, end).toString('utf8'));
  } catch {
    return true;
  }
  let rest = nl === -1 ? head.length : nl + 1;
  while (rest < head.length && isSpaceByte(head[rest])) rest++;
  if (rest < head.length || (more && rest === head.length)) return false;
  if (wrap === undefined || !Array.isArray(value)) return true;
  const chat = value.length > 0 && value.every((m) => m !== null && typeof m === 'object' && !Array.isArray(m) && ('role' in m || 'from' in m));
  return !chat;
}

function isSpaceByte(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

const PAR1 = Buffer.from('PAR1');
const WARC_START = /^WARC\/1\.\d\r?\n/;

const HTML_START = /^<(!doctype\s+html|html)[\s>]/i;

/**
 * What stdin's first decoded bytes say it is, besides JSON: Parquet (its magic, `PAR1`), WARC (a
 * `WARC/1.x` line), both at byte 0; an HTML page (`<!DOCTYPE html` or `<html` first, after white
 * space), which no JSON text begins with; or undefined.
 */
function stdinFormat(head: Buffer, at: number): 'parquet' | 'warc' | 'html' | undefined {
  if (at === 0 && head.length >= 4 && head.subarray(0, 4).equals(PAR1)) return 'parquet';
  if (at === 0 && WARC_START.test(head.subarray(0, 10).toString('latin1'))) return 'warc';
  if (HTML_START.test(head.subarray(at, at + 16).toString('latin1'))) return 'html';
  return undefined;
}

/**
 * Peek at the decoded stream: a `.json` file whose first non-space byte is `[` is a JSON array;
 * stdin too, unless its first line is a whole JSON value (JSON Lines, see `stdinIsArray`). stdin
 * that begins (once decompressed) with Parquet's `PAR1`, a `WARC/1.x` line or an HTML page's
 * `<!DOCTYPE html`/`<html` is read as that
 * (new-user review #17: every line of it was a json_parse reject): WARC as a stream from the
 * bytes as they came (the WARC reader inflates a `.warc.gz` record by record), Parquet from a
 * temporary copy (it is read from its footer).
 */
async function* sniffJson(path: string, events: ReadEvents, s: ReadSettings): AsyncGenerator<Doc[]> {
  // stdin's bytes as they came are kept until its format is known (a WARC is handed them again).
  const stdin = path === '-' ? (process.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]() : undefined;
  let raw: Buffer[] | null = [];
  async function* rawStdin(): AsyncGenerator<Buffer> {
    for (;;) {
      const r = await stdin!.next();
      if (r.done) return;
      raw?.push(r.value);
      yield r.value;
    }
  }
  const it = stdin === undefined ? openDecoded(path) : decoded(rawStdin());
  const head: Buffer[] = [];
  let first = -1;
  let firstAt = -1;
  let size = 0;
  let ended = false;
  // A failure met while sniffing is the reader's to report, after the bytes before it (a cut
  // .gz: its partial last line is the loss, as when the file is named; new-user review 20 F7:
  // reported here, the line was read whole and a damaged_input counted besides, one record more).
  let failure: Error | undefined;
  for (;;) {
    const r = await nextChunk(it);
    if (r instanceof Error) {
      failure = r;
      ended = true;
      break;
    }
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
    const b = r.value;
    let i = head.length === 1 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
    for (; i < b.length; i++) {
      const c = b[i];
      if (!isSpaceByte(c)) {
        first = c;
        firstAt = size + i;
        break;
      }
    }
    size += b.length;
    // stdin starting `P`, `W` or `<` may be Parquet, WARC or HTML: their first bytes are read whole.
    if (first !== -1 && (stdin === undefined || (first !== 0x50 && first !== 0x57 && first !== 0x3c) || size - firstAt >= 16)) break;
  }
  const other = stdin !== undefined && first !== -1 ? stdinFormat(Buffer.concat(head), firstAt) : undefined;
  if (other === 'warc') {
    const bytes = raw!;
    raw = null;
    // The decoder is left; the WARC reader reads the bytes as they came, then the rest of stdin.
    await it.return?.(undefined);
    async function* again(): AsyncGenerator<Buffer> {
      yield* bytes.splice(0);
      for (;;) {
        const r = await stdin!.next();
        if (r.done) return;
        yield r.value;
      }
    }
    try {
      yield* (await warc()).readWarc(path, events, s, again());
    } finally {
      await stdin!.return?.(undefined);
    }
    return;
  }
  raw = null;
  let array = first === 0x5b;
  if (array && path === '-') {
    // stdin has no name to go by: read on to the end of the first line and the next non-space byte.
    let nl = -1;
    let scanned = firstAt;
    let next = false;
    const scan = (b: Buffer, base: number): void => {
      for (let j = Math.max(0, scanned - base); j < b.length && !next; j++) {
        if (nl === -1) {
          if (b[j] === 10) nl = base + j;
        } else if (!isSpaceByte(b[j])) next = true;
      }
      scanned = base + b.length;
    };
    let base = 0;
    for (const b of head) {
      scan(b, base);
      base += b.length;
    }
    while (!ended && !next && (nl !== -1 || size - firstAt < STDIN_SNIFF_BYTES)) {
      const r = await nextChunk(it);
      if (r instanceof Error || r.done) {
        if (r instanceof Error) failure = r;
        ended = true;
        break;
      }
      head.push(r.value);
      scan(r.value, size);
      size += r.value.length;
    }
    array = stdinIsArray(Buffer.concat(head), firstAt, !ended, s.wrapArrays);
  }
  async function* replay(): AsyncGenerator<Buffer> {
    yield* head;
    if (failure !== undefined) throw failure;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  // Left before its end, the file under `it` is closed now, not by the garbage collector.
  // The Parquet and HTML readers take their bytes whole: a failure in the sniffed bytes is told here.
  if (failure !== undefined && (other === 'parquet' || other === 'html')) {
    events.fileError(fileErrorOf(path, failure, 0));
    failure = undefined;
  }
  try {
    if (other === 'parquet') yield* (await parquet()).readParquet(path, events, s, replay());
    else if (other === 'html') yield* (await html()).readHtml(path, events, s, replay());
    else if (array) yield* (await jsonArray()).readJsonArray(path, events, s, replay());
    else yield* readJsonl(path, events, s, replay());
  } finally {
    await it.return?.(undefined);
    await stdin?.return?.(undefined);
  }
}

function readOne(path: string, events: ReadEvents, s: ReadSettings): AsyncGenerator<Doc[]> {
  const f = s.format !== 'auto' ? s.format : path === '-' ? 'json' : formatOf(path);
  switch (f) {
    case 'csv':
      return later(async () => (await csv()).readCsv(path, events, s, ','));
    case 'tsv':
      return later(async () => (await csv()).readCsv(path, events, s, '\t'));
    case 'txt':
      return later(async () => (await text()).readText(path, events, s));
    case 'parquet':
      return later(async () => (await parquet()).readParquet(path, events, s));
    case 'warc':
      return later(async () => (await warc()).readWarc(path, events, s));
    case 'html':
      return later(async () => (await html()).readHtml(path, events, s));
    case 'json':
      return s.format === 'json' ? later(async () => (await jsonArray()).readJsonArray(path, events, s)) : sniffJson(path, events, s);
    default:
      return readJsonl(path, events, s);
  }
}

/** The first line of a Git LFS pointer file (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md). */
const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1';

/**
 * What to say when `path` is a Git LFS pointer (a repository, a Hugging Face dataset, cloned
 * without Git LFS: each data file is a 3-line text naming its object), else undefined. Read as
 * the data it was a damaged Parquet footer or JSON Lines that do not parse, every hint about
 * damage or format (new-user review 10 #14). A pointer is under 1,024 bytes (the spec's limit).
 */
async function lfsPointer(path: string): Promise<{ message: string; text: string; size?: number } | undefined> {
  // Only a small regular file: a FIFO or /dev/fd/N (bash's <(...)) would lose the bytes read here.
  const st = await stat(fsPath(path)).catch(() => undefined);
  if (st === undefined || !st.isFile() || st.size > 1024) return undefined; // the reader says why it cannot open it
  let fh;
  try {
    fh = await open(fsPath(path), 'r');
  } catch {
    return undefined;
  }
  try {
    const b = Buffer.alloc(1025);
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    if (bytesRead > 1024 || !b.subarray(0, bytesRead).toString('latin1').startsWith(LFS_POINTER)) return undefined;
    const text = b.subarray(0, bytesRead).toString('latin1');
    const size = /\nsize (\d+)/.exec(text)?.[1];
    const message = `a Git LFS pointer, not the data${size !== undefined ? ` (of ${size} bytes)` : ''} (lfs_pointer): the repository was cloned without Git LFS; run 'git lfs pull' in it (or download the files, e.g. with huggingface-cli download) and read it again`;
    return { message, text, ...(size !== undefined ? { size: Number(size) } : {}) };
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}

/**
 * A source over files, in the order given (see `expandInputs` for a deterministic order).
 * `-` reads stdin (JSON Lines, or a JSON array when it begins with `[` and its first line is not a
 * whole JSON value; or the format given). Plain, gzip and zstd inputs are told
 * apart by their first bytes.
 */
export function readFiles(paths: readonly string[], options: ReadOptions = {}): DocSource {
  const s = readSettings(options);
  return {
    async *read(events) {
      for (const p of paths) {
        events.file(p);
        const lfs = p === '-' ? undefined : await lfsPointer(p);
        if (lfs !== undefined) {
          // One reject of its own reason (not damaged_input, whose hint is "read an intact copy"),
          // counted as one record read, and an error line (exit 1): nothing of the data was read.
          events.read(1, 0);
          events.reject({ reason: 'lfs_pointer', source: `${p}:1`, raw: lfs.text, detail: { size: lfs.size } });
          events.fileError({ file: p, message: lfs.message, recordsBefore: 0, rejected: true });
          continue;
        }
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

/** Each chunk copied as it comes. */
async function* copies(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const c of chunks) yield Buffer.from(c);
}

/** A source over in-memory byte chunks in one format, for tests and embedding. */
export function readChunks(name: string, chunks: AsyncIterable<Buffer>, format: Exclude<InputFormat, 'auto'>, options: ReadOptions = {}): DocSource {
  const s = readSettings({ ...options, format });
  return {
    async *read(events) {
      events.file(name);
      // JSON Lines and text lines read on after a damaged zstd frame (gap chunks); the other readers stop there.
      // A caller may fill its buffer again for the next chunk: JSON Lines records keep views of
      // the bytes they were read from (readJsonl's `chunks`), so they get a copy.
      const d = decoded(format === 'jsonl' ? copies(chunks) : chunks, undefined, format === 'jsonl' || (format === 'txt' && s.txtMode === 'line'));
      if (format === 'jsonl') yield* readJsonl(name, events, s, d);
      else if (format === 'json') yield* (await jsonArray()).readJsonArray(name, events, s, d);
      else if (format === 'csv' || format === 'tsv') yield* (await csv()).readCsv(name, events, s, format === 'csv' ? ',' : '\t', d);
      else if (format === 'warc') yield* (await warc()).readWarc(name, events, s, chunks);
      else if (format === 'html') yield* (await html()).readHtml(name, events, s, d);
      else if (format === 'parquet') yield* (await parquet()).readParquet(name, events, s, await collect(chunks));
      else yield* (await text()).readText(name, events, s, d);
    },
  };
}
