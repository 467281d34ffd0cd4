import type { BigIntStats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import type { WARCRecord } from 'warcio';
import type { Doc, JsonObject } from '../../core/doc.js';
import { docAt } from '../../core/doc.js';
import { tooLarge } from './recordSize.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { decodeHtml, declaredOf } from '../../stages/extract/charset.js';
import { htmlToText } from '../../stages/extract/html.js';
import type { ReadSettings } from './options.js';
import { fsPath } from '../../core/fsname.js';
import { fileErrorOf, nextChunk, rethrowIoFailure } from '../ioFailure.js';
import { binaryKind } from './binary.js';
import { checkUnchanged, decoded, emptyCompressed, fileChunks, InputChanged, openDecoded, sniffCompression } from '../decode.js';
import { BlockTap, blockDigest } from './warcDigest.js';

/** Records handed downstream at a time (extraction is the slow part, so batches stay small). */
const BATCH = 64;
const HTML_TYPES = /^\s*(text\/html|application\/xhtml\+xml)\b/i;

/**
 * A record's `WARC-Identified-Payload-Type` (WARC 1.1 §5.17: "the content-type of the record's
 * payload as determined by an independent check", not the HTTP Content-Type copied up, "as such
 * values may often be unreliable"; Common Crawl writes it, from Tika): its media type, or null
 * when absent or when it says nothing (`application/octet-stream` is what a detector answers for
 * bytes it does not know, not a finding that they are not a page).
 */
function identifiedType(v: string | null | undefined): string | null {
  const t = v?.split(';')[0].trim().toLowerCase();
  if (t === undefined || t === '' || t === 'application/octet-stream') return null;
  return t;
}

/** A WARC header value without the angle brackets WARC/1.0 puts around URIs. */
function bare(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1) : v;
}

/** How far past a damaged record the next record header is looked for, per read. */
const SCAN_WINDOW = 1 << 20;
/** Bytes of a gzip member inflated to check that it starts a WARC record. */
const PEEK = 1 << 14;
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const WARC_MAGIC = Buffer.from('WARC/1.');
const WARC_LINE = /^\s*WARC\/1\.\d\s*$/;
/** A header line cut short: `W`, `WA`, ... `WARC/1.`. */
const WARC_LINE_START = /^\s*W(A(R(C(\/(1\.?)?)?)?)?)?\s*$/;

/** True when `b` (at `i`) is a WARC header line: `WARC/1.0` or `WARC/1.1` and a line end. */
function isWarcLine(b: Buffer, i: number): boolean {
  if (b.compare(WARC_MAGIC, 0, WARC_MAGIC.length, i, i + WARC_MAGIC.length) !== 0) return false;
  const d = b[i + 7];
  const e = b[i + 8];
  return d >= 0x30 && d <= 0x39 && (e === 0x0d || e === 0x0a);
}

/** True when the gzip member at `p` of the file inflates to bytes starting a WARC record. */
async function gzipRecordAt(fh: FileHandle, p: number): Promise<boolean> {
  const buf = Buffer.alloc(PEEK);
  const { bytesRead } = await fh.read(buf, 0, PEEK, p);
  try {
    // A flush at the end of the input: the start of a member inflates without the rest of it.
    const out = gunzipSync(buf.subarray(0, bytesRead), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    return out.length >= 9 && isWarcLine(out, 0);
  } catch {
    return false;
  }
}

/**
 * The file offset of the first record header at or after `from`: a gzip member that inflates
 * to a `WARC/1.x` line (for `.warc.gz`), or a `WARC/1.x` line at the start of a line (else).
 * Null when there is none to the end of the file. Reads the file in windows (a damaged record
 * can be as long as the file).
 */
async function nextRecordStart(fh: FileHandle, from: number, size: number, gz: boolean): Promise<number | null> {
  const magic = gz ? GZIP_MAGIC : WARC_MAGIC;
  const buf = Buffer.alloc(SCAN_WINDOW + 16);
  for (let pos = from; pos < size; pos += SCAN_WINDOW) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    const view = buf.subarray(0, bytesRead);
    for (let i = view.indexOf(magic); i !== -1 && i < SCAN_WINDOW; i = view.indexOf(magic, i + 1)) {
      const at = pos + i;
      if (gz) {
        if (await gzipRecordAt(fh, at)) return at;
      } else if (i + 9 <= view.length && isWarcLine(view, i)) {
        if (at === 0) return at;
        const prev = Buffer.alloc(1);
        await fh.read(prev, 0, 1, at - 1);
        if (prev[0] === 0x0a) return at;
      }
    }
  }
  return null;
}

