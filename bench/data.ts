/**
 * Where the benches read their real data: `--data DIR` on the command line (any position), else
 * `CORPUS_CLEAN_DATA`, else `../shared/data` beside the repository. Relative paths are taken from
 * the current directory. Importing this module removes `--data DIR` from `process.argv`, so each
 * bench's own argument parsing never sees it (imports run before the importing module's body).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function takeDataArg(): string | undefined {
  const argv = process.argv;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--data' && i + 1 < argv.length) return argv.splice(i, 2)[1];
    if (argv[i].startsWith('--data=')) return argv.splice(i, 1)[0].slice('--data='.length);
  }
  return undefined;
}

const given = takeDataArg() ?? process.env.CORPUS_CLEAN_DATA;
/** The data folder (absolute). */
export const DATA = given === undefined ? resolve(ROOT, '../shared/data') : resolve(given);

// `--help` is the bench's own to answer, with or without the data (new-user review 14 #6).
if (!existsSync(DATA) && !process.argv.includes('--help') && !process.argv.includes('-h')) {
  console.error(`bench: data folder ${DATA} not found; pass --data DIR (a copy of shared/data, see its PROVENANCE.md)`);
  process.exit(2);
}

/** A path inside the data folder. */
export const data = (...parts: string[]): string => resolve(DATA, ...parts);

/**
 * The `.jsonl` files of these folders of the data folder (`web/en`, `web/zh` ...), in name order,
 * joined into one buffer, each ending in a newline: the seed the benches repeat to their size.
 */
export function jsonlSeed(folders: readonly string[]): Buffer {
  const files = folders
    .flatMap((d) => readdirSync(join(DATA, d)).filter((f) => f.endsWith('.jsonl')).map((f) => join(DATA, d, f)))
    .sort();
  return Buffer.concat(
    files.map((f) => {
      const b = readFileSync(f);
      return b[b.length - 1] === 10 ? b : Buffer.concat([b, Buffer.from('\n')]);
    }),
  );
}
