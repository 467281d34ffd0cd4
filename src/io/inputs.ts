import type { Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
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

/** A file name's bytes, with those that are not UTF-8 shown as `\xNN`. */
function showBytes(name: Buffer): string {
  let out = '';
  let i = 0;
  while (i < name.length) {
    // The longest prefix from i that decodes cleanly as whole characters.
    let j = Math.min(name.length, i + 4);
    for (; j > i; j--) {
      const part = name.subarray(i, j);
      const text = part.toString('utf8');
      if (!text.includes('\uFFFD') && Buffer.from(text, 'utf8').equals(part)) {
        out += text;
        break;
      }
    }
    if (j > i) i = j;
    else out += `\\x${name[i++].toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * Node hands file names to JavaScript as UTF-8 text; a name holding other bytes (Latin-1 `caf\xe9`,
 * GBK) comes back with U+FFFD in it and names no file. Such names cannot be opened from here, so
 * they are a usage error naming the real bytes, before anything is read (they used to fail
 * mid-run as ENOENT, reported as damaged input).
 */
async function refuseUndecodable(paths: readonly string[]): Promise<void> {
  const bad: string[] = [];
  for (const p of paths) {
    if (!p.includes('\uFFFD')) continue;
    if (await stat(p).then(() => true, () => false)) continue;
    const dir = dirname(p);
    const names = await readdir(dir, { encoding: 'buffer' }).catch(() => [] as Buffer[]);
    const raw = names.find((n) => n.toString('utf8') === basename(p));
    bad.push(raw ? `${dir}/${showBytes(raw)}` : p);
  }
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).map((b) => `'${b}'`).join(', ') + (bad.length > 5 ? ` and ${bad.length - 5} more` : '');
    throw new UsageError(`${bad.length} input file name(s) are not valid UTF-8 and cannot be opened: ${shown}; rename them to UTF-8 (e.g. convmv -f latin1 -t utf8 --notest FILES)`);
  }
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
  const add = async (p: string): Promise<void> => {
    const key = p === '-' ? p : await realpath(p).catch(() => resolve(p));
    if (!seen.has(key)) {
      seen.add(key);
      keys.set(p, key);
      out.push(p);
    }
  };
  for (const spec of specs) {
    if (spec === '-') {
      await add('-');
      continue;
    }
    let st: Stats | null = null;
    try {
      st = await stat(spec);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UsageError(`cannot read input '${spec}': ${(e as Error).message}`);
    }
    if (st?.isFile()) await add(spec);
    else if (st?.isDirectory()) {
      // Names starting with '_' or '.' are run files and temporaries (the Hadoop/Spark convention).
      const { glob } = await import('tinyglobby');
      const found = (await glob('**/*', { cwd: spec, onlyFiles: true, dot: false, ignore: ['**/_*', '**/_*/**'] })).filter(isInputName).sort(byCodePoint);
      if (found.length === 0) throw new UsageError(`no input files (${INPUT_EXTENSIONS.join(', ')}, optionally .gz/.zst) in directory '${spec}'`);
      const base = spec.endsWith('/') ? spec : spec + '/';
      await refuseUndecodable(found.map((f) => base + f));
      for (const f of found) await add(base + f);
    } else if (/[*?[{]/.test(spec)) {
      // Our own matcher, not tinyglobby's: picomatch's regexes backtrack once per '*' (src/core/glob.ts).
      const found = (await expandGlob(spec)).sort(byCodePoint);
      if (found.length === 0) throw new UsageError(`no files match '${spec}'`);
      await refuseUndecodable(found);
      for (const f of found) await add(f);
    } else if (st !== null) {
      throw new UsageError(`input '${spec}' is ${kindOf(st)}, not a file or folder: pipe it in as stdin instead (-i - < '${spec}')`);
    } else if (spec.includes('\uFFFD')) {
      throw new UsageError(`input not found: '${spec}': the name was not valid UTF-8 when given (Node reads arguments as UTF-8, so such a name cannot be passed); rename the file to UTF-8`);
    } else throw new UsageError(`input not found: '${spec}'`);
  }
  return out.sort((a, b) => (a === '-' ? -1 : b === '-' ? 1 : byCodePoint(keys.get(a)!, keys.get(b)!)));
}
