import { Readable } from 'node:stream';
import streamArray from 'stream-json/streamers/stream-array.js';
import type { Doc, JsonObject } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { batchesOf } from '../events.js';
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
  let last = -1;
  const take = (item: { key: number; value: unknown }): Doc | undefined => {
    last = item.key;
    const v = item.value;
    const source = `${path}:[${item.key}]`;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      const raw = JSON.stringify(v) ?? String(v);
      events.reject({ reason: 'not_object', source, raw: raw.slice(0, s.maxRawChars) });
      return undefined;
    }
    return docFromValue(v as JsonObject, source);
  };
  const onEnd = (e: Error | null): void => {
    if (e) events.fileError({ file: path, message: `${e.message} (after element ${last + 1})`, recordsBefore: last + 1 });
  };
  for await (const { items: docs, seen } of batchesOf(items, take, BATCH, onEnd)) {
    events.read(seen, bytes);
    bytes = 0;
    if (docs.length > 0) yield docs;
  }
  if (bytes > 0) events.read(0, bytes);
}
