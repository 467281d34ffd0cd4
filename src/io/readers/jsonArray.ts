import { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import type { Doc, JsonObject } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { docFromValue } from './jsonl.js';
import type { ReadSettings } from './options.js';

const BATCH = 1000;

/**
 * Read a JSON array file (XTuner `.json`) element by element with stream-json, so memory stays
 * flat. Sources are `file:[index]`. An element that is not an object is rejected as
 * `not_object`; a syntax error ends the file (records before it are kept) and is reported as a
 * file error.
 */
export async function* readJsonArray(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const c of chunks ?? openDecoded(path)) {
      bytes += c.length;
      yield c;
    }
  }
  const src = Readable.from(counted());
  const items = streamArray.withParserAsStream();
  src.on('error', (e) => items.destroy(e));
  src.pipe(items);
  let batch: Doc[] = [];
  let n = 0;
  let index = 0;
  const flush = (): Doc[] => {
    events.read(n, bytes);
    n = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  try {
    for await (const item of items as AsyncIterable<{ key: number; value: unknown }>) {
      index = item.key + 1;
      n++;
      const v = item.value;
      const source = `${path}:[${item.key}]`;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        const raw = JSON.stringify(v) ?? String(v);
        events.reject({ reason: 'not_object', source, raw: raw.slice(0, s.maxRawChars) });
      } else batch.push(docFromValue(v as JsonObject, source));
      if (n >= BATCH) yield flush();
    }
  } catch (e) {
    events.fileError({ file: path, message: `${(e as Error).message} (after element ${index})`, recordsBefore: index });
  }
  const b = flush();
  if (b.length > 0) yield b;
}
