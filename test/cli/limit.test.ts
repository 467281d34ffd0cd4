import { execFileSync } from 'node:child_process';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const accounting = (stderr: string): string => stderr.split('\n').find((l) => / read \d+ = written /.test(l)) ?? '';

// review-newuser4 #7: no way to try a command on the first N records (datatrove readers' limit=);
// `head -n` works for plain JSONL only.
describe('--limit N: the first N records in input order', { timeout: 300_000 }, () => {
  it('counts every record read (good, bad, blank), cuts a run of blank lines, says when it stopped', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const f = join(dir, 'a.jsonl');
    const good = (i: number): string => JSON.stringify({ text: `record ${i}` });
    // lines 1-3 good, 4-7 blank, 8 bad, 9-13 good
    await writeFile(f, [good(1), good(2), good(3), '', '', '', '', '{bad', good(9), good(10), good(11), good(12), good(13)].join('\n') + '\n');
    const cases: [number, string, boolean][] = [
      [2, 'read 2 = written 2 + rejected 0', true],
      [5, 'read 5 = written 3 + rejected 2 [read/blank_line 2]', true],
      [8, 'read 8 = written 3 + rejected 5 [read/blank_line 4, read/json_parse 1]', true],
      [12, 'read 12 = written 7 + rejected 5', true],
      [13, 'read 13 = written 8 + rejected 5', false],
      [100, 'read 13 = written 8 + rejected 5', false],
    ];
    for (const [n, line, stopped] of cases) {
      const r = await runCli(['cat', f, '--limit', String(n), '--max-reject-rate', '1', '--rejects', join(dir, `r${n}.jsonl`)]);
      expect(r.code, r.stderr).toBe(0);
      const acc = accounting(r.stderr);
      expect(acc, String(n)).toContain(line);
      expect(acc.endsWith(`; stopped at --limit ${n} (the inputs hold more records)`), acc).toBe(stopped);
      expect(r.stdout.split('\n').filter(Boolean).length).toBe(Number(/written (\d+)/.exec(acc)![1]));
    }
    // The blank run cut at 2 of its 4 lines says 2.
    const r5 = (await readFile(join(dir, 'r5.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { reason: string; detail?: { lines?: number } });
    expect(r5).toEqual([expect.objectContaining({ reason: 'blank_line', detail: expect.objectContaining({ lines: 2 }) })]);
    const stats = join(dir, 's.json');
    await runCli(['cat', f, '--limit', '5', '--stats', stats, '--max-reject-rate', '1']);
    expect(JSON.parse(await readFile(stats, 'utf8'))).toMatchObject({ read: 5, limit: 5, limit_reached: true });
    expect((await runCli(['cat', f, '--limit', '0'])).code).toBe(2);
  });

  it('across files and formats: CSV, JSON arrays, Parquet, text lines; the first N in the order the files are read', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'a.csv'), 'id,text\n1,one\n2,two\n3,three\n');
    await writeFile(join(dir, 'b.json'), JSON.stringify([{ text: 'four' }, { text: 'five' }, { text: 'six' }]));
    await writeFile(join(dir, 'c.txt'), 'seven\neight\n');
    const pq = join(dir, 'd.parquet');
    await writeFile(join(dir, 'src.jsonl'), ['nine', 'ten', 'eleven'].map((t) => JSON.stringify({ text: t })).join('\n') + '\n');
    expect((await runCli(['cat', join(dir, 'src.jsonl'), '-o', pq])).code).toBe(0);
    await rm(join(dir, 'src.jsonl'));
    const texts = async (n: number): Promise<string[]> => {
      const r = await runCli(['cat', dir, '--txt-mode', 'line', '--limit', String(n)]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
    };
    const all = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven'];
    for (const n of [1, 2, 4, 7, 9, 10, 11]) expect(await texts(n), String(n)).toEqual(all.slice(0, n));
  });

  it('run --limit: the same first N records as a stage command, byte-identical output for 1 and 2 workers', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, `name: r\ninput: [${ROOT}/fixtures/sample]\nstages:\n  - normalize: {}\noutput: {compression: gzip}\nmax_reject_rate: 1\n`);
    const outs: string[] = [];
    for (const w of ['1', '2']) {
      const out = join(dir, `o${w}`);
      const r = await runCli(['run', recipe, '--limit', '50', '--task-size', '40KB', '--workers', w, '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(accounting(r.stderr)).toMatch(/^corpus-clean run: read 50 = .*; stopped at --limit 50 \(the inputs hold more records\)$/);
      const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as Record<string, unknown>;
      expect(stats).toMatchObject({ read: 50, limit: 50, limit_reached: true });
      // The completion marker says the output is a sample (hostile review 4 N16).
      expect(JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'))).toMatchObject({ exit_code: 0, command: 'run', limit: 50 });
      outs.push(out);
    }
    const shards = (await readdir(outs[0])).filter((n) => n.startsWith('part-')).sort();
    expect(await readdir(outs[1]).then((l) => l.filter((n) => n.startsWith('part-')).sort())).toEqual(shards);
    let text = '';
    for (const s of shards) {
      const a = await readFile(join(outs[0], s));
      expect((await readFile(join(outs[1], s))).equals(a), s).toBe(true);
      text += gunzipSync(a).toString();
    }
    for (const f of ['_rejects.jsonl.zst']) expect((await readFile(join(outs[1], f))).equals(await readFile(join(outs[0], f))), f).toBe(true);
    // The same records as `normalize --limit 50` over the same inputs.
    const one = execFileSync(process.execPath, [join(ROOT, 'dist/bundle/main.js'), 'normalize', join(ROOT, 'fixtures/sample'), '--limit', '50', '--max-reject-rate', '1'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const data = (s: string): unknown[] => s.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text?: unknown }).text);
    expect(data(text)).toEqual(data(one));
    // Another limit is another run: the unfinished-run check names it (here the run is finished: refused as such).
    const again = await runCli(['run', recipe, '--limit', '60', '--task-size', '40KB', '-o', outs[0]]);
    expect(again.code).toBe(2);
  });
});

describe('--limit in the completion marker', () => {
  it('a folder output cut by --limit says so in its _SUCCESS; one read whole does not', async () => {
    const dir = await tempDir();
    const f = join(dir, 'a.jsonl');
    await writeFile(f, Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record ${i}` })).join('\n') + '\n');
    expect((await runCli(['cat', f, '--limit', '2', '-o', join(dir, 'cut') + '/'])).code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'cut', '_SUCCESS'), 'utf8'))).toMatchObject({ records: 2, limit: 2 });
    expect((await runCli(['cat', f, '--limit', '9', '-o', join(dir, 'whole') + '/'])).code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'whole', '_SUCCESS'), 'utf8')).limit).toBeUndefined();
  });
});
