import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { recordJsonOf } from '../../../src/core/doc.js';
import type { DocSink } from '../../../src/core/pipeline.js';
import { pipeline } from '../../../src/core/pipeline.js';
import type { Stage } from '../../../src/core/stage.js';
import { docStage } from '../../../src/core/stage.js';
import { readFiles } from '../../../src/io/readers/index.js';
import { JsonlWriter } from '../../../src/io/writers/jsonl.js';
import { readDecoded, runCli, tempDir } from '../../helpers/run.js';

/**
 * Input lines written every way a JSON text may write a record: what the JSONL writer gives for
 * each must be JSON.stringify's bytes, whether it takes them from the line or serialises.
 */
const LINES = [
  '{"id": "a1", "text": "Line one\\nline \\"two\\"\\t\\u001b end \\\\ 中文 😀", "meta": {"score": 0.87, "n": 12, "ok": true, "tags": ["x", null]}}',
  '{"text":"as JSON.stringify writes it","n":1}',
  '  {"text": "spaces around"}  ',
  '{"text": "a slash \\/ and \\u00e9 and \\u00E9"}',
  '{"text": "numbers", "a": 1.50, "b": 1E5, "c": 0.1e1}',
  '{"text": "a key of digits", "7": 1, "b": 2}',
  '{"text": "own attrs", "attrs": {"x": 1}}',
  '{"text": "attrs null", "attrs": null}',
  '{"text": "a big integer", "n": 18446744073709551617}',
  '{"text":"a lone surrogate \\ud800"}',
  '\uFEFF{"text": "a byte-order mark"}',
];

/** A stage that leaves records as they are and writes a signal on each (as langid does). */
const tagger: Stage = { ...docStage({ name: 'tag', apply: (d) => void (d.attrs.tag = 'é"1') }), keepsRecords: true };

/** The lines a JSONL writer gives for LINES (with CRLF ends) after `stages`, stripped of signals or not. */
async function written(stages: Stage[], stripAttrs = false, ext = '.jsonl'): Promise<string[]> {
  const dir = await tempDir();
  const input = join(dir, 'in.jsonl');
  await writeFile(input, LINES.join('\r\n') + '\r\n');
  const out = join(dir, 'out' + ext);
  const sink = await JsonlWriter.create({ output: out, stripAttrs });
  const stats = await pipeline({ source: readFiles([input]), stages, sink });
  expect(stats.written).toBe(LINES.length);
  return (await readDecoded(out)).toString('utf8').split('\n').slice(0, -1);
}

/** What JSON.stringify writes for each of LINES read, with `attrs` given the signals as a writer does. */
function expected(signals: Record<string, unknown> | undefined, stripAttrs = false): string[] {
  return LINES.map((l) => {
    const rec = JSON.parse(l.replace(/^\uFEFF/, '')) as Record<string, unknown>;
    // A number JavaScript cannot hold: the input line, byte for byte, the signals appended (README, Formats).
    if (l.includes('18446744073709551617')) return signals === undefined || stripAttrs ? l : `${l.slice(0, -1)},"attrs":${JSON.stringify(signals)}}`;
    if (stripAttrs) delete rec.attrs;
    else if (signals !== undefined) rec.attrs = typeof rec.attrs === 'object' && rec.attrs !== null ? Object.assign(rec.attrs, signals) : signals;
    return JSON.stringify(rec);
  });
}

describe('JSONL writer: records no stage changed, written from their input lines', () => {
  it('writes the bytes JSON.stringify writes, whatever the spaces, escapes and numbers of the input line', async () => {
    expect(await written([])).toEqual(expected(undefined));
  });

  for (const ext of ['.jsonl', '.jsonl.gz', '.jsonl.zst']) {
    it(`appends the signals of a stage that leaves records as they are as JSON.stringify would (${ext})`, async () => {
      expect(await written([tagger], false, ext)).toEqual(expected({ tag: 'é"1' }));
    });
  }

  it('leaves the signals out with stripAttrs', async () => {
    expect(await written([tagger], true)).toEqual(expected(undefined, true));
  });

  it('a sink that writes records from their lines gets them with no stage at all (cat)', async () => {
    // Before, readers gave records their lines only for a first stage that kept them.
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text": "a"}\n{"text":"b"}\n');
    const seen: (string | undefined)[] = [];
    const sink: DocSink = {
      takesRecordJson: true,
      write: (batch: Doc[]) => void seen.push(...batch.map((d) => recordJsonOf(d)?.toString())),
      close: async () => {},
      abort: async () => {},
    };
    await pipeline({ source: readFiles([input]), stages: [], sink });
    expect(seen).toEqual(['{"text": "a"}', '{"text":"b"}']);
  });

  it('cat writes what JSON.stringify writes, across blocks of the writer (lines of 700 KB, gzip), shards cut by size', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    const big = 'x'.repeat(700_000);
    const lines = Array.from({ length: 12 }, (_, i) => `{"id": ${i}, "text": "${i % 3 === 0 ? big : 'é 中 😀 '.repeat(i * 1000)}\\n"}`);
    await writeFile(input, lines.join('\n') + '\n');
    const r = await runCli(['cat', input, '-o', join(dir, 'out') + '/', '--compress', 'gzip', '--shard-size', '1MB', '-q']);
    expect(r.stderr).not.toMatch(/error|warning/);
    expect(r.code).toBe(0);
    const parts = (await import('node:fs/promises')).readdir(join(dir, 'out'));
    const shards = (await parts).filter((f) => f.startsWith('part-')).sort();
    expect(shards.length).toBeGreaterThan(3);
    const back = (await Promise.all(shards.map(async (f) => gunzipSync(await readFile(join(dir, 'out', f))).toString('utf8')))).join('');
    expect(back).toBe(lines.map((l) => JSON.stringify(JSON.parse(l)) + '\n').join(''));
  });
});
