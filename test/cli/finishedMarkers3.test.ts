import { cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countLines as lines, finishedFolderOutput } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

// Hostile review 4 (N15, N19, N21, the manifest/marker residue) and new-user review 5 #31: what
// the completion markers of finished outputs still let through.
// - N15: the manifest records each shard's size (and records): a shard emptied, cut or swapped,
//   or a records total that disagrees, is refused like an unfinished folder (a stat, no reading).
// - residue: a `_SUCCESS` that is not our manifest (garbage, a string exit code; emptied in a run
//   folder) is no marker; `status` does not call such a run finished.

let dir: string;
let input: string;
let finished: string;
let copy: (name: string) => Promise<string>;
beforeAll(async () => {
  ({ dir, input, finished, copy } = await finishedFolderOutput());
});

/** A copy of the finished folder output at `name` (under dir), returned without a trailing `/`. */
const copyOfFinished = (name: string): Promise<string> => copy(name);

describe('N15: the manifest records each shard size and record count; reading compares them', () => {
  it('the manifest of a folder output lists bytes and records per shard', async () => {
    const m = JSON.parse(await readFile(join(finished, '_SUCCESS'), 'utf8'));
    const parts = ['part-00000.jsonl', 'part-00001.jsonl', 'part-00002.jsonl'];
    expect(m.shards).toEqual(parts);
    for (const p of parts) expect(m.bytes[p]).toBe((await readFile(join(finished, p))).length);
    expect(m.shard_records).toEqual({ 'part-00000.jsonl': 10, 'part-00001.jsonl': 10, 'part-00002.jsonl': 10 });
  });

  it('a shard emptied, cut at a line boundary, or swapped for another is refused (exit 2, naming it); --allow-unfinished reads', async () => {
    const empty = await copyOfFinished('emptied');
    await truncate(join(empty, 'part-00001.jsonl'), 0);
    const e = await runCli(['cat', empty, '-q']);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/'[^']*emptied' holds part-00001\.jsonl of 0 bytes, but its _SUCCESS says \d+ bytes: emptied after the command finished/);
    expect(e.stdout).toBe('');
    const ok = await runCli(['cat', empty, '-q', '--allow-unfinished']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toBe(20);

    const cut = await copyOfFinished('cut');
    const text = await readFile(join(cut, 'part-00002.jsonl'), 'utf8');
    await writeFile(join(cut, 'part-00002.jsonl'), text.split('\n').slice(0, 5).join('\n') + '\n');
    const c = await runCli(['cat', cut + '/', '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('holds part-00002.jsonl of');
    expect(c.stderr).toContain('cut short after the command finished');

    const swap = await copyOfFinished('swap');
    await cp(join(swap, 'part-00000.jsonl'), join(swap, 'part-00002.jsonl'));
    const s = await runCli(['cat', join(swap, 'part-*.jsonl'), '-q']);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain('holds part-00002.jsonl of');
    // A shard named on its own is checked; a good shard of the damaged folder reads.
    expect((await runCli(['cat', join(empty, 'part-00001.jsonl'), '-q'])).code).toBe(2);
    const good = await runCli(['cat', join(empty, 'part-00000.jsonl'), '-q']);
    expect(good.code, good.stderr).toBe(0);
    expect(lines(good.stdout)).toBe(10);
  });

  it('a records total that disagrees with the per-shard counts is refused; a manifest without sizes (older) still reads', async () => {
    const edited = await copyOfFinished('edited');
    const m = JSON.parse(await readFile(join(edited, '_SUCCESS'), 'utf8'));
    await writeFile(join(edited, '_SUCCESS'), JSON.stringify({ ...m, records: 99 }) + '\n');
    const r = await runCli(['cat', edited, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("its _SUCCESS says 99 records, but its shards' counts add up to 30");

    const older = await copyOfFinished('older');
    await writeFile(join(older, '_SUCCESS'), JSON.stringify({ exit_code: 0, command: 'cat', records: 30, shards: m.shards }) + '\n');
    await truncate(join(older, 'part-00001.jsonl'), 0);
    const o = await runCli(['cat', older, '-q']);
    expect(o.code, o.stderr).toBe(0);
    expect(lines(o.stdout)).toBe(20);
  });

  it('a run folder and a file-mode shard set record sizes too: an emptied shard is refused', async () => {
    const recipe = join(dir, 'r15.yaml');
    await writeFile(recipe, 'name: r15\nstages:\n  - normalize\n');
    const out = join(dir, 'r15');
    const r = await runCli(['run', recipe, '--input', input, '-o', out, '--shard-records', '10', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    const parts = (await readdir(out)).filter((n) => n.startsWith('part-')).sort();
    expect(Object.keys(m.bytes).sort()).toEqual(parts);
    // Several shards per task (--shard-records): each counted by the task's writer.
    expect(parts.length).toBe(3);
    expect(parts.map((n) => m.shard_records[n])).toEqual([10, 10, 10]);
    await truncate(join(out, parts[1]), 0);
    const c = await runCli(['cat', out, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`holds ${parts[1]} of 0 bytes, but its _SUCCESS says`);

    const f = join(dir, 'set15');
    expect((await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '10', '-q'])).code).toBe(0);
    const sm = JSON.parse(await readFile(join(f, 'a.jsonl._SUCCESS'), 'utf8'));
    expect(sm.shard_records).toEqual({ 'a-00000.jsonl': 10, 'a-00001.jsonl': 10, 'a-00002.jsonl': 10 });
    await truncate(join(f, 'a-00002.jsonl'), 0);
    for (const spec of [f, join(f, 'a-00002.jsonl')]) {
      const s = await runCli(['cat', spec, '-q']);
      expect(s.code, spec).toBe(2);
      expect(s.stderr).toContain(`the shard set '${join(f, 'a.jsonl')}' holds a-00002.jsonl of 0 bytes`);
    }
  });

  it('a run folder with one shard per task (the default) records them too: an edited records total is refused', async () => {
    const recipe = join(dir, 'r15b.yaml');
    await writeFile(recipe, 'name: r15b\nstages:\n  - normalize\n');
    const out = join(dir, 'r15b');
    const r = await runCli(['run', recipe, '--input', input, '-o', out, '--task-size', '1KiB', '--compress', 'none', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    expect(m.shards.length).toBeGreaterThan(1);
    let sum = 0;
    for (const n of m.shards) {
      const c = lines(await readFile(join(out, n), 'utf8'));
      expect(m.shard_records[n], n).toBe(c);
      sum += c;
    }
    expect(sum).toBe(30);
    await writeFile(join(out, '_SUCCESS'), JSON.stringify({ ...m, records: 99 }) + '\n');
    const c = await runCli(['cat', out, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("its _SUCCESS says 99 records, but its shards' counts add up to 30");
  });

  it('Parquet shards: sizes and row counts recorded and checked', async () => {
    const out = join(dir, 'pq15') + '/';
    const r = await runCli(['cat', input, '-o', out, '--output-format', 'parquet', '--shard-records', '10', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    expect(m.shard_records).toEqual({ 'part-00000.parquet': 10, 'part-00001.parquet': 10, 'part-00002.parquet': 10 });
    await truncate(join(out, 'part-00001.parquet'), 0);
    const c = await runCli(['cat', out, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('holds part-00001.parquet of 0 bytes');
  });
});

describe('residue: a _SUCCESS that is not our manifest is no marker', () => {
  it('garbage or a string exit code beside shards is refused as unfinished, with the reason', async () => {
    const g = await copyOfFinished('garbage');
    await writeFile(join(g, '_SUCCESS'), 'garbage\n');
    await rm(join(g, 'part-00001.jsonl'));
    const r = await runCli(['cat', g, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is an unfinished output (its _SUCCESS does not read as the completion manifest corpus-clean writes (it is not JSON (8 bytes)))");
    const ok = await runCli(['cat', g, '-q', '--allow-unfinished']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toBe(20);

    const s = await copyOfFinished('strcode');
    const m = JSON.parse(await readFile(join(s, '_SUCCESS'), 'utf8'));
    await writeFile(join(s, '_SUCCESS'), JSON.stringify({ ...m, exit_code: '0' }) + '\n');
    const c = await runCli(['cat', s, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('its exit_code is "0", not a whole number');
    // Hadoop's empty _SUCCESS beside shards is still a marker (not a run folder).
    const h = await copyOfFinished('hadoop');
    await writeFile(join(h, '_SUCCESS'), '');
    expect((await runCli(['cat', h, '-q'])).code).toBe(0);
  });

  it("status of a run whose _SUCCESS is garbage, emptied or has a string exit code does not say finished; exit 1; reading it is refused", async () => {
    const recipe = join(dir, 'rs.yaml');
    await writeFile(recipe, 'name: rs\nstages:\n  - normalize\n');
    const out = join(dir, 'rs');
    const r = await runCli(['run', recipe, '--input', input, '-o', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    for (const [name, content] of [['garbage', 'garbage\n'], ['emptied', ''], ['string code', JSON.stringify({ ...m, exit_code: '0' })]]) {
      await writeFile(join(out, '_SUCCESS'), content);
      const st = await runCli(['status', out]);
      expect(st.code, name).toBe(1);
      expect(st.stdout, name).not.toContain('finished (_SUCCESS)');
      expect(st.stdout, name).toContain('its _SUCCESS is damaged');
      const c = await runCli(['cat', out, '-q']);
      expect(c.code, name).toBe(2);
      expect(c.stderr, name).toContain('is an unfinished output (its _SUCCESS');
    }
  });
});

describe('N19: a file output and the same name sharded are one output', () => {
  it('-o a.jsonl --shard-records N, then -o a.jsonl: refused without --overwrite; --overwrite removes the shards and their marker', async () => {
    const f = join(dir, 'n19a');
    expect((await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '10', '-q'])).code).toBe(0);
    const plain = await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '-q']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(`output file '${join(f, 'a.jsonl')}' already has beside it a-00000.jsonl and 3 more from an earlier run (the same name written as shards with --shard-records/--shard-size); remove them or pass --overwrite`);
    expect((await readdir(f)).sort()).toEqual(['a-00000.jsonl', 'a-00001.jsonl', 'a-00002.jsonl', 'a.jsonl._SUCCESS']);
    const o = await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '-q', '--overwrite']);
    expect(o.code, o.stderr).toBe(0);
    expect((await readdir(f)).sort()).toEqual(['a.jsonl']);
    const back = await runCli(['cat', f, '-q']);
    expect(lines(back.stdout)).toBe(30);
  });

  it('-o a.jsonl, then -o a.jsonl --shard-records N: refused without --overwrite; --overwrite removes the plain file (also Parquet)', async () => {
    for (const ext of ['jsonl', 'parquet']) {
      const f = join(dir, `n19b-${ext}`);
      expect((await runCli(['cat', input, '-o', join(f, `a.${ext}`), '-q'])).code).toBe(0);
      const sharded = await runCli(['cat', input, '-o', join(f, `a.${ext}`), '--shard-records', '10', '-q']);
      expect(sharded.code, ext).toBe(2);
      expect(sharded.stderr).toContain(`output shards '${join(f, `a.${ext}`)}' already hold a.${ext} from an earlier run (the same name written unsharded); remove them or pass --overwrite`);
      const o = await runCli(['cat', input, '-o', join(f, `a.${ext}`), '--shard-records', '10', '-q', '--overwrite']);
      expect(o.code, o.stderr).toBe(0);
      expect((await readdir(f)).sort()).toEqual([`a-00000.${ext}`, `a-00001.${ext}`, `a-00002.${ext}`, `a.${ext}._SUCCESS`]);
      const back = await runCli(['cat', f, '-q']);
      expect(lines(back.stdout), ext).toBe(30);
    }
  });

  it("a plain output beside a third-party set named like shards (no marker, no lock) leaves it alone", async () => {
    const f = join(dir, 'n19c');
    await mkdir(f);
    await writeFile(join(f, 'train-00000.jsonl'), '{"text":"theirs"}\n');
    const r = await runCli(['cat', input, '-o', join(f, 'train.jsonl'), '-q', '--overwrite']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(f)).sort()).toEqual(['train-00000.jsonl', 'train.jsonl']);
  });
});

describe('N21: --allow-unfinished leaves a trace', () => {
  it('cat: one warning per unfinished input naming what is missing; the list in --stats and in the output _SUCCESS', async () => {
    const top = join(dir, 'n21');
    const a = await copyOfFinished('n21/a');
    await rm(join(a, 'part-00001.jsonl'));
    const b = await copyOfFinished('n21/b');
    await writeFile(join(b, '_SUCCESS'), 'garbage\n');
    const out = join(dir, 'n21out') + '/';
    const stats = join(dir, 'n21stats.json');
    const r = await runCli(['cat', top, '-o', out, '--stats', stats, '--allow-unfinished', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('warning: reading an unfinished input as it is (--allow-unfinished)'));
    expect(warnings.length, r.stderr).toBe(2);
    expect(r.stderr).toContain(`corpus-clean cat: warning: reading an unfinished input as it is (--allow-unfinished): '${a}' lacks 1 of the 3 shards its _SUCCESS lists (part-00001.jsonl)`);
    expect(r.stderr).toContain(`'${b}' is an unfinished output (its _SUCCESS does not read`);
    const s = JSON.parse(await readFile(stats, 'utf8'));
    expect(s.unfinished_inputs.map((u: { input: string }) => u.input).sort()).toEqual([a, b]);
    const m = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    expect(m.unfinished_inputs.map((u: { input: string }) => u.input).sort()).toEqual([a, b]);
    expect(m.unfinished_inputs.find((u: { input: string }) => u.input === a).problem).toContain('lacks 1 of the 3 shards');
    // Without the flag: refused, as before.
    expect((await runCli(['cat', top, '-q'])).code).toBe(2);
    // Reading that output later: it is finished (read without the flag), and says what it was made from; the next output lists it too.
    const stats2 = join(dir, 'n21stats2.json');
    const next = await runCli(['cat', out, '-o', join(dir, 'n21next') + '/', '--stats', stats2, '-q']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`corpus-clean cat: warning: '${join(dir, 'n21out')}' was made from 2 unfinished inputs read as they were (--allow-unfinished): `);
    expect(JSON.parse(await readFile(stats2, 'utf8')).unfinished_inputs[0].input).toBe(join(dir, 'n21out'));
    expect(JSON.parse(await readFile(join(dir, 'n21next', '_SUCCESS'), 'utf8')).unfinished_inputs.length).toBe(1);
  });

  it('run: the warning, and the list in _stats.json, _SUCCESS and _report.html', async () => {
    const a = await copyOfFinished('n21r');
    await rm(join(a, 'part-00002.jsonl'));
    const recipe = join(dir, 'n21.yaml');
    await writeFile(recipe, 'name: n21\nstages:\n  - normalize\n');
    const out = join(dir, 'n21run');
    const r = await runCli(['run', recipe, '--input', a, '-o', out, '--allow-unfinished', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`corpus-clean run: warning: reading an unfinished input as it is (--allow-unfinished): '${a}' lacks 1 of the 3 shards its _SUCCESS lists (part-00002.jsonl)`);
    const s = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8'));
    expect(s.unfinished_inputs).toEqual([{ input: a, problem: `'${a}' lacks 1 of the 3 shards its _SUCCESS lists (part-00002.jsonl)` }]);
    expect(JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8')).unfinished_inputs).toEqual(s.unfinished_inputs);
    expect(await readFile(join(out, '_report.html'), 'utf8')).toContain('read as it is (--allow-unfinished), an unfinished output');
  });
});

describe('#31: a command or run that exits 1 writes _FAILED, not _SUCCESS; its rerun starts over', () => {
  it('a run that wrote nothing (exit 1): _FAILED, status says failed (exit 1), readers refuse it, the corrected rerun needs no --overwrite', async () => {
    const src = join(dir, 'body.jsonl');
    await writeFile(src, Array.from({ length: 20 }, (_, i) => JSON.stringify({ body: `the body text of record ${i}` })).join('\n') + '\n');
    const recipe = join(dir, 'r31.yaml');
    await writeFile(recipe, 'name: r31\nstages:\n  - normalize\n');
    const out = join(dir, 'r31');
    const bad = await runCli(['run', recipe, '--input', src, '-o', out, '-q']);
    expect(bad.code).toBe(1);
    const names = await readdir(out);
    expect(names).not.toContain('_SUCCESS');
    expect(names).toContain('_FAILED');
    expect(names).toContain('_stats.json');
    expect(JSON.parse(await readFile(join(out, '_FAILED'), 'utf8'))).toMatchObject({ exit_code: 1, command: 'run', records: 0 });
    const st = await runCli(['status', out]);
    expect(st.code).toBe(1);
    expect(st.stdout).toContain('finished with exit code 1 (_FAILED, no _SUCCESS)');
    const c = await runCli(['cat', out, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`'${out}' is the output of a command that failed ('corpus-clean run' exited 1; its _FAILED)`);
    const fixed = await runCli(['run', recipe, '--input', src, '-o', out, '--text-field', 'body', '-q']);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toContain(`corpus-clean run: note: '${out}' holds a run that failed (its _FAILED); starting over`);
    const after = await readdir(out);
    expect(after).toContain('_SUCCESS');
    expect(after).not.toContain('_FAILED');
    expect((await runCli(['status', out])).code).toBe(0);
  });

  it('a folder output and a shard set over the reject rate (exit 1, records written): _FAILED, refused as input, the rerun starts over', async () => {
    const mixed = join(dir, 'mixed.jsonl');
    await writeFile(mixed, Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? JSON.stringify({ text: `good record ${i}` }) : '{broken')).join('\n') + '\n');
    for (const [out, marker, spec] of [
      [join(dir, 'f31') + '/', join(dir, 'f31', '_FAILED'), join(dir, 'f31')],
      [join(dir, 's31', 'a.jsonl'), join(dir, 's31', 'a.jsonl._FAILED'), join(dir, 's31')],
    ]) {
      const r = await runCli(['cat', mixed, '-o', out, '--shard-records', '4', '-q']);
      expect(r.code, out).toBe(1);
      expect(JSON.parse(await readFile(marker, 'utf8'))).toMatchObject({ exit_code: 1, command: 'cat', records: 10 });
      expect((await readdir(spec)).some((n) => n.endsWith('_SUCCESS')), out).toBe(false);
      const c = await runCli(['cat', spec, '-q']);
      expect(c.code, out).toBe(2);
      expect(c.stderr).toContain("is the output of a command that failed ('corpus-clean cat' exited 1;");
      const anyway = await runCli(['cat', spec, '-q', '--allow-unfinished']);
      expect(lines(anyway.stdout), out).toBe(10);
      const again = await runCli(['cat', mixed, '-o', out, '--shard-records', '4', '--max-reject-rate', '0.9', '-q']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('of the output of a command that failed');
      expect(again.stderr).toContain('starting over');
      const names = await readdir(spec);
      expect(names.some((n) => n.endsWith('_FAILED')), out).toBe(false);
      expect(names.some((n) => n.endsWith('_SUCCESS')), out).toBe(true);
      expect(lines((await runCli(['cat', spec, '-q'])).stdout), out).toBe(10);
    }
  });
});

describe('N19 sibling: a plain output that would replace its own shard set refuses when the set is the input', () => {
  it('cat f/a-*.jsonl -o f/a.jsonl --overwrite: exit 2, the shards untouched', async () => {
    const f = join(dir, 'n19d');
    expect((await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '10', '-q'])).code).toBe(0);
    const r = await runCli(['cat', join(f, 'a-*.jsonl'), '-o', join(f, 'a.jsonl'), '--overwrite', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`would replace the shard set of the same name, which holds the input '${join(f, 'a-00000.jsonl')}'`);
    expect((await readdir(f)).sort()).toEqual(['a-00000.jsonl', 'a-00001.jsonl', 'a-00002.jsonl', 'a.jsonl._SUCCESS']);
  });
});

describe('hostile review 5 (lead 19:47): an older failed _SUCCESS, and same-size damage', () => {
  it('a folder whose _SUCCESS (an older build) says exit_code 1 is refused as _FAILED is', async () => {
    const old = await copyOfFinished('oldfailed');
    await writeFile(join(old, '_SUCCESS'), '{"exit_code":1}\n');
    const r = await runCli(['cat', old, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'${old}' is the output of a command that failed (it exited 1; its _SUCCESS, written by a version before _FAILED)`);
    expect((await runCli(['cat', old, '-q', '--allow-unfinished'])).code).toBe(0);
  });

  it('a shard with a line removed and padded to its size: read, then exit 1 naming it (its record count is not the manifest\'s)', async () => {
    const pad = await copyOfFinished('padded');
    const p = join(pad, 'part-00001.jsonl');
    const rows = (await readFile(p, 'utf8')).split('\n').filter((l) => l !== '');
    const gone = rows.splice(3, 1)[0];
    await writeFile(p, rows.join('\n') + ' '.repeat(gone.length + 1) + '\n');
    const r = await runCli(['cat', pad, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`corpus-clean cat: error: ${p}: read 9 records, its folder's _SUCCESS says it holds 10`);
    expect(lines(r.stdout)).toBe(29);
    // --limit stops early: no comparison. A good copy: no error.
    expect((await runCli(['cat', pad, '-q', '--limit', '5'])).code).toBe(0);
    expect((await runCli(['cat', finished, '-q'])).code).toBe(0);
  });
});
