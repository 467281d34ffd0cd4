import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { planDifference, type Plan } from '../../src/exec/plan.js';
import { expandInputs, type SkippedInput } from '../../src/io/inputs.js';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #10, hostile review 2 M3: a folder walk (and a glob) skipped dangling symbolic links, link
// loops, FIFOs and second names of one file without a word, exit 0, nothing in the stats. Every
// name not read is now said (one warning line each), listed as `skipped` in the stats (and in a
// run's _plan.json and report), and a name whose data could not be read makes the exit code 1
// after the rest was read. A folder's files are read in the order of their names.

/** A folder with three files, two links to one file outside it, a dangling link, a link loop, a FIFO and a link back up. */
async function hostileFolder(): Promise<{ dir: string; t: string }> {
  const dir = await tempDir();
  const t = join(dir, 't');
  await mkdir(join(t, 'sub'), { recursive: true });
  for (const n of ['a', 'b']) await writeFile(join(t, `${n}.jsonl`), `{"text":"${n}"}\n`);
  await writeFile(join(t, 'sub/s.jsonl'), '{"text":"s"}\n');
  await writeFile(join(dir, 'outside.jsonl'), '{"text":"outside"}\n');
  await symlink('../outside.jsonl', join(t, '0link.jsonl'));
  await symlink('../outside.jsonl', join(t, 'zlink.jsonl'));
  await symlink('/nonexistent/x', join(t, 'dangling.jsonl'));
  await symlink('loopb.jsonl', join(dir, 'loopa.jsonl'));
  await symlink('loopa.jsonl', join(dir, 'loopb.jsonl'));
  await symlink('../loopa.jsonl', join(t, 'loop.jsonl'));
  await symlink('..', join(t, 'sub/up'));
  // A dangling link whose name is no input (as README.md beside the data): left alone, as such names are.
  await symlink('/nonexistent/y', join(t, 'notes.md'));
  execFileSync('mkfifo', [join(t, 'f.jsonl')]);
  return { dir, t };
}

const byName = (s: SkippedInput[]): Record<string, string> => Object.fromEntries(s.map((x) => [x.name, x.reason]));

