import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The files of a run folder that must be the same whatever executed it: the shards and the
 * rejects (the stats hold times, the resolved recipe names the executor).
 */
export async function runOutput(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) {
    if (f.startsWith('part-') || f.startsWith('_rejects.jsonl')) out[f] = (await readFile(join(dir, f))).toString('base64');
  }
  if (!existsSync(join(dir, '_SUCCESS'))) out._SUCCESS = 'missing';
  return out;
}
