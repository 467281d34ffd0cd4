import type { Doc } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { refuseWideBom } from './utf16.js';
import { ArraySplitter } from '../elements.js';
import { validUtf8 } from '../lines.js';
import { docFromValue, parseRecord, Unfit } from './jsonl.js';
import type { ReadSettings } from './options.js';
import { rawFields, unverifiedReject } from './options.js';
import { unverifiedOf } from '../holdback.js';
import { damageInfo, fileErrorOf, InputDamage, nextChunk, stopsHere } from '../ioFailure.js';

/**
 * Read a JSON array file (XTuner `.json`) element by element, so memory stays flat: the bytes
 * are cut into element texts (ArraySplitter) and each is read as a JSONL line is, so the same
 * checks apply: `duplicate_key` (an object naming a key twice), numbers JavaScript cannot hold
 * kept as written, `too_deep`, `not_object`, `json_parse` (an element that does not parse; the
 * elements after it are read), `invalid_utf8`, `line_too_long` (an element over the line limit).
 * Sources are `file:[index]`. A broken structure (a closer that does not match, data after the
 * array) or input that ends inside the array (`truncated_input` for a partial element) is a
 * file error naming the byte; every element before it is kept, and the element a stray closer
 * ended is a `damaged_input` reject with its text.
 */
