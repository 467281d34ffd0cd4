import type { Doc, JsonObject } from '../../core/doc.js';
import { docAt, makeDoc, setRecordJson } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { refuseWideBom } from './utf16.js';
import { compactJson, duplicateKey, exactNeeded, exactNumbers, keepExact, keyColons, longNumberAfterKey, MAX_DEPTH, scanParsed, tooDeep } from '../json.js';
import { isBlank, LineSplitter, validUtf8 } from '../lines.js';
import type { ReadSettings } from './options.js';
import { rawFields, unverifiedReject } from './options.js';
import { fileErrorOf, nextChunk } from '../ioFailure.js';
import { gapOf } from '../gap.js';
import { unverifiedOf } from '../holdback.js';
import { tooLarge } from './recordSize.js';

/** A record from a parsed JSON value: its own `attrs` object, when present, carries over. */
export function docFromValue(data: JsonObject, source: string, line?: number): Doc {
  const doc = line === undefined ? makeDoc(data, source) : docAt(data, source, line);
  const a = data.attrs;
  if (a !== undefined && a !== null && typeof a === 'object' && !Array.isArray(a)) doc.attrs = a as Record<string, unknown>;
  return doc;
}

/** The text `parseRecord` parsed last, and where its bytes start (for `readJsonl`'s record texts). */
let parsedText = '';
let parsedStart = 0;

/** Why a JSON text is not a record: the reject's reason, the text, and its details. */
export class Unfit {
  constructor(
    readonly reason: string,
    readonly text: string,
    readonly extra?: Record<string, unknown>,
  ) {}
}

/**
 * A JSON text (a JSONL line, a JSON-array element: valid UTF-8) as a record, or why it is not one:
 * `too_deep`, `json_parse`, `not_object`, `duplicate_key`. A record holding a number JavaScript
 * cannot represent exactly keeps its input text (`keepExact`), without the spaces and line breaks
 * between tokens when `compact` (a pretty-printed array element spans lines).
 */
export function parseRecord(buf: Buffer, start: number, end: number, wrapArrays: string | undefined, compact: boolean): JsonObject | Unfit {
  const text = buf.toString('utf8', start, end);
  parsedText = text;
  parsedStart = start;
  // Deeper than this, writing the record (JSON.stringify) or a recursive stage would throw.
  if (tooDeep(buf, start, end)) return new Unfit('too_deep', text, { limit: MAX_DEPTH });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // A line starting with a byte-order mark (what `cat a.jsonl b.jsonl` gives when b.jsonl has
    // one) is the record after it, as at the start of a file (review-hostile5 F15). Looked at
    // only when parsing failed: nothing is added to the path of a good line.
    if (end - start > 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) return parseRecord(buf, start + 3, end, wrapArrays, compact);
    return new Unfit('json_parse', text, { error: (e as Error).message });
  }
  if (Array.isArray(value) && wrapArrays !== undefined) value = { [wrapArrays]: value };
  else if (value === null || typeof value !== 'object' || Array.isArray(value)) return new Unfit('not_object', text);
  const shape = scanParsed(value);
  // JSON.parse keeps the last of a repeated key and drops the others without a word.
  if (keyColons(text) > shape.keys) {
    const key = duplicateKey(text);
    if (key !== null) return new Unfit('duplicate_key', text, { key });
  }
  // A number a double cannot hold as written (an underflow, digits beyond a double's, a big integer, 1e400, -0).
  if (exactNeeded(text, shape, longNumberAfterKey)) keepExact(value as JsonObject, compact ? compactJson(text) : text);
  return value as JsonObject;
}

/**
 * Bytes of a first read past which `readJsonl` warms `parseRecord` (`warmParse`): a smaller input
 * never pays it (~0.1 ms).
 */
export const WARM_PARSE_AFTER = 1 << 16;

/**
 * Lines that take the branches of `parseRecord` and the scans it runs (io/json.ts: `keyColons` on
 * numbers after keys, long ones and exponents, `scanParsed` on arrays and nested objects, a
 * repeated key and one that only looks repeated, `keepExact`, a byte-order mark, `--wrap-arrays`),
 * each with the `wrapArrays` and `compact` it is parsed with, for `warmParse`.
 */
