import type { ClosableRejectSink } from '../../core/pipeline.js';
import type { Reject, RejectWithJson } from '../../core/stage.js';
import { RECORD_JSON } from '../../core/stage.js';
import type { FileSum, OutputCompression, ShardOptions } from './sharded.js';
import { ShardedWriter } from './sharded.js';
import { exactNumbers, exactRaw, stringifyKeeping } from '../json.js';
import { hasOwn } from '../../core/own.js';
import { jsonInto } from './jsonInto.js';
import type { LeanAttrs, LeanPlan, LeanReject } from '../../core/rejectSink.js';
import { LEAN_REJECT, leanToSlim } from '../../core/rejectSink.js';

/** The gzip level of a compressed rejects file (the shards keep zlib's default, 6). */
export const REJECTS_GZIP_LEVEL = 1;
/** The zstd level of a compressed rejects file (the shards keep 3, the zstd CLI's default). */
export const REJECTS_ZSTD_LEVEL = 1;

/**
 * The compression of a run's rejects when neither the command line nor the recipe names one:
 * zstd (level 1) beside compressed shards of either format (JSONL gzip or zstd; Parquet snappy,
 * gzip, zstd or brotli), none beside uncompressed ones. A run that drops most of a crawl writes
 * more rejects than shards; on them zstd level 1 takes about half the CPU of gzip level 1 for a
 * file of the same size (bench/rejects-gzip.ts), and every reader here (cat, report, the merge)
 * reads both. (Parquet shards had gzip rejects until #16's seventh pass.)
 */
export function defaultRejectsCompression(shards: string): OutputCompression {
  // A codec not known here is passed on, for the caller to refuse by name.
  return shards === 'gzip' || shards === 'zstd' || shards === 'snappy' || shards === 'brotli' ? 'zstd' : (shards as OutputCompression);
}

/**
 * Write the part of a reject line up to its record's end into `k` from `p`: the stage and reason
 * head, the source as JSON, `"record":` and the record's bytes (or its text, from a library
 * caller's sink). The position after it.
 */
function putHead(k: Buffer, p: number, head: Buffer, src: string, json: Uint8Array, text: string | undefined): number {
  k.set(head, p);
  p = putSource(k, p + head.length, src);
  k.set(RECORD_MEMBER, p);
  p += RECORD_MEMBER.length;
  if (text === undefined) {
    k.set(json, p);
    return p + json.length;
  }
  return p + k.write(text, p);
}

/** The file of the last `file:line` source written (`sourceFileBytes`), '' for none. */
let sourceFile = '';
/** `"FILE:` (the JSON of `sourceFile + ':'` without its closing quote) as UTF-8 bytes. */
let sourceFileBytes: Buffer = Buffer.alloc(0);
/** Digits of a line number past which a source is written the general way. */
const LINE_DIGITS = 15;

/**
 * `JSON.stringify(src)` as UTF-8 into `k` from `p` (room for `src.length * 6 + 2` bytes): the
 * position after it. A source is `file:line` and a run's rejects come file by file, so the
 * file's part is encoded once (`"FILE:` as bytes) and each line number is copied as its digits:
 * no JSON string is made and encoded again per reject (a call into the runtime). The bytes are
 * those of the general way: the JSON of `file + ':' + digits` is that of `file + ':'` and the
 * digits (a `:` or a digit ends no escape and makes no surrogate pair).
 */
function putSource(k: Buffer, p: number, src: string): number {
  const n = sourceFile.length;
  if (n === 0 || src.length <= n + 1 || src.length > n + 1 + LINE_DIGITS || src.charCodeAt(n) !== 58 || !src.startsWith(sourceFile)) {
    // Another file (or no line number): its part made once, if the rest is a line number.
    const at = src.lastIndexOf(':');
    if (at <= 0 || at === src.length - 1 || src.length - at - 1 > LINE_DIGITS || !digitsFrom(src, at + 1)) return p + k.write(JSON.stringify(src), p);
    sourceFile = src.slice(0, at);
    const json = JSON.stringify(src.slice(0, at + 1));
    sourceFileBytes = Buffer.from(json.slice(0, json.length - 1));
  }
  const b = sourceFileBytes;
  k.set(b, p);
  let q = p + b.length;
  for (let i = sourceFile.length + 1; i < src.length; i++) {
    const c = src.charCodeAt(i);
    // Not a line number after all (`file:12a`): written the general way over what was written.
    if (c < 48 || c > 57) return p + k.write(JSON.stringify(src), p);
    k[q++] = c;
  }
  k[q++] = 34; // "
  return q;
}

