import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../../src/io/crc32.js';
import { RejectsWriter } from '../../../src/io/writers/rejects.js';
import { tempDir } from '../../helpers/run.js';

const reject = (i: number) => ({ stage: 'quality', reason: 'c4:min_sentences', source: `in.jsonl:${i}`, record: { text: `record ${i} 中文` } });

// Issue 16, eighteenth pass (speed18a): a run's task takes its rejects' size and CRC-32 as they are
// written (its seal lists them); a single command's rejects are read back by nothing, so its
// writer takes none (a CRC-32 over every byte written, for nothing).
describe("the rejects writer's size and CRC-32 of what it wrote", () => {
  it('are taken when asked for (a run task), for every compression, and equal the file; not otherwise', async () => {
    const dir = await tempDir();
    for (const ext of ['.jsonl', '.jsonl.gz', '.jsonl.zst']) {
      const asked = new RejectsWriter({ output: join(dir, `asked${ext}`), sums: true });
      const plain = new RejectsWriter(join(dir, `plain${ext}`));
      for (const w of [asked, plain]) {
        for (let i = 1; i <= 3000; i++) {
          w.push(reject(i));
          if (i % 700 === 0) await w.flush();
        }
        await w.close();
      }
      const bytes = readFileSync(join(dir, `asked${ext}`));
      expect(asked.writtenSum(), ext).toEqual({ size: bytes.length, crc: crc32(bytes) });
      expect(plain.writtenSum(), ext).toBeUndefined();
    }
  });
});
