/**
 * The spill file of the one-process `paragraphs` stage: records written between its two passes
 * and read back in order. A frame per record: two little-endian u32 (the header's length in
 * bytes, the text's length in UTF-16 code units), the header (JSON of the source, the record
 * with its text field set to null, and attrs; and the exact input of a record holding numbers
 * JavaScript cannot hold, io/json.ts `exactState`), then the text as UTF-16LE. Text is the bulk of a
 * record and goes through no JSON escaping and no UTF-8 transcoding both ways: the JSON-lines
 * spill this replaces spent most of its time in `JSON.stringify` of the text and in UTF-8
 * encoding and decoding (bench/zh-stages.ts, all spilled: 24-29 MB/s per core; see RESULTS).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import type { Doc, JsonObject } from '../../core/doc.js';
import { hasAttrs, makeDoc, ownTextFieldOf, setOwnTextField, textFieldOf } from '../../core/doc.js';
import type { TextField } from '../../core/doc.js';
import type { ExactState } from '../../io/json.js';
import { exactState, restoreExact, stringifyExact } from '../../io/json.js';

/** Writes records to a spill file. */
export class SpillWriter {
  private readonly out: ReturnType<typeof createWriteStream>;
  private parts: Buffer[] = [];
  /** The stream's failure (a full disk: ENOSPC), said once by the next write or end. */
  private failed: Error | undefined;
  private wake: (() => void) | undefined;

  /**
   * `where`: how the user chose the spill's folder and can choose another, said after a failure
   * (new-user review 22 A7: a full TMPDIR gave 'ENOSPC: no space left on device, write' alone,
   * naming neither --spill-dir nor --hold-bytes).
   */
  constructor(
    private readonly path: string,
    private readonly where?: { folder: string; given: boolean; holdBytes: number },
  ) {
    this.out = createWriteStream(path);
    // Without a handler a failed write (a full --spill-dir) killed the process with a raw trace
    // (review-hostile5 F8): the error is kept and thrown by the next call, naming the file.
    this.out.on('error', (e: Error) => {
      this.failed ??= e;
      this.wake?.();
    });
  }

  private check(): void {
    const e = this.failed;
    if (e === undefined) return;
    const code = (e as NodeJS.ErrnoException).code;
    const w = this.where;
    let advice = '';
    if (w !== undefined) {
      const folder = w.given ? `--spill-dir '${w.folder}'` : `the system temp folder '${w.folder}' (TMPDIR; --spill-dir chooses another)`;
      const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG';
      advice = `: the spill holds the records past --hold-bytes (${w.holdBytes} bytes of text) between the stage's two passes, in ${folder}; ${full ? 'make room there, ' : ''}give paragraphs a folder with room (--spill-dir DIR, spill_dir in a recipe) or hold more in memory (--hold-bytes, hold_bytes)`;
    }
    throw Object.assign(new Error(`cannot write the paragraphs spill '${this.path}': ${e.message}${advice}`), { code });
  }

  /** Append a batch of records (waits when the stream asks to). */
  async write(batch: readonly Doc[], textField: TextField | undefined): Promise<void> {
    const parts = this.parts;
    for (const doc of batch) {
      const data = doc.data;
      const f = textFieldOf(data, textField);
      let text = '';
      let d: JsonObject = data;
      let field: string | null = null;
      if (f !== undefined && typeof data[f] === 'string') {
        text = data[f] as string;
        field = f;
        // The text's place is kept (null), so the record comes back with its keys in order.
        d = { ...data };
        d[f] = null;
      }
      // A record holding numbers JavaScript cannot hold brings back its exact input (io/json.ts).
      const x = exactState(data);
      const a = hasAttrs(doc) ? doc.attrs : null;
      // A record read with its own run's text field (core/doc.ts OWN_TEXT_FIELD) comes back with it.
      const t = ownTextFieldOf(data);
      const head = Buffer.from(
        x === undefined
          ? JSON.stringify(t === undefined ? { s: doc.source, f: field, d, a } : { s: doc.source, f: field, d, a, t })
          : `{"s":${JSON.stringify(doc.source)},"f":${JSON.stringify(field)},"d":${stringifyExact(data, d)},"a":${JSON.stringify(a)},"x":${JSON.stringify(x)}${t === undefined ? '' : `,"t":${JSON.stringify(t)}`}}`,
        'utf8',
      );
      const lens = Buffer.allocUnsafe(8);
      lens.writeUInt32LE(head.length, 0);
      lens.writeUInt32LE(text.length, 4);
      parts.push(lens, head, Buffer.from(text, 'utf16le'));
    }
    const chunk = Buffer.concat(parts);
    parts.length = 0;
    this.check();
    if (!this.out.write(chunk)) {
      await new Promise<void>((res) => {
        this.wake = res;
        this.out.once('drain', () => res());
      });
      this.wake = undefined;
    }
    this.check();
  }

  /** Flush and close the file. */
  async end(): Promise<void> {
    this.check();
    await new Promise<void>((res) => {
      this.wake = res;
      this.out.end(() => res());
    });
    this.check();
  }

  /** Close the file after a failure (its folder is removed by the caller). */
  destroy(): void {
    this.out.destroy();
  }
}

/** The records of a spill file, in the order they were written, in batches of `size`. */
export async function* readSpill(path: string, size = 1000): AsyncGenerator<Doc[]> {
  let buf: Buffer = Buffer.alloc(0);
  let at = 0;
  let batch: Doc[] = [];
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    buf = at < buf.length ? Buffer.concat([buf.subarray(at), chunk]) : chunk;
    at = 0;
    for (;;) {
      if (buf.length - at < 8) break;
      const headLen = buf.readUInt32LE(at);
      const textBytes = 2 * buf.readUInt32LE(at + 4);
      const end = at + 8 + headLen + textBytes;
      if (end > buf.length) break;
      const h = JSON.parse(buf.toString('utf8', at + 8, at + 8 + headLen)) as { s: string; f: string | null; d: JsonObject; a: Record<string, unknown> | null; x?: ExactState; t?: TextField };
      if (h.f !== null) h.d[h.f] = buf.toString('utf16le', at + 8 + headLen, end);
      if (h.x !== undefined) restoreExact(h.d, h.x);
      if (h.t !== undefined) setOwnTextField(h.d, h.t);
      const doc = makeDoc(h.d, h.s);
      if (h.a !== null) doc.attrs = h.a;
      batch.push(doc);
      at = end;
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
  }
  if (at < buf.length) throw new Error(`paragraphs: the spill file ${path} ends inside a record`);
  if (batch.length > 0) yield batch;
}
