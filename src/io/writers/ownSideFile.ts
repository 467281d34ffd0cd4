import { closeSync, existsSync, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { showPath } from '../../core/fsname.js';
import { SUCCESS } from '../../exec/layout.js';
import { fsPath, nameFromText } from '../../core/fsname.js';
import { openDecoded } from '../decode.js';
import { errorText } from '../../core/show.js';

/**
 * Whether an existing `--rejects` or `--stats` file is one corpus-clean wrote, which a command
 * replaces without `--overwrite` (the rerun of a command that failed, whose rejects and stats stay
 * to say why), told from its first bytes only, so any file is judged at once (hostile review 12
 * H1: `--rejects mine.txt` emptied the user's file, exit 0):
 * - an empty file holds nothing to lose;
 * - a rejects file's first line (decompressed, gzip or zstd told by its magic bytes, as every
 *   reader does) is a reject line (`isRejectLine`: `stage`, `reason`, `source` strings first, then
 *   only what a reject adds); a first line longer than `HEAD_BYTES` is judged by its start;
 * - a stats file is a JSON object whose first two keys are `command` (a string) and `inputs` (a
 *   list), as every stats file (`--stats`, a run's `_stats.json`) has begun since the first version.
 * Returns undefined for ours, else what the file is not (for the refusal's message).
 */
export async function notOwnSideFile(path: string, kind: 'rejects' | 'stats', ownFolder?: string): Promise<string | undefined> {
  // A file of a finished output folder (a run's `_stats.json`, `_rejects.jsonl.zst`) is that
  // folder's result, not the leftover of a failed command: replacing it left `status` saying
  // "finished" over a report of another command's counts (new-user review 13 #1). The command's
  // own output folder (`run` rerun over its finished folder) decides for itself.
  // Where the file is, its links followed: a link to a run's _stats.json replaced it (hostile review 17 F1).
  const dir = dirname(lstatSync(path).isSymbolicLink() ? realOr(path) : path);
  if ((ownFolder === undefined || (resolve(dir) !== resolve(ownFolder) && realOr(dir) !== realOr(ownFolder))) && existsSync(join(dir, SUCCESS))) return `it belongs to the finished output folder '${showPath(dir)}' (it holds ${SUCCESS})`;
  if (statSync(path).size === 0) return undefined;
  return kind === 'stats' ? notStats(path) : notRejects(path);
}

/** The real path of `path` (its links followed), or `path` when it cannot be had. */
function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Whether the file at `path` begins with a reject line of corpus-clean, as `notOwnSideFile`
 * judges a `--rejects` file: a rejects file met among the inputs, recognised before any record is
 * read (new-user review 16 F17). An empty, unreadable or damaged file is not.
 */
export async function isRejectsFile(path: string): Promise<boolean> {
  return (await ownFileKind(path, true)) === 'rejects';
}

/**
 * Which file corpus-clean wrote beside an output the file at `path` is, when it is one: `stats`
 * (`isStatsFile`), or `rejects` (`isRejectsFile`, looked for only when `rejects`). Its first bytes
 * are read once for both (each check opening the file again doubled the cost of run's check).
 */
export async function ownFileKind(path: string, rejects: boolean): Promise<'stats' | 'rejects' | undefined> {
  // The first bytes, read plainly: a file whose whole first line lacks one of the three keys is no
  // rejects file, told without the decoding stream (through it, 0.1 ms CPU per plain file, 0.65 per .gz).
  const head = Buffer.alloc(4096);
  let n: number;
  try {
    const fh = await open(fsPath(path), 'r');
    try {
      n = (await fh.read(head, 0, head.length, 0)).bytesRead;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
  if (n === 0) return undefined;
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const zstd = n >= 4 && head.readUInt32LE(0) === 0xfd2fb528;
  let text: Buffer | undefined = head.subarray(0, n);
  // A gzip file's first 4 KiB, inflated as far as they go (0.65 ms a file through the stream); a
  // zstd file's first decoded bytes (a gzipped or zstd stats file escaped the check: hostile review 18 F2).
  if (gzip) {
    try {
      text = gunzipSync(head.subarray(0, n), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      text = undefined;
    }
  } else if (zstd) text = await decodedStart(path);
  // As the readers read it: a BOM and blank lines before the first record are skipped (hostile review 17 F6),
  // and a line may end in CRLF (hostile review 18 F2: a stats file saved with CRLF or a BOM escaped).
  const first = text?.subarray(leadingSpace(text));
  if (first !== undefined && first[0] === 0x7b && STATS_WRITTEN.test(first.toString('utf8', 0, Math.min(first.length, 512)))) return 'stats';
  if (!rejects) return undefined;
  if (first !== undefined) {
    const nl = first.indexOf(10);
    const whole = nl >= 0 || (!gzip && !zstd && n < head.length);
    if (whole && !['"stage"', '"reason"', '"source"'].every((k) => first.toString('utf8', 0, nl < 0 ? first.length : nl).includes(k))) return undefined;
  }
  return (await notRejects(path, true)) === undefined ? 'rejects' : undefined;
}

/** The first decoded bytes of a compressed file (at least 4 KiB when it holds them), or undefined when it cannot be read. */
async function decodedStart(path: string): Promise<Buffer | undefined> {
  let got: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of openDecoded(nameFromText(path))) {
      got = got.length === 0 ? chunk : Buffer.concat([got, chunk]);
      if (got.length >= 4096) break;
    }
  } catch {
    return got.length > 0 ? got : undefined;
  }
  return got;
}

/**
 * The stats files among `files` and the rejects files among those `rejectsIn` names, in order;
 * each file's head read once.
 */
export async function ownFilesAmong(files: readonly string[], rejectsIn: (f: string) => boolean): Promise<{ stats: string[]; rejects: string[] }> {
  // Every file, whatever the format it is read as: with --format txt a rejects file was read as
  // text lines, each reject a training record (hostile review 18 F1). A Parquet file's head is no JSON.
  const named = files.filter((f) => f !== '-');
  const found = { stats: [] as string[], rejects: [] as string[] };
  for (let i = 0; i < named.length; i += 64) {
    const batch = named.slice(i, i + 64);
    const kinds = await Promise.all(batch.map((f) => ownFileKind(f, rejectsIn(f))));
    batch.forEach((f, k) => kinds[k] !== undefined && found[kinds[k]!].push(f));
  }
  return found;
}

/**
 * The start of a stats file as corpus-clean writes it (`--stats`, a run's `_stats.json`:
 * JSON.stringify with 2 spaces). Its first line, `{` alone, is no record for any reader, so a file
 * that begins so is never data to read (new-user review 17 F5).
 */
const STATS_WRITTEN = /^\{\r?\n {2}"command": "(?:[^"\\\r\n]|\\.)*",\r?\n {2}"inputs": \[/;

/**
 * Whether the file at `path` is a stats file corpus-clean wrote (`--stats FILE`, a run's
 * `_stats.json`), told from its first bytes: met among the inputs, it is refused before anything is
 * read, as a rejects file is (new-user review 17 F5: `run` ran every phase, then failed on it as
 * read/json_parse). An unreadable file is not one.
 */
export async function isStatsFile(path: string): Promise<boolean> {
  return (await ownFileKind(path, false)) === 'stats';
}

/** The first 4 bytes of a file (fewer, zero-padded, when it is shorter or cannot be read). */
function readHead(path: string): Buffer {
  const b = Buffer.alloc(4);
  try {
    const fd = openSync(nameFromText(path), 'r');
    try {
      readSync(fd, b, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    // unreadable: no magic
  }
  return b;
}

/** Bytes of a side file looked at: a first line longer than this is judged by its start. */
const HEAD_BYTES = 1 << 20;

/** The start every stats file corpus-clean writes has (JSON.stringify with 2 spaces, or compact). */
const STATS_START = /^\s*\{\s*"command"\s*:\s*"(?:[^"\\\n]|\\.)*"\s*,\s*"inputs"\s*:\s*\[/;

/** A stats file larger than this is judged by its start alone (a run over a million files lists each). */
const STATS_PARSED_BYTES = 64 << 20;

function notStats(path: string): string | undefined {
  const not = 'it is not a stats file of corpus-clean (a JSON object beginning with "command" and "inputs", with the counts "read" and "written")';
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (!STATS_START.test(head.toString('utf8', 0, n))) return not;
    // The start alone took a data file whose records begin with `command` and `inputs` (a JSONL of
    // shell commands, a job config) for a stats file, and --stats replaced it without --overwrite
    // (a sibling of new-user review 17 F2): the whole file must be one object with the counts every
    // stats file has.
    const size = fstatSync(fd).size;
    if (size > STATS_PARSED_BYTES) return undefined;
    const all = Buffer.alloc(size);
    let got = 0;
    while (got < size) {
      const k = readSync(fd, all, got, size - got, got);
      if (k === 0) break;
      got += k;
    }
    try {
      const o = JSON.parse(all.toString('utf8', 0, got)) as Record<string, unknown> | null;
      return o !== null && typeof o === 'object' && typeof o.read === 'number' && typeof o.written === 'number' ? undefined : not;
    } catch {
      return not;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The members a reject line holds after `stage`, `reason` and `source`, and what each is (the
 * `Reject` type of core/stage.ts, as the rejects writer writes it): nothing else, and never a text
 * field of its own.
 */
const REJECT_MEMBERS: Readonly<Record<string, 'object' | 'string'>> = { record: 'object', attrs: 'object', raw: 'string', raw_base64: 'string', detail: 'object' };

/** The keys a reject line may hold, the three it always begins with first. */
export const REJECT_LINE_KEYS: readonly string[] = ['stage', 'reason', 'source', ...Object.keys(REJECT_MEMBERS)];

/**
 * Whether `v` (a parsed first line) is a reject line as corpus-clean writes it: `stage`, `reason`
 * and `source` strings, first and in that order, then only `record`, `attrs`, `detail` (objects),
 * `raw`, `raw_base64` (strings). Data whose records carry `stage`, `reason` and `source` among
 * their own fields (moderation, court records: new-user review 17 F2) has other keys or another order.
 */
export function isRejectLine(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys[0] !== 'stage' || keys[1] !== 'reason' || keys[2] !== 'source') return false;
  if (typeof r.stage !== 'string' || typeof r.reason !== 'string' || typeof r.source !== 'string') return false;
  for (let i = 3; i < keys.length; i++) {
    const kind = REJECT_MEMBERS[keys[i]];
    const x = r[keys[i]];
    if (kind === undefined || (kind === 'string' ? typeof x !== 'string' : x === null || typeof x !== 'object' || Array.isArray(x))) return false;
  }
  return true;
}

/**
 * The start of a reject line longer than `HEAD_BYTES`: stage, reason and source strings in that
 * order, then the line's end or the next member, one a reject holds (record, attrs, raw, ...).
 */
const REJECT_START = /^\{"stage":"(?:[^"\\]|\\.)*","reason":"(?:[^"\\]|\\.)*","source":"(?:[^"\\]|\\.)*"(?:\}|,"(?:record|attrs|raw|raw_base64|detail)":)/;

/** Where the first line of `b` starts as the JSONL reader reads it: after a UTF-8 BOM and any blank lines. */
function leadingSpace(b: Buffer): number {
  let i = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x20 || b[i] === 0x09)) i++;
  return i;
}

