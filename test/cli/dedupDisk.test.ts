import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, ROOT, runCli, SHARED, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

describe('corpus-clean dedup-disk', () => {
  // fixtures/dedup: 31 records (licence texts and the Data-Juicer demo) with exact and near duplicates;
  // ../shared/data/neardup: the same two sources in full, 133 records.
  for (const [input, n] of [[join(ROOT, 'fixtures/dedup'), 31], [join(SHARED, 'neardup'), 133]] as const) {
    it.runIf(n === 31 || HAS_SHARED)(`writes the same records and rejects as the in-memory dedup (${n} records)`, async () => {
      const dir = await tempDir();
      const disk = await runCli(['dedup-disk', input, '--work', join(dir, 'work'), '-o', join(dir, 'disk.jsonl'), '--rejects', join(dir, 'disk.rej'), '-q']);
      const mem = await runCli(['dedup', input, '-o', join(dir, 'mem.jsonl'), '--rejects', join(dir, 'mem.rej'), '-q']);
      expect(disk.code).toBe(0);
      expect(mem.code).toBe(0);
      expect(await readFile(join(dir, 'disk.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
      const reasons = (f: string): Promise<string[]> => readFile(f, 'utf8').then((t) => t.trim().split('\n').map((l) => { const r = JSON.parse(l); return `${r.source} ${r.reason} ${r.detail.survivor}`; }).sort());
      const rej = await reasons(join(dir, 'disk.rej'));
      expect(rej.length).toBeGreaterThan(0);
      expect(rej).toEqual(await reasons(join(dir, 'mem.rej')));
      expect(disk.stderr).toMatch(new RegExp(`read ${n} = written \\d+ \\+ rejected \\d+ \\[dedup/dedup:minhash \\d+\\]`));
      await rm(dir, { recursive: true, force: true });
    });
  }

  it('needs files and a new work folder', async () => {
    const dir = await tempDir();
    expect((await runCli(['dedup-disk', join(ROOT, 'fixtures/dedup')])).stderr).toMatch(/--work DIR is required/);
    const r = await runCli(['dedup-disk', '--work', dir], { input: '{"text":"x"}\n' });
    expect(r.code).toBe(2);
    // A work folder inside an input folder: refused before anything is written (hostile review 6 F8).
    const { mkdir, writeFile, readdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in/a.jsonl'), '{"text":"x"}\n');
    const inside = await runCli(['dedup-disk', 'in', '--work', 'in/w', '-o', 'o.jsonl'], { cwd: dir });
    expect(inside.code, inside.stderr).toBe(2);
    expect(inside.stderr).toContain("--work 'in/w' lies inside the input folder 'in'");
    expect(await readdir(join(dir, 'in'))).toEqual(['a.jsonl']);
    // A file where a folder is needed is a usage error, as for -o (hostile review 6 F7: exit 1, and
    // export only after loading the tokenizer).
    await writeFile(join(dir, 'afile'), '');
    const work = await runCli(['dedup-disk', 'in', '--work', 'afile', '-o', 'o.jsonl'], { cwd: dir });
    expect(work.code, work.stderr).toBe(2);
    expect(work.stderr).toContain("--work 'afile' is a file, but a folder is needed");
    const ex = await runCli(['export', 'internevo', 'in', '-t', TOKENIZER_MODEL, '-o', 'afile'], { cwd: dir });
    expect(ex.code, ex.stderr).toBe(2);
    expect(ex.stderr).toMatch(/--output 'afile' cannot be created: '.*afile' is a file, not a folder/);
  });
});

describe('input order', () => {
  it('survivors do not depend on the order files are given in, and records without text are rejected in both modes', async () => {
    const { writeFile, mkdir } = await import('node:fs/promises');
    const dir = await tempDir();
    await mkdir(join(dir, 'x'));
    const text = 'the same long licence text repeated in two files so that one of them is a duplicate '.repeat(5);
    await writeFile(join(dir, 'x/a.jsonl'), JSON.stringify({ id: 'A', text }) + '\n{"text":""}\n{"id":1}\n');
    await writeFile(join(dir, 'x/b.jsonl'), JSON.stringify({ id: 'B', text }) + '\n');
    const ids = async (args: string[]): Promise<string> => (await runCli(args)).stdout.trim().split('\n').map((l) => JSON.parse(l).id).join(',');
    const ab = await ids(['dedup', join(dir, 'x/b.jsonl'), join(dir, 'x/a.jsonl'), '-q', '--max-reject-rate', '1']);
    expect(ab).toBe('A');
    expect(await ids(['dedup', join(dir, 'x/a.jsonl'), join(dir, 'x/b.jsonl'), '-q', '--max-reject-rate', '1'])).toBe('A');
    const disk = await runCli(['dedup-disk', join(dir, 'x/b.jsonl'), join(dir, 'x/a.jsonl'), '--work', join(dir, 'w'), '-q', '--max-reject-rate', '1']);
    expect(disk.stdout.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(['A']);
    expect(disk.stderr).toMatch(/read 4 = written 1 \+ rejected 3/);
  });
});

describe('dedup-disk on the execution layer', () => {
  it('signs in tasks on workers; a BOM and a damaged gzip are read and counted as by dedup --minhash; output does not depend on workers', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const { gzipSync } = await import('node:zlib');
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    const lic = (await readFile(join(ROOT, 'fixtures/dedup/licenses.jsonl'), 'utf8')).trim().split('\n');
    // a.jsonl: a BOM, then the licence texts twice (cut into several tasks by --task-size);
    // b.jsonl.gz: the texts again, the gzip cut short.
    await writeFile(join(dir, 'in/a.jsonl'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([...lic, ...lic].join('\n') + '\n')]));
    const gz = gzipSync([...lic, ...lic, ...lic].join('\n') + '\n');
    await writeFile(join(dir, 'in/b.jsonl.gz'), gz.subarray(0, gz.length - 200));
    const mem = await runCli(['dedup', '--minhash', join(dir, 'in'), '-o', join(dir, 'mem.jsonl'), '--rejects', join(dir, 'mem.rej'), '--stats', join(dir, 'mem.stats'), '-q']);
    expect(mem.code).toBe(1); // the damaged gzip
    const accounting = (s: string): string => s.split('\n').find((l) => / read \d+ = /.test(l))!.replace(/^corpus-clean [a-z-]+: /, '').replace(/ in [\d.]+ s.*$/, '');
    for (const w of ['1', '2']) {
      const r = await runCli(['dedup-disk', join(dir, 'in'), '--work', join(dir, `w${w}`), '--workers', w, '--task-size', '20KB', '-o', join(dir, `disk${w}.jsonl`), '--rejects', join(dir, `disk${w}.rej`), '--stats', join(dir, `disk${w}.stats`), '-q']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/b\.jsonl\.gz: unexpected end of file; .*; nothing before the damage could be verified/);
      expect(accounting(r.stderr)).toBe(accounting(mem.stderr));
      // The cut member's lines were never checked: unverified rejects (#10), the cut one among them.
      expect(accounting(r.stderr)).toMatch(/read\/unverified \d+/);
      expect(await readFile(join(dir, `disk${w}.jsonl`), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
      expect(await readFile(join(dir, `disk${w}.rej`), 'utf8')).toBe(await readFile(join(dir, 'mem.rej'), 'utf8'));
      const plan = JSON.parse(await readFile(join(dir, `w${w}`, '_plan.json'), 'utf8')) as { tasks: unknown[] };
      expect(plan.tasks.length).toBeGreaterThan(2);
    }
    // The same command again on the same work folder resumes it: nothing to redo, same output.
    const again = await runCli(['dedup-disk', join(dir, 'in'), '--work', join(dir, 'w2'), '--workers', '2', '--task-size', '20KB', '-o', join(dir, 'again.jsonl'), '--max-reject-rate', '1']);
    expect(again.stderr).toMatch(/resuming in .*w2 \((\d+) of \1 units done\)/);
    expect(await readFile(join(dir, 'again.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
    // Other options on that work folder: refused.
    const other = await runCli(['dedup-disk', join(dir, 'in'), '--work', join(dir, 'w2'), '--threshold', '0.9', '-o', join(dir, 'other.jsonl')]);
    expect(other.code).toBe(2);
    // Its units are all done (the command failed only on the damaged gzip): called finished (review-newuser5 #30).
    expect(other.stderr).toMatch(/holds the finished \(kept\) work of another dedup-disk command/);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});

describe('dedup-disk reads what dedup reads', () => {
  it('.txt, .zst, CSV and Parquet cut into row-group tasks: the same output, rejects and accounting as dedup --minhash; the time is the whole command\'s', async () => {
    const { copyFile, mkdir, writeFile } = await import('node:fs/promises');
    const dir = await tempDir();
    const inp = join(dir, 'in');
    await mkdir(inp);
    const lic = (await readFile(join(ROOT, 'fixtures/dedup/licenses.jsonl'), 'utf8')).trim().split('\n');
    const texts = lic.map((l) => (JSON.parse(l) as { text: string }).text);
    // A Parquet file of small row groups (several tasks with --task-size), holding the texts twice.
    await writeFile(join(dir, 'p.jsonl'), [...lic, ...lic].join('\n') + '\n');
    const pq = await runCli(['cat', join(dir, 'p.jsonl'), '-o', join(inp, 'a.parquet'), '--row-group-size', '4', '-q']);
    expect(pq.code, pq.stderr).toBe(0);
    // Two text files with one licence each (a near copy of a Parquet row), a CSV, and the zstd sample twice.
    await writeFile(join(inp, 'b.txt'), texts[0]);
    await writeFile(join(inp, 'c.txt'), texts[1] + ' ');
    await writeFile(join(inp, 'd.csv'), 'text,id\n' + texts.slice(2, 5).map((t, i) => `"${t.replace(/"/g, '""')}",${i}`).join('\n') + '\n');
    await copyFile(join(ROOT, 'fixtures/sample/web-zh.jsonl.zst'), join(inp, 'e.jsonl.zst'));
    await copyFile(join(ROOT, 'fixtures/sample/web-zh.jsonl.zst'), join(inp, 'f.jsonl.zst'));
    const mem = await runCli(['dedup', '--minhash', inp, '-o', join(dir, 'mem.jsonl'), '--rejects', join(dir, 'mem.rej'), '--max-reject-rate', '1']);
    expect(mem.code, mem.stderr).toBe(0);
    const accounting = (s: string): string => s.split('\n').find((l) => / read \d+ = /.test(l))!.replace(/^corpus-clean [a-z-]+: /, '').replace(/ in [\d.]+ s.*$/, '');
    expect(accounting(mem.stderr)).toMatch(/dedup\/dedup:minhash \d+/);
    const r = await runCli(['dedup-disk', inp, '--work', join(dir, 'w'), '--keep-work', '--task-size', '2KB', '--workers', '2', '-o', join(dir, 'disk.jsonl'), '--rejects', join(dir, 'disk.rej'), '--max-reject-rate', '1']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(await readFile(join(dir, 'w', '_plan.json'), 'utf8')) as { tasks: { file: string; rowGroups?: number[] }[] };
    expect(plan.tasks.filter((t) => t.rowGroups !== undefined).length).toBeGreaterThan(1);
    expect(plan.tasks.map((t) => t.file.replace(/^.*\//, ''))).toEqual(expect.arrayContaining(['b.txt', 'c.txt', 'd.csv', 'e.jsonl.zst', 'f.jsonl.zst']));
    expect(accounting(r.stderr)).toBe(accounting(mem.stderr));
    expect(await readFile(join(dir, 'disk.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'mem.jsonl'), 'utf8'));
    expect(await readFile(join(dir, 'disk.rej'), 'utf8')).toBe(await readFile(join(dir, 'mem.rej'), 'utf8'));
    // The accounting line's time covers the signatures, buckets and clusters too.
    const decided = Number(/decisions made in ([\d.]+) s/.exec(r.stderr)![1]);
    const whole = Number(/ read \d+ = .* in ([\d.]+) s/.exec(r.stderr)![1]);
    expect(whole).toBeGreaterThanOrEqual(decided);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});

describe('dedup-disk locks its work folder', () => {
  it('a second command on a work folder in use is refused, status says it runs; a dead lock is taken over', async () => {
    const { mkdir, writeFile } = await import('node:fs/promises');
    const dir = await tempDir();
    const work = join(dir, 'w');
    const args = ['dedup-disk', join(ROOT, 'fixtures/dedup'), '--work', work, '--keep-work', '-q'];
    // A killed command's lock (no such PID) in an otherwise empty folder: taken over.
    await mkdir(work);
    await writeFile(join(work, '.corpus-clean.lock'), '4194305\n');
    const first = await runCli([...args, '-o', join(dir, 'a.jsonl')]);
    expect(first.code, first.stderr).toBe(0);
    // A live process holds it: refused, and status says it is at work.
    await writeFile(join(work, '.corpus-clean.lock'), `${process.pid}\n`);
    const second = await runCli([...args, '-o', join(dir, 'b.jsonl')]);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`another run \\(PID ${process.pid}\\) is writing to`));
    expect((await runCli(['status', work])).stdout).toMatch(new RegExp(`running: process ${process.pid} is working on it`));
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});

describe('dedup-disk: a damaged removal list in its work folder', () => {
  it('is named and its clustering redone in the same call, never trusted (hostile review 4 N18)', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    const work = join(dir, 'work');
    const args = (o: string): string[] => ['dedup-disk', input, '--work', work, '--keep-work', '-o', join(dir, o), '-q', '--max-reject-rate', '1'];
    expect((await runCli(args('first.jsonl'))).code).toBe(0);
    const first = await readFile(join(dir, 'first.jsonl'), 'utf8');
    const removed = join(work, '_work', 'global', '0', 'removed');
    const lists = (await readdir(removed)).filter((n) => n.endsWith('.jsonl')).sort();
    let emptied = '';
    for (const n of lists) if ((await readFile(join(removed, n))).length > 0) { emptied = n; break; }
    expect(emptied).not.toBe('');
    await writeFile(join(removed, emptied), '');
    // Redone in the same call (new-user review 17 F7), said as a warning.
    const bad = await runCli(args('second.jsonl'));
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.stderr).toMatch(new RegExp(`warning: .*removed/${emptied.replace('.', '\\.')} is damaged: it holds 0 bytes, \\d+ were written; it was removed and unit 0 of phase \\S+ un-marked, so that the run redoes it\\ncorpus-clean dedup-disk: redoing it now, in this run`));
    expect(await readFile(join(dir, 'second.jsonl'), 'utf8')).toBe(first);
  });
});

// review-newuser5 #30: the work folder (2-3x the input) stayed after a successful run, and a
// later command called it "unfinished".
describe('dedup-disk removes its work folder when it succeeds', () => {
  it('removed after exit 0; kept with --keep-work (said, with its size) and after a failure; a kept finished folder is called finished', async () => {
    const { mkdir } = await import('node:fs/promises');
    const { existsSync } = await import('node:fs');
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    const ok = await runCli(['dedup-disk', input, '--work', join(dir, 'w1'), '-o', join(dir, 'a.jsonl'), '-q']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(dir, 'w1'))).toBe(false);
    expect(ok.stderr).not.toContain('work files kept');
    // An empty folder given as --work: its contents go, and the folder too.
    await mkdir(join(dir, 'w2'));
    expect((await runCli(['dedup-disk', input, '--work', join(dir, 'w2'), '-o', join(dir, 'b.jsonl'), '-q'])).code).toBe(0);
    expect(existsSync(join(dir, 'w2'))).toBe(false);
    const kept = await runCli(['dedup-disk', input, '--work', join(dir, 'w3'), '--keep-work', '-o', join(dir, 'c.jsonl'), '-q']);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toMatch(/work files kept in .*w3 \(\d+\.\d MB: --keep-work; the same command again reuses its decisions\); remove the folder when done/);
    expect(existsSync(join(dir, 'w3', '_plan.json'))).toBe(true);
    expect(await readFile(join(dir, 'c.jsonl'), 'utf8')).toBe(await readFile(join(dir, 'a.jsonl'), 'utf8'));
    const other = await runCli(['dedup-disk', input, '--work', join(dir, 'w3'), '--threshold', '0.9', '-o', join(dir, 'd.jsonl')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds the finished \(kept\) work of another dedup-disk command/);
    // One message, with advice that works (hostile review 8 F21: the run folder's "pass --overwrite", refused the same way, was glued after it).
    expect(other.stderr).toContain('its decisions cannot be used: remove the folder, or give a new --work');
    expect(other.stderr).not.toContain('--overwrite');
    // A failed run (too many rejects) keeps the work for the rerun, and says so.
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"one"}\n{"id":2}\n{"id":3}\n');
    const failed = await runCli(['dedup-disk', join(dir, 'bad.jsonl'), '--work', join(dir, 'w4'), '-o', join(dir, 'e.jsonl'), '-q']);
    expect(failed.code).toBe(1);
    expect(existsSync(join(dir, 'w4', '_plan.json'))).toBe(true);
    expect(failed.stderr).toMatch(/work files kept in .*w4 \(\d+\.\d MB: the same command again, over the same inputs and flags, reuses its finished steps; a corrected one \(other inputs or flags\) is refused while the folder holds them: remove it first \(rm -r \S*w4\/?\) or give a new --work\)/);
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});

describe('dedup-disk: damaged signature files its last step reads', () => {
  it('record numbers scrambled in place (same size) are named and their task redone, not other records dropped (hostile review 4 P2 sibling)', async () => {
    const dir = await tempDir();
    const input = join(ROOT, 'fixtures/dedup');
    const work = join(dir, 'work');
    const args = (o: string): string[] => ['dedup-disk', input, '--work', work, '--keep-work', '-o', join(dir, o), '-q', '--max-reject-rate', '1'];
    expect((await runCli(args('first.jsonl'))).code).toBe(0);
    const first = await readFile(join(dir, 'first.jsonl'), 'utf8');
    const g = join(work, '_work', 'global', '0');
    const lists = (await readdir(join(g, 'removed'))).filter((n) => n.endsWith('.jsonl')).sort();
    let task = '';
    for (const n of lists) if ((await readFile(join(g, 'removed', n))).length > 0) { task = n.slice(0, -'.jsonl'.length); break; }
    expect(task).not.toBe('');
    // The 1-based record numbers (uint32): each one moved on by one, so removals would land on other records.
    const p = join(g, 'sigs', `${task}.lines`);
    const b = await readFile(p);
    for (let i = 0; i < b.length; i += 4) b.writeUInt32LE(b.readUInt32LE(i) + 1, i);
    await writeFile(p, b);
    const bad = await runCli(args('second.jsonl'));
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.stderr).toMatch(new RegExp(`warning: .*sigs/${task}\\.lines is damaged: its CRC-32 is not the one written \\(0x[0-9a-f]{8}\\); it was removed and task ${Number(task)} of phase \\S+ un-marked, so that the run redoes it\\ncorpus-clean dedup-disk: redoing it now`));
    expect(await readFile(join(dir, 'second.jsonl'), 'utf8')).toBe(first);
    await rm(dir, { recursive: true, force: true });
  });
});

// Hostile review 10 F45: -w meant --work here and --workers in run.
describe('dedup-disk short flags are those of run', () => {
  it('-w is --workers; a folder given to it is said so; --work given twice is refused', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"one two three four five six seven"}\n{"text":"eight nine ten eleven twelve"}\n');
    const folder = await runCli(['dedup-disk', input, '-w', join(dir, 'work'), '-o', join(dir, 'out.jsonl')]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`--work DIR is required (-w is --workers, as in run: '${join(dir, 'work')}' is no count; the work folder is --work DIR)`);
    const twice = await runCli(['dedup-disk', input, '--work', join(dir, 'a'), '--work', join(dir, 'b'), '-o', join(dir, 'out.jsonl')]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`option '--work' is given twice`);
    const ok = await runCli(['dedup-disk', input, '-w', '1', '--work', join(dir, 'work'), '-o', join(dir, 'out.jsonl'), '-q']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await readdir(dir)).not.toContain('a');
  });
});
