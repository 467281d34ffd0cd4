import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { AsyncBuffer, Compressors, FileMetaData } from 'hyparquet';
import type { Doc, JsonObject } from '../../core/doc.js';
import { docAt } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import type { ReadSettings } from './options.js';
import { setOwn } from '../../core/own.js';
import { fsPath } from '../../core/fsname.js';
import { rethrowIoFailure } from '../ioFailure.js';
import { verifyZstd } from '../zstd.js';
import { compactJson, exactNeeded, inexactToken, keepExact, MAX_DEPTH, scanParsed } from '../json.js';
import { crc32 } from '../crc32.js';
import { showText } from '../../core/show.js';
import { CREATED_BY_CHECKED, FOOTER_CRC_KEY, footerChecked, footerCrc, footerCrcAt } from '../parquetFooter.js';

/** A JSON column's value holding a number JavaScript cannot hold exactly, with its text. */
class ExactJson {
  constructor(
    readonly value: unknown,
    readonly text: string,
  ) {}
}

const textDecoder = new TextDecoder();
/** Decodes a string value as it is: a leading U+FEFF is a character of the value, not a byte-order mark. */
const stringDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Records handed downstream at a time; a row group is cut into batches of this size. */
const BATCH = 1000;

/**
 * Decompressors: hyparquet-compressors for Snappy, Zstd, LZ4; Node's own zlib for Gzip and
 * Brotli, which is native code and measured 3-4x faster than the pure-JS versions
 * (bench/parquet-choice.mjs, bench/RESULTS.md).
 */
export async function parquetDecompressors(): Promise<Compressors> {
  // Loaded on first use, so commands that read no Parquet do not pay for them at start-up.
  const { compressors: jsCompressors } = await import('hyparquet-compressors');
  const { h64Raw } = await (await import('xxhash-wasm')).default();
  const zstd = jsCompressors.ZSTD!;
  return {
    ...jsCompressors,
    // fzstd checks neither a frame's checksum nor its content size: a flipped byte in a page's
    // literals changed a text value silently (corpus-clean writes the checksum, as zstd does).
    ZSTD: (input, outputLength) => {
      const out = zstd(input, outputLength);
      verifyZstd(input, out, h64Raw);
      return out;
    },
    GZIP: (input) => gunzipSync(input),
    BROTLI: (input) => brotliDecompressSync(input),
  };
}

/** Floor division of BigInts (`/` truncates toward zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** An instant as ISO 8601 with `digits` fractional digits of second, nothing rounded away. */
function isoFrom(units: bigint, perSecond: bigint, digits: number): string {
  const sec = floorDiv(units, perSecond);
  const frac = units - sec * perSecond;
  const base = new Date(Number(sec) * 1000).toISOString();
  return `${base.slice(0, -5)}.${frac.toString().padStart(digits, '0')}Z`;
}

/**
 * Dates and timestamps as ISO 8601 strings at their full precision (hyparquet's defaults are
 * `Date` objects, which keep milliseconds only: microsecond timestamps would lose digits).
 */
export const PARQUET_PARSERS = {
  /**
   * A string value with every character it holds: hyparquet's default decoder is a plain
   * `TextDecoder`, which drops a leading U+FEFF from each value (review-hostile5 F7).
   */
  stringFromBytes: (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined || bytes === null ? bytes : stringDecoder.decode(bytes)),
  timestampFromMilliseconds: (ms: bigint): string => new Date(Number(ms)).toISOString(),
  timestampFromMicroseconds: (us: bigint): string => isoFrom(us, 1_000_000n, 6),
  timestampFromNanoseconds: (ns: bigint): string => isoFrom(ns, 1_000_000_000n, 9),
  dateFromDays: (days: number): string => new Date(days * 86_400_000).toISOString().slice(0, 10),
  /** A JSON column's text; one holding a big integer (or 1e400, -0) keeps its text for the writers. */
  jsonFromBytes: (bytes: Uint8Array | undefined): unknown => {
    if (bytes === undefined || bytes === null) return bytes;
    const text = textDecoder.decode(bytes);
    const value: unknown = JSON.parse(text);
    return exactNeeded(text, scanParsed(value)) ? new ExactJson(value, compactJson(text)) : value;
  },
};

