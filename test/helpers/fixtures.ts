import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOutputs } from '../../src/io/outputs.js';
import { runCli, tempDir } from './run.js';

/**
 * Small inputs and checks that several test files share (one place, so that they stay the same
 * where the tests mean the same thing).
 */

/**
 * `n` JSON Lines records numbered from `from`, every third one (the first, the fourth ...) not
 * JSON: a third rejected as read/json, over the default --max-reject-rate 0.1 (exit 1).
 */
export const everyThirdBad = (from: number, n: number): string => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `{bad json ${from + i}` : JSON.stringify({ text: `record ${from + i} with words` }))).join('\n') + '\n';

/** Five good records ('record number I is here'), then, with `bad`, a line that is not JSON. */
export const fiveRecords = (bad: boolean): string => Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i} is here` })).join('\n') + (bad ? '\nnot json\n' : '\n');

type OutputsPlan = Parameters<typeof checkOutputs>[0];

/**
 * The usage error checkOutputs throws for `plan` over `base` (the inputs, output and roots the
 * test file's commands have; a file output, --overwrite given), or '' when it accepts it.
 */
export async function outputsRefusal(base: Pick<OutputsPlan, 'inputs' | 'output' | 'roots'>, plan: Partial<OutputsPlan>): Promise<string> {
  try {
    await checkOutputs({ ...base, folder: false, sharded: false, overwrite: true, ...plan });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/** The lines of `s` that are not empty (records printed on stdout). */
export const countLines = (s: string): number => s.split('\n').filter((l) => l !== '').length;

/**
 * A finished folder output to copy from, in a fresh temporary folder `dir`: `input` holds 30
 * records ('record number I', with ids), written by `cat -o DIR/ --shard-records 10` to
 * `finished` (three shards and their _SUCCESS; named with a trailing '/'). `copy(name)` makes a
 * copy of it at `name` under `dir` (parent folders made), returned without a trailing '/'.
 */
export async function finishedFolderOutput(): Promise<{ dir: string; input: string; finished: string; copy: (name: string) => Promise<string> }> {
  const dir = await tempDir();
  const input = join(dir, 'in.jsonl');
  await writeFile(input, Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: i, text: `record number ${i}` })).join('\n') + '\n');
  const finished = join(dir, 'finished') + '/';
  const r = await runCli(['cat', input, '-o', finished, '--shard-records', '10', '-q']);
  if (r.code !== 0) throw new Error(`the finished output was not written (exit ${r.code}): ${r.stderr}`);
  const copy = async (name: string): Promise<string> => {
    const to = join(dir, name);
    await mkdir(join(to, '..'), { recursive: true });
    await cp(finished, to, { recursive: true });
    return to;
  };
  return { dir, input, finished, copy };
}
