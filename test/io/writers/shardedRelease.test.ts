import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShardedWriter } from '../../../src/io/writers/sharded.js';
import { readDecoded, tempDir } from '../../helpers/run.js';

describe('ShardedWriter.write calls release once a block was taken', () => {
  for (const ext of ['.jsonl', '.jsonl.gz', '.jsonl.zst']) {
    it(`${ext}: a block written over at once when released leaves the output whole`, async () => {
      const dir = await tempDir();
      const out = join(dir, 'out' + ext);
      const w = new ShardedWriter({ output: out }, false);
      let released = 0;
      const lines: string[] = [];
      for (let b = 0; b < 6; b++) {
        const text = Array.from({ length: 2000 }, (_, i) => `{"b":${b},"i":${i},"t":"${'é中'.repeat((i % 50) + b * 40)}"}\n`).join('');
        lines.push(text);
        const block = Buffer.from(text);
        // A caller that fills the block again as soon as it is released: any byte still to be
        // written from it would come out as '#'.
        await w.write(block, 2000, block.length, () => {
          released++;
          block.fill(0x23);
        });
      }
      await w.close();
      expect(released).toBe(6);
      expect((await readDecoded(out)).toString('utf8')).toBe(lines.join(''));
    });
  }
});
