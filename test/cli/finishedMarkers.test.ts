import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { countLines as lines, finishedFolderOutput } from '../helpers/fixtures.js';
import { runCli, TOKENIZER_MODEL } from '../helpers/run.js';

// Hostile review 3 (N1, N2, N6) and new-user review 4 (#2, #9): the completion markers of
// finished outputs are checked wherever an output is read, and hold what a reader needs.
// - N1: a folder walk checks every folder it enters (not only the folder named).
// - N2: `_SUCCESS`'s shard list is compared with the shards there; other files are not records.
// - #9: a run folder's `_SUCCESS` is the same manifest as every other folder output's.
// - N6: a file-mode shard set (`-o a.jsonl --shard-records N`) has a marker `a.jsonl._SUCCESS`.
// - #2: a command that wrote nothing and failed leaves no output to block its rerun.

const DEAD = 999_999; // a PID that is not running (pid_max is below it here and in CI's containers)

let dir: string;
let input: string;
let finished: string;
let copy: (name: string) => Promise<string>;
beforeAll(async () => {
  ({ dir, input, finished, copy } = await finishedFolderOutput());
});

/** A copy of the finished folder output at `name` (under dir), returned with a trailing `/`. */
const copyOfFinished = async (name: string): Promise<string> => (await copy(name)) + '/';

