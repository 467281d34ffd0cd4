/**
 * The records between two phases of a task: JSON Lines with the stage signals kept under
 * `attrs`, and beside it the source (`file:line`) of every record, so the next phase's rejects
 * and survivors still name the original input. Written under temporary names and renamed at
 * close; read back through the JSONL reader.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import type { Doc } from '../core/doc.js';
import { makeDoc } from '../core/doc.js';
import type { DocSink, DocSource } from '../core/pipeline.js';
import { readJsonl, docFromValue } from '../io/readers/jsonl.js';
import { readSettings } from '../io/readers/options.js';
import { outputRecord } from '../io/writers/jsonl.js';
import { makeDir } from '../io/dirs.js';

const sourcesOf = (path: string): string => path.replace(/\.jsonl$/, '.src');

async function put(s: WriteStream, text: string): Promise<void> {
  if (!s.write(text)) await once(s, 'drain');
}

async function end(s: WriteStream): Promise<void> {
  s.end();
  await once(s, 'close');
}

/** The sink of a phase that is not the last. */
export class SpillWriter implements DocSink {
  private data: WriteStream | undefined;
  private src: WriteStream | undefined;

  constructor(private readonly path: string) {}

  private async open(): Promise<void> {
    await makeDir(dirname(this.path), 'spill folder');
    this.data = createWriteStream(this.path + '.tmp');
    this.src = createWriteStream(sourcesOf(this.path) + '.tmp');
  }

  async write(batch: Doc[]): Promise<void> {
    if (this.data === undefined) await this.open();
    let d = '';
    let s = '';
    for (const doc of batch) {
      // A record that came with its own `attrs` is marked (the source in brackets), so the next
      // phase gives back the record as it was: the signals beside it, not inside it.
      const own = 'attrs' in doc.data;
      d += JSON.stringify(outputRecord(doc, false)) + '\n';
      s += (own ? `[${JSON.stringify(doc.source)}]` : JSON.stringify(doc.source)) + '\n';
    }
    await put(this.data!, d);
    await put(this.src!, s);
  }

  async close(): Promise<void> {
    if (this.data === undefined) await this.open();
    await end(this.data!);
    await end(this.src!);
    await rename(sourcesOf(this.path) + '.tmp', sourcesOf(this.path));
    await rename(this.path + '.tmp', this.path);
  }

  async abort(): Promise<void> {
    this.data?.destroy();
    this.src?.destroy();
    await rm(this.path + '.tmp', { force: true });
    await rm(sourcesOf(this.path) + '.tmp', { force: true });
  }
}

/** The records of a spill, with their original sources and signals. */
export function spillSource(path: string): DocSource {
  return {
    async *read(events) {
      // About 60 bytes per record: small beside the records of a task.
      const sources = (await readFile(sourcesOf(path), 'utf8')).split('\n');
      let n = 0;
      const inner: typeof events = {
        read: events.read,
        file() {},
        fileError(e) {
          throw new Error(`spill ${path} is damaged: ${e.message}`);
        },
        reject(r) {
          throw new Error(`spill ${path} is damaged at ${r.source}: ${r.reason}`);
        },
      };
      for await (const batch of readJsonl(path, inner, readSettings())) {
        const out: Doc[] = new Array(batch.length);
        for (let i = 0; i < batch.length; i++) {
          const s = sources[n++];
          if (s === undefined || s === '') throw new Error(`spill ${path}: fewer sources than records`);
          const src = JSON.parse(s) as string | [string];
          if (Array.isArray(src)) out[i] = docFromValue(batch[i].data, src[0]);
          else {
            const { attrs, ...data } = batch[i].data;
            const doc = makeDoc(data, src);
            if (attrs !== undefined) doc.attrs = attrs as Record<string, unknown>;
            out[i] = doc;
          }
        }
        yield out;
      }
    },
  };
}

/** Remove a spill (after the phase that reads it is done). */
export async function removeSpill(path: string): Promise<void> {
  await rm(path, { force: true });
  await rm(sourcesOf(path), { force: true });
}
