/**
 * Exact dedup in two phases, for executors. Collect: each task hashes its records
 * (`xxh64(normalizeForExact(text))`, the in-memory stage's key) into `partitions` files by the
 * hash's high bits, with the record's number and source. Partition step (one unit per
 * partition, independent): read every task's entries of that partition in task order, keep the
 * first record of each key, list the others per task with their survivor. Apply: a task drops
 * the records listed for it, as `dedup:exact` with `{survivor}`. "First" is the run's order
 * (task, then record), so the survivors are those of the one-process stage for any number of
 * tasks or workers. Memory of a partition step: one key and one source per distinct text of
 * the partition.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { getText } from '../../../core/doc.js';
import type { GlobalScope, GlobalStage, GlobalStep } from '../../../core/global.js';
import type { Stage } from '../../../core/stage.js';
import { KeyTable } from '../buckets.js';
import { EXACT_REASON, loadExactKey } from '../exact.js';
import { makeDirSync } from '../../../io/dirs.js';
import { checkSeal, readSealed, sealFiles, sealPath, WorkDamage, type SealEntries, type WorkWriter } from '../../../core/workSeal.js';
import { crc32 } from '../../../io/crc32.js';
import { writeWorkFileAtomic } from '../../../io/writers/workFile.js';
import { exactPartitions } from './lazy.js';


const name = (i: number): string => String(i).padStart(6, '0');
const keysPath = (dir: string, task: number): string => join(dir, 'keys', `${name(task)}.tsv`);
const removedPath = (dir: string, part: number): string => join(dir, 'removed', `${name(part)}.tsv`);

/** Write `text` to `path` atomically (the step may be killed and run again); a failure names `path` and leaves no temporary. */
const writeWhole = (path: string, text: string | Buffer): void => writeWorkFileAtomic(path, text);

/**
 * A sectioned file's `.idx` sidecar: the byte offset of each partition (or task) section and,
 * since the sections are read one per unit (every partition reads a section of every task's
 * keys, every task a section of every partition's list), each section's CRC-32, checked when the
 * section is read. An `.idx` written before the section CRCs is a plain array of offsets.
 */
interface Sections {
  offsets: number[];
  crcs?: number[];
}

/**
 * Offsets files parsed by this process, by path, with the size and CRC-32 of the bytes parsed:
 * every unit of a step reads one of every other writer's (tasks x partitions reads a step), and
 * the same bytes are not parsed again.
 */
const parsed = new Map<string, { size: number; crc: number; idx: Sections }>();

/**
 * The offsets file of `path`, written by `writer`: read once, checked against the seal's entry
 * (`entries`, from `checkSeal`: its size and CRC-32) in that read, and parsed unless these bytes
 * were parsed before.
 */
function sections(path: string, writer: WorkWriter, entries: SealEntries | undefined, workDir: string): Sections {
  const b = readSealed(workDir, writer, entries, path + '.idx');
  const crc = crc32(b);
  const known = parsed.get(path);
  if (known !== undefined && known.size === b.length && known.crc === crc) return known.idx;
  const x = JSON.parse(b.toString('utf8')) as number[] | Sections;
  const idx = Array.isArray(x) ? { offsets: x } : x;
  // A process that runs run after run (the library API) does not keep them all.
  if (parsed.size >= 100_000) parsed.clear();
  parsed.set(path, { size: b.length, crc, idx });
  return idx;
}

/** Section `i` of a sectioned file, checked against its CRC-32 (a mismatch throws `WorkDamage` naming `writer`). */
function readSection(path: string, idx: Sections, i: number, writer: WorkWriter, workDir: string): string {
  const { offsets, crcs } = idx;
  const len = offsets[i + 1] - offsets[i];
  const b = Buffer.alloc(len);
  if (len > 0) {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, b, 0, len, offsets[i]);
    } finally {
      closeSync(fd);
    }
  }
  if (crcs !== undefined && crc32(b) !== crcs[i]) throw new WorkDamage(path, `section ${i}'s CRC-32 is not the one written`, writer, sealPath(workDir, writer));
  return b.toString('utf8');
}

/** Lines grouped into sections, written as one file plus each section's byte offset and CRC-32. */
function writeSections(path: string, groups: string[][]): void {
  const offsets = [0];
  const crcs: number[] = [];
  const parts: Buffer[] = [];
  for (const g of groups) {
    const b = Buffer.from(g.join(''));
    parts.push(b);
    offsets.push(offsets[offsets.length - 1] + b.length);
    crcs.push(crc32(b));
  }
  writeWhole(path, Buffer.concat(parts));
  writeWhole(path + '.idx', JSON.stringify({ offsets, crcs } satisfies Sections));
}

