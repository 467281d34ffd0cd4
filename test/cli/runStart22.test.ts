import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, signalWhen, tempDir } from '../helpers/run.js';

// New-user review 22 A7 (run part): a run stopped in its first moments (reading the recipe,
// loading its stages, planning) exited 130 without a word. A stage module that takes its time to
// load (it marks the moment) holds the run there, deterministically.
describe('run stopped before it has written anything', () => {
  it('says so, naming the command, and leaves nothing', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'slow.mjs'), "import { writeFileSync } from 'node:fs';\nwriteFileSync(new URL('./loading', import.meta.url), '');\nawait new Promise((r) => setTimeout(r, 120000));\nexport default {};\n");
    await writeFile(join(dir, 'r.yaml'), 'name: s\nstages:\n  - module: ./slow.mjs\n');
    await writeFile(join(dir, 'in.jsonl'), '{"text":"a"}\n');
    const out = join(dir, 'out');
    const r = await signalWhen(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', out], dir, (names) => names.includes('loading'), 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toBe('corpus-clean run: interrupted; nothing was written yet\n');
    expect(existsSync(out)).toBe(false);
  });
});

// New-user review 22 A4: `run web-zh` (a bundled recipe by name) said only ENOENT; installed from
// npm, a user does not know where rules/recipes is.
describe('a recipe file that does not exist', () => {
  it('names the bundled recipe of that name by its full path, or where the bundled ones are', async () => {
    const dir = await tempDir();
    const named = await runCli(['run', 'web-zh', '-i', 'x', '-o', 'o'], { cwd: dir });
    expect(named.code).toBe(2);
    expect(named.stderr).toContain(`; the recipe of that name this package ships is '${join(ROOT, 'rules/recipes/web-zh.yaml')}' (copy it to edit it)`);
    const other = await runCli(['run', 'mine.yaml', '-i', 'x', '-o', 'o'], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(new RegExp(`; the recipes this package ships are in '${join(ROOT, 'rules/recipes')}': .*sample\\.yaml`));
  });
});

// New-user review 22 A1: status of a run that exited 1 because an input was not read (a backup
// copy in the input folder) gave no reason, only the list of what it might be.
describe('status of a run that failed for an input not read', () => {
  it("says it exited 1 because that input was not read, naming it", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'dg'));
    const records = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record ${i} with a few words in it` })).join('\n') + '\n';
    await writeFile(join(dir, 'dg/a.jsonl'), records);
    await writeFile(join(dir, 'dg/b.jsonl.bak'), records);
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages: [normalize]\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'dg', '-o', 'rdg', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    const st = await runCli(['status', 'rdg'], { cwd: dir });
    expect(st.stdout + st.stderr).toContain("it exited 1 because an input was not read ('dg/b.jsonl.bak': ");
  });
});

// New-user review 22 A8: the resume refused after a recipe edit cut both versions of the stage at
// 60 characters, before the part that differs; with no unit done, --overwrite loses nothing.
describe('a resume refused after a recipe edit', () => {
  it('shows both versions around where they differ, and says --overwrite loses no work when none was done', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `第${i}条记录，这是一段中文文本。` })).join('\n') + '\n');
    const recipe = (n: number): string => `name: z\nstages:\n  - quality:\n      preset: web-zh\n      set: [zh_quality:min_chars=${n}]\n`;
    await writeFile(join(dir, 'z.yaml'), recipe(20));
    const failed = await runCli(['run', 'z.yaml', '-i', 'in.jsonl', '-o', 'rz', '-q'], { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(failed.code, failed.stderr).toBe(1);
    await writeFile(join(dir, 'z.yaml'), recipe(30));
    // None of its units done: nothing is lost, the same command starts over with a note (new-user review 23b C6).
    const r = await runCli(['run', 'z.yaml', '-i', 'in.jsonl', '-o', 'rz'], { cwd: dir });
    expect(r.stderr).toMatch(/the recipe's stages differ from stage 1 on \(was [^)]*min_chars=20[^)]*, now [^)]*min_chars=30/);
    expect(r.stderr).toContain("note: 'rz' holds an unfinished run with none of its units done, and its recipe, inputs or settings differ (");
    expect(r.stderr).toContain('): starting over');
  });
});

// Hostile review 22 H4: a run whose counts do not add up (a stage of one's own dropped records
// without a reject) exits 1, marked _FAILED; status listed the other reasons, none of which applied.
describe('status of a run whose counts do not add up', () => {
  it('says it exited 1 because of the MISMATCH', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'swallow.mjs'), "export default { name: 'swallow', summary: 'drops every other record without a reject', options: {}, create: () => ({ name: 'swallow', async *run(batches) { let i = 0; for await (const b of batches) yield b.filter(() => i++ % 2 === 0); } }) };\n");
    await writeFile(join(dir, 'r.yaml'), 'name: s\nstages:\n  - module: ./swallow.mjs\n');
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 10 }, (_, i) => JSON.stringify({ text: `record ${i}` })).join('\n') + '\n');
    const run = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'o', '-q'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    const st = await runCli(['status', 'o'], { cwd: dir });
    expect(st.stdout + st.stderr).toContain('it exited 1 because its counts do not add up: read 10 ≠ written 5 + rejected 0 (MISMATCH');
  });
});
