import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/*
 * The dedup stages keep or drop records as they are (Stage.keepsRecords): a dropped record's
 * `record` in the rejects is its input line as read (escapes and all, README "Rejects"), and a
 * kept one is copied from its input bytes, not serialised again. Before, the in-memory stages of
 * `dedup` and the filter of `dedup-disk` did not say so: every record went through JSON.stringify.
 */
describe('dedup keeps records as read', () => {
  const text = 'The licence grants you the right to copy, modify and share the work, provided the notice stays.';
  const lines = [
    JSON.stringify({ id: 1, url: 'https://a.example/x', text }),
    // The same record but for its URL, written with JSON's optional escaped slash.
    JSON.stringify({ id: 2, url: 'https://b.example/y', text }).replace('https://b.example/y', 'https:\\/\\/b.example\\/y'),
  ];

  for (const [what, args] of [
    ['dedup --exact', ['dedup', '--method', 'exact']],
    ['dedup (MinHash)', ['dedup']],
    ['dedup-disk', ['dedup-disk', '--work', 'WORK']],
  ] as const) {
    it(`${what}: a rejected record is its input line, escapes kept; the kept one is written as before`, async () => {
      const dir = await tempDir();
      const input = join(dir, 'in.jsonl');
      await writeFile(input, lines.join('\n') + '\n');
      const r = await runCli([...args.map((a) => (a === 'WORK' ? join(dir, 'work') : a)), input, '-o', join(dir, 'out.jsonl'), '--rejects', join(dir, 'rej.jsonl'), '-q']);
      expect(r.code, r.stderr).toBe(0);
      expect(await readFile(join(dir, 'out.jsonl'), 'utf8')).toBe(lines[0] + '\n');
      const rej = (await readFile(join(dir, 'rej.jsonl'), 'utf8')).trim().split('\n');
      expect(rej).toHaveLength(1);
      expect(rej[0]).toContain(`"record":${lines[1]}`);
    });
  }
});
