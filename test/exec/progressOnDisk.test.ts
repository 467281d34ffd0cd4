import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pipeline } from '../../src/core/pipeline.js';
import { readFiles } from '../../src/io/readers/index.js';
import { inputBytesOnDisk } from '../../src/exec/inputBytes.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// New-user review 13 #8: a run's progress weighs a task by its input bytes on disk, but counted
// what was read in decoded bytes: on the sample (a .gz and a .zst among its 4 files) it said
// "0.8 of 0.8 MB (100 %), ETA 0 s" at 199, 223 and 309 of 356 records. No timings are asserted.

const SAMPLE = join(ROOT, 'fixtures/sample');
const FILES = ['licenses.jsonl', 'repeats-and-damage.jsonl', 'web-en.jsonl.gz', 'web-zh.jsonl.zst'].map((f) => join(SAMPLE, f));

describe('progress counts input as it lies on disk', () => {
  it('read through the pipeline, compressed files count at their compression ratio: the end is the bytes on disk', async () => {
    let onDisk = 0;
    for (const f of FILES) onDisk += (await stat(f)).size;
    const seen: { read: number; bytes: number }[] = [];
    const stats = await pipeline({ source: readFiles(FILES), stages: [], sink: { write() {}, async close() {}, async abort() {} }, onProgress: (s) => seen.push({ read: s.read, bytes: inputBytesOnDisk(s) }) });
    // Decoded, the input is 1.6x its size on disk; counted on disk it ends at its size (less the
    // line ends and the lines that did not parse, which the stats leave out).
    expect(stats.bytesRead).toBeGreaterThan(1.5 * onDisk);
    const end = inputBytesOnDisk(stats);
    expect(end).toBeGreaterThan(0.97 * onDisk);
    expect(end).toBeLessThanOrEqual(onDisk);
    for (let i = 1; i < seen.length; i++) expect(seen[i].bytes).toBeGreaterThanOrEqual(seen[i - 1].bytes);
  });

  it('run: the task of the sample is not at 100 % while records are still to come', async () => {
    const dir = await tempDir();
    try {
      const r = await runCli(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', SAMPLE, '-o', join(dir, 'o')], { env: { CORPUS_CLEAN_PROGRESS_MS: '0' } });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stderr.split('\n').map((l) => /phase 1 of \d+ .*tasks done.*, (\d+) records, [\d.]+ of [\d.]+ MB on disk \((\d+) %\)/.exec(l)).filter((m) => m !== null);
      expect(lines.length).toBeGreaterThan(1);
      const total = Number(lines[lines.length - 1]![1]);
      expect(total).toBe(356);
      expect(lines[lines.length - 1]![2]).toBe('100');
      for (const m of lines) if (Number(m![1]) <= 0.9 * total) expect(Number(m![2]), m![0]).toBeLessThan(100);
      // New-user review 14 #9: the phase's end showed its last line again (step phases: every line twice).
      const all = r.stderr.split('\n').filter((l) => l.startsWith('corpus-clean run: phase '));
      for (let i = 1; i < all.length; i++) expect(all[i], 'the line before it again').not.toBe(all[i - 1]);
      expect(all.filter((l) => /^corpus-clean run: phase 2 of 6 .*: 1\/1 units done$/.test(l))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
