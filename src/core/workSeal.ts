/**
 * Seals for the files a global stage keeps in its work folder between phases (#10: a damaged
 * one failed every rerun the same way, since the unit that wrote it is marked done). The unit
 * that writes files seals them (each one's size and CRC-32, in a small JSON file written last,
 * atomically); a unit that reads them checks the seal first. A file that is gone, of another
 * size, or (where checked) of another CRC-32, or a seal that does not read, is a
 * `WorkDamage` naming the unit that wrote it: the executor removes it and un-marks that unit,
 * so the next run redoes it (as for a damaged spill). A unit without a seal (done by a version
 * before the seals) is not checked.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { writeWorkFile, writeWorkFileAtomic } from '../io/writers/workFile.js';
import { basename, dirname, join, relative } from 'node:path';
import { crc32 } from '../io/crc32.js';
import { makeDirSync } from '../io/dirs.js';
import * as zlib from 'node:zlib';

/** Who wrote a file of a global stage's folder: task `task`'s collect, or unit `unit` of step `step`. */
export type WorkWriter = { task: number } | { step: number; unit: number };

/** A file of a global stage's work folder that does not read back as it was written. */
export class WorkDamage extends Error {
  readonly code = 'ERR_WORK_DAMAGED';
  constructor(
    readonly path: string,
    what: string,
    readonly writer: WorkWriter,
    /** The seal that lists it: removed with it, so nothing reads the file before it is written again. */
    readonly seal?: string,
  ) {
    super(`${path} is damaged: ${what}`);
  }
}

/** A sealed file's size and CRC-32. */
export interface SealEntry {
  size: number;
  crc: number;
}

/**
 * Written into `<workDir>/seals/` when a run is planned: every unit of that run seals its files,
 * so a seal that is missing there is damage, not a unit done by an older version.
 */
export const SEALED_FROM_START = 'SEALED-FROM-START';

/** Per run folder: whether its `_plan.json` says `"sealed": true` (read once per process). */
const planSealed = new Map<string, boolean>();

function planSaysSealed(dir: string): boolean {
  let known = planSealed.get(dir);
  if (known === undefined) {
    let text = '';
    try {
      text = readFileSync(join(dir, '_plan.json'), 'utf8');
    } catch {
      return false;
    }
    try {
      known = (JSON.parse(text) as { sealed?: unknown }).sealed === true;
    } catch {
      known = false;
    }
    planSealed.set(dir, known);
  }
  return known;
}

/**
 * Whether the run holding `seal` was planned with seals: SEALED_FROM_START in its `_work/seals/`,
 * or `"sealed": true` in its `_plan.json` (a few folders up). The plan's mark is the one a
 * resume cannot do without: deleting the file mark as well as the seals does not switch the
 * checks off (hostile review 4, N22 residue).
 */
function sealedFromStart(seal: string): boolean {
  let d = dirname(seal);
  for (let i = 0; i < 5; i++, d = dirname(d)) {
    if (existsSync(join(d, SEALED_FROM_START)) || existsSync(join(d, 'seals', SEALED_FROM_START))) return true;
    if (existsSync(join(d, '_plan.json')) && planSaysSealed(d)) return true;
  }
  return false;
}

/** Mark a freshly planned run's work folder as sealed from its start (see SEALED_FROM_START). */
export function markSealedFromStart(workDir: string): void {
  mkdirSync(join(workDir, 'seals'), { recursive: true });
  writeWorkFile(join(workDir, 'seals', SEALED_FROM_START), 'every unit of this run seals the files it leaves\n');
}

/** Where the seal of one writer lives: `<workDir>/seals/task-00003.json`, `.../step0-00012.json`. */
export function sealPath(workDir: string, w: WorkWriter): string {
  const n = (i: number): string => String(i).padStart(5, '0');
  return join(workDir, 'seals', 'task' in w ? `task-${n(w.task)}.json` : `step${w.step}-${n(w.unit)}.json`);
}

