import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputs } from '../../src/io/outputs.js';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #10, session 10 (outputs): every file a command writes is refused where it would destroy
// or later be read as an input.

let dir: string;
const records = Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i} is here` })).join('\n') + '\nnot json\n';

beforeAll(async () => {
  dir = await tempDir();
  await mkdir(join(dir, 'd1'));
  await writeFile(join(dir, 'd1/a.jsonl'), records);
});

/** The usage error checkOutputs throws for this plan, or '' when it accepts it. */
async function refusal(plan: Partial<Parameters<typeof checkOutputs>[0]>): Promise<string> {
  try {
    await checkOutputs({ inputs: [join(dir, 'd1/a.jsonl')], output: join(dir, 'o.jsonl'), folder: false, sharded: false, roots: [join(dir, 'd1')], overwrite: true, ...plan });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('--rejects and --stats inside an input folder (hostile review 7 F18)', () => {
  it('are refused as -o is: the next read of the folder would take them as input', async () => {
    expect(await refusal({ rejects: join(dir, 'd1/r.jsonl') })).toContain(`--rejects '${join(dir, 'd1/r.jsonl')}' lies inside the input folder`);
    expect(await refusal({ stats: join(dir, 'd1/sub/s.json') })).toContain(`--stats '${join(dir, 'd1/sub/s.json')}' lies inside the input folder`);
    // Beside the folder, or a device: accepted.
    expect(await refusal({ rejects: join(dir, 'r.jsonl'), stats: '/dev/null' })).toBe('');
  });

  it('quality d1 --rejects d1/r.jsonl: exit 2 before reading, d1 untouched', async () => {
    const r = await runCli(['quality', 'd1', '-o', 'q.jsonl', '--rejects', 'd1/r.jsonl', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("--rejects 'd1/r.jsonl' lies inside the input folder 'd1'");
    expect(await readdir(join(dir, 'd1'))).toEqual(['a.jsonl']);
    expect(await readFile(join(dir, 'd1/a.jsonl'), 'utf8')).toBe(records);
  });
});
