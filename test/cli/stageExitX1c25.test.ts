import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * Hostile review 24 X1c: a stage's process.exit(1) / process.exit(2) on the run's own thread (-w 1,
 * or -w 2's calling thread) ended `run` with exit 1 or 2 (2 reads as a usage error to a script),
 * status not told why. Now the line says it, the exit code is a stage's throw's (1 at work), and
 * status keeps the failure and says to fix the stage. X1d: a module's own 'exit' listener that sets
 * process.exitCode = 0 turned a failed run into exit 0; the failure code now stays.
 */
describe("a stage's process.exit(N) on the run's own thread, and an 'exit' listener setting exitCode 0", () => {
  let dir = '';
  const hint = "a stage called process.exit? A stage of one's own, or a library it uses, must return or throw";

  beforeAll(async () => {
    dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `row ${i} ` + 'fine words '.repeat(6) }) + '\n';
    await writeFile(join(dir, 'd.jsonl'), Array.from({ length: 200 }, (_, i) => line(i)).join(''));
    // Exits with CODE on its first batch, only on the calling thread (worker processes and threads
    // run on): whichever task the calling thread is handed first.
    await writeFile(
      join(dir, 'ex.mjs'),
      `import { isMainThread } from 'node:worker_threads';
const here = isMainThread && process.env.CORPUS_CLEAN_WORKER === undefined;
export default { name: 'ex', summary: 'x', options: {}, create: () => ({ name: 'ex', needsText: false, options: {},
  async *run(batches) { for await (const b of batches) { if (here) process.exit(Number(process.env.CODE)); yield b; } } }) };
`,
    );
    await writeFile(
      join(dir, 'ec.mjs'),
      `process.on('exit', () => { process.exitCode = 0; });
export default { name: 'ec', summary: 'x', options: {}, create: () => ({ name: 'ec', needsText: false, options: {},
  async *run(batches) { for await (const b of batches) { if (b.some((d) => String(d.data.text).startsWith('row 150 '))) throw new Error('boom'); yield b; } } }) };
`,
    );
    for (const m of ['ex', 'ec']) await writeFile(join(dir, `r-${m}.yaml`), `stages:\n  - module: ./${m}.mjs\noutput: {compression: none}\n`);
  });

  it('process.exit(2) with -w 1 and process.exit(1) on -w 2\'s calling thread: the line, exit 1, status keeps it', async () => {
    for (const [w, code] of [['1', '2'], ['2', '1']] as const) {
      const out = `o-w${w}`;
      const r = await runCli(['run', 'r-ex.yaml', '-i', 'd.jsonl', '-o', out, '-w', w, '--task-size', '4KiB'], { cwd: dir, env: { CODE: code } });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`corpus-clean: error: the process was ended by process\\.exit\\(${code}\\) while task \\d+ of phase 0-tasks \\(d\\.jsonl[^\\n]*\\) was at work, before the run finished: ${hint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; the run is not finished \\(no _SUCCESS\\): exit code 1\\n`));
      expect(existsSync(join(dir, out, '_SUCCESS'))).toBe(false);
      const s = await runCli(['status', out], { cwd: dir });
      expect(s.stdout).toMatch(new RegExp(`last attempt failed at [^\\n]*: the process was ended by process\\.exit\\(${code}\\) while task \\d+`));
      expect(s.stdout).toContain('fix the stage');
    }
  });

  it("a module's 'exit' listener that sets process.exitCode = 0: a failed run still exits 1", async () => {
    const r = await runCli(['run', 'r-ec.yaml', '-i', 'd.jsonl', '-o', 'o-ec', '-w', '1', '--task-size', '4KiB'], { cwd: dir });
    expect(r.stderr).toMatch(/stage ec \(.\/ec\.mjs, stages\[0\]\) threw on .*: Error: boom/);
    expect(r.code, r.stderr).toBe(1);
  });
});
