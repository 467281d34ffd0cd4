import { refuseRemote } from './remote.js';
import { fstatSync, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { lockPathFor, shortPrefix } from './writers/hiddenName.js';
import { readLock } from './writers/lockFile.js';
import { fsPath, nameFromText, readNames, realPath, showPath } from '../core/fsname.js';
import { UsageError } from '../core/errors.js';
import { startsZstd, UNREAD_HEAD, unreadAdvice, unreadKind, type UnreadKind } from './magic.js';
import { zstdDecompress } from './codecs.js';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { entryKind, expandGlob, kindOfStats, streamAdvice, type GlobFolder } from '../core/glob.js';

/** File name endings read when a directory is given. */
export const INPUT_EXTENSIONS = ['.jsonl', '.json', '.csv', '.tsv', '.txt', '.ndjson', '.warc', '.wet', '.html', '.htm'];
const COMPRESSED = ['', '.gz', '.zst'];

/** True when the name looks like an input we can read (`x.jsonl`, `x.jsonl.gz`, `x.csv.zst`, ...). */
export function isInputName(name: string): boolean {
  if (name.endsWith('.parquet')) return true;
  return INPUT_EXTENSIONS.some((e) => COMPRESSED.some((c) => name.endsWith(e + c)));
}

/** Compressions and containers corpus-clean does not read, by ending: what to do instead. */
const UNREAD_ENDINGS: ReadonlyArray<[RegExp, string]> = [
  [/\.bz2$/i, 'bzip2 is not read: decompress it (bzip2 -dc) or pipe it in'],
  [/\.xz$/i, 'xz is not read: decompress it (xz -dc) or pipe it in'],
  [/\.lz4$/i, 'lz4 is not read: decompress it (lz4 -dc) or pipe it in'],
  [/\.br$/i, 'brotli is not read: decompress it (brotli -dc) or pipe it in'],
  [/\.(zip|7z|tar|tgz|rar)$/i, 'an archive is not read: unpack it and give its files'],
  [/\.gzip$/i, "a '.gzip' ending is not read: rename it to end in .gz"],
  [/\.zstd$/i, "a '.zstd' ending is not read: rename it to end in .zst"],
  [/\.arrow$/i, 'Arrow files (a Hugging Face save_to_disk folder) are not read: write the dataset as Parquet or JSONL (to_parquet, to_json)'],
  [/\.jsonlines$/i, "a '.jsonlines' ending is not read: rename it to .jsonl"],
  [/\.jl$/i, "a '.jl' ending (JSON Lines, as Scrapy writes them) is not read: rename it to .jsonl"],
];

/**
 * Why a file in a folder that looks like data (a data extension in its name, an unread
 * compression or an upper-case extension) is not read, or undefined for other names (README.md,
 * a script): such files are listed as skipped, never passed over silently.
 */
export function unreadDataName(name: string): string | undefined {
  if (isInputName(name)) return undefined;
  if (/\.tar\.(gz|zst)$/i.test(name)) return 'an archive is not read: unpack it and give its files';
  for (const [re, why] of UNREAD_ENDINGS) if (re.test(name)) return why;
  if (isInputName(name.toLowerCase())) return 'its extension is not lower case: rename it (names are matched as written: .jsonl, .csv, ...) or give the file itself with --format';
  return leftoverName(name);
}

/**
 * The message for a file named on the command line whose format its name does not tell (no
 * --format): for a compression or an archive that is not read, what the folder walk says of
 * that name ('xz is not read: decompress it ...'), not 'give --format', which reads its bytes as
 * text (new-user review 22 A10); for a name a rename would make readable, that or --format.
 */
export function unknownFormatMessage(path: string): string {
  const name = basename(path);
  const shown = showPath(path);
  const ending = /\.tar\.(gz|zst)$/i.test(name) ? 'an archive is not read: unpack it and give its files' : UNREAD_ENDINGS.find(([re]) => re.test(name))?.[1];
  if (ending !== undefined) {
    const renamed = /rename it/.test(ending) && !/Arrow/.test(ending);
    return `cannot read '${shown}': ${ending}${renamed ? ' (or give --format)' : ''}`;
  }
  return `cannot tell the format of '${shown}' from its name (.jsonl, .json, .csv, .tsv, .txt, .warc, .wet, .html, optionally .gz/.zst, or .parquet); give --format`;
}

/** Data extensions as a part of a name (`x.jsonl.1` holds one before its last ending). */
const DATA_PARTS = new Set([...INPUT_EXTENSIONS.map((e) => e.slice(1)), 'parquet']);
/** Endings beside data that describe it (checksums, signatures, indexes): not data, passed over quietly. */
const SIDECARS = /^(md5|sha1|sha256|sha512|crc|crc32|idx|sig|asc|minisig)$/i;

/**
 * Names that hold data under an ending that says it is not (yet, or no longer) the file to read:
 * a partial download (`x.jsonl.part`), a temporary (`x.jsonl.tmp`), a backup or a numbered copy
 * (`x.jsonl.bak`, `x.jsonl.1`, `x.jsonl~`), a compressed file whose name does not say what it holds
 * (`x.gz`, `x.zst`), or a data extension followed by another ending. Each is named (what it is,
 * what to do): reading a partial or temporary file would take a cut copy for the data, a backup or
 * numbered copy would read records twice, and guessing a format from nothing is not safe.
 */
function leftoverName(name: string, after = ''): string | undefined {
  // The completion marker of a file-mode shard set (`out.jsonl._SUCCESS`, `out.jsonl._FAILED`): no data, passed over.
  if (/\._(SUCCESS|FAILED)$/.test(name)) return undefined;
  // `s.jsonl (1)`: a browser's or file manager's second copy of a name (`s (1).jsonl` has an input name, and is read).
  const copy = / \(\d+\)$/.exec(name);
  if (copy !== null && isInputName(name.slice(0, copy.index))) return `a second copy ('${showPath(copy[0].trim())}', as browsers and file managers name one): not read, so that its records are not read twice; rename it to '${showPath(name.slice(0, copy.index))}${after}' to read it`;
  if (name.endsWith('~') && isInputName(name.slice(0, -1))) return `a backup copy (an editor's '~'): not read, so that its records are not read twice; rename it to '${showPath(name.slice(0, -1))}${after}' to read it`;
  const parts = name.split('.');
  const last = parts[parts.length - 1];
  const stem = parts.slice(0, -1).join('.');
  // Names go into the reason escaped, as the warning's own name is (a hostile name holds ESC, newlines).
  const shown = showPath(stem);
  if (parts.length >= 2 && /^(gz|zst)$/i.test(last)) {
    // `x.log.gz` says what it holds (not data); `x.jsonl.1.gz` is a numbered copy; `j.gz` says nothing.
    if (parts.length >= 3) return leftoverName(stem, `.${last}`);
    return `compressed (.${last}), but its name does not say what it holds: rename it to end in the format and then .${last} ('${shown}.jsonl.${last}', '${shown}.csv.${last}', ...) or give the file itself with --format`;
  }
  // A data extension before the last ending (x.jsonl.1, h.json.txt.gz.part): the last ending says why it is not read.
  let at = -1;
  for (let i = parts.length - 2; i >= 1; i--) if (DATA_PARTS.has(parts[i].toLowerCase())) { at = i; break; }
  if (at < 0 || SIDECARS.test(last)) return undefined;
  const end = `'.${showPath(last)}'`;
  const asInput = isInputName(stem) ? `'${shown}${after}'` : undefined;
  if (/^(part|partial|crdownload|download|incomplete|opdownload|!ut|aria2)$/i.test(last)) return `a partial download (${end}): not read, as it may be cut short; let the download finish${asInput !== undefined ? `, which names it ${asInput}` : ''}`;
  if (/^(tmp|temp)$/i.test(last)) return `a temporary file (${end}): what was writing it may not have finished; not read${asInput !== undefined ? `: rename it to ${asInput} once it is complete` : ''}`;
  if (/^(bak|old|orig|backup|save|sav|prev)$/i.test(last)) return `a backup copy (${end}): not read, so that its records are not read twice${asInput !== undefined ? `; rename it to ${asInput} to read it` : ''}`;
  if (/^\d+$/.test(last)) return `a numbered copy (${end}, as wget, browsers and log rotation name a second copy): not read, so that its records are not read twice${asInput !== undefined ? `; rename it to ${asInput} to read it` : ''}`;
  return `its name ends in ${end} after the data extension '.${showPath(parts[at])}': not read; rename it to end in a data extension (.jsonl, .csv, ..., optionally .gz/.zst) to read it`;
}

/**
 * Why a file without any extension (`part-00000`, as Hadoop and Spark name their output; `k`) is
 * not read although it holds data, from its first bytes: JSON, gzip, zstd, Parquet or WARC. Plain
 * text (`LICENSE`, `Makefile`) is passed over quietly. Undefined when it does not look like data.
 */
export async function unreadDataContent(path: string, name: string): Promise<string | undefined> {
  let head: Buffer;
  try {
    const f = await open(fsPath(path), 'r');
    try {
      const b = Buffer.alloc(512);
      const { bytesRead } = await f.read(b, 0, b.length, 0);
      head = b.subarray(0, bytesRead);
    } finally {
      await f.close();
    }
  } catch {
    return undefined;
  }
  const what =
    head[0] === 0x1f && head[1] === 0x8b ? 'gzip data' :
    startsZstd(head) ? 'zstd data' :
    head.subarray(0, 4).toString('latin1') === 'PAR1' ? 'a Parquet file' :
    head.subarray(0, 5).toString('latin1') === 'WARC/' ? 'a WARC file' :
    /^(\xef\xbb\xbf)?[ \t\r\n]*[{[]/.test(head.toString('latin1')) ? 'JSON' : undefined;
  if (what === undefined) return undefined;
  const n = showPath(name);
  const hint = what === 'gzip data' || what === 'zstd data' ? `rename it to say its format ('${n}.jsonl.${what === 'gzip data' ? 'gz' : 'zst'}')` : what === 'JSON' ? `rename it ('${n}.jsonl', or '${n}.json' for one array)` : `rename it to end in .${what === 'a WARC file' ? 'warc' : 'parquet'}`;
  return `it holds ${what} but its name has no extension, which says the format: not read; ${hint} or give the file itself with --format`;
}

/** The first `n` bytes of a file (fewer when it is shorter). */
async function headOf(path: string, n: number): Promise<Buffer> {
  const f = await open(fsPath(path), 'r');
  try {
    const b = Buffer.alloc(n);
    const { bytesRead } = await f.read(b, 0, n, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await f.close();
  }
}

/** Compressed bytes read to find what a gzip stream starts with (its first 512 decoded bytes come from far fewer). */
const GZIP_PEEK = [4 << 10, 64 << 10];
/** A zstd block holds up to 128 KiB: its first block is decoded whole. */
const ZSTD_PEEK = 256 << 10;

/**
 * The first decoded bytes of a gzip or zstd file (up to about `UNREAD_HEAD`, more when a block
 * gives more), or undefined when they cannot be had from its start (damage: the reader says so).
 */
async function decodedHead(path: string, head: Buffer): Promise<Buffer | undefined> {
  if (head[0] === 0x1f && head[1] === 0x8b) {
    for (const n of GZIP_PEEK) {
      const bytes = n <= head.length ? head.subarray(0, n) : await headOf(path, n);
      let out: Buffer;
      try {
        // A cut stream gives what it decoded so far (Z_SYNC_FLUSH), not an error.
        out = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      } catch {
        return undefined;
      }
      if (out.length >= UNREAD_HEAD || bytes.length < n) return out;
    }
    return undefined;
  }
  if (startsZstd(head)) {
    const bytes = await headOf(path, ZSTD_PEEK);
    // A frame whose header asks for more than the reader decodes is the reader's to name.
    const { checkZstdHeaders, zstdHeadBlocks } = await import('./zstd.js');
    try {
      checkZstdHeaders(bytes, Number.MAX_SAFE_INTEGER);
    } catch {
      return undefined;
    }
    const Decompress = await zstdDecompress();
    const out: Buffer[] = [];
    const d = new Decompress((c) => {
      out.push(Buffer.from(c));
    });
    try {
      // A few blocks hold the first UNREAD_HEAD bytes of any file worth naming (a tar header is
      // 512 bytes): decoding more only costs (fzstd moves its whole window once per block).
      d.push(bytes.subarray(0, zstdHeadBlocks(bytes, 16)));
    } catch {
      // Cut inside a block, or damage: what came before it is kept.
    }
    const all = Buffer.concat(out);
    return all.length > 0 ? all : undefined;
  }
  return head;
}

/**
 * What a file holds when it is an archive or a compression corpus-clean does not read, told by
 * its content after any gzip or zstd layer is taken off (`magic.ts unreadKind`), whatever its name
 * or --format says; undefined for anything else (which the readers read, and a damaged file's
 * reader names the damage).
 */
export async function unreadContentKind(path: string): Promise<{ kind: UnreadKind; layer?: 'gzip' | 'zstd' } | undefined> {
  let head: Buffer;
  try {
    head = await headOf(path, GZIP_PEEK[0]);
  } catch {
    return undefined;
  }
  const layer = head[0] === 0x1f && head[1] === 0x8b ? 'gzip' : startsZstd(head) ? 'zstd' : undefined;
  const decoded = layer === undefined ? head : await decodedHead(path, head).catch(() => undefined);
  if (decoded === undefined) return undefined;
  const kind = unreadKind(decoded.subarray(0, UNREAD_HEAD));
  return kind === undefined ? undefined : { kind, ...(layer !== undefined ? { layer } : {}) };
}

/** Code-point order, so the order of inputs does not depend on the locale. */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Node reads command-line arguments as UTF-8, so a name holding other bytes (Latin-1 `caf\xe9`,
 * GBK) arrives with U+FFFD in place of each such byte and names no file. Find the files it can
 * stand for: each segment holding U+FFFD is matched against the folder's names as bytes. Spellings
 * that exist are returned (several when the lost bytes differed: `caf\xe9` and `caf\xe8`).
 */
async function recoverSpelling(spec: string): Promise<string[]> {
  const segs = spec.split('/');
  let prefixes = [''];
  for (let k = 0; k < segs.length; k++) {
    const seg = segs[k];
    const join = (pre: string, name: string): string => (k === 0 ? name : `${pre}/${name}`);
    if (!seg.includes('\uFFFD')) {
      prefixes = prefixes.map((pre) => join(pre, seg));
      continue;
    }
    const next: string[] = [];
    for (const pre of prefixes) {
      const dir = k === 0 ? '.' : pre === '' ? '/' : pre;
      const names = await readNames(dir).catch(() => []);
      for (const e of names) if (nameFromText(fsPath(e.name).toString()) === seg) next.push(join(pre, e.name));
    }
    prefixes = next.slice(0, 20);
  }
  const found: string[] = [];
  for (const p of prefixes) if (await stat(fsPath(p)).then(() => true, () => false)) found.push(p);
  return found;
}

/**
 * An input name that was not read: a dangling symbolic link, a link loop, a FIFO, socket or
 * device, a folder that cannot be listed (`reason` says which: these are lost, and the run exits
 * 1 after reading the rest), or a second name of a file or folder read under another name
 * (`same_as`: read once, under that name).
 */
export interface SkippedInput {
  name: string;
  reason: string;
  same_as?: string;
  /** A file that describes the data set rather than holding records (`hfMetadata`): passed over on purpose, not lost. */
  metadata?: true;
  /**
   * A folder inside a folder input whose name begins with '_' or '.', holding data files: passed
   * over by the naming rule (run files, temporaries), said in a note, not lost (`hiddenDataNote`).
   */
  hidden?: true;
}

/** True when a skipped input's data was not read at all (not a second name of something read, a metadata file, nor a '_'/'.' folder). */
export const isLost = (s: SkippedInput): boolean => s.same_as === undefined && s.metadata !== true && s.hidden !== true;

/** Names in a folder that make it a corpus-clean output (a run's, a folder output's, one being written): its '_' folders are its own. */
const OUTPUT_MARKS = new Set(['_SUCCESS', '_FAILED', '_plan.json', '.corpus-clean.lock']);

/** '_'/'.' folders of a folder input looked into for data files, at most (each costs a listing). */
const HIDDEN_LOOKS = 20;

/**
 * The note for the '_' and '.' folders of a folder input that hold data files (`found`, the
 * folders with the first data file of each): passed over by the naming rule without a word (a
 * user's own `_2024/`: new-user review 23b C9). One entry for all of them. Folders a corpus-clean
 * output makes or keeps (a run folder, a set-aside earlier output, one with a lock) and folders
 * with no data file (.git) are not looked at or not named.
 */
function hiddenDataNote(found: ReadonlyArray<{ dir: string; file: string }>): SkippedInput | undefined {
  if (found.length === 0) return undefined;
  const [first] = found;
  const others = found.slice(1, 4).map((x) => `'${showPath(x.dir)}'`).join(', ') + (found.length > 4 ? `, ... (${found.length - 1} in all)` : '');
  const more = found.length === 2 ? `, as does ${others}` : found.length > 2 ? `, as do ${others}` : '';
  return {
    name: first.dir,
    reason: `it holds data files ('${showPath(first.file)}')${more}, but a folder whose name begins with '_' or '.' is passed over when the folder above it is read (run files, temporaries); to read ${found.length === 1 ? 'it' : 'one'}, give it as an input of its own or rename it`,
    hidden: true,
  };
}

/** A data file directly in the folder `dir` (not itself '_' or '.'), or undefined; also undefined for a corpus-clean output folder. */
async function dataFileIn(dir: string): Promise<string | undefined> {
  const names = await readNames(dir).catch(() => []);
  if (names.some((e) => OUTPUT_MARKS.has(e.name))) return undefined;
  const f = names.filter((e) => !e.name.startsWith('.') && !e.name.startsWith('_') && isInputName(e.name)).map((e) => e.name).sort(byCodePoint)[0];
  return f === undefined ? undefined : `${dir}/${f}`;
}

/**
 * The files Hugging Face `datasets` writes beside the data (`save_to_disk`: `dataset_dict.json`,
 * and per split `dataset_info.json` and `state.json`; a Hub repository's `dataset_infos.json`),
 * with a key each always holds. They are JSON, so a folder listing would take one for a record
 * without a text (new-user review 21 N11).
 */
const HF_METADATA: Readonly<Record<string, readonly string[]>> = {
  'dataset_info.json': ['features', 'splits', 'builder_name', 'dataset_name', 'config_name', 'dataset_size'],
  'dataset_infos.json': [],
  'state.json': ['_data_files', '_fingerprint'],
  'dataset_dict.json': ['splits'],
};

/**
 * Why a file met in a folder is Hugging Face metadata, not data: its name is one of HF_METADATA's
 * and it is one small JSON object with one of the keys that name holds (or, for
 * `dataset_infos.json`, an object of such objects). Undefined for anything else, which is read.
 */
export async function hfMetadata(path: string, name: string): Promise<string | undefined> {
  const keys = HF_METADATA[name];
  if (keys === undefined) return undefined;
  let value: unknown;
  try {
    const f = await open(fsPath(path), 'r');
    try {
      const st = await f.stat();
      if (st.size > 1 << 20) return undefined;
      value = JSON.parse((await f.readFile()).toString('utf8'));
    } finally {
      await f.close();
    }
  } catch {
    return undefined;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return undefined;
  const infos = keys.length === 0 ? Object.values(value) : [value];
  const known = HF_METADATA['dataset_info.json'];
  const ok = infos.length > 0 && infos.every((v) => isObject(v) && (keys.length === 0 ? known : keys).some((k) => k in v));
  if (!ok) return undefined;
  return `Hugging Face datasets metadata (its '${name}', which describes the data set: no records): passed over, not an error; name the file itself to read it`;
}

/**
 * A folder the walk of a folder input entered (`listFolder`): as the walk reached it (`path`), its
 * real path and device:inode (undefined when it cannot be had), the input folder named (`root`),
 * whether it is that folder (`top`), and whether a symbolic link led to it (`link`). Each real
 * folder is entered once; names starting with `.` or `_` are not entered.
 */
export interface EnteredFolder {
  root: string;
  path: string;
  real: string;
  id: string | undefined;
  top: boolean;
  link: boolean;
  /**
   * For a folder the walk of a glob input (`root`, the pattern) entered: the pattern's segments
   * and the one matched against its entries; only what they match below it is read, not all of
   * it (core/glob.ts globFolderCovers). Undefined for a folder input's walk.
   */
  glob?: { parts: readonly string[]; k: number };
}

/** The folders `expandGlob` enters for the pattern `root`, as EnteredFolder entries into `entered`. */
function globEntered(root: string, entered: EnteredFolder[] | undefined): ((f: GlobFolder) => void) | undefined {
  if (entered === undefined) return undefined;
  return (f) => entered.push({ root, path: f.path, real: f.real, id: f.id, top: false, link: resolve(f.path) !== f.real, glob: { parts: f.parts, k: f.k } });
}

/**
 * The folders the input walk enters for the folders and glob patterns among `roots` (files enter
 * none), for a check made before or without expanding them (export's early shard-folder check,
 * `dedup-disk --work`): the walks of `expandInputs`, one set of rules; a folder that cannot be
 * read enters nothing (its reading says why).
 */
export async function foldersEntered(roots: readonly string[]): Promise<EnteredFolder[]> {
  const entered: EnteredFolder[] = [];
  for (const given of roots) {
    if (given === '-') continue;
    // As expandInputs finds it: the escaped form first, then the name as typed.
    let spec = nameFromText(given);
    let st = await stat(fsPath(spec)).catch(() => null);
    if (st === null && spec !== given) {
      st = await stat(fsPath(given)).catch(() => null);
      if (st !== null) spec = given;
    }
    if (st === null && /[*?[{]/.test(given)) await expandGlob(given, undefined, globEntered(given, entered)).catch(() => []);
    if (st?.isDirectory() !== true) continue;
    await listFolder(spec, [], entered).catch(() => []);
  }
  return entered;
}

/**
 * The input files under a folder (input name endings only), as paths relative to it, links
 * followed, each folder read once (a link loop ends). Names starting with `_` or `.` are run files
 * and temporaries (the Hadoop/Spark convention) and skipped. Names are read as bytes, so a name
 * that is not UTF-8 is kept (see core/fsname.ts). An entry with an input name (or no extension,
 * as a folder has) that is not a file or folder, and a folder reached a second time, go to
 * `skipped` with the reason.
 */
async function listFolder(root: string, skipped: SkippedInput[], entered?: EnteredFolder[]): Promise<Array<{ rel: string; real: string }>> {
  const found: Array<{ rel: string; real: string }> = [];
  const seen = new Map<string, string>();
  // '_' and '.' folders met, to look into for data files once the walk is done.
  const hidden: string[] = [];
  const top = root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root;
  const visit = async (dir: string, rel: string, link = false): Promise<void> => {
    const real = await realPath(dir).catch(() => null);
    if (real === null) return;
    const first = seen.get(real);
    if (first !== undefined) {
      skipped.push({ name: dir, reason: `the same folder as '${showPath(first)}' (read once, under that name)`, same_as: first });
      return;
    }
    seen.set(real, dir);
    if (entered !== undefined) {
      const st = await stat(fsPath(dir)).catch(() => null);
      entered.push({ root, path: dir, real, id: st === null ? undefined : `${st.dev}:${st.ino}`, top: rel === '', link });
    }
    const entries = await readNames(dir).catch((e: NodeJS.ErrnoException) => {
      if (rel === '') throw new UsageError(`cannot read input folder '${showPath(root)}': ${e.message}`);
      skipped.push({ name: dir, reason: `a folder that cannot be listed (${e.code ?? e.message}): not read` });
      return [];
    });
    // In name order, so which of two names of one folder is read does not depend on the file system.
    entries.sort((a, b) => byCodePoint(a.name, b.name));
    let why: string | undefined;
    // A corpus-clean output folder (read as an input: an output folder can be the next run's input) keeps its own '_' folders.
    const output = entries.some((e) => OUTPUT_MARKS.has(e.name));
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) {
        // A set-aside earlier output ('.out.earlier-PID') or a temporary of ours is no user's data.
        if (!output && e.isDirectory() && !/\.(earlier|tmp)-\d/.test(e.name) && hidden.length < HIDDEN_LOOKS) hidden.push(`${dir}/${e.name}`);
        continue;
      }
      const path = `${dir}/${e.name}`;
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      let kind: 'file' | 'dir' | null = e.isFile() ? 'file' : e.isDirectory() ? 'dir' : null;
      if (kind === null) {
        const k = await entryKind(path);
        if (k.kind === 'file' || k.kind === 'dir') kind = k.kind;
        else if (k.kind === 'other' && (isInputName(e.name) || !e.name.includes('.'))) skipped.push({ name: path, reason: k.reason });
      }
      if (kind === 'dir') await visit(path, r, e.isSymbolicLink());
      // A plain file's real path is its folder's, plus its name: no realpath call per file.
      else if (kind === 'file' && !isInputName(e.name)) {
        const why = unreadDataName(e.name) ?? (e.name.includes('.') ? undefined : await unreadDataContent(path, e.name));
        if (why !== undefined) skipped.push({ name: path, reason: why });
      } else if (kind === 'file' && e.name in HF_METADATA && (why = await hfMetadata(path, e.name)) !== undefined) {
        skipped.push({ name: path, reason: why, metadata: true });
      } else if (kind === 'file') found.push({ rel: r, real: e.isSymbolicLink() ? await realPath(path).catch(() => resolve(path)) : real.endsWith('/') ? real + e.name : `${real}/${e.name}` });
    }
  };
  await visit(top, '');
  const withData: Array<{ dir: string; file: string }> = [];
  for (const dir of hidden) {
    const file = await dataFileIn(dir);
    if (file !== undefined) withData.push({ dir, file });
  }
  const note = hiddenDataNote(withData);
  if (note !== undefined) skipped.push(note);
  return found;
}

/** What an input name not read does to the command, and how to leave it out on purpose (`how`). */
const leaveOut = (how: string): string => `; an input not read fails the command (exit 1, once the rest is done): to leave it out on purpose, ${how}`;

/**
 * Why an input file is not there when it is an output being written or left unfinished by
 * `--overwrite` (hostile review 20 F6: after a kill -9 of `-o out.jsonl --overwrite`, reading
 * out.jsonl said only "input not found", while the complete earlier output waited beside it as
 * `.out.jsonl.earlier-PID`): said from its lock and the hidden names beside it; '' for neither.
 */
async function unfinishedOutputNote(spec: string): Promise<string> {
  const dir = dirname(spec);
  const base = basename(spec);
  if (base === '' || base === '.' || base === '..') return '';
  const names = await readdir(fsPath(dir)).catch(() => [] as string[]);
  const heads = [`.${base}.earlier-`, `${shortPrefix(base)}.earlier-`];
  const earlier = names.filter((n) => heads.some((h) => n.startsWith(h) && /^\d+$/.test(n.slice(h.length))));
  const lock = lockPathFor(spec);
  const holder = names.includes(basename(lock)) ? readLock(lock) : undefined;
  if (earlier.length === 0 && holder === undefined) return '';
  const kept = earlier.length > 0 ? `the complete earlier output it was replacing (--overwrite) is kept beside it as '${showPath(join(dir, earlier[0]))}'` : '';
  if (holder?.live === true) return `: a command (PID ${holder.pid}${holder.foreign ? ` on host '${holder.host}'` : ''}) is writing it now${kept === '' ? '' : `, and ${kept} until its new output is complete`}; read it once that command has ended`;
  const who = holder !== undefined ? `the command writing it, PID ${holder.pid}, was killed before its output was complete` : 'the command writing it was killed before its output was complete';
  return `: it is an unfinished output (${who}${kept === '' ? '' : `; ${kept}`}): ${kept === '' ? 'run that command again' : `the next command writing '${showPath(spec)}' puts it back (or rename it back to '${showPath(spec)}' yourself)`}`;
}

/**
 * Expand files, directories (recursively, input extensions only) and glob patterns into one
 * de-duplicated list in code-point order of the names as spelled (made absolute, so a path
 * spelled relative and absolute sorts the same; a symbolic link sorts by its own name, not its
 * target's), so a run reads its inputs in the same order whatever order they were given in (a
 * shell's glob order follows the locale) and "first" means the same everywhere. `-` (stdin)
 * comes first. A path that matches nothing is a usage error.
 *
 * The same file reached under two names (a link beside its target, a folder and a file in it,
 * relative and absolute spellings) is read once, under the name that sorts first. Names not
 * read go to `skipped` when given, with the reason: second names (`same_as`), and entries of a
 * folder or matches of a glob that cannot be read (dangling links, link loops, FIFOs, devices).
 * `entered`, when given, receives every folder the walk of a folder input entered (`EnteredFolder`),
 * for the checks of unfinished outputs (exec/markers.ts) and of outputs inside an input folder
 * (io/outputs.ts checkInsideInputFolder), and every folder the walk of a glob entered (with
 * `glob` set: the latter check only). A glob never yields a completion marker
 * (`_SUCCESS`, `out.jsonl._SUCCESS`): it is no record.
 */
export async function expandInputs(specs: readonly string[], skipped: SkippedInput[] = [], entered?: EnteredFolder[]): Promise<string[]> {
  // `key`: the name made absolute (what the order follows).
  const found: Array<{ name: string; key: string; real?: string }> = [];
  let stdin = false;
  for (const given of specs) {
    if (given === '-') {
      // Named twice, read once: said as a second name of a file is (hostile review 20 F11).
      if (stdin) skipped.push({ name: '-', reason: 'stdin named twice (read once)', same_as: '-' });
      stdin = true;
      continue;
    }
    // s3://, hf://, ...: local files only, said as such (was "input not found").
    refuseRemote(given);
    // The path as typed, in the escaped form of core/fsname.ts (only a backslash can change);
    // when nothing is there, the path read as that form (`caf\xe9.jsonl` copied from a message,
    // `_recipe.resolved.yaml`'s list).
    let spec = nameFromText(given);
    let st: Stats | null = null;
    try {
      st = await stat(fsPath(spec));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UsageError(`cannot read input '${showPath(spec)}': ${(e as Error).message}`);
    }
    if (st === null && spec !== given) {
      st = await stat(fsPath(given)).catch(() => null);
      if (st !== null) spec = given;
    }
    if (st === null && spec.includes('\uFFFD')) {
      // A name that is not UTF-8, typed or globbed by the shell: found by its bytes when only one fits.
      const spelled = await recoverSpelling(spec);
      if (spelled.length > 1) throw new UsageError(`input '${showPath(spec)}' is not valid UTF-8 and could be any of ${spelled.map((f) => `'${showPath(f)}'`).join(', ')}: give their folder or a glob pattern instead`);
      if (spelled.length === 1) {
        spec = spelled[0];
        st = await stat(fsPath(spec)).catch(() => null);
      }
    }
    if (st?.isFile()) {
      // An archive or an unread compression named (a .tar.gz, a .xz), whatever its name or --format
      // says, is refused before anything is read, as the folder walk passes over such a name
      // (new-user review 22 A10: a .tar.gz read as JSON Lines lost the first record of every member).
      const unread = await unreadContentKind(spec);
      if (unread !== undefined) throw new UsageError(`input '${showPath(spec)}' holds ${unreadAdvice(unread.kind, showPath(spec), unread.layer)}`);
      found.push({ name: spec, key: resolve(spec) });
    }
    else if (st?.isDirectory()) {
      const before = skipped.length;
      const inFolder = await listFolder(spec, skipped, entered);
      // A name passed over that is not a second name fails the command at its end (90177c0):
      // said where it is skipped, with how to leave it out on purpose (new-user review 21 N1).
      for (const s of skipped.slice(before)) if (isLost(s)) s.reason += leaveOut(`move it out of '${showPath(spec)}' or rename it with a leading '_' (names starting with '_' or '.' are passed over without a word)`);
      if (inFolder.length === 0) throw new UsageError(`no input files (${INPUT_EXTENSIONS.join(', ')}, optionally .gz/.zst, or .parquet) in directory '${showPath(spec)}'${skippedNote(skipped)}`);
      const base = spec.endsWith('/') ? spec : spec + '/';
      // The folder made absolute once: a name read from it holds no `.` or `..` segment.
      const abs = resolve(spec);
      const absBase = abs.endsWith('/') ? abs : abs + '/';
      for (const f of inFolder) found.push({ name: base + f.rel, key: absBase + f.rel, real: f.real });
    } else if (/[*?[{]/.test(given)) {
      // Our own matcher, not tinyglobby's: picomatch's regexes backtrack once per '*' (src/core/glob.ts).
      // A pattern keeps its own backslashes (escapes); the names it matches are in the escaped form.
      const matched = (await expandGlob(given, (name, reason) => skipped.push({ name, reason: reason + leaveOut('move it, or give a pattern that does not match it') }), globEntered(given, entered))).filter((f) => !/(^|[/.])_SUCCESS$/.test(f));
      if (matched.length === 0) throw new UsageError(`no files match '${showPath(given)}'${skippedNote(skipped)}`);
      for (const f of matched) found.push({ name: f, key: resolve(f) });
    } else if (st !== null) {
      throw new UsageError(`input '${showPath(spec)}' is ${kindOfStats(st)}, not a file or folder: ${streamAdvice(spec)}`);
    } else throw new UsageError(`input not found: '${showPath(spec)}'${await unfinishedOutputNote(spec)}`);
  }
  const keyed = found;
  keyed.sort((a, b) => byCodePoint(a.key, b.key) || byCodePoint(a.name, b.name));
  // The same file under two names is read once, under the name that sorts first.
  const out: string[] = stdin ? ['-'] : [];
  const first = new Map<string, string>();
  // A hard link is a second name too (`cp -al` snapshots, rsync --link-dest): one stat per file,
  // 256 at a time, keyed by device and inode where the file has more than one link.
  const links: Array<string | undefined> = [];
  for (let i = 0; i < keyed.length; i += 256) {
    links.push(...(await Promise.all(keyed.slice(i, i + 256).map((f) => stat(fsPath(f.name)).then((st) => (st.nlink > 1 ? `inode ${st.dev}:${st.ino}` : undefined), () => undefined)))));
  }
  // `-` reads fd 0: a file given by another name that is fd 0's file (`/dev/stdin`, `/dev/fd/0`,
  // its own path) would be read twice (hostile review 8 F31: every record written twice, exit 0).
  const fd0 = stdin ? stdinFile() : undefined;
  if (fd0 !== undefined) {
    for (const f of keyed) {
      const st = await stat(fsPath(f.name)).catch(() => null);
      if (st !== null && st.dev === fd0.dev && st.ino === fd0.ino) throw new UsageError(`input '${showPath(f.name)}' is the file on stdin, which '-' reads too: it would be read twice; give one of them`);
    }
  }
  for (const [i, f] of keyed.entries()) {
    const real = links[i] ?? f.real ?? (await realPath(f.name).catch(() => f.key));
    const was = first.get(real);
    if (was === undefined) {
      first.set(real, f.name);
      out.push(f.name);
    } else if (f.name === was) skipped.push({ name: f.name, reason: 'named twice (read once)', same_as: was });
    // Another spelling of the same path (`a.jsonl ./a.jsonl`) is a second name as a link is (hostile review 20 F11: read once, nothing said).
    else skipped.push({ name: f.name, reason: `the same file as '${showPath(was)}' (read once, under that name)`, same_as: was });
  }
  // A name met twice (a folder and a glob over it) is reported once.
  const once = new Map(skipped.map((x) => [x.name, x]));
  skipped.splice(0, skipped.length, ...[...once.values()].sort((a, b) => byCodePoint(a.name, b.name)));
  return out;
}

/** The regular file on fd 0 (stdin redirected from a file), or undefined (a pipe, a terminal). */
function stdinFile(): Stats | undefined {
  try {
    const st = fstatSync(0);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

/** For a "no input" message: what was seen but could not be read. */
function skippedNote(skipped: readonly SkippedInput[]): string {
  const lost = skipped.filter(isLost);
  // Only '_' or '.' folders with data in them: that is why nothing was found (new-user review 23b C9).
  const hidden = skipped.find((x) => x.hidden === true);
  if (lost.length === 0 && hidden !== undefined) return ` ('${showPath(hidden.name)}' was passed over: ${hidden.reason})`;
  if (lost.length === 0) return '';
  return ` (${lost.length === 1 ? `'${showPath(lost[0].name)}' is` : `${lost.length} names are`} not readable: ${lost[0].reason})`;
}