/** A file as hyparquet's `AsyncBuffer`: positioned reads on one open handle. */
function fileBuffer(fh: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const buf = new Uint8Array(Math.max(0, end - start));
      let off = 0;
      while (off < buf.length) {
        const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + off}`);
        off += bytesRead;
      }
      return buf.buffer;
    },
  };
}

/** An in-memory file (for `readChunks` and tests). */
export function memoryBuffer(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.length,
    // A copy: `Buffer#slice` is a view whose `.buffer` is the whole (pooled) allocation.
    slice: (start: number, end = bytes.length) => Uint8Array.prototype.slice.call(bytes, start, end).buffer,
  };
}

/**
 * A Parquet value as JSON: 64-bit integers become numbers when exact, else decimal strings (a
 * JSON number cannot hold them and `JSON.stringify` throws on a BigInt; a top-level column's
 * are numbers with their digits kept, see `rowToJson`); dates and timestamps
 * become ISO 8601 strings; raw binary becomes base64; structs, lists and maps stay nested.
 */
export function parquetToJson(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'bigint':
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    case 'object':
      if (v instanceof ExactJson) return v.value;
      break;
    default:
      return String(v);
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = parquetToJson(v[i]);
    return out;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) {
    // A byte column without a string annotation (DuckDB's BLOB, old writers' strings): its text
    // when the bytes are UTF-8, else base64; never U+FFFD in place of bytes (hostile review 6 F12).
    const b = Buffer.from(v.buffer, v.byteOffset, v.length);
    return isUtf8(b) ? b.toString('utf8') : b.toString('base64');
  }
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => parquetToJson(x));
  if (v instanceof Map) {
    const o: JsonObject = {};
    // Map keys are data: a `__proto__` key must stay a field (see core/own.ts).
    for (const [k, x] of v) setOwn(o, String(k), parquetToJson(x));
    return o;
  }
  const o: JsonObject = {};
  for (const k of Object.keys(v)) setOwn(o, k, parquetToJson((v as JsonObject)[k]));
  return o;
}

/**
 * The top-level DECIMAL columns of a file stored as INT32, INT64 or FIXED_LEN_BYTE_ARRAY (name ->
 * scale), and the metadata to read them with: their annotation dropped, so that rows hold the
 * unscaled integers, which `rowToJson` writes as exact decimals. hyparquet would give a double
 * (the unscaled value as a double, divided by 10^scale): DECIMAL(18,4) 12345678901234.5678 came
 * out as 12345678901234.568, DECIMAL(38,2) 123456789012345678901234567890.12 as
 * 1.2345678901234566e+29, without a word. A BYTE_ARRAY or nested DECIMAL is still hyparquet's.
 */
export function exactDecimals(metadata: FileMetaData): { metadata: FileMetaData; decimals: Map<string, number> | undefined } {
  const schema = metadata.schema;
  let decimals: Map<string, number> | undefined;
  let copy: typeof schema | undefined;
  const top = schema[0]?.num_children ?? 0;
  let i = 1;
  for (let c = 0; c < top && i < schema.length; c++) {
    const el = schema[i];
    const lt = el.logical_type as { type?: string; scale?: number } | undefined;
    const decimal = el.converted_type === 'DECIMAL' || lt?.type === 'DECIMAL';
    if (decimal && !el.num_children && (el.type === 'INT32' || el.type === 'INT64' || el.type === 'FIXED_LEN_BYTE_ARRAY')) {
      (decimals ??= new Map()).set(el.name, el.scale ?? lt?.scale ?? 0);
      copy ??= [...schema];
      const { converted_type: _c, logical_type: _l, ...plain } = el;
      copy[i] = plain as typeof el;
    }
    // Past this column and everything nested in it.
    let open = 1;
    while (open > 0 && i < schema.length) open += (schema[i++].num_children ?? 0) - 1;
  }
  return { metadata: copy === undefined ? metadata : { ...metadata, schema: copy }, decimals };
}

/** An unscaled DECIMAL value as hyparquet gives it without the annotation (number, bigint or big-endian two's complement bytes). */
function unscaled(x: unknown): bigint | undefined {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') return Number.isInteger(x) ? BigInt(x) : undefined;
  if (x instanceof Uint8Array) {
    if (x.length === 0) return 0n;
    let v = 0n;
    for (const b of x) v = (v << 8n) | BigInt(b);
    return x[0] & 0x80 ? v - (1n << BigInt(8 * x.length)) : v;
  }
  return undefined;
}

