import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run.js';

describe('corpus-clean bench', () => {
  it('measures reading and each stage in one run, as a table or JSON', async () => {
    const r = await runCli(['bench', 'fixtures/sample/licenses.jsonl', '--stages', 'normalize,dedup', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.docs).toBe(40);
    expect(out.rows.map((x: { step: string }) => x.step)).toEqual(['read (pass-through)', 'normalize', 'dedup', 'whole pipeline']);
    for (const row of out.rows) {
      expect(row.docs).toBeGreaterThan(0);
      expect(row.docsPerSec).toBeGreaterThan(0);
    }
    expect(out.rows[2].dropped).toBeGreaterThan(0);
    const table = await runCli(['bench', 'fixtures/sample/licenses.jsonl', '--stages', 'normalize']);
    expect(table.stdout).toMatch(/\| read \(pass-through\) \| 40 \|/);
  });

  it('runs on the bundled sample with the sample recipe by default, and refuses two stage lists', async () => {
    const r = await runCli(['bench', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).rows.map((x: { step: string }) => x.step)).toEqual(['read (pass-through)', 'normalize', 'langid', 'quality', 'dedup (exact)', 'dedup (minhash)', 'whole pipeline']);
    expect((await runCli(['bench', '--stages', 'normalize', '--recipe', 'rules/recipes/sample.yaml'])).code).toBe(2);
  });
});
