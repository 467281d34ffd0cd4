import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';
import { shellWord } from '../../src/exec/command.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The command `status` prints on its own line after "...:", run by bash with `corpus-clean` as the built CLI. */
function printedCommand(stdout: string): string {
  const m = /:\n {4}(.+)$/m.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return m![1];
}

async function bash(line: string, cwd: string): Promise<number> {
  const fn = `corpus-clean() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"; }\n`;
  return run('bash', ['-c', fn + line], { cwd }).then(
    () => 0,
    (e: { code?: number }) => e.code ?? -1,
  );
}

// review-newuser3 #6 (still in review 4): status said "run the same command again" but not which.
describe('status prints the command that resumes a run', { timeout: 300_000 }, () => {
  it('a stopped run: the exact command, with cd to where it ran; pasted into a shell it resumes and finishes the run', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const out = join(dir, 'o');
    const args = ['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '-o', out, '--workers', '1'];
    expect((await runCli(args, { env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/1' } })).code).toBe(1);
    // From another folder than the run's (ROOT): the command starts with cd to ROOT.
    const s = await runCli(['status', out], { cwd: dir });
    expect(s.code).toBe(1);
    const cmd = printedCommand(s.stdout);
    expect(cmd).toBe(`cd ${ROOT} && corpus-clean ${args.join(' ')}`);
    // From the run's folder: the command alone.
    expect(printedCommand((await runCli(['status', out])).stdout)).toBe(`corpus-clean ${args.join(' ')}`);
    expect(await bash(cmd, dir)).toBe(0);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
  });

  it('a run that cannot resume (an input changed): the command with --overwrite', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const input = join(dir, 'in');
    await cp(join(ROOT, 'fixtures/sample'), input, { recursive: true });
    const out = join(dir, 'o');
    const args = ['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', input, '--task-size', '40KB', '-q', '-o', out, '--workers', '1'];
    expect((await runCli(args, { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/1' } })).code).toBe(1);
    const file = join(input, (await readdir(input)).filter((n) => n.endsWith('.jsonl')).sort()[0]);
    await appendFile(file, '{"text": "one more line"}\n');
    const s = await runCli(['status', out], { cwd: dir });
    expect(s.stdout).toMatch(/cannot be resumed/);
    const cmd = printedCommand(s.stdout);
    expect(cmd).toBe(`corpus-clean ${args.join(' ')} --overwrite`);
    expect(await bash(cmd, dir)).toBe(0);
  });

  it('status and report: a folder that does not exist, is not a folder or is not a run is a usage error (2), saying which', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const file = join(dir, 'f.jsonl');
    await writeFile(file, '{"text": "a"}\n');
    await mkdir(join(dir, 'empty'));
    for (const cmd of ['status', 'report', 'merge']) {
      const gone = await runCli([cmd, join(dir, 'nowhere')]);
      expect(gone.code, cmd).toBe(2);
      expect(gone.stderr, cmd).toMatch(/nowhere' does not exist/);
      const notDir = await runCli([cmd, file]);
      expect(notDir.code, cmd).toBe(2);
      expect(notDir.stderr, cmd).toMatch(/f\.jsonl' is not a folder/);
      const empty = await runCli([cmd, join(dir, 'empty')]);
      expect(empty.code, cmd).toBe(2);
      expect(empty.stderr, cmd).toMatch(/empty' is not a run folder: it has no _(plan|stats)\.json/);
    }
    // A finished stage command's folder output is named as such.
    expect((await runCli(['cat', file, '-o', join(dir, 'catout') + '/'])).code).toBe(0);
    const c = await runCli(['status', join(dir, 'catout')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/it is the finished output of 'corpus-clean cat'/);
  });

  it('the command is quoted for a shell: spaces, quotes, newlines and escapes come back as the same word', async () => {
    for (const w of ['plain/path.yaml', 'two words', "it's", 'a\nb', 'esc\x1b[2J', 'back\\slash', "mix 'q' \x07", 'bidi\u202eevil', '']) {
      const q = shellWord(w);
      expect(q).not.toMatch(/[\n\x1b\x07\u202e]/);
      const { stdout } = await run('bash', ['-c', `printf %s ${q}`]);
      expect(stdout, q).toBe(w);
    }
  });
});
