/**
 * A minimal protobuf wire-format reader: just enough to walk the fields of a SentencePiece
 * `ModelProto`. Unknown fields are skipped, so newer model files still load.
 */

/** Wire types of the protobuf encoding. */
export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** One field read from a message: its number, wire type, and where its value lies. */
export interface ProtoField {
  field: number;
  wire: number;
  /** Value of a varint field as an unsigned number (exact below 2^53). */
  varint: number;
  /** The low 32 bits of a varint read as a signed int32 (how `int32` fields such as `pad_id = -1` decode). */
  int32: number;
  /** Start and end offsets of a length-delimited or fixed-width value in the buffer. */
  start: number;
  end: number;
}

/** Thrown when the bytes are not a well-formed protobuf message. */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** Iterate over the fields of the message stored in `buf[start, end)`. */
export function* protoFields(buf: Uint8Array, start = 0, end = buf.length): Generator<ProtoField> {
  let pos = start;
  let low32 = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    low32 = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new ProtoError(`truncated varint at byte ${pos}`);
      const b = buf[pos++];
      result += (b & 0x7f) * mul;
      if (i < 5) low32 |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new ProtoError(`varint too long at byte ${pos}`);
  };
  while (pos < end) {
    const key = readVarint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    const f: ProtoField = { field, wire, varint: 0, int32: 0, start: pos, end: pos };
    switch (wire) {
      case WireType.varint:
        f.varint = readVarint();
        f.int32 = low32 | 0;
        f.end = pos;
        break;
      case WireType.fixed64:
        f.start = pos;
        pos += 8;
        f.end = pos;
        break;
      case WireType.bytes: {
        const len = readVarint();
        f.start = pos;
        pos += len;
        f.end = pos;
        break;
      }
      case WireType.fixed32:
        f.start = pos;
        pos += 4;
        f.end = pos;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wire} (field ${field}) at byte ${f.start}`);
    }
    if (pos > end) throw new ProtoError(`field ${field} runs past the end of its message`);
    yield f;
  }
}
