import type { RowGroup } from 'hyparquet';
import type { Writer } from 'hyparquet-writer';
import { crc32 } from '../crc32.js';
import { footerCrc, footerCrcAt } from '../parquetFooter.js';

/** A page compressor, as hyparquet-writer calls it: page bytes in, stored bytes out. */
type Compress = (bytes: Uint8Array) => Uint8Array;

/** Thrift compact protocol: the type nibble of an i32 field. */
const I32 = 5;

/** `n` as a compact-protocol varint. */
function varint(n: number, out: number[]): void {
  let v = n >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** Skip a varint at `pos`; the position after it, and its value (up to 32 bits). */
function readVarint(b: Uint8Array, pos: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    if (pos >= b.length || shift > 28) throw new Error('Parquet page header: a varint runs past the header');
    const x = b[pos++];
    v |= (x & 0x7f) << shift;
    if ((x & 0x80) === 0) return [pos, v >>> 0];
    shift += 7;
  }
}

/**
 * A serialized PageHeader (thrift compact protocol, as hyparquet-writer writes it: fields 1-3, no
 * field 4, then the page type's struct) with field 4, `crc`, put in. Its `compressed_page_size`
 * (field 3) is returned too, to check against the page bytes. Anything else is refused: a header
 * this cannot read is a bug to see, not a page to leave unchecked.
 */
export function headerWithCrc(header: Uint8Array, crc: number): { header: Uint8Array; size: number } {
  let pos = 0;
  let size = -1;
  for (let field = 1; field <= 3; field++) {
    if (header[pos] !== ((1 << 4) | I32)) throw new Error(`Parquet page header: field ${field} is not where hyparquet-writer puts it`);
    const [next, v] = readVarint(header, pos + 1);
    if (field === 3) size = (v >>> 1) ^ -(v & 1); // zigzag
    pos = next;
  }
  const after = header[pos];
  const delta = after >> 4;
  // The next field is 5 (v1 data page), 7 (dictionary) or 8 (v2 data page): delta 2..5 from field 3; STOP (0) ends it.
  if (after !== 0 && delta < 2) throw new Error('Parquet page header: it already has field 4 (crc) or an unexpected field');
  const bytes: number[] = [(1 << 4) | I32];
  const signed = crc | 0;
  varint((signed << 1) ^ (signed >> 31), bytes); // zigzag i32
  if (after !== 0) bytes.push(((delta - 1) << 4) | (after & 0x0f));
  else bytes.push(0);
  const out = new Uint8Array(header.length + bytes.length - 1);
  out.set(header.subarray(0, pos), 0);
  out.set(bytes, pos);
  out.set(header.subarray(pos + 1), pos + bytes.length);
  return { header: out, size };
}

/**
 * A hyparquet-writer `Writer` that gives every page it writes a checksum: PageHeader.crc, the
 * CRC-32 of the page bytes as stored (after compression; for a v2 data page, levels and values),
 * as parquet-format defines it. hyparquet-writer writes no crc and exposes no hook for it, so the
 * page is caught on its way to the file: the compressors handed to the ParquetWriter come from
 * `compressors` and announce each page's stored bytes; the header and the bytes after it are held
 * until those bytes arrive, then written with field 4 put into the header.
 *
 * The header grows by 2-6 bytes. Every file offset hyparquet-writer records (page and chunk
 * starts, compressed sizes, indexes) is read before or after a whole page, so it is right; only
 * the uncompressed sizes, which count headers, miss the growth: `settle` adds it to the row
 * groups' metadata after each write.
 */
export class PageChecksumWriter implements Writer {
  /** The page being held: its header and bytes so far, and the stored bytes that end it. */
  private held: Writer | null = null;
  private stored: Uint8Array | null = null;
  private headerLength = -1;
  /** Pages written since the last `settle`: [file offset, bytes its header grew by]. */
  private grown: [number, number][] = [];
  /** From `sealFooter` on: the rest of the file (indexes, footer), held until `finish`. */
  private tail: Writer | null = null;

  constructor(
    private readonly out: Writer,
    private readonly makeBuffer: () => Writer,
  ) {}

  /** The compressors to give the ParquetWriter (`UNCOMPRESSED` included, so every page is announced). */
  compressors(by: Record<string, Compress>): Record<string, Compress> {
    const wrapped: Record<string, Compress> = {};
    for (const [codec, f] of Object.entries({ UNCOMPRESSED: (b: Uint8Array) => b, ...by })) {
      wrapped[codec] = (b) => this.pageComing(f(b));
    }
    return wrapped;
  }

  private pageComing(stored: Uint8Array): Uint8Array {
    if (this.held !== null) throw new Error('Parquet writer: a page began before the previous one was written');
    this.held = this.makeBuffer();
    this.stored = stored;
    this.headerLength = -1;
    return stored;
  }

