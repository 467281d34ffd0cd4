import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli, runCliAll, signalWhen, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';
import { snapshot } from '../helpers/snapshot.js';

// Follow-ups of the reviews of session 17 about --overwrite (/work/notes/old17/review-hostile17.md
// F4, review-newuser17.md F3, F8).

const GOOD = ['{"text":"the first good record of the earlier output"}', '{"text":"the second good record"}', '{"text":"the third"}'].join('\n') + '\n';

// hostile review 17 F4: a failed `cat bad -o RUN/ --overwrite --rejects RUN/_rejects.jsonl.zst
// --stats RUN/_stats.json` put the run back but then wrote its own _stats.json beside the run's
// _SUCCESS, and its error line pointed at the run's rejects as if they were its own (fixed by
// 7dace68; this is the finding's case).
describe("a failed --overwrite of a run folder with --rejects and --stats at the run's own names", () => {
  it('leaves the whole run as it was, and its error line does not point at the run\'s rejects', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD);
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"one good record"}\n{"id":1}\n{"id":2}\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const made = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'RUN', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const before = await snapshot(join(dir, 'RUN'));
    const failed = await runCli(['cat', 'bad.jsonl', '-o', 'RUN/', '--overwrite', '--rejects', 'RUN/_rejects.jsonl.zst', '--stats', 'RUN/_stats.json'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("note: the earlier output 'RUN/' is kept as it was");
    expect(failed.stderr).not.toContain('see RUN/_rejects.jsonl.zst');
    expect(await snapshot(join(dir, 'RUN'))).toEqual(before);
    const status = await runCli(['status', 'RUN'], { cwd: dir });
    expect(status.code, status.stdout).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'RUN', '_stats.json'), 'utf8')).command).toBe('run');
  });
});

/** Poll until `ok()` (every 5 ms; the test's timeout bounds it). */
async function until(ok: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await ok())) await new Promise((r) => setTimeout(r, 5));
}

/** Start the CLI reading records on its stdin, which stays open until the test ends it. */
function fed(args: string[], cwd: string): { p: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const p = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['pipe', 'ignore', 'ignore'] });
  return { p, done: new Promise((res) => p.on('close', (code, signal) => res({ code, signal }))) };
}

// new-user review 17 F8: `export internevo --overwrite` removed .bin files corpus-clean did not
// write, and the refusal before it named only corpus-clean's shards (in the first type folder).
// fix17's leftover: a failed export --overwrite did not put back its --rejects/--stats, and its
// type folders' locks were not journaled, so a kill -9'd export's set-aside shards stayed hidden.
describe('export internevo --overwrite', () => {
  const TK = ['--tokenizer', TOKENIZER_MODEL];
  it('is refused first naming the files it would remove that corpus-clean did not name as shards', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'en.jsonl'), GOOD);
    await writeFile(join(dir, 'zh.jsonl'), '{"text":"这是一个用于测试的中文句子，内容足够长。"}\n');
    for (const t of ['cn', 'en']) await mkdir(join(dir, 'tk', 'train', t), { recursive: true });
    const made = await runCliAll([['export', 'internevo', 'zh.jsonl', ...TK, '--type', 'cn', '-o', 'tk/'], ['export', 'internevo', 'en.jsonl', ...TK, '--type', 'en', '-o', 'tk/']], { cwd: dir });
    for (const r of made) expect(r.code, r.stderr).toBe(0);
    await cp(join(dir, 'tk/train/en/part-00000.bin'), join(dir, 'tk/train/en/mine.bin'));
    await cp(join(dir, 'tk/train/en/part-00000.bin.meta'), join(dir, 'tk/train/en/mine.bin.meta'));
    const refused = await runCli(['export', 'internevo', 'en.jsonl', ...TK, '--type', 'by-lang', '-o', 'tk/'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("tk/train/cn already holds shards (part-00000.bin, ...); --overwrite would remove with them 2 files not named as corpus-clean names its shards (part-NNNNN.bin), as InternEvo reads every .bin of a type folder: 'tk/train/en/mine.bin', 'tk/train/en/mine.bin.meta'; remove them or pass --overwrite");
  });

  it('that fails puts back the earlier shards with their --rejects and --stats; one killed with SIGKILL is put back by the next export', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'en.jsonl'), GOOD + '{"id":1}\n');
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"one"}\n{"id":1}\n{"id":2}\n');
    const first = await runCli(['export', 'internevo', 'en.jsonl', ...TK, '--type', 'en', '-o', 'tk/', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--max-reject-rate', '0.5', '-q'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const before = await snapshot(dir);
    const failed = await runCli(['export', 'internevo', 'bad.jsonl', ...TK, '--type', 'en', '-o', 'tk/', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--overwrite'], { cwd: dir });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain("and so are 'rej.jsonl' and 'st.json'");
    expect(await snapshot(dir)).toEqual(before);
    // Killed while it writes: every earlier file aside, said in the type folder's lock.
    const k = fed(['export', 'internevo', '-', ...TK, '--type', 'en', '-o', 'tk/', '--rejects', 'rej.jsonl', '--stats', 'st.json', '--overwrite', '-q'], dir);
    k.p.stdin!.write(GOOD);
    // ... and once its first shard's temporary is open, which the next export removes (CI at
    // cdff6f9 found it left when the kill came that late).
    await until(async () => (await readFile(join(dir, 'tk/train/en/.corpus-clean.lock'), 'utf8').catch(() => '')).includes('earlier=aside') && (await readdir(join(dir, 'tk/train/en'))).some((f) => /^\.part-00000\.\d+\.tmp\.bin$/.test(f)));
    k.p.kill('SIGKILL');
    expect((await k.done).signal).toBe('SIGKILL');
    expect(existsSync(join(dir, 'tk/train/en/part-00000.bin'))).toBe(false);
    const next = await runCli(['export', 'internevo', 'en.jsonl', ...TK, '--type', 'en', '-o', 'tk/', '--rejects', 'rej.jsonl', '--stats', 'st.json'], { cwd: dir });
    expect(next.code).toBe(2);
    expect(next.stderr).toMatch(/note: 'tk\/train\/en': put back 2 files of the earlier output that a killed --overwrite command \(PID \d+\) had set aside/);
    expect(next.stderr, next.stderr).toContain("note: 'rej.jsonl': put back 1 file");
    expect(next.stderr).toContain('already holds shards');
    expect(await snapshot(dir)).toEqual(before);
    // Settled once: the shards put back are not taken for the killed export's unfinished ones.
    const after = await runCli(['export', 'internevo', 'en.jsonl', ...TK, '--type', 'en', '-o', 'tk/'], { cwd: dir });
    expect(after.code).toBe(2);
    expect(after.stderr).not.toContain('note:');
    expect(await snapshot(dir)).toEqual(before);
  });
});

