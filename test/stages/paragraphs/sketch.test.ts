import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CountMinSketch, GrowingSketch, mergeSketchFile } from '../../../src/stages/paragraphs/sketch.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Deterministic pseudo-random 32-bit pairs. */
function* keys(n: number, seed: number): Generator<[number, number]> {
  let x = seed >>> 0;
  const next = (): number => (x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0);
  for (let i = 0; i < n; i++) yield [next(), next()];
}

// Hostile review 2 L4: every task's sketch was sketch_bytes (64 MiB) whatever the task's size.
describe('GrowingSketch (a task\'s paragraph counts)', () => {
  it('counts, estimates and merges exactly as the dense sketch of the same size, sparse while few cells are touched, then dense', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-sketch-'));
    dirs.push(dir);
    const bytes = 1 << 16; // 16,384 cells per row; dense from 2,048 touched cells
    for (const [n, sparse] of [[50, true], [3000, false]] as const) {
      const g = new GrowingSketch(bytes);
      const d = new CountMinSketch(bytes);
      const added = [...keys(n, n)];
      // Each key added 1-300 times: counts saturate at 255 in both.
      for (const [i, [a, b]] of added.entries()) {
        for (let k = 0; k < 1 + (i % 7 === 0 ? 300 : i % 3); k++) {
          g.add(a, b);
          d.add(a, b);
        }
      }
      expect(g.touched !== undefined).toBe(sparse);
      for (const [a, b] of [...added, ...keys(500, 99)]) expect(g.estimate(a, b)).toBe(d.estimate(a, b));
      // Saved and merged into a total holding other counts: the same cells as merging the dense one.
      const file = join(dir, `t${n}.cms`);
      await g.save(file);
      expect((await stat(file)).size).toBe(sparse ? 12 + 5 * g.touched! : bytes);
      const base = new CountMinSketch(bytes);
      for (const [a, b] of keys(200, 7)) for (let k = 0; k < 100; k++) base.add(a, b);
      const viaFile = new CountMinSketch(bytes, base.cells.slice());
      await mergeSketchFile(viaFile, file);
      const viaDense = new CountMinSketch(bytes, base.cells.slice());
      viaDense.merge(d);
      expect(Buffer.from(viaFile.cells).equals(Buffer.from(viaDense.cells))).toBe(true);
    }
  });

  it('a damaged sketch file fails the merge naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-sketch-'));
    dirs.push(dir);
    const g = new GrowingSketch(4096);
    g.add(1, 2);
    const file = join(dir, 's.cms');
    await g.save(file);
    const buf = await readFile(file);
    await writeFile(file, buf.subarray(0, buf.length - 1));
    await expect(mergeSketchFile(new CountMinSketch(4096), file)).rejects.toThrow(/sketch .*s\.cms is damaged/);
  });
});
