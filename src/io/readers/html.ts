import type { Doc, JsonObject } from '../../core/doc.js';
import { makeDoc } from '../../core/doc.js';
import { tooLarge } from './recordSize.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { decodeHtml, declaredOf } from '../../stages/extract/charset.js';
import { htmlToText } from '../../stages/extract/html.js';
import type { ReadSettings } from './options.js';
import { readWhole } from './whole.js';
import { fileErrorOf } from '../ioFailure.js';
import { binaryKind } from './binary.js';

/**
 * Read an HTML file (plain, gzip or zstd) as one record `{id: path, title, charset, text}`: the
 * charset by `decodeHtml` (a byte-order mark, the `<meta>`, else a guess; `charset_declared` when
 * the bytes overruled the `<meta>`, `charset_guess: 'low'` when the text may be garbage), the text by `htmlToText`, the
 * extractor of the `extract` stage. Rejects: `file_too_large` (over `maxLineBytes`),
 * `binary_content` (an executable, PDF, image or archive, or bytes with NULs: `detail.kind`),
 * `extract_empty` (no text), `truncated_input` (a damaged compressed file). With `htmlField` set
 * (an `extract` stage follows) the record is `{id, charset, [htmlField]: page}`, not extracted here.
 */
export async function* readHtml(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  const { buf, bytes, damaged, unverified } = await readWhole(path, s.maxLineBytes, chunks);
  events.read(1, bytes);
  const source = `${path}:1`;
  if (damaged !== null) {
    // (`unverified`: what the page decoded to was never verified, holdback.ts.)
    events.reject({ reason: unverified ? 'unverified' : 'truncated_input', source, detail: { bytes } });
    // The file is one record, rejected whole: that reject stands for the damage.
    events.fileError({ ...fileErrorOf(path, damaged, 0), rejected: true });
    return;
  }
  if (bytes > s.maxLineBytes) {
    events.reject({ reason: 'file_too_large', source, detail: { limit: s.maxLineBytes, bytes_read: bytes } });
    return;
  }
  const decoded = decodeHtml(buf);
  // An executable, PDF, image or archive under an HTML name: not a page (its "text" would be NULs).
  const binary = binaryKind(buf, decoded.charset);
  if (binary !== null) {
    events.reject({ reason: 'binary_content', source, detail: { kind: binary, bytes } });
    return;
  }
  if (s.htmlField !== undefined) {
    // An `extract` stage comes next and extracts with its own options.
    yield* fitting({ id: path, charset: decoded.charset, ...declaredOf(decoded), [s.htmlField]: decoded.html }, source, events, s);
    return;
  }
  let r;
  try {
    r = htmlToText(decoded.html);
  } catch (e) {
    events.reject({ reason: 'extract_failed', source, detail: { error: (e as Error).message } });
    return;
  }
  if (r.text === '') {
    events.reject({ reason: 'extract_empty', source });
    return;
  }
  yield* fitting({ id: path, title: r.title, charset: decoded.charset, ...declaredOf(decoded), text: r.text }, source, events, s);
}

/** The page as a record, or its `record_too_large` reject when its JSON line would be over the line limit (F47: a page's quotes are escaped). */
function* fitting(record: JsonObject, source: string, events: ReadEvents, s: ReadSettings): Generator<Doc[]> {
  const big = tooLarge(record, s.maxLineBytes, source);
  if (big !== undefined) events.reject(big);
  else yield [makeDoc(record, source)];
}