/** `unscaled / 10^scale` as decimal text (`-7`, scale 2: `-0.07`). */
export function decimalText(u: bigint, scale: number): string {
  const neg = u < 0n;
  let d = (neg ? -u : u).toString();
  if (scale > 0) {
    d = d.padStart(scale + 1, '0');
    d = `${d.slice(0, -scale)}.${d.slice(-scale)}`;
  } else if (scale < 0) d += '0'.repeat(-scale);
  return neg ? `-${d}` : d;
}

/**
 * A row as a record: only values that need it are converted (most are strings and numbers). A
 * top-level INT64 past 2^53 becomes a number whose digits are kept (as the JSONL reader keeps
 * them: `keepExact`), so the writers give them back exactly; so do a JSON column's big numbers,
 * a DOUBLE -0 and a DECIMAL a double cannot hold as written (`decimals`, see `exactDecimals`).
 */
/** The first top-level field holding NaN or ±Infinity (a DOUBLE or FLOAT column), or undefined. */
function nonFinite(row: Record<string, unknown>): string | undefined {
  for (const k in row) {
    const x = row[k];
    if (typeof x === 'number' && !Number.isFinite(x)) return k;
  }
  return undefined;
}

function rowToJson(row: Record<string, unknown>, decimals?: Map<string, number>): JsonObject {
  let exact: Map<string, string> | undefined;
  if (decimals !== undefined)
    for (const [k, scale] of decimals) {
      const u = unscaled(row[k]);
      if (u === undefined) continue;
      const text = decimalText(u, scale);
      const v = Number(text);
      setOwn(row, k, v);
      if (inexactToken(text)) (exact ??= new Map()).set(k, text);
    }
  for (const k in row) {
    const x = row[k];
    const t = typeof x;
    if (exact?.has(k)) continue;
    if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(x) && !Object.is(x, -0))) continue;
    if (t === 'bigint' && !Number.isSafeInteger(Number(x))) {
      (exact ??= new Map()).set(k, (x as bigint).toString());
      setOwn(row, k, Number(x));
    } else if (x instanceof ExactJson) {
      (exact ??= new Map()).set(k, x.text);
      setOwn(row, k, x.value);
    } else if (Object.is(x, -0)) (exact ??= new Map()).set(k, '-0');
    else setOwn(row, k, parquetToJson(x));
  }
  if (exact !== undefined) {
    const parts: string[] = [];
    for (const k of Object.keys(row)) parts.push(`${JSON.stringify(k)}:${exact.get(k) ?? JSON.stringify(row[k])}`);
    keepExact(row, `{${parts.join(',')}}`);
  }
  return row;
}

/**
 * How deep a Parquet schema nests: the most ancestors of any column, counting the root (a flat
 * file is 1). Read from the flat, depth-first schema list with a stack, not recursively.
 */
export function schemaDepth(schema: readonly { num_children?: number }[]): number {
  let max = 0;
  const open: number[] = []; // children still to come, per group being walked
  for (const el of schema) {
    max = Math.max(max, open.length);
    if (open.length > 0) open[open.length - 1]--;
    const n = el.num_children ?? 0;
    if (n > 0) open.push(n);
    while (open.length > 0 && open[open.length - 1] <= 0) open.pop();
  }
  return max;
}

/** A row group as the plan sees it: its rows and its compressed bytes. */
export interface RowGroupSize {
  rows: number;
  bytes: number;
}

/** The first byte of a row group's column chunks (where its damage is looked for). */
function groupStartByte(rg: FileMetaData['row_groups'][number]): number {
  let at = Infinity;
  for (const c of rg.columns) at = Math.min(at, chunkRange(c)?.[0] ?? Infinity);
  return Number.isFinite(at) ? at : 0;
}

/** The compressed bytes of a row group's columns. */
function groupBytes(rg: FileMetaData['row_groups'][number]): number {
  let size = 0;
  for (const c of rg.columns) size += Number(c.meta_data?.total_compressed_size ?? 0);
  return size;
}

/**
 * The row groups of a Parquet file, from its footer (for cutting a large file into tasks of
 * whole row groups); undefined when the footer cannot be read (the reader then names the error).
 */