describe('N1: a folder walk checks every folder it enters', () => {
  it('a nested shard folder without _SUCCESS is refused by cat and run, naming the nested folder; --allow-unfinished reads it', async () => {
    const top = join(dir, 'n1a');
    const nested = await copyOfFinished('n1a/sub/out');
    await rm(join(nested, '_SUCCESS'));
    const c = await runCli(['cat', top, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`'${top}/sub/out' is an unfinished output (part-00000.jsonl is there, but no _SUCCESS: the command writing it did not finish)`);
    expect(c.stdout).toBe('');
    const recipe = join(dir, 'n1.yaml');
    await writeFile(recipe, 'name: n1\nstages:\n  - normalize\n');
    const r = await runCli(['run', recipe, '--input', top, '-o', join(dir, 'n1run'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`'${top}/sub/out' is an unfinished output`);
    const ok = await runCli(['cat', top, '-q', '--allow-unfinished']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toBe(30);
  });

  it('a nested folder holding only a dead lock, or a dead temporary, is refused; a nested finished folder is read', async () => {
    const top = join(dir, 'n1b');
    await mkdir(join(top, 'killed'), { recursive: true });
    await writeFile(join(top, 'data.jsonl'), '{"text":"mine"}\n');
    await writeFile(join(top, 'killed', '.corpus-clean.lock'), `${DEAD}\n`);
    const lock = await runCli(['cat', top, '-q']);
    expect(lock.code).toBe(2);
    expect(lock.stderr).toContain(`'${top}/killed' is an unfinished output (the command writing it, PID ${DEAD}, was killed)`);
    await rm(join(top, 'killed', '.corpus-clean.lock'));
    await writeFile(join(top, 'killed', `.part-00000.jsonl.tmp-${DEAD}-0`), '{"text":"half');
    const temp = await runCli(['cat', top, '-q']);
    expect(temp.code).toBe(2);
    expect(temp.stderr).toContain(`'${top}/killed' is an unfinished output (its temporary '.part-00000.jsonl.tmp-${DEAD}-0' was left by PID ${DEAD}, which was killed)`);
    await rm(join(top, 'killed'), { recursive: true });
    await copyOfFinished('n1b/done');
    const ok = await runCli(['cat', top, '-q']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toBe(31);
  });

  it('a nested run folder without _SUCCESS is refused as an unfinished run', async () => {
    const top = join(dir, 'n1c');
    const run = await copyOfFinished('n1c/r');
    await rm(join(run, '_SUCCESS'));
    await writeFile(join(run, '_plan.json'), '{}\n');
    const c = await runCli(['cat', top, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`'${top}/r' is an unfinished run (no _SUCCESS)`);
  });
});

describe('N2: the shard list of _SUCCESS is checked', () => {
  it('a listed shard missing (an interrupted copy) is refused: folder, glob, and one shard named', async () => {
    const m = await copyOfFinished('n2miss');
    await rm(join(m, 'part-00001.jsonl'));
    for (const spec of [m, join(m, '*.jsonl'), join(m, 'part-00000.jsonl')]) {
      const c = await runCli(['cat', spec, '-q']);
      expect(c.code, spec).toBe(2);
      expect(c.stderr).toContain('lacks 1 of the 3 shards its _SUCCESS lists (part-00001.jsonl): an interrupted copy?');
      expect(c.stdout).toBe('');
    }
    const ok = await runCli(['cat', m, '-q', '--allow-unfinished']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toBe(20);
    // export refuses it the same way, and takes the flag its message names.
    const x = await runCli(['export', 'xtuner-v1', m, '-q']);
    expect(x.code).toBe(2);
    expect(x.stderr).toContain('pass --allow-unfinished');
    const xOk = await runCli(['export', 'xtuner-v1', m, '-q', '--allow-unfinished']);
    expect(xOk.code, xOk.stderr).toBe(0);
    expect(lines(xOk.stdout)).toBe(20);
  });

  it('a shard the list does not name is refused (duplicate data)', async () => {
    const e = await copyOfFinished('n2extra');
    await cp(join(e, 'part-00001.jsonl'), join(e, 'part-00003.jsonl'));
    const c = await runCli(['cat', e, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain("holds part-00003.jsonl, which its _SUCCESS does not list (it lists 3 shards)");
  });

  it('a stray file in a finished folder is not read as a record, with a note; named on its own it is read', async () => {
    const s = await copyOfFinished('n2stray');
    await writeFile(join(s, 'notes.txt'), 'my notes about this folder\n');
    const c = await runCli(['cat', s, '-q']);
    expect(c.code, c.stderr).toBe(0);
    expect(lines(c.stdout)).toBe(30);
    expect(c.stdout).not.toContain('my notes');
    expect(c.stderr).toContain(`note: not read: '${s}notes.txt'`);
    const named = await runCli(['cat', join(s, 'notes.txt'), '-q']);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain('my notes');
  });

  it('a folder output into a folder holding a file of the user that reads as input is refused, touching nothing', async () => {
    const u = join(dir, 'n2user') + '/';
    await mkdir(u);
    await writeFile(join(u, 'notes.txt'), 'mine\n');
    const c = await runCli(['cat', input, '-o', u, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`output folder '${u}' already holds 'notes.txt', not written by corpus-clean`);
    expect(await readdir(u)).toEqual(['notes.txt']);
    const o = await runCli(['cat', input, '-o', u, '-q', '--overwrite']);
    expect(o.code).toBe(2);
  });

  it('a glob over a finished folder does not take _SUCCESS for a record', async () => {
    const c = await runCli(['cat', join(finished, '*'), '-q']);
    expect(c.code, c.stderr).toBe(0);
    expect(lines(c.stdout)).toBe(30);
  });
});

describe('#9: a run folder gets the same _SUCCESS manifest; status and resume still read it', () => {
  it('run writes {exit_code, command, records, shards}; a missing shard of a run folder is refused; status says finished; a rerun is refused as finished', async () => {
    const recipe = join(dir, 'r9.yaml');
    await writeFile(recipe, 'name: r9\nstages:\n  - normalize\n');
    const out = join(dir, 'r9');
    const r = await runCli(['run', recipe, '--input', input, '-o', out, '--shard-records', '10', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    const parts = (await readdir(out)).filter((n) => n.startsWith('part-')).sort();
    expect(parts.length).toBe(3);
    expect(manifest).toMatchObject({ exit_code: 0, command: 'run', records: 30, shards: parts });
    const st = await runCli(['status', out]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout + st.stderr).toContain('finished (_SUCCESS)');
    const back = await runCli(['cat', out, '-q']);
    expect(back.code, back.stderr).toBe(0);
    expect(lines(back.stdout)).toBe(30);
    const copy = join(dir, 'r9copy');
    await cp(out, copy, { recursive: true });
    await rm(join(copy, parts[1]));
    const c = await runCli(['cat', copy, '-q']);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain(`lacks 1 of the 3 shards its _SUCCESS lists (${parts[1]})`);
  });
});

describe('N6: a file-mode shard set has a completion marker', () => {
  it('-o a.jsonl --shard-records N writes a.jsonl._SUCCESS last; shards beside a dead lock, or not matching the marker, are refused; without either they are read', async () => {
    const f = join(dir, 'n6');
    const r = await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '10', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(f)).sort()).toEqual(['a-00000.jsonl', 'a-00001.jsonl', 'a-00002.jsonl', 'a.jsonl._SUCCESS']);
    expect(JSON.parse(await readFile(join(f, 'a.jsonl._SUCCESS'), 'utf8'))).toMatchObject({ exit_code: 0, command: 'cat', records: 30, shards: ['a-00000.jsonl', 'a-00001.jsonl', 'a-00002.jsonl'] });
    const back = await runCli(['cat', f, '-q']);
    expect(back.code, back.stderr).toBe(0);
    expect(lines(back.stdout)).toBe(30);
    // What a kill -9 leaves, copied without the (hidden) lock: two whole shards, no marker. With
    // no trace of ours the names prove nothing (other datasets use them): read as they are.
    const copy = join(dir, 'n6copy');
    await mkdir(copy);
    for (const n of ['a-00000.jsonl', 'a-00001.jsonl']) await cp(join(f, n), join(copy, n));
    const plain = await runCli(['cat', copy, '-q']);
    expect(plain.code, plain.stderr).toBe(0);
    expect(lines(plain.stdout)).toBe(20);
    // Beside the lock of a killed writer: refused, by folder, shard named, glob.
    await writeFile(join(copy, '.a.jsonl.lock'), `${DEAD}\n`);
    for (const spec of [copy, join(copy, 'a-00000.jsonl'), join(copy, 'a-*.jsonl')]) {
      const c = await runCli(['cat', spec, '-q']);
      expect(c.code, spec).toBe(2);
      expect(c.stderr).toContain(`is a shard of an unfinished output (the command writing it, PID ${DEAD}, was killed`);
    }
    const ok = await runCli(['cat', copy, '-q', '--allow-unfinished']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(lines(ok.stdout)).toBe(20);
    await rm(join(copy, '.a.jsonl.lock'));
    // The marker copied, a shard not: the list says which is missing.
    await cp(join(f, 'a.jsonl._SUCCESS'), join(copy, 'a.jsonl._SUCCESS'));
    const m = await runCli(['cat', copy, '-q']);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain("the shard set '" + join(copy, 'a.jsonl') + "' lacks 1 of the 3 shards its a.jsonl._SUCCESS lists (a-00002.jsonl)");
  });

  it('third-party sets named like shards, with no trace of ours, are read (hostile review 4 P1)', async () => {
    const hf = join(dir, 'hf');
    await mkdir(hf);
    for (const n of ['data-00000-of-00002.jsonl', 'data-00001-of-00002.jsonl', 'train-00000.jsonl', 'train-00001.jsonl']) await writeFile(join(hf, n), `{"text":"${n}"}\n`);
    for (const spec of [hf, join(hf, 'train-00000.jsonl'), join(hf, 'data-*.jsonl')]) {
      const c = await runCli(['cat', spec, '-q']);
      expect(c.code, `${spec}: ${c.stderr}`).toBe(0);
    }
  });

  it('a rerun with --overwrite replaces the shards and the marker; other files beside the set are not checked', async () => {
    const f = join(dir, 'n6b');
    expect((await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '10', '-q'])).code).toBe(0);
    const again = await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '10', '-q']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('from an earlier run; remove them or pass --overwrite');
    const o = await runCli(['cat', input, '-o', join(f, 'a.jsonl'), '--shard-records', '20', '-q', '--overwrite']);
    expect(o.code, o.stderr).toBe(0);
    expect((await readdir(f)).sort()).toEqual(['a-00000.jsonl', 'a-00001.jsonl', 'a.jsonl._SUCCESS']);
    expect(JSON.parse(await readFile(join(f, 'a.jsonl._SUCCESS'), 'utf8')).shards).toEqual(['a-00000.jsonl', 'a-00001.jsonl']);
    await writeFile(join(f, 'other.jsonl'), '{"text":"x"}\n');
    const one = await runCli(['cat', join(f, 'other.jsonl'), '-q']);
    expect(one.code, one.stderr).toBe(0);
  });
});

describe('#2: a command that writes nothing and fails leaves no output', () => {
  const sft = '{"instruction":"say hi","output":"hi"}\n';
  it.each([
    ['e.jsonl', []],
    ['e.jsonl.gz', []],
    ['e.json', []],
    ['e.parquet', []],
    ['sh.jsonl', ['--shard-records', '5']],
    ['folder/', []],
  ])('cat -o %s: exit 1, nothing left but the rejects; the rerun the message suggests needs no --overwrite', async (name, extra) => {
    const d = join(dir, `two-${name.replace(/\W/g, '_')}`);
    await mkdir(d);
    const src = join(d, 'sft.jsonl');
    await writeFile(src, sft);
    const out = join(d, name);
    const r = await runCli(['cat', src, '-o', out, ...extra, '--rejects', join(d, 'rej.jsonl'), '-q']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('nothing was written');
    const left = (await readdir(d)).sort();
    // The folder it made for its output goes too (fix15: an empty folder was left behind). The
    // rejects file stays with its owner record (.rej.jsonl.owner: hostile review 20 F9).
    expect(left).toEqual(['.rej.jsonl.owner', 'rej.jsonl', 'sft.jsonl']);
    const again = await runCli(['cat', src, '-o', out, ...extra, '--no-require-text', '-q']);
    expect(again.code, again.stderr).toBe(0);
  });

  it('export xtuner-v1 and export internevo: exit 1, no output file; the rerun works without --overwrite', async () => {
    const d = join(dir, 'two-export');
    await mkdir(d);
    const src = join(d, 'sft.jsonl');
    await writeFile(src, sft);
    const x = await runCli(['export', 'xtuner-v1', src, '-o', join(d, 'xv1.jsonl'), '-q']);
    expect(x.code, x.stderr).toBe(1);
    expect(existsSync(join(d, 'xv1.jsonl'))).toBe(false);
    const conv = join(d, 'conv.jsonl');
    expect((await runCli(['convert', src, '-o', conv, '--to', 'xtuner-openai', '-q'])).code).toBe(0);
    const again = await runCli(['export', 'xtuner-v1', conv, '-o', join(d, 'xv1.jsonl'), '-q']);
    expect(again.code, again.stderr).toBe(0);
    const ie = join(d, 'ie');
    const i = await runCli(['export', 'internevo', src, '-o', ie, '-t', TOKENIZER_MODEL, '-q']);
    expect(i.code, i.stderr).toBe(1);
    // No shard, and no empty type folder: the one the failed export made is removed (as by-lang's unused one is).
    expect(existsSync(join(ie, 'train', 'en'))).toBe(false);
    const iAgain = await runCli(['export', 'internevo', conv, '-o', ie, '-t', TOKENIZER_MODEL, '-q']);
    expect(iAgain.code, iAgain.stderr).toBe(0);
  });
});