function warmLines(): [Buffer, string | undefined, boolean][] {
  const lines: [string, string | undefined, boolean][] = [
    ['{"text":"a \\"quoted\\" word\\n and \\u00e9","id":7,"n" : -1.5,"f":2.5E-310,"e":1e300,"big":12345678901234567,"a":[1,2.5,{"k":[true,false,null,"x:y"]}],"o":{}}', undefined, true],
    ['{"big":12345678901234567}', undefined, false],
    ['{"text":"plain words","x":1e5,"v":[1,2.5],"meta":{"url":"https://example.com/a:b","lang":"en"}}', undefined, false],
    ['{"a\\u0062" :1,"ab":2}', undefined, false],
    ['{"a":["b\\":c"],"d":{}}', undefined, false],
    ['[1,2]', 'items', false],
    ['[1,2]', undefined, false],
    ['\ufeff{"text":"x"}', undefined, false],
    ['{"text": unquoted}', undefined, false],
  ];
  return lines.map(([l, wrap, compact]) => [Buffer.from(l), wrap, compact]);
}

/**
 * Texts for `tooDeep` with a nesting limit of 4 (its branches are the same at MAX_DEPTH, where a
 * text must be 2 KB long and hold 1,000 brackets to reach them: ~1,000 calls of `indexOf` each):
 * short, long with few brackets, many brackets but shallow (braces counted too), and deep past
 * strings and escapes.
 */
const DEPTH_TEXTS = ['{}', '{"text":"xxxxxxxx"}', '{"a":[{},{},[],[]]}', '{"s":"[\\"x","e":[[]],"d":[[[[[1]]]]]}'];

/** Whether `warmParse` ran in this process. */
let parseWarmed = false;

/**
 * Run `parseRecord` over `warmLines`, and `tooDeep` over `DEPTH_TEXTS` (results thrown away), so
 * that V8 does not optimise them and the scans they call on a large input's first records before
 * their rarer branches (a line past the bracket count, a number after a key, a repeated key) have
 * type feedback: the first record that took one threw the optimised code away ("insufficient
 * type feedback"), on the English slice `tooDeep` and `keyColons`, on web/zh `parseRecord`
 * (bench/RESULTS.md, twentieth pass). Once per process.
 */
export function warmParse(): void {
  if (parseWarmed) return;
  parseWarmed = true;
  const lines = warmLines();
  const deep = DEPTH_TEXTS.map((t) => Buffer.from(t));
  // V8 gives a function its feedback vector only after its first calls (a dozen or more of
  // parseRecord), and what those saw is not kept: the cheap lines three times first (the last
  // two, 'keepExact' the dearest), then every line.
  for (let round = 0; round < 4; round++) {
    for (let i = round < 3 ? 2 : 0; i < lines.length; i++) parseRecord(lines[i][0], 0, lines[i][0].length, lines[i][1], lines[i][2]);
    for (const b of deep) tooDeep(b, 0, b.length, 4);
  }
  parsedText = '';
}

/**
 * Give `doc` its line `buf[start, end)` (`text` decoded) as its JSON text (`setRecordJson`), when
 * the line is the object itself: without the spaces around it; not an array wrapped by
 * `--wrap-arrays`; without a CR (JSON allows one between tokens; in a rejects file it could end the
 * line for a reader that takes a CR as a line end, io/lines.ts). `noCr`: the line is known to hold
 * none (it lies in a chunk that holds none: one search of the chunk, not one of each line's text).
 */
function keepObjectText(doc: Doc, buf: Buffer, start: number, end: number, text: string, noCr: boolean): void {
  let a = 0;
  let b = text.length;
  if (text.charCodeAt(0) !== 123 || text.charCodeAt(b - 1) !== 125) {
    // JSON's spaces around a value are ASCII: one byte per character.
    while (a < b && isJsonSpace(text.charCodeAt(a))) a++;
    while (b > a && isJsonSpace(text.charCodeAt(b - 1))) b--;
    if (text.charCodeAt(a) !== 123 || text.charCodeAt(b - 1) !== 125) return;
  }
  if (!noCr && text.indexOf('\r') !== -1) return;
  setRecordJson(doc, buf, start + a, end - (text.length - b));
}

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Counts a run of blank lines and rejects it once: a single blank line is one `blank_line`
 * reject as before; a run of them is one reject carrying `lines` (and counted as that many), so
 * ten million newlines cost one line in the rejects file, not a gigabyte.
 */
export class BlankRuns {
  private first = 0;
  private n = 0;

  constructor(
    private readonly path: string,
    private readonly events: ReadEvents,
  ) {}

  add(lineNo: number): void {
    if (this.n === 0) this.first = lineNo;
    this.n++;
  }

  /** Reject the run seen so far, if any. */
  flush(): void {
    if (this.n === 0) return;
    const source = `${this.path}:${this.first}`;
    if (this.n === 1) this.events.reject({ reason: 'blank_line', source });
    else this.events.reject({ reason: 'blank_line', source, detail: { lines: this.n, last_line: this.first + this.n - 1 } }, this.n);
    this.n = 0;
  }
}