export async function parquetRowGroups(path: string): Promise<RowGroupSize[] | undefined> {
  const fh = await open(fsPath(path), 'r');
  try {
    const { parquetMetadataAsync } = await import('hyparquet');
    const metadata = await parquetMetadataAsync(fileBuffer(fh, (await fh.stat()).size));
    return metadata.row_groups.map((rg) => ({ rows: Number(rg.num_rows), bytes: groupBytes(rg) }));
  } catch {
    return undefined;
  } finally {
    await fh.close();
  }
}

/** A column chunk's bytes: from its dictionary page if it has one (as hyparquet reads it), `total_compressed_size` long. */
function chunkRange(c: FileMetaData['row_groups'][number]['columns'][number]): [number, number] | undefined {
  const m = c.meta_data;
  if (m === undefined) return undefined;
  const start = Number(m.dictionary_page_offset || m.data_page_offset);
  return [start, start + Number(m.total_compressed_size)];
}

/**
 * Check the footer checksum of a file corpus-clean wrote: a message saying what is wrong, or
 * undefined. Found in the footer's raw bytes, not in the parsed metadata (a flipped byte can make
 * thrift misparse the rest, losing the entry from the parsed form): the `FOOTER_CRC_KEY` entry is
 * checked wherever it is; without it, `FOOTER_CRC_MARK` (in `created_by`) or the parsed entry
 * means the entry was lost to damage. Files without either (other tools, corpus-clean before
 * 2026-12-03) are not checked.
 */
async function footerDamage(file: AsyncBuffer, metadata: FileMetaData): Promise<string | undefined> {
  const size = file.byteLength;
  const len = new DataView(await file.slice(size - 8, size - 4)).getUint32(0, true);
  const meta = new Uint8Array(await file.slice(size - 8 - len, size - 8));
  const at = footerCrcAt(meta);
  const where = `the footer (bytes ${size - 8 - len}-${size - 8})`;
  if (at < 0) {
    const marked = footerChecked(meta) || (metadata.created_by === CREATED_BY_CHECKED && metadata.key_value_metadata?.some((kv) => kv.key === FOOTER_CRC_KEY) === true);
    return marked ? `${where} has lost its checksum entry: it is damaged` : undefined;
  }
  // Another tool's rewrite of our file keeps the entry but not our created_by: not ours to check.
  if (!footerChecked(meta, at + 8) && metadata.created_by !== CREATED_BY_CHECKED) return undefined;
  const want = Number.parseInt(new TextDecoder().decode(meta.subarray(at, at + 8)), 16);
  const actual = footerCrc(meta, at);
  if (actual !== want) return `footer checksum mismatch: ${where} has CRC-32 ${hex(actual)}, its checksum entry says ${Number.isNaN(want) ? 'something unreadable' : hex(want)}; the footer is damaged`;
  return undefined;
}

/** A page whose stored CRC-32 differs from its bytes' (parquet-format PageHeader.crc). */
export class PageChecksumError extends Error {}

/**
 * Check the page checksums of one column chunk (`bytes` holds the file from byte `base`): every
 * page whose header has a crc must have bytes with that CRC-32, else `PageChecksumError` naming
 * the column and the page's byte offset. A page without a crc cannot be checked (most writers
 * leave it out: pyarrow's default, DuckDB). A header that does not read stops the walk: decoding
 * the row group then meets the same damage and names it.
 */
export function verifyChunkPages(bytes: Uint8Array, base: number, range: readonly [number, number], column: string, parquetHeader: typeof import('hyparquet/src/column.js').parquetHeader): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [, end] = range;
  let at = range[0];
  let checked = 0;
  while (at < end) {
    const reader = { view, offset: at - base };
    let header: ReturnType<typeof parquetHeader>;
    try {
      header = parquetHeader(reader);
    } catch {
      return checked;
    }
    const dataStart = base + reader.offset;
    const size = header.compressed_page_size;
    if (!(size >= 0) || dataStart + size > end) return checked;
    if (header.crc !== undefined) {
      const page = bytes.subarray(dataStart - base, dataStart - base + size);
      const actual = crc32(page);
      if (actual !== header.crc >>> 0) {
        throw new PageChecksumError(`page checksum mismatch in column '${showText(column)}': the ${header.type ?? 'page'} at byte ${at} (${size} bytes) has CRC-32 ${hex(actual)}, its header says ${hex(header.crc >>> 0)}`);
      }
      checked++;
    }
    at = dataStart + size;
  }
  return checked;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Read a row group's column chunks once, check their page checksums (`verifyChunkPages`), and
 * give back a file that serves those bytes from memory (hyparquet reads them next), so checking
 * costs no second read.
 */
