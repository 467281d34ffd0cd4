import { StringDecoder } from 'node:string_decoder';
import type streamArrayModule from 'stream-json/streamers/stream-array.js';
import { none } from 'stream-chain/defs.js';
import type { Doc, JsonObject } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { depthOf, MAX_DEPTH, stringifyDeep } from '../json.js';
import { docFromValue } from './jsonl.js';
import type { ReadSettings } from './options.js';
import { rawFields } from './options.js';

const BATCH = 1000;

interface Item {
  key: number;
  value: unknown;
}
type Parse = (input: string | typeof none) => AsyncIterable<Item>;

/** Elements of one piece of text, in order; a syntax error throws after nothing from this piece. */
async function parsePiece(parse: Parse, text: string | typeof none, out: Item[]): Promise<void> {
  for await (const item of parse(text)) out.push(item);
}

/**
 * Read a JSON array file (XTuner `.json`) element by element with stream-json, so memory stays
 * flat. Sources are `file:[index]`. An element that is not an object is rejected as
 * `not_object`. A syntax error ends the file and is reported as a file error; every element
 * before it is kept: stream-json drops the elements of the chunk in which it fails, so for a
 * file the text is parsed again up to that chunk and the chunk is fed one character at a time.
 */
export async function* readJsonArray(
  path: string,
  events: ReadEvents,
  s: ReadSettings,
  chunks?: AsyncIterable<Buffer>,
  /** The file can be read again from `path` (for the salvage after a syntax error). */
  canReopen = chunks === undefined && path !== '-',
): AsyncGenerator<Doc[]> {
  let batch: Doc[] = [];
  let n = 0;
  let bytes = 0;
  let next = 0; // index of the next element to hand out
  const take = (item: Item): void => {
    if (item.key < next) return;
    next = item.key + 1;
    n++;
    const v = item.value;
    const source = `${path}:[${item.key}]`;
    if (v !== null && typeof v === 'object' && depthOf(v) > MAX_DEPTH) {
      // Rejected here, as in JSONL: JSON.stringify (writers) and recursive stages overflow on it.
      const r = rawFields(stringifyDeep(v, s.maxRawChars), s.maxRawChars);
      events.reject({ reason: 'too_deep', source, raw: r.raw, detail: { limit: MAX_DEPTH, ...(r.detail ? { raw_truncated: true } : {}) } });
    } else if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      const r = rawFields(JSON.stringify(v) ?? String(v), s.maxRawChars);
      events.reject({ reason: 'not_object', source, raw: r.raw, ...(r.detail ? { detail: r.detail } : {}) });
    } else batch.push(docFromValue(v as JsonObject, source));
  };
  const flush = (): Doc[] => {
    events.read(n, bytes);
    n = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };

  let failedChunk = -1;
  let failure: Error | null = null;
  // stream-json is loaded on first use (start-up of commands that read no JSON array).
  const streamArray: typeof streamArrayModule = (await import('stream-json/streamers/stream-array.js')).default;
  const parse = streamArray.withParser() as unknown as Parse;
  const decoder = new StringDecoder('utf8');
  let index = 0;
  const items: Item[] = [];
  try {
    for await (const chunk of chunks ?? openDecoded(path)) {
      bytes += chunk.length;
      try {
        await parsePiece(parse, decoder.write(chunk), items);
      } catch (e) {
        failedChunk = index;
        failure = e as Error;
        break;
      }
      index++;
      for (const it of items.splice(0)) take(it);
      if (batch.length >= BATCH || n >= BATCH) yield flush();
    }
    if (failure === null) await parsePiece(parse, none, items);
  } catch (e) {
    // A damaged compressed file or the parser's end-of-input check.
    failure ??= e as Error;
  }
  for (const it of items.splice(0)) take(it);
  if (failedChunk >= 0 && canReopen) {
    // Parse again up to the failing chunk, then feed it one character at a time.
    const again = streamArray.withParser() as unknown as Parse;
    const dec = new StringDecoder('utf8');
    let i = 0;
    try {
      for await (const chunk of openDecoded(path)) {
        const text = dec.write(chunk);
        if (i < failedChunk) await parsePiece(again, text, items);
        else {
          for (const ch of text) {
            await parsePiece(again, ch, items);
            for (const it of items.splice(0)) take(it);
          }
          break;
        }
        for (const it of items.splice(0)) take(it);
        i++;
      }
    } catch {
      // The same syntax error: everything before it has been taken.
    }
    for (const it of items.splice(0)) take(it);
  }
  if (failure !== null) events.fileError({ file: path, message: `${failure.message} (after element ${next})`, recordsBefore: next });
  const b = flush();
  if (b.length > 0) yield b;
}
