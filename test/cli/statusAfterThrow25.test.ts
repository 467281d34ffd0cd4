import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 24 N3: after a run stopped on a stage's throw with units finished, run and status
 * always advised --overwrite (losing the finished units), saying they 'ran that stage's old code',
 * also when the cause was outside the code (an environment variable here) and after the remaining
 * units were done by hand with `task`, when the plain command (or merge) finishes the run. Now
 * both ways are said while units are missing, and once every unit is done status says the same
 * command merges, the failure line saying every unit has been done since.
 */
describe('the advice after a stage of one\'s own threw', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    const line = (f: string, i: number): string => JSON.stringify({ text: `${f} line ${i} fine words` }) + '\n';
    for (const f of ['a', 'b']) await writeFile(join(dir, `${f}.jsonl`), Array.from({ length: 20 }, (_, i) => line(f, i)).join(''));
    // Throws on b.jsonl's records only while BOOM is set: a cause outside its code.
    await writeFile(join(dir, 'boom.mjs'), "export default { name: 'boom', summary: 'x', options: {}, create: () => ({ name: 'boom', needsText: false, options: {}, async *run(batches) { for await (const b of batches) { if (process.env.BOOM && b.some((d) => String(d.data.text).startsWith('b '))) throw new Error('server down'); yield b; } } }) };\n");
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./boom.mjs\noutput: {compression: none}\n');
  });

  it('says both ways while units are missing; once the rest is done by hand, the same command merges', async () => {
    const args = ['run', 'r.yaml', '-i', 'a.jsonl', 'b.jsonl', '-o', 'out', '-w', '1', '--task-size', '1KiB'];
    const r = await runCli(args, { cwd: dir, env: { BOOM: '1' } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("corpus-clean run: the run stopped; finished units are kept. If you fix the stage in its module (or a file it imports), run the same command with --overwrite to start over: its finished units ran the module as it is now, and a resume after it changed is refused; if the cause was outside its code (a file or server it uses, the environment), mend that and run the same command: it resumes\n");
    const s = await runCli(['status', 'out'], { cwd: dir });
    expect(s.stdout).not.toContain("ran that stage's old code");
    expect(s.stdout).toMatch(/ --overwrite to start over: its finished units ran the module as it was, and a resume after it changed is refused:\n {4}corpus-clean run r\.yaml .* --overwrite\n {2}if the cause was outside its code \(a file or server it uses, the environment\) and is mended, the same command resumes, keeping the \d+ finished units?:\n {4}corpus-clean run r\.yaml -i a\.jsonl b\.jsonl -o out -w 1 --task-size 1KiB\n$/);
    // The units left, done by hand (the cause mended): the same command only merges.
    const left = [...s.stdout.matchAll(/not done: task (\d+)/g)].map((m) => m[1]);
    expect(left.length).toBeGreaterThan(0);
    for (const u of left) expect((await runCli(['task', 'out', '--phase', '0', '--unit', u], { cwd: dir })).code).toBe(0);
    const after = await runCli(['status', 'out'], { cwd: dir });
    expect(after.stdout).toMatch(/last attempt failed at [^\n]*Error: server down[^\n]* \(every unit has been done since\)\n/);
    expect(after.stdout).toContain('  not running: every unit is done, only the merge is missing: run the same command again (it merges), or \'corpus-clean merge out\':\n');
    expect(after.stdout).not.toContain('--overwrite');
  });
});
