import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../../src/core/options.js';
import { sigPath } from '../../../src/stages/dedup/disk/files.js';
import { SignatureWriter } from '../../../src/stages/dedup/disk/signatures.js';
import { dedupOptions, minHashConfig } from '../../../src/stages/dedup/options.js';
import { Shingler } from '../../../src/stages/dedup/shingle.js';
import { makePermutations, signatureInto } from '../../../src/stages/dedup/signature.js';

const config = minHashConfig(resolveOptions('dedup', dedupOptions, { method: 'minhash' }) as never);
const k = config.bands * config.rows;
const text = (i: number): string => (i % 97 === 5 ? '' : `record ${i} says ${i * 7919} and ${i % 13} more words of text`);

// Issue 16, seventeenth pass: the signatures of a task wait in a buffer of 4,096 records (1.8 MB
// with 14 x 8 hashes) before they are written. Every task made one at its start and another at
// its end (after its last flush), zeroed, whatever its size: a task's buffer now starts small and
// grows, and none is made after the last record.
describe('SignatureWriter: the signatures buffer', () => {
  it('a task of few records holds a small buffer, not a chunk of 1.8 MB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-sigbuf-'));
    try {
      const writers: SignatureWriter[] = [];
      globalThis.gc?.();
      const before = process.memoryUsage().arrayBuffers;
      for (let i = 0; i < 40; i++) {
        const w = new SignatureWriter(dir, { shardIndex: i, config, sourcePath: '' });
        await w.add(1, text(1), NaN);
        writers.push(w);
      }
      const grown = process.memoryUsage().arrayBuffers - before;
      // 40 chunks would be 73 MB; 40 small buffers are 4.6 MB.
      expect(grown).toBeLessThan(20 * 4096 * k * 4 * 0.5);
      for (const w of writers) await w.finish();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes every signature in record order across its growth and its chunks (0 to 9,000 records)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-sigbuf-'));
    try {
      const shingler = new Shingler(config);
      const perm = makePermutations(k, config.seed);
      const sizes = [0, 1, 255, 256, 257, 1000, 4095, 4096, 4097, 9000];
      for (const [s, n] of sizes.entries()) {
        const w = new SignatureWriter(dir, { shardIndex: s, config, sourcePath: '' });
        const want: number[] = [];
        for (let i = 1; i <= n; i++) {
          await w.add(i, text(i), NaN);
          const sh = shingler.shingle(text(i));
          if (sh.length > 0) want.push(...signatureInto(sh, perm, new Int32Array(k)));
        }
        const meta = await w.finish();
        const got = readFileSync(sigPath(dir, s));
        expect(meta.records).toBe(want.length / k);
        expect(got.length).toBe(want.length * 4);
        expect(Buffer.from(new Int32Array(want).buffer).equals(got)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
