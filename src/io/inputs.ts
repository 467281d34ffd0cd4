import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fsPath, nameFromText, readNames, realPath, showPath } from '../core/fsname.js';
import { UsageError } from '../core/errors.js';
import { expandGlob } from '../core/glob.js';

/** File name endings read when a directory is given. */
export const INPUT_EXTENSIONS = ['.jsonl', '.json', '.csv', '.tsv', '.txt', '.ndjson', '.warc', '.wet', '.html', '.htm'];
const COMPRESSED = ['', '.gz', '.zst'];

/** True when the name looks like an input we can read (`x.jsonl`, `x.jsonl.gz`, `x.csv.zst`, ...). */
export function isInputName(name: string): boolean {
  if (name.endsWith('.parquet')) return true;
  return INPUT_EXTENSIONS.some((e) => COMPRESSED.some((c) => name.endsWith(e + c)));
}

/** Code-point order, so the order of inputs does not depend on the locale. */
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** What a path that is neither a file nor a folder is, for messages. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

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
 * The input files under a folder (input name endings only), as paths relative to it, links
 * followed, each folder read once (a link loop ends). Names starting with `_` or `.` are run files
 * and temporaries (the Hadoop/Spark convention) and skipped. Names are read as bytes, so a name
 * that is not UTF-8 is kept (see core/fsname.ts).
 */
async function listFolder(root: string): Promise<Array<{ rel: string; real: string }>> {
  const found: Array<{ rel: string; real: string }> = [];
  const seen = new Set<string>();
  const visit = async (dir: string, rel: string): Promise<void> => {
    const real = await realPath(dir).catch(() => null);
    if (real === null || seen.has(real)) return;
    seen.add(real);
    const entries = await readNames(dir).catch((e: NodeJS.ErrnoException) => {
      if (rel === '') throw new UsageError(`cannot read input folder '${showPath(root)}': ${e.message}`);
      return [];
    });
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith('_')) continue;
      const path = `${dir}/${e.name}`;
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      let kind: 'file' | 'dir' | null = e.isFile() ? 'file' : e.isDirectory() ? 'dir' : null;
      if (e.isSymbolicLink()) {
        const st = await stat(fsPath(path)).catch(() => null);
        kind = st?.isFile() ? 'file' : st?.isDirectory() ? 'dir' : null;
      }
      if (kind === 'dir') await visit(path, r);
      // A plain file's real path is its folder's, plus its name: no realpath call per file.
      else if (kind === 'file' && isInputName(e.name)) found.push({ rel: r, real: e.isSymbolicLink() ? await realPath(path).catch(() => resolve(path)) : real.endsWith('/') ? real + e.name : `${real}/${e.name}` });
    }
  };
  await visit(root.length > 1 && root.endsWith('/') ? root.slice(0, -1) : root, '');
  return found.sort((a, b) => byCodePoint(a.rel, b.rel));
}

/**
 * Expand files, directories (recursively, input extensions only) and glob patterns into one
 * de-duplicated list in code-point order, so a run reads its inputs in the same order whatever
 * order they were given in (a shell's glob order follows the locale) and "first" means the same
 * everywhere. `-` (stdin) comes first. A path that matches nothing is a usage error.
 */
export async function expandInputs(specs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const keys = new Map<string, string>();
  const seen = new Set<string>();
  // The same file reached twice (spelled relative and absolute, or through a symlink, or a
  // symlink loop in a folder) is read once; the order is that of the resolved paths, so it does
  // not depend on how a path was spelled.
  const add = async (p: string, real?: string): Promise<void> => {
    const key = p === '-' ? p : (real ?? (await realPath(p).catch(() => resolve(p))));
    if (!seen.has(key)) {
      seen.add(key);
      keys.set(p, key);
      out.push(p);
    }
  };
  for (const given of specs) {
    if (given === '-') {
      await add('-');
      continue;
    }
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
      const found = await recoverSpelling(spec);
      if (found.length > 1) throw new UsageError(`input '${showPath(spec)}' is not valid UTF-8 and could be any of ${found.map((f) => `'${showPath(f)}'`).join(', ')}: give their folder or a glob pattern instead`);
      if (found.length === 1) {
        spec = found[0];
        st = await stat(fsPath(spec)).catch(() => null);
      }
    }
    if (st?.isFile()) await add(spec);
    else if (st?.isDirectory()) {
      const found = await listFolder(spec);
      if (found.length === 0) throw new UsageError(`no input files (${INPUT_EXTENSIONS.join(', ')}, optionally .gz/.zst, or .parquet) in directory '${showPath(spec)}'`);
      const base = spec.endsWith('/') ? spec : spec + '/';
      for (const f of found) await add(base + f.rel, f.real);
    } else if (/[*?[{]/.test(given)) {
      // Our own matcher, not tinyglobby's: picomatch's regexes backtrack once per '*' (src/core/glob.ts).
      // A pattern keeps its own backslashes (escapes); the names it matches are in the escaped form.
      const found = (await expandGlob(given)).sort(byCodePoint);
      if (found.length === 0) throw new UsageError(`no files match '${showPath(given)}'`);
      for (const f of found) await add(f);
    } else if (st !== null) {
      throw new UsageError(`input '${showPath(spec)}' is ${kindOf(st)}, not a file or folder: pipe it in as stdin instead (-i - < '${showPath(spec)}')`);
    } else throw new UsageError(`input not found: '${showPath(spec)}'`);
  }
  return out.sort((a, b) => (a === '-' ? -1 : b === '-' ? 1 : byCodePoint(keys.get(a)!, keys.get(b)!)));
}
