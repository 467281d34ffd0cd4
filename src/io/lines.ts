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
 *
 * Line ends are LF or CRLF. A stream whose first line ends in a lone CR (classic Mac files, some
 * spreadsheet exports) is read with CR, LF and CRLF all ending lines: otherwise the whole file
 * would be one line (one `json_parse` reject, or a 64 MiB `line_too_long` keeping 4 KiB). The
 * choice is made once, on the first line end, so a stray CR inside a line of an LF file is kept.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private discarding = false;
  private discardHead: Buffer = Buffer.alloc(0);
  private discardBytes = 0;
  /** Lines seen so far, including the one being assembled. */
  lineNo = 0;
  /** How lines end: not known before the first line end, then LF/CRLF or any of CR, LF, CRLF. */
  private mode: 'unknown' | 'lf' | 'any' = 'unknown';
  /** The first chunk, kept while its last byte is a CR whose next byte decides the mode. */
  private undecided: Buffer | null = null;
  /** In `any` mode: the last byte seen was a CR (an LF right after it ends nothing). */
  private afterCR = false;

  constructor(
    private readonly onLine: LineHandler,
    private readonly onLong: LongLineHandler,
    private readonly maxLineBytes = 64 << 20,
    private readonly headBytes = 4096,
    /**
     * True when the caller never writes a chunk again once pushed (a new buffer per read): the
     * start of a line split across chunks is then kept as a view, joined once at its end, not
     * copied first (fresh memory: a page fault per 4 KB). Default false: each part is copied.
     */
    private readonly keepsChunks = false,
  ) {}

  /** Feed the next chunk. */
  push(chunk: Buffer): void {
    if (this.mode !== 'lf') {
      if (this.mode === 'unknown') {
        if (this.undecided !== null) {
          chunk = Buffer.concat([this.undecided, chunk]);
          this.undecided = null;
        }
        const cr = chunk.indexOf(CR);
        const nl = chunk.indexOf(NL);
        if (cr === -1 || (nl !== -1 && nl < cr)) {
          if (nl !== -1) this.mode = 'lf';
        } else if (cr === chunk.length - 1) {
          this.undecided = Buffer.from(chunk);
          return;
        } else this.mode = chunk[cr + 1] === NL ? 'lf' : 'any';
      }
      if (this.mode === 'any') chunk = this.crToLf(chunk);
    }
    this.split(chunk);
  }

  /** The stream ended right after its first line end, a CR: that line is complete. */
  private decideAtEnd(): void {
    if (this.undecided === null) return;
    const u = this.undecided;
    this.undecided = null;
    this.mode = 'any';
    this.split(this.crToLf(u));
  }

  /** The chunk with every CR made an LF, and an LF right after a CR dropped (`any` mode). */
  private crToLf(chunk: Buffer): Buffer {
    const out = Buffer.allocUnsafe(chunk.length);
    let j = 0;
    let afterCR = this.afterCR;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === CR) {
        out[j++] = NL;
        afterCR = true;
      } else {
        if (c !== NL || !afterCR) out[j++] = c;
        afterCR = false;
      }
    }
    this.afterCR = afterCR;
    return out.subarray(0, j);
  }

  private split(chunk: Buffer): void {
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
    this.decideAtEnd();
    if (this.carryBytes > 0 || this.discarding) this.finishCarried();
  }

  /** The bytes of an unfinished last line (for reporting a truncated input), and drop them. */
  takePartial(): Buffer | null {
    this.decideAtEnd();
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
    // Copy, unless the caller keeps its chunks as they are: it may reuse the chunk's memory.
    this.carry.push(this.keepsChunks ? part : Buffer.from(part));
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
