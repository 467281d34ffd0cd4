import type { JsonObject } from '../../core/doc.js';
import type { Reject } from '../../core/stage.js';

/**
 * Records no JSON Lines reader could read back (F47). The JSON Lines reader refuses a line over
 * the line limit (64 MiB, `line_too_long`); a record made from another format (a Parquet or CSV
 * field, a whole `.txt` file, a page) was written as such a line and could not be read again:
 * JSON's escapes make a text longer (`"` and `\` take 2 bytes, a control character 6). The
 * readers of those formats reject such a record as `record_too_large` instead, so what corpus-clean
 * writes, its own reader reads back. (A JSON input's own lines never grow when written again.)
 */

/** Raw characters of a `record_too_large` reject kept (its JSON text, cut, saying so). */
const HEAD_CHARS = 4096;

/**
 * A cheap upper bound of the UTF-8 bytes of `v`'s JSON, or a number over `room` as soon as the
 * bound passes it: a string takes at most 6 bytes per UTF-16 unit (`\u001f`) and its quotes; a
 * number at most 24 characters (`-2.2250738585072014e-308`). A walk of the values, no stringify:
 * most records are far under the limit and pay only this.
 */
function bound(v: unknown, room: number): number {
  switch (typeof v) {
    case 'string':
      return 6 * v.length + 2;
    case 'object': {
      if (v === null) return 4;
      let n = 2;
      if (Array.isArray(v)) {
        for (const x of v) {
          n += bound(x, room - n) + 1;
          if (n > room) return n;
        }
        return n;
      }
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        n += 6 * k.length + 4 + bound((v as Record<string, unknown>)[k], room - n);
        if (n > room) return n;
      }
      return n;
    }
    default:
      return 24;
  }
}

/**
 * The reject of a record whose JSON Lines line would be over `limit` bytes (the reader's
 * `maxLineBytes`), or undefined when it fits: `record_too_large` with the line's size, the limit
 * and its first 4,096 characters.
 */
export function tooLarge(data: JsonObject, limit: number, source: string): Omit<Reject, 'stage'> | undefined {
  if (bound(data, limit) <= limit) return undefined;
  const line = JSON.stringify(data);
  // Fewer characters than the limit / 3 cannot make more bytes than the limit.
  if (line.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(line);
  if (bytes <= limit) return undefined;
  // Cut on a character: not between the two halves of a surrogate pair.
  const cut = line.charCodeAt(HEAD_CHARS - 1) >> 10 === 0x36 ? HEAD_CHARS - 1 : HEAD_CHARS;
  return { reason: 'record_too_large', source, raw: line.slice(0, cut), detail: { bytes, limit, raw_truncated: true } };
}
