import { isUtf8 } from 'node:buffer';

/**
 * One complete line handed to a line consumer: `buf[start, end)` without the newline (and CR).
 * `utf8` is true when the splitter already checked that the line is valid UTF-8 (one check per
 * chunk is far cheaper than one per line); false means "not checked".
 */
export type LineHandler = (buf: Buffer, start: number, end: number, lineNo: number, utf8: boolean) => void;

/** Handler for a line longer than the limit: its first bytes and its full length. */
export type LongLineHandler = (head: Buffer, bytes: number, lineNo: number) => void;

const NL = 10;
const CR = 13;

/**
 * Splits a byte stream into lines without copying complete lines that sit inside one chunk.
 * A line split across chunks is joined once. Lines longer than `maxLineBytes` are not kept
 * whole: their first bytes go to `onLong` so a huge line cannot exhaust memory.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private discarding = false;
  private discardHead: Buffer = Buffer.alloc(0);
  private discardBytes = 0;
  /** Lines seen so far, including the one being assembled. */
  lineNo = 0;

  constructor(
    private readonly onLine: LineHandler,
    private readonly onLong: LongLineHandler,
    private readonly maxLineBytes = 64 << 20,
    private readonly headBytes = 4096,
  ) {}

  /** Feed the next chunk. */
  push(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    if (this.carryBytes > 0 || this.discarding) {
      const nl = chunk.indexOf(NL);
      if (nl === -1) {
        this.extend(chunk);
        return;
      }
      this.extend(chunk.subarray(0, nl));
      this.finishCarried();
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(NL);
    // The complete lines of this chunk form one region: check its UTF-8 once.
    const utf8 = last > pos && isUtf8(chunk.subarray(pos, last));
    for (;;) {
      const nl = chunk.indexOf(NL, pos);
      if (nl === -1) break;
      this.lineNo++;
      if (nl - pos > this.maxLineBytes) this.onLong(chunk.subarray(pos, pos + this.headBytes), nl - pos, this.lineNo);
      else this.emit(chunk, pos, nl, utf8);
      pos = nl + 1;
    }
    if (pos < len) this.extend(chunk.subarray(pos));
  }

  /** Signal the end of the stream: a last line without a newline is still a line. */
  end(): void {
    if (this.carryBytes > 0 || this.discarding) this.finishCarried();
  }

  /** The bytes of an unfinished last line (for reporting a truncated input), and drop them. */
  takePartial(): Buffer | null {
    if (this.carryBytes === 0 && !this.discarding) return null;
    const b = this.discarding ? this.discardHead : Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    this.discarding = false;
    return b;
  }

  private extend(part: Buffer): void {
    if (this.discarding) {
      this.discardBytes += part.length;
      return;
    }
    if (part.length === 0) return;
    // Copy: the caller may reuse the chunk's memory.
    this.carry.push(Buffer.from(part));
    this.carryBytes += part.length;
    if (this.carryBytes > this.maxLineBytes) {
      const all = Buffer.concat(this.carry, this.carryBytes);
      this.discardHead = all.subarray(0, this.headBytes);
      this.discardBytes = all.length;
      this.carry = [];
      this.carryBytes = 0;
      this.discarding = true;
    }
  }

  private finishCarried(): void {
    this.lineNo++;
    if (this.discarding) {
      this.discarding = false;
      this.onLong(this.discardHead, this.discardBytes, this.lineNo);
      this.discardHead = Buffer.alloc(0);
      this.discardBytes = 0;
      return;
    }
    const line = this.carry.length === 1 ? this.carry[0] : Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    this.emit(line, 0, line.length, false);
  }

  private emit(buf: Buffer, start: number, end: number, utf8: boolean): void {
    if (end > start && buf[end - 1] === CR) end--;
    this.onLine(buf, start, end, this.lineNo, utf8);
  }
}

/** True when `buf[start, end)` is valid UTF-8. */
export function validUtf8(buf: Buffer, start: number, end: number): boolean {
  return isUtf8(buf.subarray(start, end));
}

/** True when the bytes are all spaces, tabs, CR or LF. */
export function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}
