import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Reject } from '../../src/core/stage.js';
import { RECORD_JSON } from '../../src/core/stage.js';
import { SampleLinesSink } from '../../src/exec/samples.js';
import { RejectsWriter, serialiseReject } from '../../src/io/writers/rejects.js';
import { tempDir } from '../helpers/run.js';

describe('SampleLinesSink over the rejects writer', () => {
  it('keeps as candidates the very bytes the rejects file holds, taken from the writer', async () => {
    const dir = await tempDir();
    const writer = new RejectsWriter(join(dir, 'rejects.jsonl'));
    const sink = new SampleLinesSink(writer);
    const rejects: Reject[] = [];
    for (let i = 1; i <= 12; i++) {
      rejects.push({ stage: 'quality', reason: i % 3 === 0 ? 'c4:min_sentences' : 'gopher_quality:min_words', source: `f${i % 2}.jsonl:${i}`, record: { text: `t ${i} 中文`, n: 18446744073709551615 }, attrs: { quality: { score: i / 7 } } });
    }
    for (const r of rejects) {
      sink.push(r);
      // the bytes the writer encoded for this reject, the ones it wrote
      expect(writer.lastLineBytes()?.toString()).toBe(serialiseReject(r));
    }
    // a line longer than the writer's chunk, and one given with its record's JSON text
    const long: Reject = { stage: 'quality', reason: 'gopher_quality:min_words', source: 'f2.jsonl:1', record: { text: '长文本 '.repeat(100_000) } };
    sink.push(long);
    expect(writer.lastLineBytes()?.toString()).toBe(serialiseReject(long));
    rejects.push(long);
    const record = { text: 'a\u2028b \ud800 "q"', n: [1, { m: null }] };
    const withJson = { stage: 'dedup', reason: 'dedup:exact', source: 'f3.jsonl:1', record, detail: { survivor: 'f3.jsonl:0' }, [RECORD_JSON]: JSON.stringify(record) };
    sink.push(withJson);
    expect(writer.lastLineBytes()?.toString()).toBe(serialiseReject(withJson));
    rejects.push(withJson);
    await sink.close();
    const lines = (await readFile(join(dir, 'rejects.jsonl'), 'utf8')).split('\n').slice(0, -1);
    expect(lines).toEqual(rejects.map(serialiseReject));
    expect(sink.lines.length).toBeGreaterThan(0);
    const samples = join(dir, 'samples.jsonl');
    const entries = await sink.write(samples);
    expect((await readFile(samples, 'utf8')).split('\n').slice(0, -1)).toEqual(sink.lines.map((x) => x[2].toString()));
    expect(entries.map((e) => e[2])).toEqual(sink.lines.map((x) => x[2].length + 1));
    for (const [key, file, bytes] of sink.lines) {
      const line = bytes.toString();
      expect(lines).toContain(line);
      const r = JSON.parse(line) as Reject;
      expect(`${r.stage}/${r.reason}`).toBe(key);
      expect(r.source.startsWith(`${file}:`)).toBe(true);
    }
  });
});
