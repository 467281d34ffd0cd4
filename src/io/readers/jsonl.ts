import type { Doc, JsonObject } from '../../core/doc.js';
import { docAt, makeDoc } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { isBlank, LineSplitter, validUtf8 } from '../lines.js';
import type { ReadSettings } from './options.js';
import { rawFields } from './options.js';

/** A record from a parsed JSON value: its own `attrs` object, when present, carries over. */
export function docFromValue(data: JsonObject, source: string, line?: number): Doc {
  const doc = line === undefined ? makeDoc(data, source) : docAt(data, source, line);
  const a = data.attrs;
  if (a !== undefined && a !== null && typeof a === 'object' && !Array.isArray(a)) doc.attrs = a as Record<string, unknown>;
  return doc;
}

/**
 * Read JSON Lines (plain, gzip or zstd). Every line is either a record or a reject with a
 * reason: `blank_line`, `invalid_utf8`, `json_parse`, `not_object`, `line_too_long`,
 * `truncated_input`. A damaged compressed file keeps the records before the damage and is
 * reported through `events.fileError`.
 */
export async function* readJsonl(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  let batch: Doc[] = [];
  let lines = 0;
  let bytes = 0;
  const reject = (reason: string, line: number, raw?: string, extra?: Record<string, unknown>): void => {
    const r: { raw?: string; detail?: Record<string, unknown> } = raw === undefined ? {} : rawFields(raw, s.maxRawChars);
    const detail = r.detail || extra ? { ...r.detail, ...extra } : undefined;
    events.reject({ reason, source: `${path}:${line}`, ...(r.raw !== undefined ? { raw: r.raw } : {}), ...(detail ? { detail } : {}) });
  };
  const onLine = (buf: Buffer, start: number, end: number, lineNo: number, utf8: boolean): void => {
    lines++;
    if (lineNo === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    if (isBlank(buf, start, end)) return reject('blank_line', lineNo);
    if (!utf8 && !validUtf8(buf, start, end)) {
      return events.reject({ reason: 'invalid_utf8', source: `${path}:${lineNo}`, raw_base64: buf.toString('base64', start, end) });
    }
    const text = buf.toString('utf8', start, end);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return reject('json_parse', lineNo, text, { error: (e as Error).message });
    }
    if (Array.isArray(value) && s.wrapArrays !== undefined) value = { [s.wrapArrays]: value };
    else if (value === null || typeof value !== 'object' || Array.isArray(value)) return reject('not_object', lineNo, text);
    batch.push(docFromValue(value as JsonObject, path, lineNo));
  };
  const onLong = (head: Buffer, n: number, lineNo: number): void => {
    lines++;
    reject('line_too_long', lineNo, head.toString('utf8'), { bytes: n, limit: s.maxLineBytes });
  };
  const splitter = new LineSplitter(onLine, onLong, s.maxLineBytes);
  const flush = (): Doc[] => {
    events.read(lines, bytes);
    lines = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  try {
    for await (const chunk of chunks ?? openDecoded(path)) {
      bytes += chunk.length;
      splitter.push(chunk);
      if (batch.length > 0 || lines > 0) {
        const b = flush();
        if (b.length > 0) yield b;
      }
    }
    splitter.end();
  } catch (e) {
    const partial = splitter.takePartial();
    if (partial !== null && partial.length > 0) {
      lines++;
      reject('truncated_input', splitter.lineNo + 1, partial.toString('utf8'));
    }
    events.fileError({ file: path, message: (e as Error).message, recordsBefore: splitter.lineNo });
  }
  const b = flush();
  if (b.length > 0) yield b;
}
