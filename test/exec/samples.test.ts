import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reject } from '../../src/core/stage.js';
import { SampleLinesSink } from '../../src/exec/samples.js';
import { RejectsWriter, serialiseReject } from '../../src/io/writers/rejects.js';
import { tempDir } from '../helpers/run.js';

describe('SampleLinesSink over the rejects writer', () => {
  it('keeps as candidates the very lines the rejects file holds, taken from the writer', async () => {
    const dir = await tempDir();
    const writer = new RejectsWriter(join(dir, 'rejects.jsonl'));
    const sink = new SampleLinesSink(writer);
    const rejects: Reject[] = [];
    for (let i = 1; i <= 12; i++) {
      rejects.push({ stage: 'quality', reason: i % 3 === 0 ? 'c4:min_sentences' : 'gopher_quality:min_words', source: `f${i % 2}.jsonl:${i}`, record: { text: `t ${i} 中文`, n: 18446744073709551615 }, attrs: { quality: { score: i / 7 } } });
    }
    for (const r of rejects) {
      sink.push(r);
      // the line the writer made for this reject, the one it wrote
      expect(writer.lastLine).toBe(serialiseReject(r));
    }
    await sink.close();
    const lines = (await readFile(join(dir, 'rejects.jsonl'), 'utf8')).split('\n').slice(0, -1);
    expect(lines).toEqual(rejects.map(serialiseReject));
    expect(sink.lines.length).toBeGreaterThan(0);
    for (const [key, file, line] of sink.lines) {
      expect(lines).toContain(line);
      const r = JSON.parse(line) as Reject;
      expect(`${r.stage}/${r.reason}`).toBe(key);
      expect(r.source.startsWith(`${file}:`)).toBe(true);
    }
  });
});
