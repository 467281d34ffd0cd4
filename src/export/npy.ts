/**
 * NumPy `.npy` (format version 1.0) for 2-D integer arrays: byte-identical to `np.save` of a
 * C-order `<i8` or `<i4` array, which is what InternEvo's `.bin.meta` files are.
 */

/** Little-endian integer dtypes this module writes and reads. */
export type NpyIntDtype = '<i8' | '<i4';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
/** numpy pads the header so the first axis can grow to 21 digits in place (numpy >= 1.20). */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** The `.npy` header of a C-order 2-D array of `rows × cols` cells, exactly as numpy writes it. */
export function npyHeader(rows: number, cols: number, dtype: NpyIntDtype = '<i8'): Buffer {
  const shape = `(${rows}, ${cols})`;
  let dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shape}, }`;
  dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(rows).length));
  const hlen = dict.length + 1;
  // Like numpy's `_wrap_header`: an already aligned header still gets a full 64 bytes of padding.
  const padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ARRAY_ALIGN);
  const total = hlen + padlen;
  if (total > 0xffff) throw new RangeError('npy header too long for format 1.0');
  const head = Buffer.alloc(10 + total, 0x20);
  Buffer.from(MAGIC).copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(total, 8);
  head.write(dict, 10, 'latin1');
  head[head.length - 1] = 0x0a;
  return head;
}

/**
 * Encode a 2-D integer array given as a flat row-major list of cells (`cols` per row) as an
 * `.npy` file. Values must be safe integers that fit the dtype.
 */
export function encodeNpy(cells: ArrayLike<number>, cols: number, dtype: NpyIntDtype = '<i8'): Buffer {
  if (cols <= 0 || cells.length % cols !== 0) throw new RangeError(`${cells.length} cells do not make rows of ${cols}`);
  const rows = cells.length / cols;
  const head = npyHeader(rows, cols, dtype);
  const width = dtype === '<i8' ? 8 : 4;
  const out = Buffer.alloc(head.length + cells.length * width);
  head.copy(out, 0);
  let pos = head.length;
  for (let i = 0; i < cells.length; i++, pos += width) {
    const v = cells[i];
    if (!Number.isSafeInteger(v)) throw new RangeError(`cell ${i} is not a safe integer: ${v}`);
    if (width === 4 && (v < -(2 ** 31) || v >= 2 ** 31)) throw new RangeError(`cell ${i} (${v}) does not fit ${dtype} (-2^31 to 2^31 - 1)`);
    if (width === 8) out.writeBigInt64LE(BigInt(v), pos);
    else out.writeInt32LE(v, pos);
  }
  return out;
}

/** What an `.npy` header says. */
export interface NpyHeader {
  major: number;
  minor: number;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Offset of the first data byte. */
  dataOffset: number;
}

/** Parse the header of an `.npy` file (versions 1.0-3.0). Throws when the bytes are not `.npy`. */
export function parseNpyHeader(buf: Uint8Array): NpyHeader {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 10 || !MAGIC.every((m, i) => b[i] === m)) throw new Error('not an .npy file (bad magic)');
  const major = b[6];
  const minor = b[7];
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = lenBytes === 2 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = 8 + lenBytes;
  const text = b.toString(major === 3 ? 'utf8' : 'latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^()]*)\)/.exec(text)?.[1]; // [^()]: linear on a hostile header
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`bad .npy header: ${JSON.stringify(text)}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  return { major, minor, descr, fortranOrder: fortran === 'True', shape, dataOffset: start + hlen };
}

/** Read a C-order 2-D `<i8`/`<i4` `.npy` file back as rows of numbers. */
export function decodeNpy2D(buf: Uint8Array): number[][] {
  const h = parseNpyHeader(buf);
  if (h.fortranOrder) throw new Error('fortran-order arrays are not supported');
  if (h.shape.length !== 2) throw new Error(`expected a 2-D array, got shape (${h.shape.join(', ')})`);
  if (h.descr !== '<i8' && h.descr !== '<i4') throw new Error(`expected dtype <i8 or <i4, got ${h.descr}`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const [rows, cols] = h.shape;
  const width = h.descr === '<i8' ? 8 : 4;
  if (b.length !== h.dataOffset + rows * cols * width) throw new Error('.npy data size does not match its shape');
  const out: number[][] = [];
  let pos = h.dataOffset;
  for (let r = 0; r < rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < cols; c++, pos += width) row.push(width === 8 ? Number(b.readBigInt64LE(pos)) : b.readInt32LE(pos));
    out.push(row);
  }
  return out;
}