const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The buffer `fileCrc` reads into, kept for the process (made on first use). */
let crcBuf: Buffer | undefined;
/** Bytes `fileCrc` reads at a time. */
const CRC_CHUNK = 1 << 20;

/**
 * CRC-32 of a file, read in 1 MiB pieces into one buffer kept for the process (native zlib where
 * Node has it). A fresh buffer per file (`readFileSync`, or a 4 MiB one per call) cost 15x the
 * CRC itself: every sealed segment's rejects (2-3 MB each, 79 MB per run of the sample recipe
 * over the 171 MB bench mix) came into new memory, page-faulted in, twice per run (sealed, then
 * checked at the merge): 470-510 ms against 24-34 ms for the same 25 files (bench/RESULTS.md,
 * "Issue 16, seventh pass").
 */
function fileCrc(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const buf = (crcBuf ??= Buffer.allocUnsafe(CRC_CHUNK));
    if (native === undefined) {
      const parts: Buffer[] = [];
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) parts.push(Buffer.from(buf.subarray(0, n)));
      return crc32(Buffer.concat(parts));
    }
    let c = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) c = native(buf.subarray(0, n), c);
    return c >>> 0;
  } finally {
    closeSync(fd);
  }
}

/** Seal `files` (written by `writer` under `workDir`): their sizes and CRC-32s, written last. */
export function sealFiles(workDir: string, writer: WorkWriter, files: readonly string[]): void {
  sealAt(sealPath(workDir, writer), workDir, files);
}

/**
 * Seal `files` (under `base`) in the seal file `seal`, and the files of `known` with the size and
 * CRC-32 their writer took as it wrote them (not read again: a task's spill).
 */
export function sealAt(seal: string, base: string, files: readonly string[], known: readonly (readonly [string, SealEntry])[] = []): void {
  const entries: Record<string, SealEntry> = {};
  for (const f of files) entries[relative(base, f)] = { size: statSync(f).size, crc: fileCrc(f) };
  for (const [f, e] of known) entries[relative(base, f)] = { size: e.size, crc: e.crc };
  makeDirSync(dirname(seal));
  const tmp = join(dirname(seal), `.${basename(seal)}.tmp-${process.pid}`);
  writeWorkFileAtomic(seal, JSON.stringify(entries) + '\n', tmp);
}

/**
 * Check the files `writer` sealed that `want` selects (all by default): each present with its
 * size, and its CRC-32 unless `crc` says not (a file every unit of a step reads whole anyway is
 * checked by size, not hashed once per unit). Throws `WorkDamage` naming the writer. Returns the
 * seal's entries (for `readSealed`), or undefined when the writer left no seal (a unit done by a
 * version before the seals).
 */
export function checkSeal(workDir: string, writer: WorkWriter, want: (rel: string) => boolean = () => true, crc: (rel: string) => boolean = () => true): SealEntries | undefined {
  return checkAt(sealPath(workDir, writer), workDir, writer, want, crc);
}

/** What a seal lists: each file's size and CRC-32, by its path under the seal's base folder. */
export type SealEntries = Readonly<Record<string, Readonly<SealEntry>>>;

/**
 * The bytes of `path` (under `workDir`), written by `writer`, checked against `entries` (what
 * `checkSeal` returned) in the one read: its size and CRC-32, as `checkSeal` checks them. A file
 * a unit reads whole anyway is not read twice (once for its CRC-32, once for its bytes): exact
 * dedup's offsets files are read by every unit of a step, once per task (#16, seventeenth pass).
 * Unchecked when `entries` is undefined (a unit done before the seals) or does not list it.
 */
export function readSealed(workDir: string, writer: WorkWriter, entries: SealEntries | undefined, path: string): Buffer {
  const e = entries?.[relative(workDir, path)];
  let b: Buffer;
  try {
    b = readFileSync(path);
  } catch (x) {
    if (e !== undefined && (x as NodeJS.ErrnoException).code === 'ENOENT') throw new WorkDamage(path, 'it is gone', writer, sealPath(workDir, writer));
    throw x;
  }
  if (e === undefined) return b;
  if (b.length !== e.size) throw new WorkDamage(path, `it holds ${b.length} bytes, ${e.size} were written`, writer, sealPath(workDir, writer));
  if (crc32(b) !== e.crc) throw new WorkDamage(path, crcDiffers(e), writer, sealPath(workDir, writer));
  return b;
}