describe('names a folder walk does not read are said (M3)', () => {
  it('expandInputs: each skipped name with its reason; second names with same_as; links sorted by their own names', async () => {
    const { t } = await hostileFolder();
    const skipped: SkippedInput[] = [];
    const files = await expandInputs([t], skipped);
    expect(files).toEqual([`${t}/0link.jsonl`, `${t}/a.jsonl`, `${t}/b.jsonl`, `${t}/sub/s.jsonl`]);
    const r = byName(skipped);
    expect(Object.keys(r)).toEqual([`${t}/dangling.jsonl`, `${t}/f.jsonl`, `${t}/loop.jsonl`, `${t}/sub/up`, `${t}/zlink.jsonl`]);
    expect(r[`${t}/dangling.jsonl`]).toMatch(/dangling symbolic link \(to '\/nonexistent\/x'/);
    expect(r[`${t}/loop.jsonl`]).toMatch(/loop of symbolic links/);
    expect(r[`${t}/f.jsonl`]).toMatch(/FIFO/);
    expect(skipped.find((s) => s.name === `${t}/zlink.jsonl`)?.same_as).toBe(`${t}/0link.jsonl`);
    expect(skipped.find((s) => s.name === `${t}/sub/up`)?.same_as).toBe(t);
    expect(skipped.filter((s) => s.same_as === undefined)).toHaveLength(3);
  });

  it('cat DIR: one warning line per skipped name, `skipped` in --stats, exit 1 after the rest is written', async () => {
    const { dir, t } = await hostileFolder();
    const out = join(dir, 'o.jsonl');
    const st = join(dir, 'st.json');
    const r = await runCli(['cat', t, '-o', out, '--stats', st, '-q']);
    expect(r.code).toBe(1);
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('corpus-clean cat: warning: skipped '));
    expect(warnings).toHaveLength(5);
    expect(r.stderr).toContain(`warning: skipped '${t}/zlink.jsonl': the same file as '${t}/0link.jsonl'`);
    expect(r.stderr).toMatch(/error: 3 inputs were not read/);
    expect(r.stderr).not.toContain('notes.md');
    // Everything readable was written, the link by its own name's place (0link first).
    expect((await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l).text)).toEqual(['outside', 'a', 'b', 's']);
    const stats = JSON.parse(await readFile(st, 'utf8'));
    expect(stats.skipped.map((s: SkippedInput) => s.name)).toEqual([`${t}/dangling.jsonl`, `${t}/f.jsonl`, `${t}/loop.jsonl`, `${t}/sub/up`, `${t}/zlink.jsonl`]);
  });

  it('a glob says the same of the names it matched', async () => {
    const { dir, t } = await hostileFolder();
    const r = await runCli(['cat', `${t}/*.jsonl`, '-o', join(dir, 'g.jsonl'), '-q']);
    expect(r.code).toBe(1);
    for (const n of ['dangling.jsonl', 'loop.jsonl', 'f.jsonl', 'zlink.jsonl']) expect(r.stderr).toContain(`warning: skipped '${t}/${n}'`);
    expect((await readFile(join(dir, 'g.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('second names only: read once, said, exit 0', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'd'));
    await writeFile(join(dir, 'd/a.jsonl'), '{"text":"a"}\n');
    await symlink('a.jsonl', join(dir, 'd/b.jsonl'));
    const st = join(dir, 'st.json');
    const r = await runCli(['cat', join(dir, 'd'), '-o', join(dir, 'o.jsonl'), '--stats', st, '-q']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`warning: skipped '${dir}/d/b.jsonl': the same file as '${dir}/d/a.jsonl' (read once, under that name)`);
    expect(JSON.parse(await readFile(st, 'utf8')).skipped).toEqual([{ name: `${dir}/d/b.jsonl`, reason: `the same file as '${dir}/d/a.jsonl' (read once, under that name)`, same_as: `${dir}/d/a.jsonl` }]);
  });

  it('a folder of nothing but unreadable names: the usage error says why', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'd'));
    await symlink('/nonexistent/z', join(dir, 'd/x.jsonl'));
    const r = await runCli(['cat', join(dir, 'd'), '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no input files .* \('.*x\.jsonl' is not readable: a dangling symbolic link/);
  });

  it('run: the skipped names are in _stats.json, _plan.json and _report.html; exit 1', async () => {
    const { dir, t } = await hostileFolder();
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, 'name: walk\nstages:\n  - normalize: {}\n');
    const out = join(dir, 'run');
    const r = await runCli(['run', recipe, '--input', t, '--output', out, '--workers', '1', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('corpus-clean run: warning: skipped '))).toHaveLength(5);
    const stats = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8'));
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8'));
    expect(stats.skipped).toHaveLength(5);
    expect(plan.skipped).toEqual(stats.skipped);
    expect(plan.inputs).toEqual([`${t}/0link.jsonl`, `${t}/a.jsonl`, `${t}/b.jsonl`, `${t}/sub/s.jsonl`]);
    const html = await readFile(join(out, '_report.html'), 'utf8');
    expect(html).toContain('dangling.jsonl');
    expect(html).toContain('a dangling symbolic link');
  }, 120_000);

  it('a run planned in another input order is refused with a message that says so', () => {
    const base = { version: 1, name: 'x', stages: [], settings: {}, tasks: [], taskSize: 1, segments: [], globals: [], phases: [] } as unknown as Plan;
    const diff = planDifference({ ...base, inputs: ['/d/link.jsonl', '/d/a.jsonl'] }, { ...base, inputs: ['/d/a.jsonl', '/d/link.jsonl'] });
    expect(diff.join('; ')).toMatch(/the same 2 inputs in another order/);
  });
});

describe('data files a folder walk cannot read are said, not passed over (new-user review 5 #25)', () => {
  it('bzip2/xz/archives/upper-case extensions/.arrow are skipped with why, exit 1; README.md and scripts stay silent', async () => {
    const dir = await tempDir();
    const d = join(dir, 'd');
    await mkdir(d);
    await writeFile(join(d, 'ok.jsonl'), '{"text":"ok"}\n');
    for (const n of ['part-0.jsonl.bz2', 'part-1.jsonl.xz', 'A.JSONL', 'b.json.gzip', 'c.jsonlines', 'data-00000-of-00001.arrow', 'dump.zip']) await writeFile(join(d, n), 'x');
    for (const n of ['README.md', 'make.sh', 'LICENSE']) await writeFile(join(d, n), 'x');
    const st = join(dir, 'st.json');
    const r = await runCli(['cat', d, '-o', join(dir, 'o.jsonl'), '--stats', st, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`warning: skipped '${d}/part-0.jsonl.bz2': bzip2 is not read: decompress it (bzip2 -dc) or pipe it in`);
    expect(r.stderr).toContain(`warning: skipped '${d}/A.JSONL': its extension is not lower case`);
    expect(r.stderr).toMatch(/error: 7 inputs were not read/);
    for (const n of ['README.md', 'make.sh', 'LICENSE']) expect(r.stderr).not.toContain(n);
    const stats = JSON.parse(await readFile(st, 'utf8'));
    expect(stats.skipped.map((s: SkippedInput) => s.name.slice(d.length + 1))).toEqual(['A.JSONL', 'b.json.gzip', 'c.jsonlines', 'data-00000-of-00001.arrow', 'dump.zip', 'part-0.jsonl.bz2', 'part-1.jsonl.xz']);
    expect(await readFile(join(dir, 'o.jsonl'), 'utf8')).toBe('{"text":"ok"}\n');
  });
});

describe('names a folder walk passed over silently (hostile review 4 N17 residue)', () => {
  it('compressed without a format, partial downloads, temporaries, backups, numbered copies and extension-less data are named with what to do, exit 1; LICENSE, checksums and _/. names stay silent', async () => {
    const dir = await tempDir();
    const d = join(dir, 'd');
    await mkdir(d);
    const rec = '{"text":"x"}\n';
    await writeFile(join(d, 'ok.jsonl'), '{"text":"ok"}\n');
    await writeFile(join(d, 'j.gz'), gzipSync(rec));
    await writeFile(join(d, 'h.json.txt.gz.part'), gzipSync(rec));
    await writeFile(join(d, 'n.jsonl.1.gz'), gzipSync(rec));
    await writeFile(join(d, 'part-00000'), gzipSync(rec));
    await writeFile(join(d, 'w.tar.gz'), gzipSync('x'));
    for (const n of ['i.zst', 'k', 'f.jsonl.1', 'g.jsonl.bak', 'l.jsonl.tmp', 'm.jsonl~', 'y.csv.weird', 'r.jl', 's.jsonl (1)']) await writeFile(join(d, n), rec);
    // Silent: text without an extension, a checksum beside its data, a compressed log, _ and . names.
    await writeFile(join(d, 'LICENSE'), 'MIT License\n');
    await writeFile(join(d, 'ok.jsonl.md5'), 'abc  ok.jsonl\n');
    await writeFile(join(d, 'notes.log.gz'), gzipSync('x'));
    for (const n of ['_x.jsonl', '.x.jsonl']) await writeFile(join(d, n), rec);
    const st = join(dir, 'st.json');
    const r = await runCli(['cat', d, '-o', join(dir, 'o.jsonl'), '--stats', st, '-q']);
    expect(r.code).toBe(1);
    const warn = (n: string, why: string): void => expect(r.stderr).toContain(`warning: skipped '${d}/${n}': ${why}`);
    warn('j.gz', "compressed (.gz), but its name does not say what it holds: rename it to end in the format and then .gz ('j.jsonl.gz', 'j.csv.gz', ...) or give the file itself with --format");
    warn('i.zst', 'compressed (.zst), but its name does not say what it holds');
    warn('h.json.txt.gz.part', "a partial download ('.part'): not read, as it may be cut short; let the download finish, which names it 'h.json.txt.gz'");
    warn('k', "it holds JSON but its name has no extension, which says the format: not read; rename it ('k.jsonl', or 'k.json' for one array) or give the file itself with --format");
    warn('part-00000', "it holds gzip data but its name has no extension, which says the format: not read; rename it to say its format ('part-00000.jsonl.gz')");
    warn('f.jsonl.1', "a numbered copy ('.1', as wget, browsers and log rotation name a second copy): not read, so that its records are not read twice; rename it to 'f.jsonl' to read it");
    warn('n.jsonl.1.gz', "a numbered copy ('.1', as wget, browsers and log rotation name a second copy): not read, so that its records are not read twice; rename it to 'n.jsonl.gz' to read it");
    warn('g.jsonl.bak', "a backup copy ('.bak'): not read, so that its records are not read twice; rename it to 'g.jsonl' to read it");
    warn('m.jsonl~', "a backup copy (an editor's '~')");
    warn('l.jsonl.tmp', "a temporary file ('.tmp'): what was writing it may not have finished; not read: rename it to 'l.jsonl' once it is complete");
    warn('y.csv.weird', "its name ends in '.weird' after the data extension '.csv': not read");
    warn('w.tar.gz', 'an archive is not read');
    warn('r.jl', "a '.jl' ending (JSON Lines, as Scrapy writes them) is not read: rename it to .jsonl");
    warn('s.jsonl (1)', "a second copy ('(1)', as browsers and file managers name one): not read, so that its records are not read twice; rename it to 's.jsonl' to read it");
    expect(r.stderr).toMatch(/error: 14 inputs were not read/);
    for (const n of ['LICENSE', 'ok.jsonl.md5', 'notes.log.gz', '_x.jsonl', '.x.jsonl']) expect(r.stderr).not.toContain(`/${n}'`);
    const stats = JSON.parse(await readFile(st, 'utf8'));
    expect(stats.skipped.length).toBe(14);
    expect(await readFile(join(dir, 'o.jsonl'), 'utf8')).toBe('{"text":"ok"}\n');
    // Named alone, with --format, such a file is read.
    const one = await runCli(['cat', join(d, 'j.gz'), '--format', 'jsonl', '-q']);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(rec);
  });
  it('a hostile name is escaped in the reason too', async () => {
    const dir = await tempDir();
    const d = join(dir, 'd');
    await mkdir(d);
    await writeFile(join(d, 'ok.jsonl'), '{"text":"ok"}\n');
    await writeFile(join(d, 'a\x1b[31mX\nY.jsonl.bak'), '{"text":"x"}\n');
    const r = await runCli(['cat', d, '-o', join(dir, 'o.jsonl'), '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('\x1b');
    expect(r.stderr).toContain("rename it to 'a\\x1b[31mX\\x0aY.jsonl' to read it");
  });
});

// New-user review 21 N11: in a Hugging Face style folder, dataset_info.json was read as a record
// (read/text_missing, bad input for --max-reject-rate) and the advice was --text-field.
describe("Hugging Face datasets' metadata files in a folder", () => {
  it('are passed over with a note, not read as records nor counted as lost; a same-named data file is read', async () => {
    const dir = await tempDir();
    const hf = join(dir, 'hf');
    await mkdir(join(hf, 'train'), { recursive: true });
    await writeFile(join(hf, 'dataset_dict.json'), '{"splits": ["train"]}');
    await writeFile(join(hf, 'train/dataset_info.json'), '{"dataset_name":"w","splits":{"train":{"num_examples":2}},"features":{"text":{"dtype":"string"}}}\n');
    await writeFile(join(hf, 'train/state.json'), '{"_data_files":[{"filename":"data-00000-of-00001.arrow"}],"_fingerprint":"ab"}');
    await writeFile(join(hf, 'train/data.jsonl'), '{"text":"one"}\n{"text":"two"}\n');
    const skipped: SkippedInput[] = [];
    const files = await expandInputs([hf], skipped);
    expect(files.map((f) => f.slice(hf.length))).toEqual(['/train/data.jsonl']);
    expect(skipped.map((s) => [s.name.slice(hf.length), s.metadata])).toEqual([['/dataset_dict.json', true], ['/train/dataset_info.json', true], ['/train/state.json', true]]);
    const r = await runCli(['cat', hf, '-o', join(dir, 'o.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('read 2 = written 2');
    expect(r.stderr).toContain("Hugging Face datasets metadata (its 'dataset_info.json'");
    expect(r.stderr).not.toContain('--text-field');
    // A file of that name that holds records (a JSON array, lines) is data: read.
    const d2 = join(dir, 'd2');
    await mkdir(d2);
    await writeFile(join(d2, 'state.json'), '[{"text":"a"},{"text":"b"}]');
    await writeFile(join(d2, 'dataset_info.json'), '{"text":"a record"}\n');
    const s2: SkippedInput[] = [];
    expect((await expandInputs([d2], s2)).length).toBe(2);
    expect(s2).toEqual([]);
  });
});