export async function* readJsonArray(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  let batch: Doc[] = [];
  let n = 0;
  let bytes = 0;
  const reject = (reason: string, index: number, raw: string | undefined, extra?: Record<string, unknown>): void => {
    const r: { raw?: string; detail?: Record<string, unknown> } = raw === undefined ? {} : rawFields(raw, s.maxRawChars);
    const detail = r.detail || extra ? { ...r.detail, ...extra } : undefined;
    events.reject({ reason, source: `${path}:[${index}]`, ...(r.raw !== undefined ? { raw: r.raw } : {}), ...(detail ? { detail } : {}) });
  };
  const trim = (buf: Buffer, start: number, end: number): [number, number] => {
    while (start < end && isSpace(buf[start])) start++;
    while (end > start && isSpace(buf[end - 1])) end--;
    return [start, end];
  };
  const splitter = new ArraySplitter(
    (buf, start, end, index) => {
      n++;
      [start, end] = trim(buf, start, end);
      const source = `${path}:[${index}]`;
      if (kept !== null) return events.reject(unverifiedReject(source, buf, start, end, s.maxRawChars));
      if (!validUtf8(buf, start, end)) return events.reject({ reason: 'invalid_utf8', source, raw_base64: buf.toString('base64', start, end) });
      const r = parseRecord(buf, start, end, undefined, true);
      if (r instanceof Unfit) return reject(r.reason, index, r.text, r.extra);
      batch.push(docFromValue(r, source));
    },
    (head, size, index) => {
      n++;
      reject('line_too_long', index, head.toString('utf8'), { bytes: size, limit: s.maxLineBytes, raw_truncated: true });
    },
    s.maxLineBytes,
  );
  const flush = (): Doc[] => {
    events.read(n, bytes);
    n = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  const it = refuseWideBom(chunks ?? openDecoded(path))[Symbol.asyncIterator]();
  let damage: Error | null = null;
  /**
   * Unverified bytes pushed (holdback.ts `unverifiedChunk`) from the start of the element that
   * was being read when they began, with the offset of each: kept until an element ends past them,
   * so that a structure the damage broke still gives them all up, as one reject (`broken`).
   */
  let kept: { at: number; b: Buffer }[] | null = null;
  let broken: Buffer[] | null = null;
  const pushUnverified = (held: Buffer[]): void => {
    if (kept === null) {
      const lead = splitter.peekPartial();
      kept = [{ at: splitter.pushed - lead.length, b: lead }];
    }
    for (const h of held) {
      bytes += h.length;
      if (broken !== null) {
        broken.push(h);
        continue;
      }
      kept.push({ at: splitter.pushed, b: h });
      splitter.push(h);
      if (splitter.error !== null) {
        // The damage broke the structure: the rest of the unverified bytes, from the end of the
        // last element, are one reject.
        const from = splitter.handedTo;
        broken = kept.filter((k) => k.at + k.b.length > from).map((k) => k.b.subarray(Math.max(0, from - k.at)));
        continue;
      }
      while (kept.length > 0 && kept[0].at + kept[0].b.length <= splitter.handedTo) kept.shift();
    }
  };
  /**
   * Data after the array that is not another array (a JSON Lines tail, a stray value): kept as
   * the raw text of one `damaged_input` reject, up to `maxRawChars` bytes with its size, so that
   * nothing read is in neither file (F42). The damage that stops the input, if any, is returned.
   */
  let trailing: { parts: Buffer[]; size: number; total: number } | null = null;
  const readTrailing = async (): Promise<Error | null> => {
    const t = { parts: [] as Buffer[], size: 0, total: 0 };
    trailing = t;
    const add = (b: Buffer): void => {
      t.total += b.length;
      if (t.size >= s.maxRawChars) return;
      const part = b.subarray(0, s.maxRawChars - t.size);
      t.parts.push(part);
      t.size += part.length;
    };
    add(splitter.takePartial() ?? Buffer.alloc(0));
    for (;;) {
      const r = await nextChunk(it);
      if (r instanceof Error) return r;
      if (r.done) return null;
      for (const b of unverifiedOf(r.value) ?? [r.value]) {
        bytes += b.length;
        add(b);
      }
    }
  };
  // Left before its end, its input is closed now, not by the garbage collector (new-user review 10 #20).
  try {
    for (;;) {
      const r = await nextChunk(it);
      if (r instanceof Error) {
        damage = stopsHere(r, 'a JSON array is not read on after a damaged zstd frame (where the stretch leaves its nesting of brackets and strings cannot be told)');
        break;
      }
      if (r.done) break;
      const held = unverifiedOf(r.value);
      if (held !== undefined) {
        if (splitter.error === null || broken !== null) pushUnverified(held);
      } else {
        bytes += r.value.length;
        splitter.push(r.value);
      }
      if (splitter.error !== null && broken === null) {
        if (splitter.trailing && kept === null) damage = await readTrailing();
        break;
      }
      if (batch.length > 0 || n > 0) {
        const b = flush();
        if (b.length > 0) yield b;
      }
    }
    /** The input ended inside the array (cut short): a partial element rejected stands for the loss. */
    let endedInside = false;
    let partialRejected = false;
    if (broken !== null) {
      const all = Buffer.concat(broken);
      n++;
      partialRejected = true;
      events.reject(unverifiedReject(`${path}:[${splitter.index}]`, all, 0, all.length, s.maxRawChars, { unfinished: true, structure: splitter.error }));
    } else if (kept !== null && splitter.error === null) {
      // After unverified bytes comes the damage: the element they leave unfinished is one of them.
      const partial = splitter.takePartial();
      if (partial !== null) {
        n++;
        partialRejected = true;
        events.reject(unverifiedReject(`${path}:[${splitter.index}]`, partial, 0, partial.length, s.maxRawChars, { unfinished: true }));
      }
    } else if (splitter.error === null) {
      splitter.end();
      endedInside = damage === null && splitter.error !== null;
      if (splitter.error !== null || damage !== null) {
        const partial = splitter.takePartial();
        if (partial !== null) {
          n++;
          partialRejected = true;
          reject('truncated_input', splitter.index, partial.toString('utf8'));
        }
      }
    } else if (trailing !== null) {
      const t = trailing as { parts: Buffer[]; size: number; total: number };
      const all = Buffer.concat(t.parts, t.size);
      n++;
      partialRejected = true;
      const detail = { error: splitter.error, bytes: t.total, ...(t.total > t.size ? { raw_truncated: true } : {}) };
      // Cut on a byte limit, a character may be split at the cut: it is left out of the raw text.
      let end = all.length;
      while (end > 0 && all.length - end < 4 && t.total > t.size && !validUtf8(all, 0, end)) end--;
      const source = `${path}:[${splitter.index}]`;
      if (validUtf8(all, 0, end)) events.reject({ reason: 'damaged_input', source, raw: all.toString('utf8', 0, end), detail });
      else events.reject({ reason: 'damaged_input', source, raw_base64: all.toString('base64'), detail });
    } else {
      // A closer that does not match: the element it ended (`{"text":"b2"}` before a stray `}`) is
      // the damage's own reject, with its text (hostile review 6 F13: it was in neither file).
      const partial = splitter.takePartial();
      if (partial !== null) {
        n++;
        partialRejected = true;
        reject('damaged_input', splitter.index, partial.toString('utf8'), { error: splitter.error });
      }
    }
    if (damage !== null && (kept !== null || broken !== null)) events.fileError(fileErrorOf(path, new InputDamage(`${damage.message} (after element ${splitter.index})`, damageInfo(damage)), splitter.index + (partialRejected ? 1 : 0), partialRejected));
    else if (damage !== null) events.fileError(fileErrorOf(path, new InputDamage(`${damage.message} (after element ${splitter.index})`, damageInfo(damage)), splitter.index, partialRejected));
    else if (splitter.error !== null) events.fileError({ file: path, message: splitter.error, recordsBefore: splitter.index, ...(partialRejected ? { rejected: true } : {}) });
    const b = flush();
    if (b.length > 0) yield b;
  } finally {
    await it.return?.(undefined);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}