const crcDiffers = (e: SealEntry): string => `its CRC-32 is not the one written (0x${e.crc.toString(16).padStart(8, '0')})`;

/**
 * How a file read as `size` bytes of CRC-32 `crc` differs from its seal entry `e`, in the words
 * of `checkSeal`, or undefined when it does not (for a reader that takes the CRC-32 as it reads).
 */
export function sealMismatch(e: Readonly<SealEntry>, size: number, crc: number): string | undefined {
  if (size !== e.size) return `it holds ${size} bytes, ${e.size} were written`;
  return crc !== e.crc ? crcDiffers(e) : undefined;
}

/**
 * Seals read by this process, with the stat they were read at: every unit of a step checks the
 * seals of every task (each partition of exact dedup, each MinHash band), so one task's seal was
 * read and parsed as many times as the step has units (quadratic in the tasks: 0.5 s of JSON
 * parsing alone with 170 tasks). A seal of the same inode, size, modification and change time is
 * the one read; any write or replacement (a redone unit's seal is a new file, renamed over)
 * changes them, and is read again.
 */
const readSeals = new Map<string, { at: string; entries: Record<string, SealEntry> }>();

/** The entries of seal file `seal` (a stat, and a read when it is not the one read before); throws ENOENT when it is gone, or when it does not read. */
function readSeal(seal: string): Record<string, SealEntry> {
  const st = statSync(seal);
  const at = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
  const known = readSeals.get(seal);
  if (known !== undefined && known.at === at) return known.entries;
  const entries = JSON.parse(readFileSync(seal, 'utf8')) as Record<string, SealEntry>;
  if (entries === null || typeof entries !== 'object') throw new Error('not an object');
  // A process that runs run after run (the library API) does not keep them all.
  if (readSeals.size >= 100_000) readSeals.clear();
  readSeals.set(seal, { at, entries });
  return entries;
}

/**
 * What the seal file `seal` lists, or undefined when there is none in a run planned before the
 * seals; a seal gone from a run planned with them, or one that does not read, is a `WorkDamage`
 * naming `writer`.
 */
export function sealEntriesAt(seal: string, writer: WorkWriter): SealEntries | undefined {
  try {
    return readSeal(seal);
  } catch (e) {
    // No seal: a unit done by a version before the seals (a run resumed across an upgrade: its
    // files cannot be checked; redoing every such unit would cost one rerun each), unless the run
    // was planned with seals from its start (SEALED_FROM_START): then the seal itself was lost.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!sealedFromStart(seal)) return undefined;
      throw new WorkDamage(seal, 'the seal of the files its writer left is gone', writer, seal);
    }
    throw new WorkDamage(seal, 'the seal of the files its writer left does not read', writer, seal);
  }
}

/** Check the files the seal file `seal` lists (under `base`), as `checkSeal` does. */
export function checkAt(seal: string, base: string, writer: WorkWriter, want: (rel: string) => boolean = () => true, crc: (rel: string) => boolean = () => true): SealEntries | undefined {
  const entries = sealEntriesAt(seal, writer);
  if (entries === undefined) return undefined;
  for (const [rel, e] of Object.entries(entries)) {
    if (!want(rel)) continue;
    const path = join(base, rel);
    let size: number;
    try {
      size = statSync(path).size;
    } catch {
      throw new WorkDamage(path, 'it is gone', writer, seal);
    }
    if (size !== e.size) throw new WorkDamage(path, `it holds ${size} bytes, ${e.size} were written`, writer, seal);
    if (crc(rel) && fileCrc(path) !== e.crc) throw new WorkDamage(path, crcDiffers(e), writer, seal);
  }
  return entries;
}
