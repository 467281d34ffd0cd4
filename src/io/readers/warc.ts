import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { WARCRecord } from 'warcio';
import type { Doc, JsonObject } from '../../core/doc.js';
import { docAt } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { decodeHtml } from '../../stages/extract/charset.js';
import { htmlToText } from '../../stages/extract/html.js';
import type { ReadSettings } from './options.js';

/** Records handed downstream at a time (extraction is the slow part, so batches stay small). */
const BATCH = 64;
const HTML_TYPES = /^\s*(text\/html|application\/xhtml\+xml)\b/i;

/** A WARC header value without the angle brackets WARC/1.0 puts around URIs. */
function bare(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1) : v;
}

/**
 * Read a WARC file (`.warc`, `.warc.gz` with one gzip member per record, or a WET file) with
 * warcio. Each HTML `response` record becomes `{url, date, warc_record_id, content_type,
 * charset, title, text}`, the text extracted by `htmlToText` (the `extract` stage's extractor)
 * after decoding with the charset of the HTTP header, else of the `<meta>`. Each WET
 * `conversion` record becomes the same fields with its text as it is. Other record types
 * (`warcinfo`, `request`, `metadata`, `resource`) are not documents and are passed over.
 * Sources are `file:N`, N the 1-based number of the WARC record in the file.
 *
 * Rejects (each counted as one record read): `warc_not_html` (a response of another content
 * type, in `detail.content_type`), `warc_http_status` (not 2xx), `warc_too_large` (a body over
 * `maxLineBytes`), `extract_empty` (no text found), `extract_failed` (the extractor threw), `warc_damaged` (the record cannot be
 * parsed; the rest of the file cannot be found reliably after it, so reading the file stops,
 * with a `fileError`, keeping the records before).
 */
export async function* readWarc(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  let bytes = 0;
  let total = 0;
  let stopped = false;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const c of chunks ?? createReadStream(path, { highWaterMark: 1 << 20 })) {
      bytes += c.length;
      total += c.length;
      yield c as Buffer;
    }
  }
  // warcio is loaded on first use (start-up of commands that read no WARC).
  const { WARCParser } = await import('warcio');
  const parser = new WARCParser(Readable.from(counted()));
  const it = parser[Symbol.asyncIterator]();
  let n = 0;
  let read = 0;
  let batch: Doc[] = [];
  const flush = (): Doc[] => {
    events.read(read, bytes);
    read = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  for (;;) {
    let record: WARCRecord;
    try {
      const r = await it.next();
      if (r.done) break;
      record = r.value;
    } catch (e) {
      read++;
      events.reject({ reason: 'warc_damaged', source: `${path}:${n + 1}`, detail: { error: (e as Error).message } });
      events.fileError({ file: path, message: `WARC record ${n + 1} is damaged: ${(e as Error).message}`, recordsBefore: n });
      stopped = true;
      break;
    }
    n++;
    const source = `${path}:${n}`;
    try {
      const doc = await toDoc(record, path, n, source, events, s);
      if (doc !== undefined) read++;
      if (doc) batch.push(doc);
    } catch (e) {
      read++;
      events.reject({ reason: 'warc_damaged', source, detail: { error: (e as Error).message } });
      events.fileError({ file: path, message: `WARC record ${n} is damaged: ${(e as Error).message}`, recordsBefore: n - 1 });
      stopped = true;
      break;
    }
    if (batch.length >= BATCH) yield flush();
  }
  // warcio ends quietly at a gzip member it cannot inflate, or at a record cut short: the
  // bytes after its last record tell. (A few stray line ends at the end of a file are fine.)
  // The size of a file, not what was read: warcio may stop before reading to the end.
  if (chunks === undefined) total = Math.max(total, (await stat(path).catch(() => ({ size: 0 }))).size);
  if (!stopped && total - parser.offset > 4) {
    read++;
    const error = `${total - parser.offset} bytes after record ${n} could not be read as WARC records`;
    events.reject({ reason: 'warc_damaged', source: `${path}:${n + 1}`, detail: { error, offset: parser.offset } });
    events.fileError({ file: path, message: `WARC record ${n + 1} is damaged: ${error}`, recordsBefore: n });
  }
  const b = flush();
  if (b.length > 0) yield b;
}

/**
 * Bytes of a record's block that never arrived: warcio hands out a body cut short by the end of
 * the file without a word. Read from its LimitReader's remaining `limit` (not in warcio's typed
 * API; 0 when the field is not there).
 */
function missingBytes(record: WARCRecord): number {
  const r = (record as unknown as { _reader?: { limit?: unknown } })._reader;
  return typeof r?.limit === 'number' && r.limit > 0 ? r.limit : 0;
}

/**
 * One WARC record as a document (`Doc`), a reject (`null`, already reported), or not a document
 * at all (`undefined`: warcinfo, request, metadata, resource).
 */
async function toDoc(record: WARCRecord, path: string, n: number, source: string, events: ReadEvents, s: ReadSettings): Promise<Doc | null | undefined> {
  const type = record.warcType;
  if (type !== 'response' && type !== 'conversion') {
    await record.skipFully();
    return undefined;
  }
  const meta = (): JsonObject => ({
    url: bare(record.warcTargetURI),
    date: record.warcDate ?? null,
    warc_record_id: bare(record.warcHeader('WARC-Record-ID')),
  });
  if (type === 'conversion') {
    const body = await record.readFully(false);
    const missing = missingBytes(record);
    if (missing > 0) throw new Error(`the record is cut short: ${missing} bytes of its block are missing`);
    const text = new TextDecoder('utf-8').decode(body).trim();
    if (text === '') {
      events.reject({ reason: 'extract_empty', source, detail: meta() });
      return null;
    }
    return docAt({ ...meta(), content_type: record.warcContentType ?? 'text/plain', text }, path, n);
  }
  const http = record.httpHeaders;
  const contentType = http?.headers.get('content-type') ?? null;
  const status = http?.statusCode === undefined ? undefined : Number(http.statusCode);
  if (status !== undefined && (status < 200 || status > 299)) {
    await record.skipFully();
    events.reject({ reason: 'warc_http_status', source, detail: { ...meta(), status } });
    return null;
  }
  if (contentType === null || !HTML_TYPES.test(contentType)) {
    await record.skipFully();
    events.reject({ reason: 'warc_not_html', source, detail: { ...meta(), content_type: contentType } });
    return null;
  }
  if (record.warcContentLength > s.maxLineBytes) {
    await record.skipFully();
    events.reject({ reason: 'warc_too_large', source, detail: { ...meta(), bytes: record.warcContentLength, limit: s.maxLineBytes } });
    return null;
  }
  const body = await record.readFully(true);
  const missing = missingBytes(record);
  if (missing > 0) throw new Error(`the record is cut short: ${missing} bytes of its block are missing`);
  const decoded = decodeHtml(body, contentType);
  let r;
  try {
    r = htmlToText(decoded.html);
  } catch (e) {
    events.reject({ reason: 'extract_failed', source, detail: { ...meta(), error: (e as Error).message } });
    return null;
  }
  if (r.text === '') {
    events.reject({ reason: 'extract_empty', source, detail: meta() });
    return null;
  }
  return docAt({ ...meta(), content_type: contentType, charset: decoded.charset, title: r.title, text: r.text }, path, n);
}
