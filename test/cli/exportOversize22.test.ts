import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// New-user review 22 A7 (review 21 N13(c)): one sample larger than --max-shard-size made a shard
// past that size with no word (a 174,225-token book: a 992,288-byte part-00000.bin under
// --max-shard-size 100KiB). A shard rolls over before a line would pass the size, so a larger
// shard is one sample alone: a note says so, and that the sample is not cut.
describe('export internevo: a sample larger than --max-shard-size (A7)', () => {
  it('is a shard of its own, said in a note; shards within the size get none', async () => {
    const dir = await tempDir();
    const long = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    await writeFile(join(dir, 'in.jsonl'), [{ text: 'short one here' }, { text: long }, { text: 'short two here' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const ex = (...a: string[]) => runCli(['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '--type', 'en', '-q', ...a], { cwd: dir });
    const r = await ex('-o', 'small', '--max-shard-size', '500');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('small/train/en/: 3 samples');
    expect(r.stderr).toMatch(/note: 'small\/train\/en\/part-00001\.bin' is larger than --max-shard-size \(500 bytes\): it holds one sample \(\d+ tokens, \d+ bytes\) whose line alone passes it; a sample is never cut into two shards/);
    const big = await ex('-o', 'big');
    expect(big.code, big.stderr).toBe(0);
    expect(big.stderr).not.toContain('larger than --max-shard-size');
  });
});