async function verifiedGroup(file: AsyncBuffer, rg: FileMetaData['row_groups'][number], parquetHeader: typeof import('hyparquet/src/column.js').parquetHeader): Promise<AsyncBuffer> {
  const ranges = rg.columns.map((c) => chunkRange(c));
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of ranges) {
    if (r === undefined) continue;
    lo = Math.min(lo, r[0]);
    hi = Math.max(hi, r[1]);
  }
  // A footer with chunks outside the file: hyparquet names that when it reads them.
  if (!(lo < hi) || lo < 0 || hi > file.byteLength) return file;
  const bytes = new Uint8Array(await file.slice(lo, hi));
  rg.columns.forEach((c, i) => {
    const r = ranges[i];
    if (r !== undefined) verifyChunkPages(bytes, lo, r, c.meta_data?.path_in_schema.join('.') ?? String(i), parquetHeader);
  });
  return {
    byteLength: file.byteLength,
    slice: (start: number, end = file.byteLength) => (start >= lo && end <= hi ? bytes.slice(start - lo, end - lo).buffer : file.slice(start, end)),
  };
}

/**
 * Read a Parquet file (hyparquet): every column becomes a field, nested types become JSON (see
 * `parquetToJson`). Row groups are read one at a time, so memory holds one decoded row group.
 * Sources are `file:row`, 1-based over the whole file. A file that is not Parquet (or whose
 * footer is damaged), or whose schema nests deeper than `MAX_DEPTH` (1,000) levels, is a
 * `fileError`; a row group that fails to decode is one reject entry,
 * `parquet_row_group`, with the first row as its source and the rows it held in `detail`,
 * counted as that many rows read and rejected, and reading goes on with the next row group. With `groups` (`[first, end)`), only those row groups
 * are read (a task of a run; sources still count rows from the start of the file).
 */
