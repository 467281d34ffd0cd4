import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir, withFlag } from '../helpers/run.js';
import { runOutput } from './helpers.js';

// The sample recipe over the bundled real slice (fixtures/sample), cut into a few tasks.
const SAMPLE = ['run', 'rules/recipes/sample.yaml', '--task-size', '200KB', '-q', '--workers', '2'];

// Runs that several tests start from, made once per file (each takes seconds; the suite's time
// on CI is a limit). A finished reference is only read; a stopped run is copied to a fresh
// folder for each test, which damages and reruns its own copy.
const finishedRuns = new Map<string, Promise<string>>();
const stoppedRuns = new Map<string, Promise<string>>();
/** A finished run of `base` (read only: never rerun or damaged). */
function finishedRun(base: string[]): Promise<string> {
  const key = JSON.stringify(base);
  let p = finishedRuns.get(key);
  if (p === undefined) {
    p = (async () => {
      const ref = join(await tempDir(), 'ref');
      const r = await runCli([...base, '-o', ref]);
      expect(r.code, r.stderr).toBe(0);
      return ref;
    })();
    finishedRuns.set(key, p);
  }
  return p;
}
/**
 * A finished run of `base` (`ref`) and, in a fresh folder of its own, one stopped by `unit`
 * failing with 1 worker (`out`; `args` rerun it): a copy of one stopped run per unit.
 */
async function stoppedAt(unit: string, base: string[] = SAMPLE): Promise<{ ref: string; out: string; args: string[] }> {
  const ref = await finishedRun(base);
  const key = JSON.stringify([unit, base]);
  let p = stoppedRuns.get(key);
  if (p === undefined) {
    p = (async () => {
      const stopped = join(await tempDir(), 'stopped');
      expect((await runCli([...withFlag(base, '--workers', '1'), '-o', stopped], { env: { CORPUS_CLEAN_FAIL_UNIT: unit } })).code).toBe(1);
      expect(existsSync(join(stopped, '_SUCCESS'))).toBe(false);
      return stopped;
    })();
    stoppedRuns.set(key, p);
  }
  const out = join(await tempDir(), 'o');
  await cp(await p, out, { recursive: true });
  return { ref, out, args: [...withFlag(base, '--workers', '1'), '-o', out] };
}

describe('merge of a run folder', () => {
  it('a second merge of a finished run changes nothing; a merge whose task rejects are gone fails naming them', async () => {
    // A copy of the shared finished run (this test merges and damages its own).
    const out = join(await tempDir(), 'o');
    await cp(await finishedRun(SAMPLE), out, { recursive: true });
    const before = await runOutput(out);
    const stats = await readFile(join(out, '_stats.json'), 'utf8');
    expect(JSON.parse(stats).rejected).toBeGreaterThan(0);
    // By hand, or a requeued Slurm merge job: a no-op that says so, with the first merge's exit code.
    const again = await runCli(['merge', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/is a finished run \(_SUCCESS\): merged already, nothing changed/);
    expect(await runOutput(out)).toEqual(before);
    expect(await readFile(join(out, '_stats.json'), 'utf8')).toBe(stats);
    // Without _SUCCESS but with _work/ gone (a merge beside another one): the task rejects are
    // missing, so the merge fails naming them and leaves the merged rejects as they were.
    await rm(join(out, '_SUCCESS'));
    const lost = await runCli(['merge', out]);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/the rejects of \d+ task segments are missing in .*_work\/stats\/00000\.0\.json \(task 0's stats\)/);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    expect({ ...(await runOutput(out)), _SUCCESS: undefined }).toEqual({ ...before, _SUCCESS: undefined });
  }, 300_000);
});

describe('rerun of an unfinished run whose input changed', () => {
  it('resumes over unchanged inputs; refuses an input edited in place with the same size, even with its mtime set back', async () => {
    const dir = await tempDir();
    const inputs = join(dir, 'in');
    await cp(join(ROOT, 'fixtures/sample'), inputs, { recursive: true });
    const out = join(dir, 'o');
    const args = [...SAMPLE, '-i', inputs, '-o', out];
    // A run that stops after its first phase (a task of phase 2 fails): some tasks are finished.
    const failing = { env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/0' } };
    expect((await runCli(args, failing)).code).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8'));
    expect(plan.inputFacts).toHaveLength(plan.inputs.length);
    // Nothing changed: the rerun resumes (and stops at the same unit again).
    const same = await runCli(args.filter((a) => a !== '-q'), failing);
    expect(same.code, same.stderr).toBe(1);
    expect(same.stderr).toMatch(/resuming the unfinished run/);
    // The same bytes count, another content (what `sed -i` does).
    const file = join(inputs, 'licenses.jsonl');
    const before = await stat(file);
    await writeFile(join(dir, 'times'), '');
    execFileSync('touch', ['-r', file, join(dir, 'times')]); // its times, to the nanosecond
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/the /g, 'THE '));
    expect((await stat(file)).size).toBe(before.size);
    const edited = await runCli(args);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/holds an unfinished run whose input changed since: '[^']*licenses\.jsonl' \(modified .*\); .*pass --overwrite to start again/);
    // Its modification time set back as it was: the change time still tells.
    execFileSync('touch', ['-r', join(dir, 'times'), file]);
    expect((await stat(file, { bigint: true })).mtimeNs).toBe((await stat(join(dir, 'times'), { bigint: true })).mtimeNs);
    const hidden = await runCli(args);
    expect(hidden.code).toBe(2);
    expect(hidden.stderr).toMatch(/whose input changed since: '[^']*licenses\.jsonl' \(changed /);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(false);
    // --overwrite starts again from the new content.
    const fresh = await runCli([...args, '--overwrite']);
    expect(fresh.code, fresh.stderr).toBe(0);
  }, 300_000);
});