/** True when the file starts with a zstd frame. */
async function isZstdFile(path: string): Promise<boolean> {
  const fh = await open(fsPath(path), 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    return sniffCompression(head.subarray(0, bytesRead)) === 'zstd';
  } finally {
    await fh.close();
  }
}

/** The chunks as they are, or decompressed when they start with a zstd frame. */
async function* unZstd(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = chunks[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let n = 0;
  while (n < 4) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    n += r.value.length;
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield* head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (sniffCompression(Buffer.concat(head)) === 'zstd') yield* decoded(all());
  else yield* all();
}

/** Bytes a stream's chunks are gathered into before warcio reads them (see `coalesced`). */
const MIN_CHUNK = 1 << 16;

/**
 * A stream's chunks gathered into pieces of at least `MIN_CHUNK` bytes (the last may be
 * shorter). warcio misreads a plain WARC that arrives in chunks of 1-3 bytes (a header's end,
 * `\r\n\r\n`, split over three chunks is not found: the whole slice read as one record with a
 * Content-Length of "283, 133, 6784, ..."); a pipe may hand over bytes that way.
 */
async function* coalesced(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let size = 0;
  for await (const c of chunks) {
    parts.push(c);
    size += c.length;
    if (size >= MIN_CHUNK) {
      yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}

/** A damaged stretch of a WARC file: where its record starts (file offset) and why. */
interface Damage {
  at: number;
  error: string;
}

/**
 * Read a WARC file (`.warc`, `.warc.gz` with one gzip member per record, or a WET file) with
 * warcio. Each HTML `response` record becomes `{url, date, warc_record_id, content_type,
 * charset, title, text}`, the text extracted by `htmlToText` (the `extract` stage's extractor)
 * after decoding with the charset of the HTTP header, else of the `<meta>`, else a guess
 * (`decodeHtml`; `charset_declared` is added when the bytes overruled the declared charset, `charset_guess: 'low'` when the text may be garbage). Each WET
 * `conversion` record becomes the same fields with its text as it is. Other record types
 * (`warcinfo`, `request`, `metadata`, `resource`) are not documents and are passed over.
 * Sources are `file:N`, N the 1-based number of the WARC record in the file (a damaged stretch
 * counts as one record).
 *
 * Rejects (each counted as one record read): `warc_not_html` (a response of another content
 * type, in `detail.content_type`, or labelled HTML but binary: `detail.binary` says what), `warc_http_status` (not 2xx), `warc_too_large` (a body over
 * `maxLineBytes`), `extract_empty` (no text found), `extract_failed` (the extractor threw),
 * `warc_damaged`: a record that cannot be parsed, a gzip member that does not inflate, or a
 * record cut short. Reading then starts again at the next record header after the start of the
 * damaged record (the next gzip member inflating to `WARC/1.x`, or the next `WARC/1.x` line),
 * with `detail.resumed_at` its byte offset, and a `fileError` naming it (exit 1, as for a
 * damaged gzip). When no record follows (a file cut short), or when the bytes come from a
 * stream rather than a file (no going back), reading the file stops there, keeping the records before. `-` reads stdin;
 * a zstd-compressed WARC (file or stream) is decompressed as it is read, as a stream.
 */
export async function* readWarc(path: string, events: ReadEvents, s: ReadSettings, chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  // A stream (stdin, or a zstd file decompressed as it is read) cannot go back to resume after
  // damage. gzip is left to warcio, which reads one member per record.
  if (chunks === undefined && path === '-') chunks = unZstd(process.stdin as AsyncIterable<Buffer>);
  else if (chunks === undefined && (await isZstdFile(path))) chunks = openDecoded(path);
  else if (chunks !== undefined) chunks = unZstd(chunks);
  if (chunks !== undefined) chunks = coalesced(chunks);
  let streamed = 0;
  /** The last bytes of the input (of a plain WARC, to check what follows the last record). */
  let tail = Buffer.alloc(0);
  /** The zero bytes the stream ends with so far (gzip padding). */
  let zeros = 0;
  /** Where the block of the last record read ended (plain WARC: a file offset). */
  let blockEnd = 0;
  let head = Buffer.alloc(0);
  let n = 0;
  let read = 0;
  let batch: Doc[] = [];
  /** File offset up to which bytes were reported read. */
  let reported = 0;
  let position = 0;
  const flush = (): Doc[] => {
    events.read(read, Math.max(0, position - reported));
    reported = Math.max(reported, position);
    read = 0;
    const b = batch;
    batch = [];
    return b;
  };
  const fh = chunks === undefined ? await open(fsPath(path), 'r') : undefined;
  let stream: AsyncGenerator<Buffer> | undefined;
  /**
   * The file rewritten in place while it was read (F33, as the JSON Lines reader tells it): the
   * chunk read after the change is not handed on, the records before are kept, reading stops.
   */
  let changedBy: InputChanged | undefined;
  try {
    const before: BigIntStats | undefined = fh === undefined ? undefined : await fh.stat({ bigint: true });
    const size = before === undefined ? 0 : Number(before.size);
    const empty = fh !== undefined && size === 0 ? emptyCompressed(path) : null;
    if (empty !== null) {
      events.fileError(fileErrorOf(path, empty, 0));
      return;
    }
    let gz = false;
    if (fh !== undefined && size >= 2) {
      const head = Buffer.alloc(2);
      await fh.read(head, 0, 2, 0);
      gz = head[0] === 0x1f && head[1] === 0x8b;
    }
    // warcio is loaded on first use (start-up of commands that read no WARC).
    const { WARCParser } = await import('warcio');
    let base = 0;
    for (;;) {
      // One parser per stretch of good records: from the start, then from each place reading resumed.
      // Every read is checked against the file as it was opened (`fileChunks`).
      stream = fh === undefined ? undefined : fileChunks(fh, before!, base);
      const from = stream;
      // The bytes the parser reads, as they are in an uncompressed WARC: each record's block is
      // hashed as it passes, for its WARC-Block-Digest (a .warc.gz member has gzip's CRC-32).
      const tap = new BlockTap();
      async function* counted(): AsyncGenerator<Uint8Array> {
        try {
          yield* counting();
        } catch (e) {
          if (e instanceof InputChanged) changedBy ??= e;
          throw e;
        }
      }
      async function* counting(): AsyncGenerator<Uint8Array> {
        for await (const c of chunks ?? from!) {
          // A stream is told gzip or plain by its first two bytes too (a file by its head, above).
          if (fh === undefined && streamed < 2) head = Buffer.concat([head, c as Buffer]).subarray(0, 2);
          if (fh === undefined && head.length === 2) gz = head[0] === 0x1f && head[1] === 0x8b;
          streamed += c.length;
          tail = Buffer.concat([tail, c as Buffer]).subarray(-TAIL);
          let z = c.length;
          while (z > 0 && c[z - 1] === 0) z--;
          zeros = z === 0 ? zeros + c.length : c.length - z;
          if (!gz) tap.add(c as Buffer);
          if (!gz) yield c as Buffer;
          // warcio's inflater (pako) inflates each chunk it is given whole before handing on any of
          // it: a 1 MiB read of a member of 'a's came to ~1 GiB at once (hostile review 23 H3a: a
          // 1.5 GiB record, 1.5 MB on disk, took 1.19 GB to be rejected as warc_too_large). Given
          // in pieces, what one of them inflates to is at most ~1,032 times the piece.
          else for (let i = 0; i < c.length; i += INFLATE_PIECE) yield (c as Buffer).subarray(i, Math.min(c.length, i + INFLATE_PIECE));
        }
      }
      const parser = new WARCParser(Readable.from(counted()));
      const it = parser[Symbol.asyncIterator]();
      let damage: Damage | null = null;
      for (;;) {
        const r = await nextChunk<WARCRecord>(it);
        if (r instanceof Error) {
          n++;
          damage = { at: base + parser.offset, error: r.message };
          break;
        }
        if (r.done) break;
        const record = r.value;
        n++;
        position = base + parser.offset;
        const line = (record.warcHeaders as unknown as { statusline?: string }).statusline ?? '';
        if (!WARC_LINE.test(line)) {
          // Not a record header: the bytes where a record should start are damaged, or the record
          // before was longer than its Content-Length said and swallowed the next one's start.
          // (Not when the line is the start of a record header cut short by the end of the input.)
          const prev = batch[batch.length - 1];
          if (prev !== undefined && prev.source === `${path}:${n - 1}` && !WARC_LINE_START.test(line)) {
            batch.pop();
            events.reject({ reason: 'warc_damaged', source: prev.source, detail: { error: 'the record does not end where its Content-Length says (no record header follows it)' } });
          }
          damage = { at: base + parser.offset, error: `no WARC record header here: ${JSON.stringify(line.slice(0, 40))}` };
          break;
        }
        const bad = headerDamage(record);
        if (bad !== null) {
          damage = { at: base + parser.offset, error: bad };
          break;
        }
        if (!gz) tap.start(blockStart(parser), record.warcContentLength, blockDigest(record.warcHeader('WARC-Block-Digest')));
        try {
          const doc = await toDoc(record, path, n, `${path}:${n}`, events, s);
          if (doc !== undefined) read++;
          const digest = gz ? null : tap.finish();
          if (digest !== null) {
            // The block is not the bytes its digest was made of: a changed byte may have changed
            // the text. Not a record; the file is named (exit 1) and reading goes on at the next
            // record (its Content-Length was read whole).
            const error = `its block does not match its WARC-Block-Digest (${digest.said}; the block hashes to ${digest.got})`;
            const at = base + parser.offset;
            if (doc) events.reject({ reason: 'warc_damaged', source: `${path}:${n}`, detail: { url: bare(record.warcTargetURI), warc_record_id: bare(record.warcHeader('WARC-Record-ID')), error, offset: at } });
            events.fileError({ file: path, message: `WARC record ${n} is damaged: ${error}`, recordsBefore: n - 1, offset: at, kept: doc ? 'rejected it as warc_damaged and read on' : `read on (the record was ${doc === null ? 'rejected for another reason' : 'not a document'})`, rejected: true });
          } else if (doc) {
            // A page whose JSON line would be over the line limit (F47: its quotes are escaped).
            const big = tooLarge(doc.data, s.maxLineBytes, doc.source as string);
            if (big !== undefined) events.reject(big);
            else batch.push(doc);
          }
        } catch (e) {
          rethrowIoFailure(e);
          damage = { at: base + parser.offset, error: (e as Error).message };
          break;
        }
        blockEnd = base + readOffset(parser);
        if (batch.length >= BATCH) yield flush();
      }
      await stream?.return(undefined);
      // What looked like damage was the change: said as such, and nothing after it is read.
      if (changedBy === undefined && fh !== undefined && damage !== null) await checkUnchanged(fh, before!, damage.at).catch((e: unknown) => void (changedBy = e instanceof InputChanged ? e : undefined));
      if (changedBy !== undefined) {
        if (damage !== null) n--;
        events.fileError(fileErrorOf(path, changedBy, n));
        break;
      }
      if (damage === null) {
        // warcio ends quietly at a gzip member it cannot inflate, or at a record cut short: the
        // bytes after its last record tell. (A few stray line ends at the end of a file are fine.)
        const end = fh === undefined ? streamed : size;
        if (gz) {
          const left = end - (base + parser.offset);
          if (left <= 4) break;
          // Zero bytes after the last member are padding (tar, `dd conv=sync`), as gzip reads them (F26).
          if (fh === undefined ? left <= zeros : await zerosOnly(fh, base + parser.offset, left)) break;
          n++;
          damage = { at: base + parser.offset, error: `${left} bytes after record ${n - 1} could not be read as WARC records` };
        } else {
          // Plain: only line ends may follow the last block (warcio takes any 2-byte line, such
          // as the `WA` of a record cut short, for a blank one).
          const left = end - blockEnd;
          let after = left <= TAIL ? (fh === undefined ? tail.subarray(tail.length - left) : Buffer.alloc(left)) : undefined;
          if (after !== undefined && fh !== undefined) after = after.subarray(0, (await fh.read(after, 0, left, blockEnd)).bytesRead);
          if (after !== undefined && after.every((c) => c === 0x0d || c === 0x0a)) break;
          n++;
          damage = { at: blockEnd, error: `${left} bytes after record ${n - 1} could not be read as WARC records` };
        }
      }
      read++;
      const next = fh === undefined ? null : await nextRecordStart(fh, damage.at + 1, size, gz);
      const source = `${path}:${n}`;
      if (next === null) {
        events.reject({ reason: 'warc_damaged', source, detail: { error: damage.error, offset: damage.at } });
        events.fileError({ file: path, message: `WARC record ${n} is damaged: ${damage.error}`, recordsBefore: n - 1, rejected: true });
        break;
      }
      events.reject({ reason: 'warc_damaged', source, detail: { error: damage.error, offset: damage.at, resumed_at: next } });
      // Named and exit 1, as a damaged gzip or zstd frame is (hostile review 6 F11: counted only, exit 0).
      events.fileError({ file: path, message: `WARC record ${n} is damaged: ${damage.error}`, recordsBefore: n - 1, offset: damage.at, resumedAt: next, kept: `kept the records before it, and read on from byte ${next}, the next WARC record`, rejected: true });
      base = next;
      position = next;
    }
    position = fh === undefined ? streamed : size;
    const b = flush();
    if (b.length > 0) yield b;
  } finally {
    await stream?.return(undefined);
    await fh?.close();
  }
}

/** Bytes of a .warc.gz handed to warcio's inflater at a time (see `counting` in `readWarc`). */
const INFLATE_PIECE = 1 << 14;

/** Bytes of the end of a plain WARC checked for stray bytes after the last record. */
const TAIL = 64;

/** Whether the `left` bytes of the file from `at` on are all zero. */
async function zerosOnly(fh: FileHandle, at: number, left: number): Promise<boolean> {
  const b = Buffer.alloc(Math.min(left, 1 << 16));
  for (let done = 0; done < left; ) {
    const { bytesRead } = await fh.read(b, 0, Math.min(b.length, left - done), at + done);
    if (bytesRead === 0) return false;
    if (!b.subarray(0, bytesRead).every((c) => c === 0)) return false;
    done += bytesRead;
  }
  return true;
}

/** The offset in the (decompressed) input where the block of the record just parsed starts (not in warcio's typed API). */
function blockStart(parser: unknown): number {
  const n = (parser as { _warcHeadersLength?: unknown })._warcHeadersLength;
  return typeof n === 'number' ? n : -1;
}

/** The offset in the (decompressed) input that warcio has read to (not in its typed API). */
function readOffset(parser: unknown): number {
  const r = (parser as { _reader?: { getReadOffset?: () => number } })._reader;
  return typeof r?.getReadOffset === 'function' ? r.getReadOffset() : 0;
}

/**
 * What is left of a record's block to read, from its LimitReader's `limit` (not in warcio's
 * typed API; undefined when the field is not there). After the block was read, a positive value
 * is bytes that never arrived (warcio hands out a block cut short by the end of the input without
 * a word); right after the headers, a negative one means the HTTP headers ran past the block.
 */
function blockLeft(record: WARCRecord): number | undefined {
  const r = (record as unknown as { _reader?: { limit?: unknown } })._reader;
  return typeof r?.limit === 'number' ? r.limit : undefined;
}

function missingBytes(record: WARCRecord): number {
  const left = blockLeft(record);
  return left !== undefined && left > 0 ? left : 0;
}

/**
 * Why a record's headers cannot be trusted, or null. A WARC record must say how long its block
 * is: without a Content-Length (the header block was cut short before it, or is damaged) warcio
 * takes the block as empty, and with one that is not a number it reads the rest of the input as
 * the block. warcio reads HTTP headers up to the next blank line, wherever it is: headers longer
 * than the block ran into the next record.
 */
function headerDamage(record: WARCRecord): string | null {
  const cl = record.warcHeader('Content-Length');
  if (cl === null || cl === undefined) return 'the record has no Content-Length (its WARC headers are cut short or damaged)';
  if (!/^\s*\d+\s*$/.test(cl)) return `the record's Content-Length is not a number: ${JSON.stringify(cl.slice(0, 40))}`;
  const left = blockLeft(record);
  // With no header lines at all (`GET / HTTP/1.1` and a blank line ending the block), warcio
  // reads the 2 bytes of line end after the block too.
  const empty = left === -2 && record.httpHeaders !== null && [...record.httpHeaders.headers.keys()].length === 0;
  if (left !== undefined && left < 0 && !empty) return `the record's HTTP headers run ${-left} bytes past the end of its block`;
  return null;
}

/**
 * Read past a record's block, chunk by chunk, and mark it consumed. warcio's own `skipFully`
 * loops forever without yielding when the input ends inside the block (its skip returns 0 at
 * the end and it tries again): a file cut short hung the reader and, the event loop never
 * turning, made the process deaf to SIGTERM. Here the block's reader ends with the input, and
 * the bytes that never came make the record damaged.
 */
async function skipBlock(record: WARCRecord): Promise<void> {
  for await (const chunk of record.reader) void chunk;
  record.consumed = 'skipped';
  const missing = missingBytes(record);
  if (missing > 0) throw new Error(`the record is cut short: ${missing} bytes of its block are missing`);
}

/** Bytes of a block given at a time to its decoder: what one of them inflates to is bounded by ~1,000 times this. */
const DECODE_PIECE = 1 << 16;

function* piecesOf(b: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < b.length; i += DECODE_PIECE) yield b.subarray(i, Math.min(b.length, i + DECODE_PIECE));
}

/**
 * A response's payload (`raw`, its block after the HTTP headers) with its Transfer-Encoding and
 * Content-Encoding undone, as warcio does (its own decoder), or, when that comes to more than
 * `limit` bytes, the number of bytes decoded when it stopped. Hostile review 22 H3: warcio's
 * `readFully(true)` inflated a gzip payload whole before any size was known: 600 KB on disk took
 * 29 s and 1.3 GB to be rejected (as damaged); fed in pieces, the inflation stops past the limit.
 */
async function decodedWithin(record: WARCRecord, raw: Uint8Array, limit: number): Promise<Uint8Array | number> {
  if (!record.httpHeaders) return raw;
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of record._createDecodingReader(piecesOf(raw))) {
    size += chunk.byteLength;
    if (size > limit) return size;
    parts.push(chunk);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
}

/**
 * One WARC record as a document (`Doc`), a reject (`null`, already reported), or not a document
 * at all (`undefined`: warcinfo, request, metadata, resource).
 */
const WET_DECODER = new TextDecoder('utf-8', { fatal: true });

async function toDoc(record: WARCRecord, path: string, n: number, source: string, events: ReadEvents, s: ReadSettings): Promise<Doc | null | undefined> {
  const type = record.warcType;
  if (type !== 'response' && type !== 'conversion') {
    await skipBlock(record);
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
    // WET text is UTF-8: bytes that are not are an invalid_utf8 reject with the bytes, never U+FFFD.
    let text: string;
    try {
      text = WET_DECODER.decode(body).trim();
    } catch {
      events.reject({ reason: 'invalid_utf8', source, raw_base64: Buffer.from(body).toString('base64'), detail: meta() });
      return null;
    }
    if (text === '') {
      events.reject({ reason: 'extract_empty', source, detail: meta() });
      return null;
    }
    return docAt({ ...meta(), content_type: record.warcContentType ?? 'text/plain', text }, path, n);
  }
  const http = record.httpHeaders;
  const contentType = http?.headers.get('content-type') ?? null;
  const identified = identifiedType(record.warcHeader('WARC-Identified-Payload-Type'));
  /** The payload's type as identified, beside the one the server declared (records and rejects). */
  const types: JsonObject = { content_type: contentType, ...(identified !== null ? { identified_payload_type: identified } : {}) };
  const status = http?.statusCode === undefined ? undefined : Number(http.statusCode);
  if (status !== undefined && (status < 200 || status > 299)) {
    await skipBlock(record);
    events.reject({ reason: 'warc_http_status', source, detail: { ...meta(), status } });
    return null;
  }
  // The identified type decides over the declared one (a page served as text/plain, a PDF or JSON
  // served as text/html: new-user review #11); without one, the declared type does.
  if (!HTML_TYPES.test(identified ?? contentType ?? '')) {
    await skipBlock(record);
    events.reject({ reason: 'warc_not_html', source, detail: { ...meta(), ...types } });
    return null;
  }
  if (record.warcContentLength > s.maxLineBytes) {
    await skipBlock(record);
    events.reject({ reason: 'warc_too_large', source, detail: { ...meta(), bytes: record.warcContentLength, limit: s.maxLineBytes } });
    return null;
  }
  // The block as it is (at most its Content-Length, checked above), then decoded within the limit.
  const raw = await record.readFully(false);
  const missing = missingBytes(record);
  if (missing > 0) throw new Error(`the record is cut short: ${missing} bytes of its block are missing`);
  const body = await decodedWithin(record, raw, s.maxLineBytes);
  if (typeof body === 'number') {
    events.reject({ reason: 'warc_too_large', source, detail: { ...meta(), bytes: record.warcContentLength, decoded_over: body, limit: s.maxLineBytes } });
    return null;
  }
  const decoded = decodeHtml(body, contentType);
  // A body that is a binary file under a text/html header (a server's mislabel): not a page.
  const binary = binaryKind(body, decoded.charset);
  if (binary !== null) {
    events.reject({ reason: 'warc_not_html', source, detail: { ...meta(), ...types, binary } });
    return null;
  }
  if (s.htmlField !== undefined) {
    // An `extract` stage comes next and extracts with its own options.
    return docAt({ ...meta(), ...types, charset: decoded.charset, ...declaredOf(decoded), [s.htmlField]: decoded.html }, path, n);
  }
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
  return docAt({ ...meta(), ...types, charset: decoded.charset, ...declaredOf(decoded), title: r.title, text: r.text }, path, n);
}