/**
 * Read JSON Lines (plain, gzip or zstd). Every line is either a record or a reject with a
 * reason: `blank_line` (a run of blank lines is one reject counting them), `invalid_utf8`,
 * `json_parse`, `not_object`, `too_deep` (nested over 1,000 levels), `duplicate_key` (an object
 * naming a key twice: JSON.parse would keep only the last value; `detail.key`), `line_too_long`,
 * `truncated_input`, `unverified` (a line decoded from a damaged `.gz`/`.zst` since its last good
 * check, holdback.ts: never a record). A damaged compressed file keeps the records verified before
 * the damage and is reported through `events.fileError`. A record holding a number JavaScript cannot represent
 * exactly as written (an integer over 2^53, `1e400`, `-0`, `1.5e-400`, `1.0000000000000000001`:
 * io/json.ts `inexactToken`) keeps its input line, so a writer gives back its bytes when no stage
 * changed it.
 */
export async function* readJsonl(
  path: string,
  events: ReadEvents,
  s: ReadSettings,
  /**
   * The bytes to read instead of the file's. Each chunk must stay as it is once handed on: records
   * keep views of their lines in it (`setRecordJson`; the line strings kept instead would be copied
   * by the GC with their batch, and a copy of each chunk costs a fresh allocation's page faults,
   * ~15 % of the reader). The file and stdin readers, Node's streams and the gzip and zstd
   * decoders hand on new buffers; `readChunks` copies what a caller gives.
   */
  chunks?: AsyncIterable<Buffer>,
  /** Lines before the first chunk, when `chunks` is a byte range of the file that starts on a line (an executor's task). */
  linesBefore = 0,
  /**
   * Give each record the line it was parsed from as its JSON text (`setRecordJson`): for lines
   * that are each their record's JSON text, without spaces around it or a CR (a spill: an input
   * line as read, or `JSON.stringify` of the record). Left out for a record that keeps number
   * texts (`keepExact`: its line is not what `JSON.stringify` writes for it). Without it, the
   * records get their lines when `events.recordText` asks, if the line is the object itself.
   */
  keepText = false,
): AsyncGenerator<Doc[]> {
  let batch: Doc[] = [];
  // Each record's line as its JSON text, for rejects that keep records as read (the pipeline asks).
  const recordText = !keepText && events.recordText === true;
  let lines = 0;
  let bytes = 0;
  const blanks = new BlankRuns(path, events);
  const reject = (reason: string, line: number, raw?: string, extra?: Record<string, unknown>): void => {
    blanks.flush();
    const r: { raw?: string; detail?: Record<string, unknown> } = raw === undefined ? {} : rawFields(raw, s.maxRawChars);
    const detail = r.detail || extra ? { ...r.detail, ...extra } : undefined;
    events.reject({ reason, source: `${path}:${line}`, ...(r.raw !== undefined ? { raw: r.raw } : {}), ...(detail ? { detail } : {}) });
  };
  /**
   * The line next to a damaged stretch that was read past (a zstd gap): part of it may be lost.
   * It is a record only when it parses whole as one (a JSON object is never a prefix or a suffix
   * of a longer one-line object, so a whole parse means nothing of it was lost); else it is a
   * `truncated_input` reject, never glued to the line on the other side of the stretch.
   */
  let nextToGap = false;
  /** The lines now split come from unverified bytes (holdback.ts `unverifiedChunk`): each is an `unverified` reject. */
  let unverified = false;
  /**
   * The chunk being split when it holds no CR (a line the splitter hands on as a view of it holds
   * none either); else undefined. A line split across chunks, or one of a chunk the splitter made
   * (CR line ends), is another buffer: its text is searched.
   */
  let noCrChunk: Buffer | undefined;
  const onLine = (buf: Buffer, start: number, end: number, lineNo: number, utf8: boolean): void => {
    lines++;
    const atGap = nextToGap;
    nextToGap = false;
    // The stretch ended right before a line end: that is the end of the line it cut, not a line.
    if (atGap && end === start) return void lines--;
    if (lineNo === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    if (isBlank(buf, start, end)) return blanks.add(lineNo);
    blanks.flush();
    if (unverified) return events.reject(unverifiedReject(`${path}:${lineNo}`, buf, start, end, s.maxRawChars));
    if (!utf8 && !validUtf8(buf, start, end)) {
      return events.reject({ reason: atGap ? 'truncated_input' : 'invalid_utf8', source: `${path}:${lineNo}`, raw_base64: buf.toString('base64', start, end), ...(atGap ? { detail: { next_to_damage: true } } : {}) });
    }
    const r = parseRecord(buf, start, end, s.wrapArrays, false);
    if (r instanceof Unfit) return atGap ? reject('truncated_input', lineNo, r.text, { next_to_damage: true }) : reject(r.reason, lineNo, r.text, r.extra);
    // Wrapped (`--wrap-arrays`), a line near the limit grows past it (F47): written, it could not be read back.
    if (s.wrapArrays !== undefined && end - start > s.maxLineBytes - 6 * s.wrapArrays.length - 8 && buf[start] !== 0x7b) {
      const big = tooLarge(r, s.maxLineBytes, `${path}:${lineNo}`);
      // The input line is kept (whole, as for the other reasons of a JSON Lines line).
      if (big !== undefined) return reject(big.reason, lineNo, buf.toString('utf8', start, end), { bytes: big.detail?.bytes, limit: s.maxLineBytes });
    }
    const doc = docFromValue(r, path, lineNo);
    if (keepText) {
      if (exactNumbers(r) === undefined) setRecordJson(doc, buf, parsedStart, end);
    } else if (recordText && exactNumbers(r) === undefined) keepObjectText(doc, buf, parsedStart, end, parsedText, buf === noCrChunk);
    batch.push(doc);
  };
  const onLong = (head: Buffer, n: number, lineNo: number): void => {
    lines++;
    nextToGap = false;
    reject('line_too_long', lineNo, head.toString('utf8'), { bytes: n, limit: s.maxLineBytes, raw_truncated: true });
  };
  // The chunks stay as they are (see `chunks`): a line split across them is not copied before it is joined.
  const splitter = new LineSplitter(onLine, onLong, s.maxLineBytes, undefined, true);
  /** The unfinished last line of unverified bytes (the damage cut it): an `unverified` reject too. */
  const rejectUnfinished = (partial: Buffer, lineNo: number): void => {
    lines++;
    blanks.flush();
    events.reject(unverifiedReject(`${path}:${lineNo}`, partial, 0, partial.length, s.maxRawChars, { unfinished: true }));
  };
  splitter.lineNo = linesBefore;
  const flush = (): Doc[] => {
    events.read(lines, bytes);
    lines = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  // A task's byte range past the start of a file has no byte-order mark to look at. A zstd file
  // goes on after a damaged frame (gap chunks, below).
  const input = chunks ?? openDecoded(path, true);
  // Whether any byte came that was not unverified (a .gz cut before its first check has none).
  let verifiedSeen = false;
  const it = (linesBefore === 0 ? refuseWideBom(input) : input)[Symbol.asyncIterator]();
  // A reader left before its end (--limit, a sniff of the first records) closes its input: the
  // file handle under it is closed now, not by the garbage collector (new-user review 10 #20).
  try {
    for (;;) {
      const r = await nextChunk(it);
      const gap = r instanceof Error || r.done === true ? undefined : gapOf(r.value);
      if (gap !== undefined) {
        // A damaged stretch read past: the line it cut before it, the stretch itself (one
        // damaged_input), and the line it cut after it (the next line). Line numbers after it count
        // the lines read: those inside the stretch cannot be counted.
        const partial = splitter.takePartial();
        if (partial !== null && partial.length > 0) {
          splitter.lineNo++;
          if (unverified) rejectUnfinished(partial, splitter.lineNo);
          else {
            nextToGap = true;
            onLine(partial, 0, partial.length, splitter.lineNo, false);
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
        const partial = splitter.takePartial();
        const cut = partial !== null && partial.length > 0;
        if (cut) {
          if (unverified) rejectUnfinished(partial, ++splitter.lineNo);
          else {
            lines++;
            reject('truncated_input', splitter.lineNo + 1, partial.toString('utf8'));
          }
        }
        blanks.flush();
        events.fileError(fileErrorOf(path, r, splitter.lineNo, cut, verifiedSeen));
        break;
      }
      if (r.done) {
        splitter.end();
        blanks.flush();
        break;
      }
      const held = unverifiedOf(r.value);
      if (held !== undefined) {
        // Bytes whose check failed (or could not be made): their lines are rejected, never records.
        unverified = true;
        for (const h of held) {
          bytes += h.length;
          splitter.push(h);
        }
      } else {
        if (r.value.length > 0) verifiedSeen = true;
        if (!parseWarmed && r.value.length >= WARM_PARSE_AFTER) warmParse();
        bytes += r.value.length;
        noCrChunk = recordText && r.value.indexOf(13) === -1 ? r.value : undefined;
        splitter.push(r.value);
        noCrChunk = undefined;
      }
      if (batch.length > 0 || lines > 0) {
        const b = flush();
        if (b.length > 0) yield b;
      }
      // Lines that were all rejects: wait for the rejects writer when it holds much (hostile review
      // 5 F22: a million junk lines grew memory to 719 MB, nothing waiting for their rejects).
      const wait = events.drain?.();
      if (wait !== undefined) await wait;
    }
    const b = flush();
    if (b.length > 0) yield b;
  } finally {
    await it.return?.(undefined);
  }
}
