import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isRejectsFile, isStatsFile, notOwnSideFile } from '../../../src/io/writers/ownSideFile.js';
import { RejectsWriter } from '../../../src/io/writers/rejects.js';
import { tempDir } from '../../helpers/run.js';

// New-user review 16 F17: `run` tells a rejects file among its inputs by its first line, before it
// plans anything. Plain, gzip and zstd; a data file whose text names the keys is not one.
describe('isRejectsFile', () => {
  it('is true for a rejects file as corpus-clean writes it, in every compression, and false for data', async () => {
    const dir = await tempDir();
    const names: Record<string, boolean> = {};
    for (const name of ['r.jsonl', 'r.jsonl.gz', 'r.jsonl.zst']) {
      const w = new RejectsWriter(join(dir, name));
      // A first line longer than the 4 KiB looked at first.
      w.push({ stage: 'quality', reason: 'c4:min_words', source: 'in.jsonl:1', record: { text: 'x'.repeat(10_000) } });
      await w.close();
      names[name] = true;
    }
    const data = '{"text":"the \\"stage\\", \\"reason\\" and \\"source\\" of a play"}\n';
    await writeFile(join(dir, 'd.jsonl'), data);
    await writeFile(join(dir, 'd.jsonl.gz'), gzipSync(data));
    await writeFile(join(dir, 'e.jsonl'), '');
    await writeFile(join(dir, 'long.jsonl'), JSON.stringify({ text: 'y'.repeat(20_000) }) + '\n');
    Object.assign(names, { 'd.jsonl': false, 'd.jsonl.gz': false, 'e.jsonl': false, 'long.jsonl': false, 'missing.jsonl': false });
    const got: Record<string, boolean> = {};
    for (const name of Object.keys(names)) got[name] = await isRejectsFile(join(dir, name));
    expect(got).toEqual(names);
  });
});

// hostile review 17 F6: a BOM (an editor saved it) or blank lines before the first reject hid a
// rejects file from the check, while the reader skips them and read its rejects as records.
describe('isRejectsFile, a rejects file behind a BOM or blank lines', () => {
  it('is still one, as the reader reads it; whitespace alone is not one', async () => {
    const dir = await tempDir();
    const w = new RejectsWriter(join(dir, 'r.jsonl'));
    w.push({ stage: 'quality', reason: 'c4:min_words', source: 'in.jsonl:1', record: { text: 'short' } });
    await w.close();
    const rejects = await readFile(join(dir, 'r.jsonl'));
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), rejects]);
    const blank = Buffer.concat([Buffer.from('\n\r\n  \n'), rejects]);
    await writeFile(join(dir, 'bom.jsonl'), bom);
    await writeFile(join(dir, 'blank.jsonl'), blank);
    await writeFile(join(dir, 'bom.jsonl.gz'), gzipSync(bom));
    await writeFile(join(dir, 'spaces.jsonl'), '\n\n   \n');
    // More blank lines than the first 4 KiB looked at plainly.
    await writeFile(join(dir, 'far.jsonl'), Buffer.concat([Buffer.from('\n'.repeat(5000)), rejects]));
    const got: Record<string, boolean> = {};
    for (const name of ['bom.jsonl', 'blank.jsonl', 'bom.jsonl.gz', 'far.jsonl', 'spaces.jsonl']) got[name] = await isRejectsFile(join(dir, name));
    expect(got).toEqual({ 'bom.jsonl': true, 'blank.jsonl': true, 'bom.jsonl.gz': true, 'far.jsonl': true, 'spaces.jsonl': false });
  });
});

// New-user review 17 F2: data whose records carry `stage`, `reason` and `source` among their own
// fields (moderation data, court records) was taken for a rejects file: `run` refused it, and
// `--rejects` replaced it without --overwrite. A reject line is told by its whole shape.
describe('isRejectsFile, data with stage, reason and source fields', () => {
  it('is data unless its first line has exactly a reject line\'s shape; --rejects does not replace it', async () => {
    const dir = await tempDir();
    const lines: Record<string, [string, boolean]> = {
      'text.jsonl': ['{"id":1,"source":"court-records","stage":"appeal","reason":"procedural error","text":"hello there"}', false],
      'order.jsonl': ['{"reason":"a","stage":"b","source":"c","record":{"text":"x"}}', false],
      'extra.jsonl': ['{"stage":"a","reason":"b","source":"c","record":{"text":"x"},"note":"mine"}', false],
      'recordstr.jsonl': ['{"stage":"a","reason":"b","source":"c","record":"x"}', false],
      'numbers.jsonl': ['{"stage":1,"reason":"b","source":"c"}', false],
      'reject.jsonl': ['{"stage":"quality","reason":"c4:min_words","source":"in.jsonl:1","record":{"text":"x"},"attrs":{"quality":{}}}', true],
      'raw.jsonl': ['{"stage":"read","reason":"json_parse","source":"in.jsonl:3","raw":"{\\"text","detail":{"error":"x"}}', true],
      'b64.jsonl': ['{"stage":"read","reason":"invalid_utf8","source":"in.jsonl:8","raw_base64":"6Q=="}', true],
      // Longer than the 1 MiB looked at: judged by its start, which must be a reject's too.
      'longdata.jsonl': [`{"source":"c","stage":"a","reason":"b","text":"${'y'.repeat((1 << 20) + 10)}"}`, false],
      'longtext.jsonl': [`{"stage":"a","reason":"b","source":"c","text":"${'y'.repeat((1 << 20) + 10)}"}`, false],
      'longreject.jsonl': [`{"stage":"a","reason":"b","source":"c","record":{"text":"${'y'.repeat((1 << 20) + 10)}"}}`, true],
    };
    const got: Record<string, boolean> = {};
    const want: Record<string, boolean> = {};
    for (const [name, [line, is]] of Object.entries(lines)) {
      await writeFile(join(dir, name), line + '\n');
      got[name] = await isRejectsFile(join(dir, name));
      want[name] = is;
    }
    expect(got).toEqual(want);
    // The same test decides whether --rejects may replace an existing file without --overwrite.
    expect(await notOwnSideFile(join(dir, 'text.jsonl'), 'rejects')).toMatch(/^its first line is not a reject of corpus-clean/);
    expect(await notOwnSideFile(join(dir, 'reject.jsonl'), 'rejects')).toBeUndefined();
  });
});

// New-user review 17 F5: a stats file corpus-clean wrote, among run's inputs, was read as records.
describe('isStatsFile', () => {
  it('is true for a stats file as corpus-clean writes it, false for data naming command and inputs', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 's.json'), JSON.stringify({ command: 'cat', inputs: ['a.jsonl'], skipped: [] }, null, 2) + '\n');
    await writeFile(join(dir, 'd.jsonl'), '{"command":"ls","inputs":["a"],"text":"list the files"}\n');
    await writeFile(join(dir, 'o.json'), JSON.stringify({ inputs: [], command: 'cat' }, null, 2) + '\n');
    const got = await Promise.all(['s.json', 'd.jsonl', 'o.json', 'missing.json'].map((n) => isStatsFile(join(dir, n))));
    expect(got).toEqual([true, false, false, false]);
  });
});
