import { realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
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
    const st = await stat(spec).catch(() => null);
    if (st?.isFile()) await add(spec);
    else if (st?.isDirectory()) {
      // Names starting with '_' or '.' are run files and temporaries (the Hadoop/Spark convention).
      const found = (await glob('**/*', { cwd: spec, onlyFiles: true, dot: false, ignore: ['**/_*', '**/_*/**'] })).filter(isInputName).sort(byCodePoint);
      if (found.length === 0) throw new UsageError(`no input files (${INPUT_EXTENSIONS.join(', ')}, optionally .gz/.zst) in directory '${spec}'`);
      const base = spec.endsWith('/') ? spec : spec + '/';
      for (const f of found) await add(base + f);
    } else if (/[*?[{]/.test(spec)) {
      // Our own matcher, not tinyglobby's: picomatch's regexes backtrack once per '*' (src/core/glob.ts).
      const found = (await expandGlob(spec)).sort(byCodePoint);
      if (found.length === 0) throw new UsageError(`no files match '${spec}'`);
      for (const f of found) await add(f);
    } else throw new UsageError(`input not found: '${spec}'`);
  }
  return out.sort((a, b) => (a === '-' ? -1 : b === '-' ? 1 : byCodePoint(keys.get(a)!, keys.get(b)!)));
}