describe('a run killed after its _SUCCESS (hostile review 2 L3)', () => {
  it('writes the report before _SUCCESS; a rerun of the same command writes a missing report and removes a _work/ left behind, then is refused as finished', async () => {
    const dir = await tempDir();
    const out = join(dir, 'o');
    const args = [...SAMPLE.filter((a) => a !== '-q'), '-o', out];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/report in .*_report\.html/);
    // The report is written before _SUCCESS, the last thing the merge writes but the removal of _work/.
    const [page, success] = [await stat(join(out, '_report.html'), { bigint: true }), await stat(join(out, '_SUCCESS'), { bigint: true })];
    expect(page.mtimeNs <= success.mtimeNs).toBe(true);
    const before = await runOutput(out);
    const stats = await readFile(join(out, '_stats.json'), 'utf8');
    const html = await readFile(join(out, '_report.html'), 'utf8');
    // What a kill -9 after _SUCCESS leaves: no report (older order), _work/ not yet removed.
    await rm(join(out, '_report.html'));
    await mkdir(join(out, '_work', 'spill', '1'), { recursive: true });
    await writeFile(join(out, '_work', 'spill', '1', '00000.jsonl'), '{"text":"x"}\n');
    // Another command into it is still refused (not finished by a different plan).
    const other = await runCli(withFlag(args, '--task-size', '300KB'));
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/already holds .* from an earlier run; remove them or pass --overwrite/);
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/is a finished run of this command \(_SUCCESS\) whose last steps were cut short: wrote its missing _report\.html and removed the _work\/ left behind; its accounting is in .*_stats\.json/);
    expect(again.stderr).toMatch(/report in .*_report\.html/);
    expect(existsSync(join(out, '_work'))).toBe(false);
    const undated = (t: string): string => t.replace(/ on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, '');
    expect(undated(await readFile(join(out, '_report.html'), 'utf8'))).toBe(undated(html));
    expect(await readFile(join(out, '_stats.json'), 'utf8')).toBe(stats);
    expect(await runOutput(out)).toEqual(before);
    // Nothing left to finish: nothing to do, the run's own exit code (new-user review 6 #6).
    const third = await runCli(args);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(/is already a finished run of this command over the same inputs \(_SUCCESS: read \d+ = written \d+ \+ rejected \d+\): nothing to do; pass --overwrite to run it again/);
    expect(await runOutput(out)).toEqual(before);
    // The merge command finishes the same leftovers.
    await mkdir(join(out, '_work'));
    const merge = await runCli(['merge', out]);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stderr).toMatch(/merged already, only removed the _work\/ left behind/);
    expect(existsSync(join(out, '_work'))).toBe(false);
  }, 300_000);
});

