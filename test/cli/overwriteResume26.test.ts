import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 26 R-1: a run begun with --overwrite that stopped said "run the same command:
 * it resumes, keeping the N finished units", and status printed that command WITH --overwrite,
 * which starts over (every finished unit removed and run again). The resume is the command
 * without --overwrite; the start-over advice (fix the stage) keeps it.
 */
describe('a run begun with --overwrite is resumed without it', { timeout: 300_000 }, () => {
  let dir: string;
  let stopped: { code: number; stderr: string };
  let status: { code: number; stdout: string };
  const args = ['run', 'r.yaml', '-i', 'in', '-o', 'o', '--workers', '1', '--task-size', '2KiB', '--overwrite'];
  beforeAll(async () => {
    dir = await tempDir();
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'in'));
    // Three files, three tasks; the stage throws on the last file's record while BOOM is set.
    for (const [i, word] of ['alpha', 'beta', 'gamma'].entries()) {
      await writeFile(join(dir, 'in', `${i}.jsonl`), Array.from({ length: 20 }, (_, j) => JSON.stringify({ text: `${word} ${j} ` + 'plain words here '.repeat(4) }) + '\n').join(''));
    }
    await writeFile(
      join(dir, 'boom.mjs'),
      `export default { name: 'boom', summary: 'x', options: {}, create: () => ({ name: 'boom', needsText: true, options: {},
  async *run(batches) {
    for await (const b of batches) {
      for (const d of b) if (process.env.BOOM === '1' && String(d.data.text).startsWith('gamma 5 ')) throw new Error('boom on gamma');
      yield b;
    }
  } }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - module: ./boom.mjs\noutput: {compression: none}\n');
    stopped = await runCli(args, { cwd: dir, env: { BOOM: '1' } });
    status = await runCli(['status', 'o'], { cwd: dir });
  });

  it('the stop line says to resume without --overwrite; status prints the resume command without it, and it resumes', async () => {
    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain('boom on gamma');
    expect(stopped.stderr).toContain('mend that and run the same command without --overwrite: it resumes');
    expect(stopped.stderr).not.toMatch(/run the same command: it resumes/);
    const lines = status.stdout.split('\n');
    const resume = lines.findIndex((l) => /the same command resumes, keeping the 2 finished units/.test(l));
    expect(resume, status.stdout).toBeGreaterThan(-1);
    expect(lines[resume]).toContain('(without --overwrite)');
    const command = lines[resume + 1]!.trim();
    expect(command).toBe('corpus-clean run r.yaml -i in -o o --workers 1 --task-size 2KiB');
    // The fix-the-stage way starts over: that command keeps --overwrite.
    const over = lines.findIndex((l) => /run the command again with --overwrite to start over/.test(l));
    expect(lines[over + 1]!.trim()).toBe('corpus-clean run r.yaml -i in -o o --workers 1 --task-size 2KiB --overwrite');
    // Pasted as printed, the run resumes (the cause mended: BOOM unset).
    const again = await runCli(command.split(' ').slice(1), { cwd: dir, env: { BOOM: '0' } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming/);
    expect(again.stderr).toMatch(/read 60 = written 60 \+ rejected 0/);
  });
});