/**
 * Why the file at `path` is not a rejects file corpus-clean wrote (undefined: it is). `asInput`: the
 * question is whether an input is one, so a BOM and blank lines before its first line are skipped,
 * as the reader skips them, and an empty file is not one; else (may --rejects replace it?) the
 * first line must be a reject as it stands, and an empty file is one.
 */
async function notRejects(path: string, asInput = false): Promise<string | undefined> {
  const not = `its first line is not a reject of corpus-clean (a JSON object of stage, reason and source, then only ${REJECT_LINE_KEYS.slice(3).join(', ')})`;
  let head: Buffer = Buffer.alloc(0);
  let whole = true;
  try {
    // The name as typed, as the writers take it (openDecoded reads escaped names as their bytes).
    for await (const chunk of openDecoded(nameFromText(path))) {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (head.indexOf(10, asInput ? leadingSpace(head) : 0) >= 0 || head.length >= HEAD_BYTES) {
        whole = false;
        break;
      }
    }
  } catch (e) {
    // Damaged compressed data (or a file that cannot be read): not known to be a file we wrote,
    // and said as what it is, not "not a reject" (hostile review 13 H8: a rejects .gz cut short).
    const magic = head.length > 0 ? head : readHead(path);
    const as = magic[0] === 0x1f && magic[1] === 0x8b ? ' as gzip' : magic.readUInt32LE(0) === 0xfd2fb528 ? ' as zstd' : '';
    // The reader's first clause: the zstd decoder goes on about how its lines would be rejected.
    const why = errorText(e).split('; ')[0].split(': ').slice(0, 2).join(': ');
    return `it cannot be read${as} (${why}: damaged or cut short?), so whether corpus-clean wrote it cannot be told`;
  }
  if (asInput) head = head.subarray(leadingSpace(head));
  // A compressed file holding nothing: a rejects file of a command that rejected nothing.
  if (head.length === 0) return asInput ? not : undefined;
  const nl = head.indexOf(10);
  if (nl < 0 && !whole) return REJECT_START.test(head.toString('utf8', 0, 4096)) ? undefined : not;
  try {
    return isRejectLine(JSON.parse(head.toString('utf8', 0, nl < 0 ? head.length : nl))) ? undefined : not;
  } catch {
    return not;
  }
}
