/**
 * The records between two phases of a task: JSON Lines of the records as they are (a record no
 * stage changed is its input line's bytes, as read; a record holding numbers JavaScript cannot
 * represent keeps its exact text, as in the shards), and beside
 * it one JSON line per record with its source (`file:line`) and the stage signals (`attrs`), so
 * the next phase's rejects and survivors still name the original input and give back its bytes.
 * Written under temporary names and renamed at close; read back through the JSONL reader.
 */
import { closeSync, createReadStream, createWriteStream, fstatSync, openSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { Doc, JsonObject } from '../core/doc.js';
import { attrsText, copyRecordJson, docWithAttrsText, hasAttrs, makeDoc, recordJsonOf } from '../core/doc.js';
import type { DocSink, DocSource } from '../core/pipeline.js';
import { readJsonl, docFromValue } from '../io/readers/jsonl.js';
import { readSettings } from '../io/readers/options.js';
import { outputRecord } from '../io/writers/jsonl.js';
import { exactLine } from '../io/json.js';
import { makeDir } from '../io/dirs.js';
import { WorkStream } from '../io/writers/workFile.js';
import { namedOutputError } from '../io/writers/sharded.js';
import { READ_CHUNK } from '../io/decode.js';
import { crc32 } from '../io/crc32.js';
import { jsonInto } from '../io/writers/jsonInto.js';
import { sealEntriesAt, WorkDamage, type SealEntries, type SealEntry, type WorkWriter } from '../core/workSeal.js';

const sourcesOf = (path: string): string => path.replace(/\.jsonl$/, '.src');

/**
 * A spill that cannot be read back as it was written (cut short, emptied, edited, gone). The
 * task that wrote it is marked done, so a rerun would fail the same way: the task reading it
 * removes it and un-marks the tasks that wrote it (see `runUnit`).
 */
export class SpillDamage extends Error {
  readonly code = 'ERR_SPILL_DAMAGED';
  constructor(readonly path: string, what: string) {
    super(`spill ${path} is damaged: ${what}`);
  }
}

/** Bytes of lines encoded into one chunk before a new one is started. */
const CHUNK_BYTES = 256 << 10;
/** Room made for a record's signals written by `jsonInto` (a quality stage's are ~1 KB); more are written the general way. */
const SIGNALS_ROOM = 16 << 10;

/**
 * Lines encoded as UTF-8 straight into byte chunks as they come (no string of the whole batch
 * built, flattened and encoded again): `take` hands the chunks over for one write.
 */
class LineChunks {
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  private parts: Buffer[] = [];

  add(line: string): void {
    const n = line.length * 3 + 1;
    this.room(n > CHUNK_BYTES ? Buffer.byteLength(line) + 1 : n);
    this.pos += this.chunk.write(line, this.pos);
    this.chunk[this.pos++] = 10;
  }

  /** One line of the bytes `b` (UTF-8 without a line end). */
  addBytes(b: Uint8Array): void {
    this.room(b.length + 1);
    this.chunk.set(b, this.pos);
    this.pos += b.length;
    this.chunk[this.pos++] = 10;
  }

  /** One line of the pieces `a`, `b`, `c`, `d`, `e` (each written as it is: no joined string made). */
  add5(a: string, b: string, c: string, d: string, e: string): void {
    const n = (a.length + b.length + c.length + d.length + e.length) * 3 + 1;
    this.room(n > CHUNK_BYTES ? Buffer.byteLength(a) + Buffer.byteLength(b) + Buffer.byteLength(c) + Buffer.byteLength(d) + Buffer.byteLength(e) + 1 : n);
    const k = this.chunk;
    let p = this.pos;
    p += k.write(a, p);
    p += k.write(b, p);
    p += k.write(c, p);
    p += k.write(d, p);
    p += k.write(e, p);
    k[p++] = 10;
    this.pos = p;
  }

  /**
   * One sources line `{"s":SOURCE,"a":SIGNALS}`, the signals' JSON written straight into the chunk
   * by `jsonInto` (no JSON string of ~1 KB made and encoded per record: most are ratios, whose
   * text jsonInto makes without a string); false, with nothing added, when it does not take them
   * (the caller writes JSON.stringify's).
   */
  addSignals(source: string, attrs: unknown): boolean {
    const head = `{"s":${JSON.stringify(source)},"a":`;
    this.room(head.length * 3 + SIGNALS_ROOM);
    const k = this.chunk;
    const start = this.pos;
    let p = start + k.write(head, start);
    p = jsonInto(k, p, k.length - 2, attrs);
    if (p < 0) return false;
    k[p++] = 125; // }
    k[p++] = 10;
    this.pos = p;
    return true;
  }

  /**
   * Make room for `need` bytes (a line's UTF-16 units times 3, the most UTF-8 can take, and its
   * newline; a long line's exact size, so a huge record does not get three times its size).
   */
  private room(need: number): void {
    if (this.pos + need <= this.chunk.length) return;
    this.cut();
    if (need > this.chunk.length) this.chunk = Buffer.allocUnsafe(Math.max(need, CHUNK_BYTES));
  }

  /** Set what the chunk holds aside; the rest of the chunk is used for the next lines. */
  private cut(): void {
    if (this.pos === 0) return;
    this.parts.push(this.chunk.subarray(0, this.pos));
    this.chunk = this.chunk.subarray(this.pos);
    this.pos = 0;
  }

  /** The bytes added since the last call (the buffers are the caller's from now on). */
  take(): Buffer[] {
    this.cut();
    const p = this.parts;
    this.parts = [];
    return p;
  }
}


/** `parts`, added to the size and CRC-32 of the bytes before them (`seal`). */
function sealed(parts: Buffer[], seal: SealEntry): Buffer[] {
  for (const b of parts) {
    seal.crc = crc32(b, seal.crc);
    seal.size += b.length;
  }
  return parts;
}

/** The sink of a phase that is not the last. */
export class SpillWriter implements DocSink {
  /** A record no stage changed is written as its JSON text as read (`recordJsonOf`), not serialised again. */
  readonly takesRecordJson = true;
  private data: WorkStream | undefined;
  private src: WorkStream | undefined;
  private readonly dataLines = new LineChunks();
  private readonly srcLines = new LineChunks();
  /** Size and CRC-32 of each file's bytes so far, taken as they are written (the task's seal lists them). */
  private readonly dataSeal: SealEntry = { size: 0, crc: 0 };
  private readonly srcSeal: SealEntry = { size: 0, crc: 0 };

  constructor(private readonly path: string) {}

  private async open(): Promise<void> {
    await makeDir(dirname(this.path), 'spill folder');
    // A failure of either file names it (hostile review 6 F6); the task's abort removes both temporaries.
    this.data = new WorkStream(createWriteStream(this.path + '.tmp'), this.path);
    this.src = new WorkStream(createWriteStream(sourcesOf(this.path) + '.tmp'), sourcesOf(this.path));
  }

  async write(batch: Doc[]): Promise<void> {
    if (this.data === undefined) await this.open();
    for (const doc of batch) {
      const data = doc.data;
      if ('attrs' in data) {
        // A record that came with its own `attrs` keeps the signals inside it, as a shard would,
        // and is marked (the source in brackets): the next phase gives back the record as it was.
        const rec = outputRecord(doc, false);
        this.dataLines.add(exactLine(data, JSON.stringify(rec), rec));
        this.srcLines.add(`[${JSON.stringify(doc.source)}]`);
      } else {
        // The record as read: its input line's bytes while no stage changed it (the reader gives
        // them only to a record it parsed whole from them, without an `attrs` member, numbers kept
        // as texts or a repeated key: doc.ts setRecordJson), else its exact input text or
        // JSON.stringify's; the signals beside it (as the spill this phase read gave them, when
        // nothing asked for them since).
        const json = recordJsonOf(doc);
        if (json !== undefined) this.dataLines.addBytes(json);
        else this.dataLines.add(exactLine(data, JSON.stringify(data), data));
        const text = attrsText(doc);
        if (text !== undefined) this.srcLines.add5('{"s":', JSON.stringify(doc.source), ',"a":', text, '}');
        else if (hasAttrs(doc)) {
          if (!this.srcLines.addSignals(doc.source, doc.attrs)) this.srcLines.add5('{"s":', JSON.stringify(doc.source), ',"a":', JSON.stringify(doc.attrs), '}');
        } else this.srcLines.add(JSON.stringify(doc.source));
      }
    }
    await this.data!.put(...sealed(this.dataLines.take(), this.dataSeal));
    await this.src!.put(...sealed(this.srcLines.take(), this.srcSeal));
  }

  /** Each file written (once closed) with its size and CRC-32, for the seal of the task that wrote it (`sealAt`). */
  sealEntries(): [string, SealEntry][] {
    return [
      [this.path, { ...this.dataSeal }],
      [sourcesOf(this.path), { ...this.srcSeal }],
    ];
  }

  async close(): Promise<void> {
    if (this.data === undefined) await this.open();
    await this.data!.end();
    await this.src!.end();
    for (const p of [sourcesOf(this.path), this.path]) {
      try {
        await rename(p + '.tmp', p);
      } catch (e) {
        throw namedOutputError(p, e);
      }
    }
  }

  async abort(): Promise<void> {
    this.data?.destroy();
    this.src?.destroy();
    await rm(this.path + '.tmp', { force: true });
    await rm(sourcesOf(this.path) + '.tmp', { force: true });
  }
}

/**
 * The lines of a spill's sources file, read as they are needed (they hold the records' signals).
 * Read as bytes and each line decoded by itself: a 1 MiB string per read (V8 keeps strings that
 * large apart, in memory of their own mapped for each) joined to the last one's unfinished line
 * and split was ~0.25 s of the sample recipe on 171 MB (#16's ninth pass).
 */
class SourceLines {
  private readonly it: AsyncIterator<Buffer>;
  private lines: string[] = [];
  private at = 0;
  /** The bytes of the unfinished last line read so far. */
  private rest: Buffer[] = [];
  private done = false;
  /** The stream's error before its lines were first asked for (its open failing: the file gone). */
  private failed: Error | undefined;
  /** Size and CRC-32 of the bytes read so far. */
  readonly seen: SealEntry = { size: 0, crc: 0 };

  constructor(private readonly path: string) {
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    // The async iterator listens for errors only from its first `next()`, which comes after the
    // spill's first records are read: an open that fails before was an unhandled 'error' event,
    // which ended the process (hostile review 16 F3: a sources file removed, every rerun crashed).
    stream.on('error', (e) => (this.failed ??= e));
    this.it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  }

  /** The next line when it has been read already (no wait per record), else undefined. */
  ready(): string | undefined {
    return this.at < this.lines.length ? this.lines[this.at++] : undefined;
  }

  /** The next line, or undefined at the end of the file. */
  async next(): Promise<string | undefined> {
    while (this.at >= this.lines.length) {
      if (this.done) return undefined;
      if (this.failed !== undefined) throw this.failed;
      const r = await this.it.next();
      const lines: string[] = [];
      if (r.done) {
        this.done = true;
        if (this.rest.length > 0) lines.push(Buffer.concat(this.rest).toString('utf8'));
        this.rest = [];
      } else {
        sealed([r.value], this.seen);
        this.split(r.value, lines);
      }
      this.lines = lines;
      this.at = 0;
    }
    return this.lines[this.at++];
  }

  /** The complete lines of `chunk` (the first one after the unfinished line before it) into `lines`. */
  private split(chunk: Buffer, lines: string[]): void {
    let pos = 0;
    let nl = chunk.indexOf(10);
    if (nl === -1) {
      if (chunk.length > 0) this.rest.push(chunk);
      return;
    }
    if (this.rest.length > 0) {
      this.rest.push(chunk.subarray(0, nl));
      lines.push(Buffer.concat(this.rest).toString('utf8'));
      this.rest = [];
      pos = nl + 1;
      nl = chunk.indexOf(10, pos);
    }
    for (; nl !== -1; nl = chunk.indexOf(10, pos)) {
      lines.push(chunk.toString('utf8', pos, nl));
      pos = nl + 1;
    }
    if (pos < chunk.length) this.rest.push(chunk.subarray(pos));
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/**
 * Where the signals start in a sources line `{"s":"SOURCE","a":{...}}` as SpillWriter writes it
 * (the source a JSON string, the signals a non-empty object), or -1 for any other line (read
 * whole by JSON.parse).
 */
export function signalsAt(line: string): number {
  // '{"s":"'
  if (line.charCodeAt(0) !== 123 || !line.startsWith('{"s":"')) return -1;
  let i = 6;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 34) break;
  }
  // ',"a":{' after the closing quote, '}}' at the end, and more than '{}' between
  if (i >= line.length || !line.startsWith(',"a":{', i + 1)) return -1;
  const at = i + 6;
  return line.length >= at + 4 && line.charCodeAt(line.length - 1) === 125 && line.charCodeAt(line.length - 2) === 125 ? at : -1;
}

/** `doc`, given the JSON text its record was read from by the reader (`read`), when it has one. */
function asRead(read: Doc, doc: Doc): Doc {
  copyRecordJson(read, doc);
  return doc;
}

/** Spills up to this size are read whole, synchronously. */
const SMALL_SPILL = 64 << 10;

/**
 * The bytes of a spill's records file, read in pieces, each added to `seen` (its size and CRC-32)
 * as it is handed on: checked against the seal after the last, in the one read.
 */
async function* spillBytes(path: string, seen: SealEntry): AsyncGenerator<Buffer> {
  // A small spill (many small tasks) in one synchronous read, as the file reader reads a small
  // file: a stream's open, stat, reads and close are each a trip through libuv's thread pool.
  const fd = openSync(path, 'r');
  let whole: Buffer | undefined;
  try {
    if (fstatSync(fd).size <= SMALL_SPILL) whole = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  if (whole !== undefined) {
    if (whole.length > 0) yield sealed([whole], seen)[0];
    return;
  }
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    for (;;) {
      // Up to the size it had, then a small read to find the end (as the file reader does).
      const b = Buffer.allocUnsafe(seen.size < size ? Math.min(READ_CHUNK, size - seen.size) : 1 << 12);
      const { bytesRead } = await fh.read(b, 0, b.length, seen.size);
      if (bytesRead === 0) break;
      const chunk = bytesRead === b.length ? b : b.subarray(0, bytesRead);
      sealed([chunk], seen);
      yield chunk;
    }
  } finally {
    await fh.close();
  }
}

/** How the file the seal lists as `rel` differs from what was read of it (`seen`), or undefined: the same, or not listed. */
function sealDiffers(want: SealEntries | undefined, rel: string, seen: SealEntry): string | undefined {
  const e = want?.[rel];
  if (e === undefined) return undefined;
  if (e.size !== seen.size) return `it holds ${seen.size} bytes, ${e.size} were written`;
  if (e.crc !== seen.crc) return `its CRC-32 is not the one written (0x${e.crc.toString(16).padStart(8, '0')})`;
  return undefined;
}

/**
 * The records of a spill, with their original sources and signals. With `seal` (the seal of the
 * task segment that wrote it, files listed under `base`), both of its files are checked against
 * the size and CRC-32 listed there as they are read: a byte changed inside a record, which still
 * reads as JSON, is damage, not a record (hostile review 16 F4). The check ends with the last
 * record, before the task that reads it is done (its files published, it marked): a task whose
 * spill was damaged is redone from its input. A spill written before the seals listed spills is
 * read unchecked.
 */
export function spillSource(path: string, seal?: { path: string; base: string; writer: WorkWriter }): DocSource {
  return {
    async *read(events) {
      let want: SealEntries | undefined;
      try {
        want = seal === undefined ? undefined : sealEntriesAt(seal.path, seal.writer);
      } catch (e) {
        throw e instanceof WorkDamage ? new SpillDamage(path, e.message) : e;
      }
      const seen: SealEntry = { size: 0, crc: 0 };
      const sources = new SourceLines(sourcesOf(path));
      const inner: typeof events = {
        read: events.read,
        file() {},
        fileError(e) {
          throw new SpillDamage(path, e.message);
        },
        reject(r) {
          throw new SpillDamage(path, `${r.reason} at ${r.source}`);
        },
      };
      let n = 0;
      const bad = (why: string): Error => new SpillDamage(path, why);
      try {
        // Each line is its record's input line as read, or `JSON.stringify` of it (or, for a record
        // keeping number texts, its exact text, which the reader leaves out): the record's JSON
        // text, for rejects that drop it as read (`RECORD_JSON`) and the next spill, without
        // serialising it again.
        for await (const batch of readJsonl(path, inner, readSettings(), spillBytes(path, seen), 0, true)) {
          const out: Doc[] = new Array(batch.length);
          for (let i = 0; i < batch.length; i++) {
            const s = sources.ready() ?? (await sources.next());
            if (s === undefined || s === '') throw new SpillDamage(path, 'more records than its sources file lists');
            n++;
            const data = batch[i].data;
            // The usual line, `{"s":SOURCE,"a":SIGNALS}`: the signals are kept as text, parsed
            // only if a stage or writer of this phase asks for them (see docWithAttrsText).
            const at = 'attrs' in data ? -1 : signalsAt(s);
            if (at > 0) {
              let source: unknown;
              try {
                source = JSON.parse(s.slice(5, at - 5));
              } catch {
                source = undefined;
              }
              if (typeof source !== 'string') throw new SpillDamage(path, `line ${n} of its sources file does not read`);
              out[i] = docWithAttrsText(data, source, s.slice(at, -1), bad);
              asRead(batch[i], out[i]);
              continue;
            }
            let src: string | [string] | { s: string; a: Record<string, unknown> };
            try {
              src = JSON.parse(s) as typeof src;
            } catch {
              throw new SpillDamage(path, `line ${n} of its sources file does not read`);
            }
            if (Array.isArray(src)) asRead(batch[i], (out[i] = docFromValue(data, src[0])));
            else if (typeof src === 'string') {
              if ('attrs' in data) {
                // a spill of an earlier build, which kept the signals inside the record
                const { attrs, ...rest } = data;
                const doc = makeDoc(rest, src);
                if (attrs !== undefined) doc.attrs = attrs as Record<string, unknown>;
                out[i] = doc;
              } else asRead(batch[i], (out[i] = makeDoc(data, src)));
            } else {
              const doc = makeDoc(data as JsonObject, src.s);
              doc.attrs = src.a;
              out[i] = asRead(batch[i], doc);
            }
          }
          yield out;
        }
        // Cut short on a line boundary, or emptied: fewer records than were written.
        let more = 0;
        for (let s = sources.ready() ?? (await sources.next()); s !== undefined; s = sources.ready() ?? (await sources.next())) if (s !== '') more++;
        if (more > 0) throw new SpillDamage(path, `it holds ${n} records, its sources file lists ${n + more}`);
        if (seal !== undefined) {
          const rel = (p: string): string => relative(seal.base, p);
          const data = sealDiffers(want, rel(path), seen);
          if (data !== undefined) throw new SpillDamage(path, data);
          const src = sealDiffers(want, rel(sourcesOf(path)), sources.seen);
          if (src !== undefined) throw new SpillDamage(path, `its sources file ${sourcesOf(path)}: ${src}`);
        }
      } catch (e) {
        const gone = (e as NodeJS.ErrnoException).code === 'ENOENT';
        throw gone ? new SpillDamage(path, (e as NodeJS.ErrnoException).path === sourcesOf(path) ? `its sources file ${sourcesOf(path)} is gone` : 'it is gone') : e;
      } finally {
        await sources.close();
      }
    },
  };
}

/** Remove a spill (after the phase that reads it is done). */
export async function removeSpill(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(sourcesOf(path), { force: true });
}