/** True when `s` holds only the digits 0-9 from `from` to its end. */
function digitsFrom(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Failures of a rejects file (`isRejectsFailure`). */
const FAILURES = new WeakSet<object>();

/** `e`, remembered as a failure of a rejects file. */
function rejectsFailure(e: unknown): unknown {
  if (typeof e === 'object' && e !== null) FAILURES.add(e);
  return e;
}

/**
 * True when `e` is a failure to write a rejects file (a full disk, `--rejects /dev/full`), not
 * one of the output: a failed command names the file that failed (new-user review 19 F8).
 */
export function isRejectsFailure(e: unknown): boolean {
  return typeof e === 'object' && e !== null && FAILURES.has(e);
}

/**
 * The rejects file: one JSON line per rejected input with `stage`, `reason`, `source`
 * (`file:line`), and the record (or the raw line when it did not parse). Written atomically
 * like any other output. `push` buffers; `flush` writes, and the pipeline calls it after each
 * batch so memory stays bounded.
 */
export class RejectsWriter implements ClosableRejectSink {
  /** Lean rejects (core/rejectSink.ts `LEAN_REJECT`) are encoded here as they are pushed. */
  readonly takesLeanRejects = true;
  private readonly out: ShardedWriter;
  /**
   * The lines pushed since the last write, as UTF-8 bytes: each reject is encoded as it comes, so
   * its string dies young (a 4 MB string of rejects that waited for the next write was copied by
   * every young-generation collection until then, and flattened once more to be encoded).
   */
  private chunk: Buffer = POOL.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  /** Lines in the chunk. */
  private pending = 0;
  /**
   * A chunk the writer is done with (`ShardedWriter.releasesBlocks`), filled again after the next
   * write instead of a new one: no copy of the rejects' bytes is made on their way to the
   * compressor, and no fresh memory is touched (a page fault per 4 KB) for each write.
   */
  private spare: Buffer | undefined;
  /** A write queued by `push` that has not started yet. */
  private queued = false;
  /** Writes started by `push` when much was buffered; awaited by `flush`. */
  private chain: Promise<void> = Promise.resolve();
  /** The first write failure; `flush` and `close` throw it (never an unhandled rejection). */
  private failure: Error | null = null;
  /** Rejects pushed so far. */
  count = 0;
  /**
   * Where the last reject pushed was encoded (its line, without the newline): `lastLineBytes`
   * copies it from there. `lastIn` is undefined after a write failure.
   */
  private lastIn: Buffer | undefined;
  private lastStart = 0;
  private lastEnd = 0;

  constructor(output: string | ShardOptions) {
    // gzip and zstd level 1 unless told otherwise: a run that drops most of a crawl writes more
    // rejects than shards; gzip level 6 costs about twice the CPU of level 1 for a file 13 %
    // smaller, zstd level 3 1.3x that of level 1 for 14 % smaller (bench/rejects-gzip.ts).
    this.out = new ShardedWriter({ gzipLevel: REJECTS_GZIP_LEVEL, zstdLevel: REJECTS_ZSTD_LEVEL, ...(typeof output === 'string' ? { output } : output) }, false);
  }

  /**
   * Once closed, the size and CRC-32 of the file's bytes, taken as they were written, when the
   * writer was made with `sums: true` (a run's task: its seal lists them, and the merge checks them
   * as it copies the file, so a run's rejects are not read back for their CRC-32, twice: sealed,
   * then checked at the merge). Undefined otherwise (a single command's rejects: nothing reads
   * them back; a sharded output).
   */
  writtenSum(): FileSum | undefined {
    return this.out.written.length === 1 ? this.out.writtenSums[0] : undefined;
  }

  push(r: Reject): void {
    this.count++;
    // After a failure nothing more is kept: the run is about to stop with that failure.
    if (this.failure !== null) return void (this.lastIn = undefined);
    const json = (r as RejectWithJson)[RECORD_JSON];
    const lean = (r as LeanReject)[LEAN_REJECT];
    if (lean === undefined || json === undefined || !this.putLean(r, json, lean)) {
      // A lean reject this does not write straight: the slim reject it stands for.
      if (lean !== undefined) r = leanToSlim(r);
      if (json === undefined || !this.putAsRead(r, json)) {
        const around = json === undefined ? undefined : aroundRecord(r);
        if (around === undefined) this.append(serialiseReject(r), '', '');
        else this.append(around[0], json!, around[1]);
      }
    }
    this.pending++;
    // A long run of rejects with no record written in between must not grow memory: one write
    // queued at a time (not one promise per reject until it starts).
    if (!this.queued && this.pos > FLUSH_BYTES) {
      this.queued = true;
      this.queue();
    }
  }

  /**
   * Encode one line, given as the pieces `a`, `b`, `c` written one after the other (no joined
   * string made: `b` may be a long record's JSON text, or its UTF-8 bytes, copied as they are),
   * and its newline, after the others.
   */
  private append(a: string, b: string | Uint8Array, c: string): void {
    const bytesB = typeof b !== 'string';
    // A UTF-16 unit takes at most 3 bytes in UTF-8 (a surrogate pair: 4 bytes for 2 units).
    this.room((a.length + c.length) * 3 + (bytesB ? b.length : b.length * 3) + 1);
    const k = this.chunk;
    const start = this.pos;
    let p = start + k.write(a, start);
    if (bytesB) {
      k.set(b, p);
      p += b.length;
    } else if (b.length > 0) p += k.write(b, p);
    if (c.length > 0) p += k.write(c, p);
    this.endLine(k, start, p);
  }

  /**
   * Encode the line of a reject that carries its record's JSON text (`json`) and whose keys are
   * `stage`, `reason`, `source` (strings) and `record`, in that order (as `StageContext.reject` and
   * the slimmer make every reject of a stage), then at most two more (`attrs`, `detail`): piece by
   * piece into the chunk, the head of each stage and reason as bytes made once, then the source,
   * the record's bytes and each other member's JSON (written straight into the chunk by
   * `jsonInto`, else by JSON.stringify). No copy of the reject and no line string is made (this
   * runs for every record a run drops: most of a web crawl). The bytes are those of
   * `serialiseReject(r)`. False, with nothing written, for any other reject.
   */
  private putAsRead(r: Reject, json: Uint8Array): boolean {
    if (r.record === undefined || exactNumbers(r.record) !== undefined) return false;
    let n = 0;
    let key1: string | undefined;
    let key2: string | undefined;
    let value1: unknown;
    let value2: unknown;
    for (const key in r) {
      if (n < 4) {
        if (key !== REJECT_HEAD_KEYS[n++]) return false;
        continue;
      }
      if (!hasOwn(r, key)) return false;
      const v = (r as unknown as Record<string, unknown>)[key];
      // Members JSON.stringify leaves out.
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      // A toJSON of the member itself would be called with its key, not the '' of a value alone.
      if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
      if (key2 !== undefined) return false;
      if (key1 === undefined) ((key1 = key), (value1 = v));
      else ((key2 = key), (value2 = v));
    }
    const { stage, reason, source } = r;
    if (n < 4 || typeof stage !== 'string' || typeof reason !== 'string' || typeof source !== 'string') return false;
    const head = headBytes(stage, reason);
    const k1 = key1 === undefined ? undefined : memberBytes(key1);
    const k2 = key2 === undefined ? undefined : memberBytes(key2);
    // The record's text as bytes (a reader's), or as a string (a library caller's sink may give one).
    const text = typeof json === 'string' ? (json as string) : undefined;
    // A UTF-16 unit of the source takes at most 6 bytes as JSON (`\u001f`).
    const before = head.length + source.length * 6 + 2 + RECORD_MEMBER.length + (text === undefined ? json.length : text.length * 3) + (k1?.length ?? 0) + (k2?.length ?? 0) + 2;
    this.room(before + MEMBERS_ROOM);
    let k = this.chunk;
    const start = this.pos;
    let p = putHead(k, start, head, source, json, text);
    const end = k.length - 2;
    if (k1 !== undefined) {
      k.set(k1, p);
      p = jsonInto(k, p + k1.length, end, value1);
      if (p >= 0 && k2 !== undefined) {
        k.set(k2, p);
        p = jsonInto(k, p + k2.length, end, value2);
      }
    }
    if (p < 0) {
      // A member jsonInto does not take, or too long for the room made: the line again, with the members as JSON.stringify writes them.
      let json1 = '';
      let json2 = '';
      try {
        json1 = JSON.stringify(value1) ?? '';
        json2 = JSON.stringify(value2) ?? '';
      } catch {
        return false;
      }
      this.room(before + json1.length * 3 + json2.length * 3);
      k = this.chunk;
      p = putHead(k, start, head, source, json, text);
      if (k1 !== undefined) {
        k.set(k1, p);
        p += k1.length;
        p += k.write(json1, p);
      }
      if (k2 !== undefined) {
        k.set(k2, p);
        p += k2.length;
        p += k.write(json2, p);
      }
    }
    this.endLine(k, start, p + 1, 125);
    return true;
  }

  /**
   * Encode the line of a lean reject (`LEAN_REJECT`: core/rejectSink.ts) that carries its record's
   * JSON text: as `putAsRead` does, with the slim attrs written from the stage's values by the
   * plan's bytes (made once per plan), no attrs object made. The bytes are those of
   * `serialiseReject(leanToSlim(r))`. False, with nothing written, for a reject it does not take.
   */
  private putLean(r: Reject, json: Uint8Array, lean: LeanAttrs): boolean {
    if (r.record === undefined || exactNumbers(r.record) !== undefined) return false;
    const { stage, reason, source } = r;
    if (typeof stage !== 'string' || typeof reason !== 'string' || typeof source !== 'string') return false;
    const plan = lean.plan;
    const enc = (plan.encoded ??= planBytes(plan));
    const head = headBytes(stage, reason);
    const text = typeof json === 'string' ? (json as string) : undefined;
    let members = 0;
    for (const b of enc) members += b.length + 32;
    this.room(head.length + source.length * 6 + 2 + RECORD_MEMBER.length + (text === undefined ? json.length : text.length * 3) + members + 2);
    const k = this.chunk;
    const start = this.pos;
    let p = putHead(k, start, head, source, json, text);
    const end = k.length - 2;
    const values = lean.values;
    const at = plan.at;
    k.set(enc[0], p);
    p = jsonInto(k, p + enc[0].length, end, lean.score);
    for (let j = 0; p >= 0 && j < at.length; j++) {
      const b = enc[j + 1];
      k.set(b, p);
      p = jsonInto(k, p + b.length, end, values[at[j]]);
    }
    if (p < 0) return false;
    const last = enc[at.length + 1];
    k.set(last, p);
    p += last.length;
    this.endLine(k, start, p + 1, 125);
    return true;
  }

  /** Close the line written from `start` to `end` in `k` (after `last`, a closing brace, when given): remember it as the last line, then its newline. */
  private endLine(k: Buffer, start: number, end: number, last?: number): void {
    if (last !== undefined) k[end - 1] = last;
    this.lastIn = k;
    this.lastStart = start;
    this.lastEnd = end;
    k[end] = 10;
    this.pos = end + 1;
  }

  /** Make the chunk hold at least `n` bytes more than it does: a larger one, with what it holds copied. */
  private room(n: number): void {
    if (this.pos + n <= this.chunk.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.chunk.length * 2, this.pos + n));
    this.chunk.copy(grown, 0, 0, this.pos);
    this.chunk = grown;
  }

  /**
   * A copy of the bytes of the last reject's line as written (without its newline), or undefined
   * after a write failure: the report's sample candidates take them instead of serialising the
   * reject again (exec/samples.ts). Valid only until the next `push`.
   */
  lastLineBytes(): Buffer | undefined {
    const from = this.lastIn;
    return from === undefined ? undefined : Buffer.from(from.subarray(this.lastStart, this.lastEnd));
  }

  private queue(): void {
    this.chain = this.chain.then(() => this.writeBuffered()).catch((e: Error) => {
      this.failure ??= e;
      this.pos = 0;
      this.pending = 0;
    });
  }

  /** Hand the chunk's lines to the writer, and go on in another chunk (the spare, when there is one). */
  private writeBuffered(): Promise<void> {
    this.queued = false;
    if (this.pending === 0 || this.failure !== null) return Promise.resolve();
    const full = this.chunk;
    const b = full.subarray(0, this.pos);
    const n = this.pending;
    // A chunk a closed writer left, or a new one as large as the last (up to SPARE_BYTES): the next
    // write's lines are not copied as it grows again.
    this.chunk = this.spare ?? POOL.pop() ?? Buffer.allocUnsafe(Math.min(full.length, SPARE_BYTES));
    this.spare = undefined;
    this.pos = 0;
    this.pending = 0;
    const written = this.out.write(b, n);
    if (!this.out.releasesBlocks || full.length > SPARE_BYTES) return written;
    // Filled again only after the next push moves `lastIn` elsewhere: `lastLineBytes` stays true.
    return written.then(() => {
      this.spare = full;
    });
  }

  /** True when enough is buffered that the reader should wait for `flush` before going on. */
  get full(): boolean {
    return this.pos > FLUSH_BYTES;
  }

  async flush(): Promise<void> {
    this.queue();
    await this.chain;
    if (this.failure !== null) throw rejectsFailure(this.failure);
  }

  async close(): Promise<void> {
    await this.flush();
    try {
      await this.out.close();
    } catch (e) {
      throw rejectsFailure(e);
    }
    this.release();
  }

  async abort(): Promise<void> {
    await this.chain;
    await this.out.abort();
    this.release();
  }

  /**
   * Give the chunks to the next writer of this thread (a run's tasks each write their rejects):
   * it starts with a chunk grown to what rejects need, instead of growing a new one from
   * CHUNK_BYTES by copies into fresh memory. The writer has handed its lines to `out` already,
   * and keeps an empty chunk (a push after close fills a new one, never a chunk given away).
   */
  private release(): void {
    for (const b of [this.chunk, this.spare]) if (b !== undefined && b.length > 0 && b.length <= SPARE_BYTES && POOL.length < POOL_KEPT && !POOL.includes(b)) POOL.push(b);
    this.chunk = EMPTY;
    this.spare = undefined;
    this.pos = 0;
    this.pending = 0;
    this.lastIn = undefined;
  }
}

