import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReadEvents } from '../../src/core/pipeline.js';
import { readJsonl } from '../../src/io/readers/jsonl.js';
import { readSettings } from '../../src/io/readers/options.js';
import { tempDir } from '../helpers/run.js';

// Hostile review 5 F22: a long stretch of junk lines is one reject each and no record, so nothing
// waited for the rejects writer and memory grew with them (1 M lines of 'x': 719 MB). The reader
// asks to drain between chunks; the pipeline waits there when the writer holds much.
describe('a stretch of rejects without records waits for the rejects writer', () => {
  it('the JSONL reader calls drain between chunks, and waits for what it returns', async () => {
    const dir = await tempDir();
    try {
      const path = join(dir, 'junk.jsonl');
      await writeFile(path, '{"text":"a"}\n' + ('x'.repeat(63) + '\n').repeat(100_000) + '{"text":"b"}\n');
      let rejects = 0;
      let drains = 0;
      let waited = 0;
      const rejectsAtDrain: number[] = [];
      const events: ReadEvents = {
        read() {},
        reject(_r, n = 1) {
          rejects += n;
        },
        file() {},
        fileError() {},
        drain() {
          drains++;
          rejectsAtDrain.push(rejects);
          // Every fourth call: the writer is "full"; the reader must not go on before this settles.
          if (drains % 4 !== 0) return undefined;
          return new Promise<void>((resolve) => setTimeout(() => {
            waited++;
            resolve();
          }, 1));
        },
      };
      let docs = 0;
      for await (const b of readJsonl(path, events, readSettings())) docs += b.length;
      expect(docs).toBe(2);
      expect(rejects).toBe(100_000);
      // Called while the junk was read, not only at the end: several times before the last reject.
      expect(rejectsAtDrain.filter((n) => n < 100_000).length).toBeGreaterThan(2);
      expect(waited).toBe(Math.floor(drains / 4));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