  private target(): Writer {
    return this.held ?? this.tail ?? this.out;
  }

  get offset(): number {
    return this.out.offset + (this.held?.offset ?? this.tail?.offset ?? 0);
  }

  /**
   * Call before the ParquetWriter's `finish` (whose footer has the `FOOTER_CRC_KEY` entry, value
   * `00000000`): the footer is held, and written at `finish` with the CRC-32 of its bytes in that
   * entry (parquet-format has no footer checksum; a flipped byte there could rename a column or
   * drop a row group unseen).
   */
  sealFooter(): void {
    if (this.held !== null) throw new Error('Parquet writer: the footer began in the middle of a page');
    this.tail = this.makeBuffer();
  }
  get buffer(): ArrayBuffer {
    return this.out.buffer;
  }
  get view(): DataView {
    return this.out.view;
  }

  appendBytes(value: Uint8Array): void {
    const h = this.held;
    if (h === null) return this.target().appendBytes(value);
    // The header is thrift numbers only (appendUint8/appendZigZag): the first bytes appended end it.
    if (this.headerLength < 0) this.headerLength = h.offset;
    h.appendBytes(value);
    if (value === this.stored) this.endPage(h);
  }

  private endPage(h: Writer): void {
    const all = h.getBytes();
    const page = all.subarray(this.headerLength);
    const { header, size } = headerWithCrc(all.subarray(0, this.headerLength), crc32(page));
    if (size !== page.length) throw new Error(`Parquet writer: a page of ${page.length} bytes has a header saying ${size}`);
    this.held = null;
    this.stored = null;
    this.grown.push([this.out.offset, header.length - this.headerLength]);
    this.out.appendBytes(header);
    this.out.appendBytes(page);
  }

  /**
   * Add the header growth of the pages written since the last call to the uncompressed sizes of
   * `groups` (the row groups just written). Pages are recorded in file order, so each chunk finds
   * its first page by binary search: linear in pages + chunks (a search per chunk over every page
   * was quadratic in the columns: 100,000 columns ran for minutes, hostile review 6 F24).
   */
  settle(groups: readonly RowGroup[]): void {
    const grown = this.grown;
    for (const g of groups) {
      for (const c of g.columns) {
        const m = c.meta_data;
        if (m === undefined) continue;
        const start = Number(c.file_offset);
        const end = start + Number(m.total_compressed_size);
        let lo = 0;
        let hi = grown.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (grown[mid][0] < start) lo = mid + 1;
          else hi = mid;
        }
        let add = 0;
        for (let i = lo; i < grown.length && grown[i][0] < end; i++) add += grown[i][1];
        m.total_uncompressed_size += BigInt(add);
        g.total_byte_size += BigInt(add);
      }
    }
    this.grown = [];
  }

  ensure(size: number): void {
    this.target().ensure(size);
  }
  flush(): void | Promise<void> {
    if (this.held !== null) throw new Error('Parquet writer: flushed in the middle of a page');
    return this.out.flush?.();
  }
  finish(): void | Promise<void> {
    if (this.held !== null) throw new Error('Parquet writer: finished in the middle of a page');
    const t = this.tail;
    if (t !== null) {
      this.tail = null;
      const bytes = Uint8Array.from(t.getBytes());
      const n = bytes.length;
      const len = new DataView(bytes.buffer).getUint32(n - 8, true);
      const meta = bytes.subarray(n - 8 - len, n - 8);
      const at = footerCrcAt(meta);
      if (at < 0) throw new Error('Parquet writer: the footer has no checksum entry');
      meta.set(new TextEncoder().encode(footerCrc(meta, at).toString(16).padStart(8, '0')), at);
      this.out.appendBytes(bytes);
    }
    return this.out.finish();
  }
  getBuffer(): ArrayBuffer {
    return this.target().getBuffer();
  }
  getBytes(): Uint8Array {
    return this.target().getBytes();
  }
  appendUint8(value: number): void {
    this.target().appendUint8(value);
  }
  appendUint32(value: number): void {
    this.target().appendUint32(value);
  }
  appendInt32(value: number): void {
    this.target().appendInt32(value);
  }
  appendInt64(value: bigint): void {
    this.target().appendInt64(value);
  }
  appendFloat32(value: number): void {
    this.target().appendFloat32(value);
  }
  appendFloat64(value: number): void {
    this.target().appendFloat64(value);
  }
  appendBuffer(buffer: ArrayBuffer): void {
    this.target().appendBuffer(buffer);
  }
  appendVarInt(value: number): void {
    this.target().appendVarInt(value);
  }
  appendVarBigInt(value: bigint): void {
    this.target().appendVarBigInt(value);
  }
  appendZigZag(value: number | bigint): void {
    this.target().appendZigZag(value);
  }
}