/**
 * Chunks of writers that have closed, for the next writer of this thread: at most POOL_KEPT of
 * at most SPARE_BYTES each (a zstd writer leaves two: the one it fills and the spare), so at most
 * 16 MiB held between tasks.
 */
const POOL: Buffer[] = [];
const POOL_KEPT = 2;
const EMPTY = Buffer.alloc(0);

/** Bytes of the first chunk the rejects are encoded into (it grows as they need). */
const CHUNK_BYTES = 256 << 10;
/** Bytes of rejects held before they are written, even with no batch written in between. */
const FLUSH_BYTES = 4 << 20;
/** The largest chunk kept to be filled again (one grown by a very long line is let go). */
const SPARE_BYTES = 2 * FLUSH_BYTES;

/** The first keys of a reject as `StageContext.reject` makes it, in that order. */
const REJECT_HEAD_KEYS = ['stage', 'reason', 'source', 'record'] as const;
const RECORD_MEMBER = Buffer.from(',"record":');
/** Room made for the members after the record when they are written by `jsonInto` (the slim signals take ~100-300 bytes). */
const MEMBERS_ROOM = 4096;

/** `{"stage":STAGE,"reason":REASON,"source":` as UTF-8 bytes, by stage and reason (at most CACHE_KEPT). */
const HEADS = new Map<string, Map<string, Buffer>>();
let headsKept = 0;
/** `,"KEY":` as UTF-8 bytes, by key (at most CACHE_KEPT). */
const MEMBERS = new Map<string, Buffer>();
const CACHE_KEPT = 4096;