// New-user review 16 F18's second half (fix17b's leftover): dedup-disk stopped (or failed) in its
// steps 1-3 left the empty output folder it had made (dd5/), with "unfinished output removed".
describe('dedup-disk stopped or failed before it writes its output', () => {
  it('leaves no output folder of its making', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big.jsonl'), Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to take a while to sign.` })).join('\n') + '\n');
    const r = await signalWhen(['dedup-disk', join(dir, 'big.jsonl'), '-o', join(dir, 'dd/sub/'), '--work', join(dir, 'w'), '-q'], join(dir, 'w', '_work'), (names) => names.includes('global'), 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(existsSync(join(dir, 'dd'))).toBe(false);
    await writeFile(join(dir, 'small.jsonl'), GOOD);
    const failed = await runCli(['dedup-disk', 'small.jsonl', '-o', 'd2/out.jsonl', '--rejects', 'd3/rej.jsonl', '--work', 'w2', '-q'], { cwd: dir, env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(failed.code, failed.stderr).toBe(1);
    expect(existsSync(join(dir, 'd2'))).toBe(false);
    expect(existsSync(join(dir, 'd3'))).toBe(false);
    expect(existsSync(join(dir, 'w2', '_plan.json'))).toBe(true);
  });
});

// New-user review 16 F16 (a), fix17b's leftover: the note of a failed --overwrite of a shard set
// named 'sh/out.jsonl', a file there is not (the output is sh/out-0000N.jsonl and its marker).
describe('a failed --overwrite of a shard set', () => {
  it('names the shards kept, not a file of the set\'s name', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"one"}\nbad\nbad\n');
    const made = await runCli(['cat', 'good.jsonl', '-o', 'sh/out.jsonl', '--shard-records', '1', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const before = await snapshot(dir);
    const failed = await runCli(['cat', 'bad.jsonl', '-o', 'sh/out.jsonl', '--shard-records', '1', '--overwrite'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("note: the earlier shards of 'sh/out.jsonl' ('sh/out-00000.jsonl' and 3 more files) are kept as they were: --overwrite replaces them only with a complete output");
    expect(await snapshot(dir)).toEqual(before);
  });
});

// New-user review 17 F3's sibling (hostile 17 F4's "foreign --rejects mine --stats conf.json"):
// with no earlier output to replace, a --rejects/--stats file corpus-clean did not write (the one
// --overwrite was given for) was replaced by a failing command's rejects and stats, no word.
describe('a failed --overwrite whose only earlier files are the user\'s own --rejects and --stats', () => {
  it('puts them back and says so; a command that succeeds replaces them, leaving no copy', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'half.jsonl'), '{"text":"one"}\nbad\nbad\n');
    await writeFile(join(dir, 'none.jsonl'), 'bad\nbad\n');
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    for (const n of ['notes', 'notes2', 'notes3']) await writeFile(join(dir, `${n}.jsonl`), '{"text":"my own notes, not corpus-clean"}\n');
    await writeFile(join(dir, 'st.json'), '{"mine":1}\n');
    const before = await snapshot(dir);
    const [half, none] = await runCliAll(
      [
        ['cat', 'half.jsonl', '-o', 'new.jsonl', '--overwrite', '--rejects', 'notes.jsonl', '--stats', 'st.json'],
        ['cat', 'none.jsonl', '-o', 'new2.jsonl', '--overwrite', '--rejects', 'notes2.jsonl'],
      ],
      { cwd: dir },
      1,
    );
    expect(half.code).toBe(1);
    expect(half.stderr).toContain("note: 'notes.jsonl' and 'st.json' are kept as they were: --overwrite replaces them only with a complete output; this command's rejects and stats were not kept");
    expect(half.stderr).not.toContain('see notes.jsonl');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("note: 'notes2.jsonl' is kept as it was");
    const after = await snapshot(dir);
    // The failed command's own output stays, marked as failed, as every failed command's does.
    for (const n of ['new.jsonl', 'new.jsonl._FAILED']) delete after[n];
    expect(after).toEqual(before);
    const ok = await runCli(['cat', 'good.jsonl', '-o', 'new3.jsonl', '--overwrite', '--rejects', 'notes3.jsonl', '-q'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(await readFile(join(dir, 'notes3.jsonl'), 'utf8')).toBe('');
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
