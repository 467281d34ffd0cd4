import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bandsAndRows, candidateProbability } from '../../src/stages/dedup/index.js';
import { MAX_DERIVED_HASHES } from '../../src/stages/dedup/options.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// New-user review 19 F5: `dedup --threshold 0.5` took 256 bands x 8 rows (2,048 hashes per
// record) without a word, and a threshold under about 0.36 was refused (more than 4,096 hashes).
describe('the LSH a MinHash threshold gives', () => {
  it('keeps 8 rows while the hashes stay within 256, else the most rows that do; the default stays 14 x 8', () => {
    expect(bandsAndRows(0.72, null, null)).toEqual({ bands: 14, rows: 8 });
    expect(bandsAndRows(0.8, null, null)).toEqual({ bands: 6, rows: 8 });
    expect(bandsAndRows(0.65, null, null)).toEqual({ bands: 31, rows: 8 });
    expect(bandsAndRows(0.5, null, null)).toEqual({ bands: 32, rows: 5 });
    expect(bandsAndRows(0.3, null, null)).toEqual({ bands: 37, rows: 3 });
    for (let t = 0.05; t <= 1; t += 0.01) {
      const { bands, rows } = bandsAndRows(t, null, null);
      expect(bands * rows).toBeLessThanOrEqual(MAX_DERIVED_HASHES);
      // The S-curve's midpoint stays near the threshold: a pair at it is compared about half the time or more.
      expect(candidateProbability(t, bands, rows)).toBeGreaterThan(0.45);
    }
    // Given rows or bands win, as before.
    expect(bandsAndRows(0.5, null, 8)).toEqual({ bands: 256, rows: 8 });
    expect(bandsAndRows(0.72, 20, null)).toEqual({ bands: 20, rows: 9 });
  });

  it('dedup says which bands x rows its threshold gave, and the stats carry them', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    const r = await runCli(['dedup', input, '--threshold', '0.5', '-o', join(dir, 'o.jsonl'), '--stats', join(dir, 's.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('corpus-clean dedup: note: threshold 0.5 gives an LSH of 32 bands x 5 rows (160 hashes per record; 8 rows would take 2048, more than the 256 a threshold may): a pair of similarity 0.5 is compared with probability 63.7%, one of 0.6 92.5% (bands and rows set it)\n');
    expect(JSON.parse(await readFile(join(dir, 's.json'), 'utf8')).stages[0].lsh).toEqual({ bands: 32, rows: 5 });
    // The default says nothing, and its stats name datatrove's 14 x 8.
    const d = await runCli(['dedup', input, '-o', join(dir, 'd.jsonl'), '--stats', join(dir, 'd.json')]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).not.toContain('LSH');
    expect(JSON.parse(await readFile(join(dir, 'd.json'), 'utf8')).stages[0].lsh).toEqual({ bands: 14, rows: 8 });
    // run: said once, and its merged stats carry them (the global stage's apply step does not).
    await writeFile(join(dir, 'r.yaml'), `name: t\ninput: [${input}]\nstages:\n  - dedup: {threshold: 0.5}\n`);
    const run = await runCli(['run', join(dir, 'r.yaml'), '-o', join(dir, 'run'), '--task-size', '20KB', '--workers', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.split('LSH of 32 bands x 5 rows').length).toBe(2);
    expect(JSON.parse(await readFile(join(dir, 'run/_stats.json'), 'utf8')).stages[0].lsh).toEqual({ bands: 32, rows: 5 });
    await rm(dir, { recursive: true, force: true });
  });
});