function headBytes(stage: string, reason: string): Buffer {
  let byReason = HEADS.get(stage);
  let head = byReason?.get(reason);
  if (head !== undefined) return head;
  head = Buffer.from(`{"stage":${JSON.stringify(stage)},"reason":${JSON.stringify(reason)},"source":`);
  // A library's stage may make reasons without end: the cache stays bounded.
  if (headsKept < CACHE_KEPT) {
    if (byReason === undefined) HEADS.set(stage, (byReason = new Map()));
    byReason.set(reason, head);
    headsKept++;
  }
  return head;
}

function memberBytes(key: string): Buffer {
  let b = MEMBERS.get(key);
  if (b === undefined) {
    b = Buffer.from(`,${JSON.stringify(key)}:`);
    if (MEMBERS.size < CACHE_KEPT) MEMBERS.set(key, b);
  }
  return b;
}

/**
 * A lean plan's bytes: `,"attrs":{"FAMILY":{"preset":P,"score":`, then `,"failed":[...],"S0":`,
 * `,"S1":` ... before each kept signal's value, then `}}`.
 */
function planBytes(plan: LeanPlan): Buffer[] {
  const out = [Buffer.from(`,"attrs":{${JSON.stringify(plan.family)}:{"preset":${JSON.stringify(plan.preset)},"score":`)];
  plan.signals.forEach((s, j) => out.push(Buffer.from(`${j === 0 ? `,"failed":${JSON.stringify(plan.failed)}` : ''},${JSON.stringify(s)}:`)));
  out.push(Buffer.from('}}'));
  return out;
}

