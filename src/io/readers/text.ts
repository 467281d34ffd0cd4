import type { Doc } from '../../core/doc.js';
import { docAt, makeDoc } from '../../core/doc.js';
import { tooLarge } from './recordSize.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { refuseWideBom } from './utf16.js';
import { isBlank, LineSplitter, validUtf8 } from '../lines.js';
import type { ReadSettings } from './options.js';
import { rawFields, unverifiedReject } from './options.js';
import { unverifiedOf } from '../holdback.js';
import { gapOf } from '../gap.js';
import { BlankRuns } from './jsonl.js';
import { fileErrorOf, nextChunk } from '../ioFailure.js';
import { readWhole } from './whole.js';
import { textBinaryKind } from './binary.js';

/**
 * Read plain text: the whole file as one record `{"id": path, "text": ...}` (default), or with
 * `txtMode: 'line'` one record `{"text": line}` per non-blank line (blank lines are separators,
 * counted as read and rejected as `blank_line` so the accounting still adds up). Invalid UTF-8
 * is rejected as `invalid_utf8` with the bytes in base64.
 */
export async function* readText(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  if (s.txtMode === 'line') {
    let batch: Doc[] = [];
    let lines = 0;
    let bytes = 0;
    const blanks = new BlankRuns(path, events);
    /** The lines now split come from unverified bytes (holdback.ts): each is an `unverified` reject. */
    let unverified = false;
    /** The next line follows a damaged stretch read past (a zstd gap). */
    let nextToGap = false;
    const splitter = new LineSplitter(
      (buf, start, end, lineNo, utf8) => {
        lines++;
        const atGap = nextToGap;
        nextToGap = false;
        // The stretch ended right before a line end: that is the end of the line it cut, not a line.
        if (atGap && end === start) return void lines--;
        if (lineNo === 1 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
        if (isBlank(buf, start, end)) return blanks.add(lineNo);
        blanks.flush();
        // The first line after a damaged stretch read past may have lost its start: nothing tells.
        if (atGap && !unverified) {
          const r = rawFields(buf.toString('utf8', start, end), s.maxRawChars);
          return events.reject({ reason: 'truncated_input', source: `${path}:${lineNo}`, raw: r.raw, detail: { ...r.detail, next_to_damage: true } });
        }
        if (unverified) return events.reject(unverifiedReject(`${path}:${lineNo}`, buf, start, end, s.maxRawChars));
        if (!utf8 && !validUtf8(buf, start, end)) {
          return events.reject({ reason: 'invalid_utf8', source: `${path}:${lineNo}`, raw_base64: buf.toString('base64', start, end) });
        }
        // A line holding NUL bytes (a zeroed stretch of a file after a crash) is not text.
        // On the line's bytes only (a view): indexOf from `start` on the whole chunk would scan to
        // the chunk's end for every line of a file without NULs.
        const at = buf.subarray(start, end).indexOf(0);
        const nul = at < 0 ? -1 : start + at;
        if (nul >= 0) {
          const r = rawFields(buf.toString('utf8', start, end), s.maxRawChars);
          return events.reject({ reason: 'binary_content', source: `${path}:${lineNo}`, raw: r.raw, detail: { ...r.detail, kind: 'NUL bytes', offset: nul - start } });
        }
        const record = { text: buf.toString('utf8', start, end) };
        // A line whose JSON line would be over the line limit (F47: escapes make it longer).
        const big = tooLarge(record, s.maxLineBytes, `${path}:${lineNo}`);
        if (big !== undefined) return events.reject(big);
        batch.push(docAt(record, path, lineNo));
      },
      (head, n, lineNo) => {
        lines++;
        blanks.flush();
        events.reject({ reason: 'line_too_long', source: `${path}:${lineNo}`, raw: head.toString('utf8'), detail: { bytes: n, raw_truncated: true } });
      },
      s.maxLineBytes,
    );
    // A .zst goes on after a damaged frame (gap chunks, above).
    const it = refuseWideBom(chunks ?? openDecoded(path, true))[Symbol.asyncIterator]();
    let open = true;
    try {
      for (;;) {
        const r = await nextChunk(it);
        const gap = r instanceof Error || r.done === true ? undefined : gapOf(r.value);
        if (gap !== undefined) {
          // A damaged stretch read past (a .zst): the line it cut before it, the stretch (one
          // damaged_input), then the line after it (see above). Lines are independent: reading goes on.
          const partial = splitter.takePartial();
          if (partial !== null && partial.length > 0) {
            lines++;
            splitter.lineNo++;
            if (unverified) events.reject(unverifiedReject(`${path}:${splitter.lineNo}`, partial, 0, partial.length, s.maxRawChars, { unfinished: true }));
            else {
              const raw = rawFields(partial.toString('utf8'), s.maxRawChars);
              events.reject({ reason: 'truncated_input', source: `${path}:${splitter.lineNo}`, raw: raw.raw, detail: { ...raw.detail, next_to_damage: true } });
            }
          }
          unverified = false;
          blanks.flush();
          events.fileError(fileErrorOf(path, gap, splitter.lineNo));
          splitter.lineNo++; // the stretch's own number (its damaged_input reject's source)
          nextToGap = true;
          continue;
        }
        if (r instanceof Error) {
          open = false;
          blanks.flush();
          const partial = splitter.takePartial();
          const cut = partial !== null && partial.length > 0;
          if (cut) {
            lines++;
            if (unverified) events.reject(unverifiedReject(`${path}:${++splitter.lineNo}`, partial, 0, partial.length, s.maxRawChars, { unfinished: true }));
            else events.reject({ reason: 'truncated_input', source: `${path}:${splitter.lineNo + 1}`, raw: partial.toString('utf8') });
          }
          events.fileError(fileErrorOf(path, r, splitter.lineNo, cut));
          break;
        }
        if (r.done) {
          open = false;
          splitter.end();
          blanks.flush();
          break;
        }
        const held = unverifiedOf(r.value);
        if (held !== undefined) {
          unverified = true;
          for (const h of held) {
            bytes += h.length;
            splitter.push(h);
          }
        } else {
          bytes += r.value.length;
          splitter.push(r.value);
        }
        events.read(lines, bytes);
        lines = 0;
        bytes = 0;
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
      }
    } finally {
      // The consumer stopped early (or a line's handling threw): close the input.
      if (open) await it.return?.(undefined);
    }
    events.read(lines, bytes);
    if (batch.length > 0) yield batch;
    return;
  }
  const whole = await readWhole(path, s.maxLineBytes, refuseWideBom(chunks ?? openDecoded(path)));
  const { bytes, damaged } = whole;
  if (damaged !== null && bytes === 0) {
    // Nothing of the file was read (damage at byte 0, a UTF-16 file): no record to count or reject.
    events.fileError({ file: path, message: damaged.message, recordsBefore: 0 });
    return;
  }
  events.read(1, bytes);
  let binary: { kind: string; offset?: number } | null;
  let buf = whole.buf;
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
  const source = `${path}:1`;
  if (damaged !== null && whole.unverified) {
    // What the file decoded to was never verified (holdback.ts): rejected whole, with its text.
    events.reject(unverifiedReject(source, buf, 0, buf.length, s.maxRawChars));
    events.fileError({ ...fileErrorOf(path, damaged, 0), rejected: true });
  } else if (damaged !== null) {
    const r = rawFields(buf.toString('utf8'), s.maxRawChars);
    events.reject({ reason: 'truncated_input', source, raw: r.raw, ...(r.detail ? { detail: r.detail } : {}) });
    // The file is one record, rejected whole: that reject stands for the damage.
    events.fileError({ ...fileErrorOf(path, damaged, 0), rejected: true });
  } else if (bytes > s.maxLineBytes) {
    // Its first 4,096 bytes (cut on a character), saying it is cut and how much was read (F41).
    events.reject({ reason: 'file_too_large', source, raw: headText(buf, 4096), detail: { limit: s.maxLineBytes, bytes_read: bytes, raw_truncated: true } });
  } else if ((binary = textBinaryKind(buf)) !== null) {
    // A file of zeros (what a crash leaves after a size-extending write) or an executable, an
    // image, an archive under a .txt name: not text (as the HTML reader tells such pages).
    const r = rawFields(buf.toString('utf8'), s.maxRawChars);
    events.reject({ reason: 'binary_content', source, raw: r.raw, detail: { ...r.detail, ...binary, bytes } });
  } else if (!validUtf8(buf, 0, buf.length)) {
    events.reject({ reason: 'invalid_utf8', source, raw_base64: buf.toString('base64') });
  } else {
    const record = { id: path, text: buf.toString('utf8') };
    const big = tooLarge(record, s.maxLineBytes, source);
    if (big !== undefined) events.reject(big);
    else yield [makeDoc(record, source)];
  }
}

/** The first `n` bytes of `buf` as text, without a character the cut would split. */
function headText(buf: Buffer, n: number): string {
  let end = Math.min(n, buf.length);
  // Back off over the continuation bytes of a character the cut splits, and its lead byte.
  if (end < buf.length && (buf[end] & 0xc0) === 0x80) {
    while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  }
  return buf.toString('utf8', 0, end);
}
