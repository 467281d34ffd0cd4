import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 24 H1: a file a stage module imports, edited while the run was at work (after the
// plan recorded its SHA-256): tasks begun later loaded the new copy beside the old, and the run was
// published, exit 0, _SUCCESS, its output mixing both. Now the run checks the files its stages read
// before it publishes, and a change fails it (exit 1, no _SUCCESS). The edit is made by the stage
// itself at its first batch, so that it falls inside the run every time.
describe('a file the stages read, changed while the run is at work', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'helper.mjs'), 'export const tag = "A";\n');
    await writeFile(
      join(dir, 'st.mjs'),
      `import { appendFileSync } from 'node:fs';\nimport { tag } from './helper.mjs';\nlet once = false;\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(batches) { for await (const b of batches) { if (!once) { once = true; appendFileSync(new URL('./helper.mjs', import.meta.url), '// edited during the run: ' + tag + '\\n'); } yield b; } } }) };\n`,
    );
    await writeFile(join(dir, 'a.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `record ${i}` })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: h1\nstages:\n  - module: ./st.mjs\noutput: {compression: none}\n');
  });

  it('run: not published, exit 1, the file named', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('a file the stages read changed while the run was at work:');
    expect(r.stderr).toContain(`helper.mjs' (its content differs)`);
    expect(existsSync(join(dir, 'o/_SUCCESS'))).toBe(false);
  });
});