/**
 * Rerun once: damage found in _work/ is said as a warning, its writer un-marked and redone in the
 * same call (new-user review 17 F7), which then finishes (exit 0); every warning one line, no
 * stack. Returns the warnings, one per damaged file.
 */
async function redoneInOneRun(args: string[]): Promise<string[]> {
  const r = await runCli(args);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/Error: |\n\s+at /);
  // Each damage: its warning, then the line saying it is redone now.
  const lines = r.stderr.split('\n');
  const warnings = lines.filter((l, i) => lines[i + 1] === 'corpus-clean run: redoing it now, in this run (finished tasks are kept)');
  for (const w of warnings) expect(w).toMatch(/^corpus-clean run: warning: .* is damaged: .*; it was removed and .* un-marked, so that the run redoes it$/);
  return warnings;
}

describe('a damaged spill in _work (hostile review 2 L7)', () => {
  it('un-marks the tasks that wrote it and redoes them in the same call, which finishes byte-identical; the message has no "Error: " or stack', async () => {
    // Stopped in the last phase: the spills of phase 2 (read by phase 5) are there.
    const { ref, out, args } = await stoppedAt('5-tasks/0');
    const spill = (t: number): string => join(out, '_work', 'spill', '1', `0000${t}.jsonl`);
    const half = await readFile(spill(1));
    expect(half.length).toBeGreaterThan(100);
    await writeFile(spill(1), half.subarray(0, Math.floor(half.length / 2))); // cut mid-record
    await writeFile(spill(2), ''); // emptied: no record fails to parse, the count tells
    const messages = await redoneInOneRun(args);
    expect(messages).toHaveLength(2);
    const all = messages.join('\n');
    expect(all).toMatch(/task 1 of phase 5-tasks \(.*\) failed: spill .*_work\/spill\/1\/00001\.jsonl is damaged: json_parse at .*; it was removed and task 1 of phases 0-tasks, 2-tasks un-marked, so that the run redoes it/);
    expect(all).toMatch(/task 2 of phase 5-tasks \(.*\) failed: spill .*00002\.jsonl is damaged: it holds 0 records, its sources file lists \d+; it was removed and task 2 of phases 0-tasks, 2-tasks un-marked/);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 300_000);

  // Hostile review 16 F4: a byte changed inside a record's text (or inside a source) still reads
  // as JSON; it was used silently and published. Each spill's files are sealed with the size and
  // CRC-32 their task took as it wrote them, and checked as they are read.
  it('a letter changed inside a text of a spill, and a digit of a source in its sources file, are found: redone, byte-identical', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/0');
    const spill = (t: number): string => join(out, '_work', 'spill', '1', `0000${t}.jsonl`);
    const data = await readFile(spill(1));
    const text = data.indexOf('"text":"') + 8;
    let at = text;
    while (!(data[at] >= 0x61 && data[at] < 0x7a)) at++;
    data[at]++;
    await writeFile(spill(1), data);
    const srcPath = spill(2).replace(/\.jsonl$/, '.src');
    const src = await readFile(srcPath, 'latin1');
    const m = /:(\d+)"/.exec(src)!;
    const digit = m.index + m[0].length - 2;
    const b = Buffer.from(src, 'latin1');
    b[digit] = b[digit] === 0x39 ? 0x30 : b[digit] + 1;
    await writeFile(srcPath, b);
    const messages = await redoneInOneRun(args);
    expect(messages).toHaveLength(2);
    const all = messages.join('\n');
    expect(all).toMatch(/task 1 of phase 5-tasks \(.*\) failed: spill .*_work\/spill\/1\/00001\.jsonl is damaged: its CRC-32 is not the one written \(0x[0-9a-f]{8}\); it was removed and task 1 of phases 0-tasks, 2-tasks un-marked, so that the run redoes it/);
    expect(all).toMatch(/task 2 of phase 5-tasks \(.*\) failed: spill .*00002\.jsonl is damaged: its sources file .*00002\.src: its CRC-32 is not the one written .*; it was removed and task 2 of phases 0-tasks, 2-tasks un-marked/);
    expect(existsSync(join(out, '_SUCCESS'))).toBe(true);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 300_000);
});

// Issue #10 (hostile review 3, brief item 1): the files global stages keep in _work between
// phases (exact dedup keys and removal lists, MinHash signatures, buckets, edges and removal
// lists, the paragraphs sketches) are sealed by the unit that wrote them (size and CRC-32); a
// damaged one un-marks its writer, so the reruns redo it and finish byte-identical. Before, each
// failed every rerun the same way (or, a flipped byte, changed the dedup decisions silently).
describe('damaged files of global stages in _work', () => {
  const flip = async (path: string, at: number): Promise<void> => {
    const b = await readFile(path);
    b[at] ^= 0x01;
    await writeFile(path, b);
  };
  const cut = async (path: string): Promise<void> => {
    const b = await readFile(path);
    expect(b.length).toBeGreaterThan(10);
    await writeFile(path, b.subarray(0, b.length >> 1));
  };

  it('MinHash: a removal list flipped, an edge file flipped and a bucket file emptied are redone by their writers (cluster, band, task)', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/0');
    const g = join(out, '_work', 'global', '1');
    await flip(join(g, 'removed', '000002.jsonl'), 3);
    await flip(join(g, 'edges', '0003.edg'), 5);
    await writeFile(join(g, 'bands', '000004.bkt'), '');
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/task 2 of phase 5-tasks \(.*\) failed: .*removed\/000002\.jsonl is damaged: its CRC-32 is not the one written \(0x[0-9a-f]{8}\); it was removed and unit 0 of phase 4-dedup-cluster un-marked, so that the run redoes it/);
    expect(all).toMatch(/unit 0 of phase 4-dedup-cluster failed: .*edges\/0003\.edg is damaged: its CRC-32 .*; it was removed and unit 3 of phase 3-dedup-bands un-marked/);
    expect(all).toMatch(/unit 3 of phase 3-dedup-bands failed: .*bands\/000004\.bkt is damaged: it holds 0 bytes, \d+ were written; it was removed and task 4 of phases 0-tasks, 2-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);

  // Damage that keeps a file's size (a bad sector, a faulty copy) in files read a piece at a time
  // (hostile review 4 P2): each piece read is checked against its own CRC-32.
  /** XOR `[from, to)` of a file with 0xa5: same size, every byte changed. */
  const scramble = async (path: string, from = 0, to?: number): Promise<void> => {
    const b = await readFile(path);
    for (let i = from; i < (to ?? b.length); i++) b[i] ^= 0xa5;
    await writeFile(path, b);
  };
  it('MinHash: the shingle sets of a task scrambled (same size) before the cluster reads them: that task is redone, not near-duplicates kept (P2)', async () => {
    const { ref, out, args } = await stoppedAt('4-dedup-cluster/0');
    // Task 2 has near-duplicates (its removal list is not empty: the test above flips it), so the cluster reads its sets.
    await scramble(join(out, '_work', 'global', '1', 'sigs', '000002.set'));
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/unit 0 of phase 4-dedup-cluster failed: .*sigs\/000002\.set is damaged: the shingle set of its record \d+ is not the one written \(its CRC-32 differs\); it was removed and task 2 of phases 0-tasks, 2-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  it('MinHash: a band\'s section of a task\'s bucket file scrambled (same size) before the band reads it: that task is redone (issue 16, one bucket file per task)', async () => {
    const { ref, out, args } = await stoppedAt('3-dedup-bands/0');
    const p = join(out, '_work', 'global', '1', 'bands', '000001.bkt');
    const size = (await readFile(p)).length;
    // Band 0's section: the first of as many sections of equal size as the meta has CRC-32s.
    const bands = (JSON.parse(await readFile(join(out, '_work', 'global', '1', 'sigs', '000001.json'), 'utf8')) as { bucketCrcs: number[] }).bucketCrcs.length;
    await scramble(p, 0, size / bands);
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/unit 0 of phase 3-dedup-bands failed: .*bands\/000001\.bkt is damaged: band 0's section's CRC-32 is not the one written; it was removed and task 1 of phases 0-tasks, 2-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  it('MinHash with verify: signature: the signatures of a task scrambled (same size) are found the same way (P2)', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'sig.yaml');
    const sample = await readFile(join(ROOT, 'rules/recipes/sample.yaml'), 'utf8');
    await writeFile(recipe, sample.replace('../../fixtures/sample', JSON.stringify(join(ROOT, 'fixtures/sample'))).replace(/method: minhash/, 'method: minhash\n      verify: signature'));
    const { ref, out, args } = await stoppedAt('4-dedup-cluster/0', ['run', recipe, ...SAMPLE.slice(2)]);
    await scramble(join(out, '_work', 'global', '1', 'sigs', '000002.sig'));
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/unit 0 of phase 4-dedup-cluster failed: .*sigs\/000002\.sig is damaged: the signature of its record \d+ is not the one written \(its CRC-32 differs\); it was removed and task 2 of phases 0-tasks, 2-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  it('exact dedup: a key changed in place (same size) in the section a partition reads, and a record number changed in a removal list, are redone by their writers (P2)', async () => {
    // Keys: stop at partition 1 (it has duplicates: the test above cuts its list) and change the
    // key of a line whose key another line repeats, so that the duplicate would be kept.
    const k = await stoppedAt('1-dedup-partitions/1');
    const g = join(k.out, '_work', 'global', '0');
    const offsetsOf = async (p: string): Promise<number[]> => {
      const x = JSON.parse(await readFile(p + '.idx', 'utf8')) as number[] | { offsets: number[] };
      return Array.isArray(x) ? x : x.offsets;
    };
    const seen = new Set<string>();
    let target: { task: number; at: number } | undefined;
    for (let t = 0; target === undefined && existsSync(join(g, 'keys', `00000${t}.tsv`)); t++) {
      const p = join(g, 'keys', `00000${t}.tsv`);
      const off = await offsetsOf(p);
      const text = (await readFile(p)).subarray(off[1], off[2]).toString('latin1');
      let at = 0;
      for (const line of text.split('\n').filter((l) => l !== '')) {
        const key = line.split('\t').slice(0, 2).join('\t');
        if (seen.has(key)) {
          // The last digit of the key's low half.
          target = { task: t, at: off[1] + at + line.indexOf('\t', line.indexOf('\t') + 1) - 1 };
          break;
        }
        seen.add(key);
        at += line.length + 1;
      }
    }
    expect(target).toBeDefined();
    const keys = join(g, 'keys', `00000${target!.task}.tsv`);
    const kb = await readFile(keys);
    kb[target!.at] = kb[target!.at] === 0x39 ? 0x30 : kb[target!.at] + 1;
    await writeFile(keys, kb);
    const all = (await redoneInOneRun(k.args)).join('\n');
    expect(all).toMatch(new RegExp(`unit 1 of phase 1-dedup-partitions failed: .*keys/00000${target!.task}\\.tsv is damaged: section 1's CRC-32 is not the one written; it was removed and task ${target!.task} of phase 0-tasks un-marked`));
    expect(await runOutput(k.out)).toEqual(await runOutput(k.ref));

    // Removal list: stop at the apply and change the last digit of a record number.
    const r = await stoppedAt('2-tasks/0');
    const list = join(r.out, '_work', 'global', '0', 'removed', '000001.tsv');
    const off = await offsetsOf(list);
    const task = off.findIndex((o, i) => i + 1 < off.length && off[i + 1] > o);
    const lb = await readFile(list);
    const digit = lb.indexOf(0x09, off[task]) - 1;
    lb[digit] = lb[digit] === 0x39 ? 0x30 : lb[digit] + 1;
    await writeFile(list, lb);
    const all2 = (await redoneInOneRun(r.args)).join('\n');
    expect(all2).toMatch(new RegExp(`task ${task} of phase 2-tasks \\(.*\\) failed: .*removed/000001\\.tsv is damaged: section ${task}'s CRC-32 is not the one written; it was removed and unit 1 of phase 1-dedup-partitions un-marked`));
    expect(await runOutput(r.out)).toEqual(await runOutput(r.ref));
  }, 600_000);

  it('exact dedup: a removal list cut short and a keys file flipped in its offsets are redone by their writers (partition, task)', async () => {
    const { ref, out, args } = await stoppedAt('2-tasks/0');
    const g = join(out, '_work', 'global', '0');
    await cut(join(g, 'removed', '000001.tsv'));
    await flip(join(g, 'keys', '000002.tsv.idx'), 2);
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/task \d of phase 2-tasks \(.*\) failed: .*removed\/000001\.tsv is damaged: it holds \d+ bytes, \d+ were written; it was removed and unit 1 of phase 1-dedup-partitions un-marked/);
    expect(all).toMatch(/unit 1 of phase 1-dedup-partitions failed: .*keys\/000002\.tsv\.idx is damaged: its CRC-32 .*; it was removed and task 2 of phase 0-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);

  it('paragraphs: the merged sketch and a task sketch damaged are redone by their writers (merge, task)', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'p.yaml');
    await writeFile(recipe, `input: [${JSON.stringify(join(ROOT, 'fixtures/sample'))}]\nstages:\n  - paragraphs: {min_occurrences: 2, sketch_bytes: 65536}\noutput: {shard_records: 200, compression: gzip}\n`);
    const base = ['run', recipe, '--task-size', '200KB', '-q'];
    const ref = join(dir, 'ref');
    expect((await runCli([...base, '-o', ref])).code).toBe(0);
    const out = join(dir, 'o');
    const args = [...base, '-o', out, '--workers', '1'];
    expect((await runCli(args, { env: { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/0' } })).code).toBe(1);
    const g = join(out, '_work', 'global', '0');
    await flip(join(g, 'paragraphs-merged.cms'), 100);
    await cut(join(g, 'paragraphs-task-1.cms'));
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/task 0 of phase 2-tasks \(.*\) failed: .*paragraphs-merged\.cms is damaged: its CRC-32 .*; it was removed and unit 0 of phase 1-paragraphs-merge un-marked/);
    expect(all).toMatch(/unit 0 of phase 1-paragraphs-merge failed: .*paragraphs-task-1\.cms is damaged: it holds \d+ bytes, \d+ were written; it was removed and task 1 of phase 0-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  it('what a task left for the merge (its rejects flipped, an earlier segment\'s stats cut) is redone by the task, not merged or failed forever', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/5');
    await flip(join(out, '_work', 'rejects', '00001.2.jsonl.zst'), 400);
    await cut(join(out, '_work', 'stats', '00002.0.json'));
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/merge: .*_work\/rejects\/00001\.2\.jsonl\.zst is damaged: its CRC-32 .*; it was removed and task 1 of phases 0-tasks, 2-tasks, 5-tasks un-marked, so that the run redoes it/);
    expect(all).toMatch(/merge: .*_work\/stats\/00002\.0\.json is damaged: it holds \d+ bytes, \d+ were written; it was removed and task 2 of phases 0-tasks, 2-tasks, 5-tasks un-marked/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  // New-user review 17 F7: an earlier segment's stats damaged were found only by the task's last
  // segment, once every other phase had run; they are checked as each later segment starts.
  it('an earlier segment\'s stats damaged are found as the task\'s next segment starts, and redone in the same call', async () => {
    const { ref, out, args } = await stoppedAt('2-tasks/0');
    const stats = join(out, '_work', 'stats', '00002.0.json');
    await writeFile(stats, (await readFile(stats, 'utf8')).replace(/"written":(\d+)/, (_, n) => `"written":${Number(n) + 1}`));
    const all = await redoneInOneRun(args);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatch(/task 2 of phase 2-tasks \(.*\) failed: .*_work\/stats\/00002\.0\.json is damaged: its CRC-32 is not the one written \(0x[0-9a-f]{8}\); it was removed and task 2 of phases 0-tasks, 2-tasks, 5-tasks un-marked, so that the run redoes it/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  it('a run whose done units have no seals (begun by a version before them) resumes in one rerun, unchecked (hostile review 4)', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/0');
    for (const d of [join(out, '_work', 'seals'), join(out, '_work', 'global', '0', 'seals'), join(out, '_work', 'global', '1', 'seals')]) await rm(d, { recursive: true, force: true });
    // A version before the seals wrote no "sealed" into its plan either (the mark a resume reads).
    const planFile = join(out, '_plan.json');
    const was = await stat(planFile);
    const plan = JSON.parse(await readFile(planFile, 'utf8'));
    delete plan.sealed;
    await writeFile(planFile, JSON.stringify(plan, null, 1) + '\n');
    await utimes(planFile, was.atime, was.mtime);
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);
  it('in a run planned with seals, a seal that is gone is damage: its writer is redone, not trusted unchecked (hostile review 4 N22)', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/0');
    const g = join(out, '_work', 'global', '1');
    await rm(join(g, 'seals', 'task-00000.json'));
    await writeFile(join(g, 'sigs', '000000.lines'), '');
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/the seal of the files its writer left is gone/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);

  it('deleting the SEALED-FROM-START file as well does not switch the checks off: the plan says sealed too (hostile review 4 N22 residue)', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/0');
    expect(JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')).sealed).toBe(true);
    const g = join(out, '_work', 'global', '1');
    await rm(join(g, 'seals', 'task-00000.json'));
    await rm(join(out, '_work', 'seals', 'SEALED-FROM-START'));
    await writeFile(join(g, 'sigs', '000000.lines'), '');
    const all = (await redoneInOneRun(args)).join('\n');
    expect(all).toMatch(/the seal of the files its writer left is gone/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);

  // Hostile review 16 F6: _work/seals removed cost one failing rerun per task (18 for 19 tasks),
  // each saying "the same command again" resumes. The first task found without its seal un-marks
  // every done task whose seal is gone too, in one pass.
  it('the seals folder removed: the rerun un-marks every task whose seal is gone in one pass and redoes them, byte-identical', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/2');
    await rm(join(out, '_work', 'seals'), { recursive: true });
    const all = await redoneInOneRun(args);
    expect(all).toHaveLength(1);
    // Found by the first task that reads a sealed file: its spill (sealed since hostile review 16 F4) or a file of its own.
    expect(all[0]).toMatch(/task 2 of phase 5-tasks .*failed: .*seals\/00002\.[01]\.json is damaged: the seal of the files its writer left is gone; it was removed and task 2 \(and \d+ more tasks, whose seals are gone too\) of phases 0-tasks, 2-tasks(, 5-tasks)? un-marked, so that the run redoes it/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
  }, 400_000);

  // Hostile review 17 F3: the same for a global stage's seals (`_work/global/N/seals` removed): the
  // first reader to find one gone un-marked only that writer, one failing rerun per task.
  it('a global stage\'s seals folder removed: the rerun un-marks every unit of that stage whose seal is gone in one pass and redoes them, byte-identical', async () => {
    const { ref, out, args } = await stoppedAt('5-tasks/2');
    await rm(join(out, '_work', 'global', '1', 'seals'), { recursive: true });
    const all = await redoneInOneRun(args);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatch(/task 2 of phase 5-tasks .*failed: .*global\/1\/seals\/step1-00000\.json is damaged: the seal of the files its writer left is gone; it was removed and unit 0 of phase 4-dedup-cluster \(and, their seals gone too, \d+ units of phase 3-dedup-bands and \d+ tasks of phases 0-tasks, 2-tasks\) un-marked, so that the run redoes it/);
    expect(await runOutput(out)).toEqual(await runOutput(ref));
    // Exact dedup's (global 0), found by a task's apply: its partitions and tasks.
    const b = await stoppedAt('2-tasks/1');
    await rm(join(b.out, '_work', 'global', '0', 'seals'), { recursive: true });
    const all0 = await redoneInOneRun(b.args);
    expect(all0).toHaveLength(1);
    expect(all0[0]).toMatch(/global\/0\/seals\/step0-00000\.json is damaged: the seal of the files its writer left is gone; it was removed and unit 0 of phase 1-dedup-partitions \(and, their seals gone too, \d+ units? of phase 1-dedup-partitions and \d+ tasks of phase 0-tasks\) un-marked, so that the run redoes it/);
    expect(await runOutput(b.out)).toEqual(await runOutput(b.ref));
  }, 400_000);
});