/** Stands for the record in a reject line while its exact text is spliced in (a string no record key is). */
const RECORD_MARK = '\u0000corpus-clean:record\u0000';
const RECORD_KEY_JSON = '"record":';
const RECORD_MARK_JSON = `${RECORD_KEY_JSON}${JSON.stringify(RECORD_MARK)}`;

/**
 * The reject's line before and after its record, for a reject carrying the record's JSON text
 * (`RECORD_JSON`), so that the two pieces and that text make `serialiseReject(r)`; undefined
 * when the record keeps number texts (`exactNumbers`: its line is made otherwise) or is absent.
 */
function aroundRecord(r: Reject): [string, string] | undefined {
  if (r.record === undefined || exactNumbers(r.record) !== undefined) return undefined;
  let line: string;
  try {
    line = JSON.stringify({ ...r, record: RECORD_MARK });
  } catch {
    return undefined;
  }
  const at = line.indexOf(RECORD_MARK_JSON);
  if (at < 0) return undefined;
  return [line.slice(0, at + RECORD_KEY_JSON.length), line.slice(at + RECORD_MARK_JSON.length)];
}

/**
 * One reject as a JSON line. A record that cannot be serialised (nested deeper than
 * `JSON.stringify` can go) is written without it, saying so: a reject never stops a run.
 */
export function serialiseReject(r: Reject): string {
  // A lean reject (core/rejectSink.ts) as the slim reject it stands for.
  r = leanToSlim(r);
  // A record whose numbers parsing changed (18446744073709551617, 1e400, -0): its record is written
  // with their input texts, as the output writers do, and its exact input line goes beside it.
  const numbers = r.record === undefined ? undefined : exactNumbers(r.record);
  if (numbers !== undefined) {
    const raw = r.raw === undefined ? exactRaw(r.record) : undefined;
    if (raw !== undefined) r = { ...r, raw };
    if (numbers.size > 0) {
      try {
        const text = stringifyKeeping(r.record, numbers);
        const line = JSON.stringify({ ...r, record: RECORD_MARK });
        const at = line.indexOf(RECORD_MARK_JSON);
        return `${line.slice(0, at)}"record":${text}${line.slice(at + RECORD_MARK_JSON.length)}`;
      } catch {
        // too deep for the plain serialiser too: said below
      }
    }
  }
  try {
    return JSON.stringify(r);
  } catch (e) {
    const { record: _r, attrs: _a, ...rest } = r;
    return JSON.stringify({ ...rest, detail: { ...(r.detail ?? {}), record_unserialisable: (e as Error).message } });
  }
}