export async function* readParquet(path: string, events: ReadEvents, s: ReadSettings, bytes?: Uint8Array, groups?: readonly [number, number]): AsyncGenerator<Doc[]> {
  let fh: FileHandle | undefined;
  let start = 0;
  const damaged: { rows: number; at: number; error: string }[] = [];
  try {
    let file: AsyncBuffer;
    // stdin: Parquet is read from its footer, so the whole input is held in memory.
    if (bytes === undefined && path === '-') {
      const parts: Buffer[] = [];
      for await (const c of process.stdin as AsyncIterable<Buffer>) parts.push(c);
      bytes = Buffer.concat(parts);
    }
    if (bytes !== undefined) file = memoryBuffer(bytes);
    else {
      fh = await open(fsPath(path), 'r');
      file = fileBuffer(fh, (await fh.stat()).size);
    }
    const { parquetMetadataAsync, parquetRead, parquetSchema } = await import('hyparquet');
    // Rows as arrays, made into records here with setOwn: hyparquet's objects assign by name,
    // and a column named `__proto__` was lost (hostile review 6 F18).
    const readRows = (group: AsyncBuffer, meta: FileMetaData, rowStart: number, rowEnd: number): Promise<Record<string, unknown>[]> => {
      const names = parquetSchema(meta).children.map((c) => c.element.name);
      return new Promise((resolve, reject) => {
        parquetRead({ file: group, metadata: meta, compressors: decompressors, parsers: PARQUET_PARSERS, rowStart, rowEnd, columns: names, rowFormat: 'array', utf8: false, onComplete: (rows) => {
          const out = new Array<Record<string, unknown>>(rows.length);
          for (let i = 0; i < rows.length; i++) {
            const row = rows[i] as unknown[];
            const o: Record<string, unknown> = {};
            for (let k = 0; k < names.length; k++) setOwn(o, names[k], row[k]);
            out[i] = o;
          }
          resolve(out);
        } }).catch(reject);
      });
    };
    const { parquetHeader } = await import('hyparquet/src/column.js');
    const decompressors = await parquetDecompressors();
    let metadata: FileMetaData;
    // A file too short to hold the two magic numbers and the footer length (a 0-byte file, a
    // failed copy): hyparquet's own words are about a DataView ("Offset is outside the bounds").
    if (file.byteLength < 12) {
      events.fileError({ file: path, message: `not a Parquet file: it is ${file.byteLength} bytes long, and a Parquet file holds at least 12 (PAR1, the footer length, PAR1): it was cut short or is empty`, recordsBefore: 0 });
      return;
    }
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      rethrowIoFailure(e);
      events.fileError({ file: path, message: `not a readable Parquet file: its footer does not decode (${(e as Error).message}): the file is cut short or its footer is damaged`, recordsBefore: 0 });
      return;
    }
    if (s.parquetPageChecks !== false) {
      const damage = await footerDamage(file, metadata);
      if (damage !== undefined) {
        events.fileError({ file: path, message: damage, recordsBefore: 0 });
        return;
      }
    }
    const [first, stop] = groups ?? [0, metadata.row_groups.length];
    for (let g = 0; g < first && g < metadata.row_groups.length; g++) start += Number(metadata.row_groups[g].num_rows);
    const depth = schemaDepth(metadata.schema);
    if (depth > MAX_DEPTH) {
      // hyparquet builds the schema tree and assembles values recursively: refused before that.
      events.fileError({ file: path, message: `the Parquet schema nests ${depth} levels deep (records are limited to ${MAX_DEPTH} levels)`, recordsBefore: 0 });
      return;
    }
    // DECIMAL columns read as their unscaled integers, made exact decimals by rowToJson.
    const exact = exactDecimals(metadata);
    for (const rg of metadata.row_groups.slice(first, stop)) {
      const n = Number(rg.num_rows);
      const end = start + n;
      const size = groupBytes(rg);
      let rows: Record<string, unknown>[];
      try {
        const group = s.parquetPageChecks === false ? file : await verifiedGroup(file, rg, parquetHeader);
        rows = await readRows(group, exact.metadata, start, end);
      } catch (e) {
        rethrowIoFailure(e);
        // Every row the footer promises is counted as read and as rejected: a lost row group of
        // 100 rows is 100 rejects in the accounting and in --max-reject-rate, in one entry.
        events.read(n, size);
        const at = groupStartByte(rg);
        const error = (e as Error).message;
        events.reject({ reason: 'parquet_row_group', source: `${path}:${start + 1}`, detail: { rows: n, last_row: end, byte: at, error } }, n);
        damaged.push({ rows: n, at, error });
        start = end;
        continue;
      }
      for (let i = 0; i < rows.length; i += BATCH) {
        const stop = Math.min(rows.length, i + BATCH);
        const batch: Doc[] = new Array(stop - i);
        let kept = 0;
        for (let j = i; j < stop; j++) {
          // NaN and ±Infinity have no JSON form: such a row is a reject naming the field, with the
          // row (that value as its text), not a record with null in its place (hostile review 6 F12).
          const bad = nonFinite(rows[j]);
          if (bad !== undefined) {
            const shown: Record<string, unknown> = {};
            for (const k of Object.keys(rows[j])) setOwn(shown, k, k === bad ? String(rows[j][k]) : parquetToJson(rows[j][k]));
            events.reject({ reason: 'parquet_value', source: `${path}:${start + j + 1}`, raw: JSON.stringify(shown), detail: { field: bad, value: String(rows[j][bad]), why: 'NaN and Infinity have no JSON form' } });
            continue;
          }
          batch[kept++] = docAt(rowToJson(rows[j], exact.decimals), path, start + j + 1);
        }
        batch.length = kept;
        // Bytes are the row group's compressed size, counted with its first batch.
        events.read(stop - i, i === 0 ? size : 0);
        yield batch;
      }
      if (rows.length === 0) events.read(0, size);
      start = end;
    }
    if (damaged.length > 0) {
      // Damaged input exits 1 (as a damaged gzip or zstd file does), though the other row groups were read.
      const rows = damaged.reduce((a, d) => a + d.rows, 0);
      const first = damaged[0];
      events.fileError({
        file: path,
        message: `${damaged.length} damaged row group${damaged.length === 1 ? '' : 's'} (${rows} rows; the first at byte ${first.at}: ${first.error})`,
        recordsBefore: start,
        kept: 'kept the other row groups; the damaged ones are counted as rejected (read/parquet_row_group)',
        // Each damaged row group is a parquet_row_group reject already: no damaged_input besides.
        rejected: true,
      });
    }
  } catch (e) {
    rethrowIoFailure(e);
    events.fileError({ file: path, message: (e as Error).message, recordsBefore: start });
  } finally {
    await fh?.close();
  }
}
