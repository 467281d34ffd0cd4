import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/**
 * New-user review 24 N2: a stage module's process.exit(0) in its top level or in its create()
 * (before the first task) ended `run` with exit 0 and no word, nothing written (X1's guard began
 * with the tasks). N13: a stage's process.exit(3) ended `run` with exit 3 and no line at all. Now
 * `run` is guarded from loading the recipe's modules to its end: one line says what was at work.
 * The exit code is the one a stage's throw gives at the same point (hostile review 24 X1c, session
 * 25: it was N, 1 for 0, and 2 read as a usage error): 2 while the modules load and the stages are
 * built (as a module or a create() that throws), 1 once the run is at work.
 */
describe("a stage module's process.exit before or during the run", () => {
  let dir = '';
  const hint = "a stage called process.exit? A stage of one's own, or a library it uses, must return or throw";

  beforeAll(async () => {
    dir = await tempDir();
    const line = (i: number): string => JSON.stringify({ text: `line ${i} ` + 'ok '.repeat(20) }) + '\n';
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 50 }, (_, i) => line(i)).join(''));
    await writeFile(join(dir, 'top.mjs'), "process.exit(0);\nexport default { name: 'top', summary: 'x', options: {}, create: () => ({}) };\n");
    await writeFile(join(dir, 'cre.mjs'), "export default { name: 'cre', summary: 'x', options: {}, create: () => { process.exit(Number(process.env.CODE ?? 0)); } };\n");
    await writeFile(join(dir, 'ex3.mjs'), "export default { name: 'ex3', summary: 'x', options: {}, create: () => ({ name: 'ex3', needsText: false, options: {}, async *run(batches) { for await (const b of batches) { process.exit(3); yield b; } } }) };\n");
    for (const m of ['top', 'cre', 'ex3']) await writeFile(join(dir, `r-${m}.yaml`), `stages:\n  - normalize\n  - module: ./${m}.mjs\n`);
  });

  it("process.exit(0) in a module's top level: exit 2, a line, nothing written", async () => {
    const r = await runCli(['run', 'r-top.yaml', '-i', 'a.jsonl', '-o', 'o-top', '-w', '1'], { cwd: dir });
    expect([r.code, r.stderr]).toEqual([2, `corpus-clean run: error: a stage module called process.exit(0) while the modules of recipe 'r-top.yaml' were loading (their top level ran): the run is not finished (${hint}): exit code 2\n`]);
    expect(existsSync(join(dir, 'o-top'))).toBe(false);
  });

  it('process.exit(0) and process.exit(4) in create(): the line, exit 2 (as a create() that throws)', async () => {
    for (const [code, rc] of [['0', 2], ['4', 2]] as const) {
      const r = await runCli(['run', 'r-cre.yaml', '-i', 'a.jsonl', '-o', `o-cre${code}`, '-w', '2'], { cwd: dir, env: { CODE: code } });
      expect([r.code, r.stderr]).toEqual([rc, `corpus-clean run: error: a stage module called process.exit(${code}) while the stages were being built (their create() ran): the run is not finished (${hint}): exit code ${rc}\n`]);
    }
  });

  it("a stage's process.exit(3) in its task: exit 1 and the task's line (1 and 2 workers)", async () => {
    for (const w of ['1', '2']) {
      const r = await runCli(['run', 'r-ex3.yaml', '-i', 'a.jsonl', '-o', `o-ex3-${w}`, '-w', w], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`corpus-clean: error: the process was ended by process.exit(3) while task 0 of phase 0-tasks (a.jsonl) was at work, before the run finished: ${hint}; the run is not finished (no _SUCCESS): exit code 1\n`);
      expect(existsSync(join(dir, `o-ex3-${w}/_SUCCESS`))).toBe(false);
    }
  });
});