/** The phased form of `dedup --exact`. */
export function exactGlobal(): GlobalStage {
  return {
    collect(scope: GlobalScope, task: number): Stage {
      const parts = exactPartitions(scope.tasks);
      return {
        name: 'dedup-collect',
        needsText: true,
        options: {},
        // It reads the records and passes them on as they are: a spill after it may write them as read.
        keepsRecords: true,
        async *run(batches, ctx) {
          const key = await loadExactKey();
          const groups: string[][] = Array.from({ length: parts }, () => []);
          let i = 0;
          for await (const batch of batches) {
            for (const doc of batch) {
              const h = key(getText(doc, ctx.textField));
              const hi = Number(BigInt.asIntN(32, h >> 32n));
              const lo = Number(BigInt.asIntN(32, h));
              groups[(hi >>> 0) % parts].push(`${hi}\t${lo}\t${i++}\t${JSON.stringify(doc.source)}\n`);
            }
            yield batch;
          }
          makeDirSync(join(scope.workDir, 'keys'));
          writeSections(keysPath(scope.workDir, task), groups);
          sealFiles(scope.workDir, { task }, [keysPath(scope.workDir, task), keysPath(scope.workDir, task) + '.idx']);
        },
      };
    },
    steps(tasks: number): GlobalStep[] {
      return [
        {
          name: 'partitions',
          units: exactPartitions(tasks),
          async run(scope, part) {
            const seen = new KeyTable(1024);
            const firsts: string[] = [];
            const perTask: string[][] = Array.from({ length: scope.tasks }, () => []);
            let removed = 0;
            for (let t = 0; t < scope.tasks; t++) {
              const p = keysPath(scope.workDir, t);
              // Every partition reads a section of every task's keys: the file is checked by size
              // here (a CRC-32 of the whole file per partition would read it once per partition),
              // the section read by its own CRC-32 (in the `.idx`, itself checked whole as it is
              // read), and each line by its form below.
              const sealed = checkSeal(scope.workDir, { task: t }, (rel) => !rel.endsWith('.idx'), () => false);
              const text = readSection(p, sections(p, { task: t }, sealed, scope.workDir), part, { task: t }, scope.workDir);
              if (text !== '' && !text.endsWith('\n')) throw new WorkDamage(p, `section ${part} does not end a line`, { task: t });
              let at = 0;
              while (at < text.length) {
                const nl = text.indexOf('\n', at);
                const line = text.slice(at, nl);
                at = nl + 1;
                const t1 = line.indexOf('\t');
                const t2 = line.indexOf('\t', t1 + 1);
                const t3 = line.indexOf('\t', t2 + 1);
                const hi = Number(line.slice(0, t1));
                const lo = Number(line.slice(t1 + 1, t2));
                if (t1 <= 0 || t2 <= t1 || t3 <= t2 || !Number.isInteger(hi) || !Number.isInteger(lo) || !/^\d+$/.test(line.slice(t2 + 1, t3)) || line[t3 + 1] !== '"') {
                  throw new WorkDamage(p, `a line of section ${part} does not read as a key: ${JSON.stringify(line.slice(0, 80))}`, { task: t });
                }
                const first = seen.putIfAbsent(hi, lo, firsts.length);
                if (first === firsts.length) firsts.push(line.slice(t3 + 1));
                else {
                  perTask[t].push(`${line.slice(t2 + 1, t3)}\t${firsts[first]}\n`);
                  removed++;
                }
              }
            }
            makeDirSync(join(scope.workDir, 'removed'));
            writeSections(removedPath(scope.workDir, part), perTask);
            sealFiles(scope.workDir, { step: 0, unit: part }, [removedPath(scope.workDir, part), removedPath(scope.workDir, part) + '.idx']);
            return { removed };
          },
        },
      ];
    },
    apply(scope: GlobalScope, task: number): Stage {
      return {
        name: 'dedup',
        needsText: false,
        options: {},
        // It drops the records listed for it as they are: its rejects may take a spilled record's JSON.
        keepsRecords: true,
        async *run(batches, ctx) {
          const survivors = new Map<number, string>();
          for (let part = 0; part < exactPartitions(scope.tasks); part++) {
            const p = removedPath(scope.workDir, part);
            const writer = { step: 0, unit: part };
            // Every task reads a section of every partition's list: the file checked by size, the
            // section by its CRC-32 (the offsets file by its own), each line by its form.
            const sealed = checkSeal(scope.workDir, writer, (rel) => !rel.endsWith('.idx'), () => false);
            const text = readSection(p, sections(p, writer, sealed, scope.workDir), task, writer, scope.workDir);
            if (text !== '' && !text.endsWith('\n')) throw new WorkDamage(p, `section ${task} does not end a line`, writer);
            for (const line of text.split('\n')) {
              if (line === '') continue;
              const tab = line.indexOf('\t');
              let survivor: unknown;
              try {
                survivor = JSON.parse(line.slice(tab + 1));
              } catch {
                survivor = undefined;
              }
              if (tab <= 0 || !/^\d+$/.test(line.slice(0, tab)) || typeof survivor !== 'string') throw new WorkDamage(p, `a line of section ${task} does not read as a removal: ${JSON.stringify(line.slice(0, 80))}`, writer);
              survivors.set(Number(line.slice(0, tab)), survivor);
            }
          }
          let i = 0;
          for await (const batch of batches) {
            const out = [];
            for (const doc of batch) {
              const s = survivors.get(i++);
              if (s === undefined) out.push(doc);
              else ctx.reject(doc, EXACT_REASON, { survivor: s });
            }
            if (out.length > 0) yield out;
          }
        },
      };
    },
  };
}
