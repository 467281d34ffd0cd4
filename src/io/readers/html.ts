import type { Doc } from '../../core/doc.js';
import { makeDoc } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { decodeHtml, declaredOf } from '../../stages/extract/charset.js';
import { htmlToText } from '../../stages/extract/html.js';
import type { ReadSettings } from './options.js';
import { readWhole } from './whole.js';

/**
 * Read an HTML file (plain, gzip or zstd) as one record `{id: path, title, charset, text}`: the
 * charset by `decodeHtml` (a byte-order mark, the `<meta>`, else a guess; `charset_declared` when
 * the bytes overruled the `<meta>`), the text by `htmlToText`, the
 * extractor of the `extract` stage. Rejects: `file_too_large` (over `maxLineBytes`),
 * `extract_empty` (no text), `truncated_input` (a damaged compressed file).
 */
export async function* readHtml(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  const { buf, bytes, damaged } = await readWhole(path, s.maxLineBytes, chunks);
  events.read(1, bytes);
  const source = `${path}:1`;
  if (damaged !== null) {
    events.reject({ reason: 'truncated_input', source, detail: { bytes } });
    events.fileError({ file: path, message: damaged.message, recordsBefore: 0 });
    return;
  }
  if (bytes > s.maxLineBytes) {
    events.reject({ reason: 'file_too_large', source, detail: { limit: s.maxLineBytes } });
    return;
  }
  const decoded = decodeHtml(buf);
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
  yield [makeDoc({ id: path, title: r.title, charset: decoded.charset, ...declaredOf(decoded), text: r.text }, source)];
}
