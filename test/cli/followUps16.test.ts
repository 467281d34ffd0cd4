import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCliAll, runNode, signalWhen, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';
import { snapshot } from '../helpers/snapshot.js';

// Follow-ups of the reviews of session 15 (/work/notes/old15/review-hostile15.md, review-newuser15.md).

const GOOD = ['{"text":"the first good record of the earlier output"}', '{"text":"the second good record"}', '{"text":"the third"}'].join('\n') + '\n';

// Hostile review 15 F9: `cat bad.jsonl -o keep.jsonl --overwrite` wrote nothing, exited 1, and
// keep.jsonl (the earlier good output) was gone. A command that fails never removes or damages
// the output it was to replace; --overwrite replaces it only with a complete output.
describe('--overwrite by a command that fails', () => {
  it('leaves the earlier output as it was: a file, a folder, a shard set, a Parquet file, a JSON array', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await writeFile(join(dir, 'bad.jsonl'), 'not json\n{"text":5}\n');
    // Some records written, then over the reject rate (exit 1 with a part of an output).
    await writeFile(join(dir, 'half.jsonl'), '{"text":"one new record"}\nbad\nbad\n');
    const outs = ['keep.jsonl', 'kd/', 'ks.jsonl', 'kp.parquet', 'ka.json', 'kz.jsonl.zst'];
    const extra = (o: string): string[] => (o === 'ks.jsonl' ? ['--shard-records', '1'] : []);
    const made = await runCliAll(outs.map((o) => ['cat', 'good.jsonl', '-o', o, '-q', ...extra(o)]), { cwd: dir });
    for (const r of made) expect(r.code, r.stderr).toBe(0);
    const before = await snapshot(dir);
    const failed = await runCliAll(
      outs.flatMap((o) => [
        ['cat', 'bad.jsonl', '-o', o, '--overwrite', ...extra(o)],
        ['cat', 'half.jsonl', '-o', o, '--overwrite', '--stats', `${o.replace(/\W/g, '_')}.json`, ...extra(o)],
      ]),
      { cwd: dir },
      1,
    );
    for (const r of failed) {
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/note: the earlier (output '[^']+' is kept as it was|shards of 'ks\.jsonl' \('ks-00000\.jsonl' and \d+ more files\) are kept as they were)(, and so is '[^']+')?: --overwrite replaces (it|them) only with a complete output; this command's output( and stats were| was) removed/);
    }
    // Nothing else beside them (no set-aside copy, no temporary), nor the failed commands' stats:
    // the earlier outputs had none, and the three are kept as they were (hostile review 16 F2).
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a write failure and a signal leave it too; a command that succeeds replaces it and leaves no copy', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'good.jsonl'), GOOD);
    await writeFile(join(dir, 'big.jsonl'), Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to take a while` })).join('\n') + '\n');
    const [made, madeDir] = await runCliAll([['cat', 'good.jsonl', '-o', 'keep.jsonl', '-q'], ['cat', 'good.jsonl', '-o', 'kd/', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    expect(madeDir.code, madeDir.stderr).toBe(0);
    const before = await snapshot(dir);
    const full = await runNode(['--import', join(ROOT, 'test/helpers/faults.mjs'), CLI, 'cat', 'big.jsonl', '-o', 'keep.jsonl', '--overwrite', '-q'], { cwd: dir, env: { FAULT: 'write', FAULT_PATH: 'keep\\.jsonl\\.tmp' } });
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toContain('ENOSPC');
    expect(full.stderr).toContain("the earlier output 'keep.jsonl' is kept as it was");
    const stopped = await signalWhen(['cat', join(dir, 'big.jsonl'), '-o', join(dir, 'kd/'), '--overwrite', '--shard-records', '1000', '-q'], join(dir, 'kd'), (names) => names.includes('part-00003.jsonl'), 'SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toContain('the earlier output');
    expect(await snapshot(dir)).toEqual(before);
    const ok = await runCliAll([['cat', 'big.jsonl', '-o', 'keep.jsonl', '--overwrite', '-q'], ['cat', 'big.jsonl', '-o', 'kd/', '--overwrite', '-q']], { cwd: dir });
    for (const r of ok) expect(r.code, r.stderr).toBe(0);
    expect((await readFile(join(dir, 'keep.jsonl'), 'utf8')).split('\n').length - 1).toBe(60_000);
    expect((await readdir(dir)).filter((n) => n.startsWith('.'))).toEqual([]);
    expect((await readdir(join(dir, 'kd'))).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl']);
    expect(existsSync(join(dir, 'kd/part-00000.jsonl'))).toBe(true);
  });
});

// New-user review 15 F19: `--stats FIFO` that nobody reads, then SIGTERM: "terminated; unfinished
// output removed" was printed, and the process stayed alive (Node's exit waits for the thread
// whose open of the FIFO waits for a reader); a second signal did nothing.
/** True when a thread of process `pid` waits in the open of a FIFO for the other end (Linux). */
async function waitsForReader(pid: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const chans = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/wchan`, 'utf8').catch(() => '')));
  return chans.includes('wait_for_partner');
}

describe('a signal while an output FIFO has no reader', () => {
  it.skipIf(process.platform !== 'linux')('ends the process with its exit code', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD);
    const fifo = join(dir, 'stats.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const p = spawn(process.execPath, [CLI, 'cat', 'in.jsonl', '-o', 'o.jsonl', '--stats', fifo, '-q'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((r) => p.on('close', r));
    try {
      // Signalled once a thread of the process waits in the FIFO's open (Linux: its wchan).
      while (!(await waitsForReader(p.pid!))) await new Promise((r) => setTimeout(r, 10));
      expect(stderr).toContain('read 3 = written 3');
      p.kill('SIGTERM');
      expect(await closed, stderr).toBe(143);
      expect(stderr).toContain('corpus-clean cat: terminated; unfinished output removed\n');
      expect(existsSync(join(dir, 'o.jsonl'))).toBe(false);
    } finally {
      p.kill('SIGKILL');
    }
  });

  // New-user review 16 F6: with -o or --rejects a FIFO, the writer's abort waited in the FIFO's
  // open before the FIFOs were let go, so the signal was ignored, again and again.
  for (const flag of ['-o', '--rejects'] as const) {
    it.skipIf(process.platform !== 'linux')(`ends the process when ${flag} is the FIFO`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'in.jsonl'), GOOD);
      const fifo = join(dir, 'out.fifo');
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const args = flag === '-o' ? ['-o', fifo] : ['-o', 'o.jsonl', '--rejects', fifo];
      const p = spawn(process.execPath, [CLI, 'cat', 'in.jsonl', ...args, '-q'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const closed = new Promise<number | null>((r) => p.on('close', r));
      try {
        while (!(await waitsForReader(p.pid!))) await new Promise((r) => setTimeout(r, 10));
        p.kill('SIGTERM');
        const code = await Promise.race([closed, new Promise<string>((r) => setTimeout(() => r('still running 20 s after SIGTERM'), 20_000))]);
        expect(code, stderr).toBe(143);
        expect(stderr).toContain('corpus-clean cat: terminated');
      } finally {
        p.kill('SIGKILL');
      }
    });
  }
});

// New-user review 15 F12: a rejects file inside an input folder got the per-file warning "use
// --text-field NAME", and a run-wide note to pass --text-field text,content,raw; F16: export read
// one as records without text ("tokenize/no_text ... run 'corpus-clean convert' first").
describe('a rejects file among the inputs, and read by export', () => {
  it('is named as a rejects file, with the way to take its records out', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"kept"}\n{"id":1}\nnot json\n');
    const [made] = await runCliAll([['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'rej.jsonl.zst', '--max-reject-rate', '1', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const [copied] = await runCliAll([['cat', 'rej.jsonl.zst', '--no-require-text', '-o', 'mix/b-rejects.jsonl', '-q']], { cwd: dir });
    expect(copied.code, copied.stderr).toBe(0);
    await writeFile(join(dir, 'mix/a.jsonl'), Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `good record ${i}` })).join('\n') + '\n');
    const [folder, exported] = await runCliAll(
      [
        ['cat', 'mix/'],
        ['export', 'internevo', 'rej.jsonl.zst', '-o', 'ex/', '--tokenizer', TOKENIZER_MODEL],
      ],
      { cwd: dir },
    );
    // Found in a folder: refused before anything is read (as run refuses it), leaving it out first.
    expect(folder.code, folder.stderr).toBe(2);
    expect(folder.stderr).toContain(`corpus-clean: input 'mix/b-rejects.jsonl' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only once every input had been read; to leave it out of the input, move it out of mix/, or rename it with a leading '_' (names starting with '_' are skipped when a folder is read); to read them as they are, pass --no-require-text to cat ('corpus-clean cat mix/b-rejects.jsonl --no-require-text --limit 5'); to take out each rejected record`);
    // Not told to name a text field as the fix (F12): only data with a reject's shape is read so.
    expect(folder.stderr).not.toMatch(/use --text-field|--text-field text,content/);
    expect(exported.code, exported.stderr).toBe(1);
    expect(exported.stderr).toContain(`corpus-clean export: note: 2 of 2 records are rejects (keys stage, reason, source: a corpus-clean rejects file), which hold no text of their own: to export those, take them out first, each rejected record, or the line as read when it did not parse, one per line: 'corpus-clean cat rej.jsonl.zst --no-require-text | jq -r "if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end" > records.jsonl' (a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes)\n`);
    expect(exported.stderr).not.toMatch(/--text-field|convert/);
    // Records without text are bad input in export too (new-user review 16 F9), as cat says of them.
    expect(exported.stderr.trimEnd().split('\n').at(-1)).toBe('corpus-clean export: error: nothing was written: 2 of 2 records were bad input (100.0 % > --max-reject-rate 0.1); the notes above say why');
  });
});

// New-user review 15 F3: `... | corpus-clean quality (fails) | corpus-clean dedup`: dedup blamed its
// own inputs ("no record was read from the inputs"); the cause is the command before it.
describe('nothing on stdin', () => {
  it('points at the command before in the pipe', async () => {
    const [r] = await runCliAll([['dedup', '-o', 'o.jsonl']], { cwd: await tempDir(), input: '' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('corpus-clean dedup: error: nothing was written: no record came on stdin (in a pipe, did the command before this one fail? its own message says why); pass --allow-empty when an empty output is expected\n');
  });
});

// New-user review 15 F18: dedup-disk that wrote nothing said "the same command again reuses its
// finished steps" (it can only fail the same way), and "1 files (1 tasks, 1 workers)".
describe('dedup-disk that writes nothing', () => {
  it('says what a rerun reuses, in the singular for one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.jsonl'), 'not json\n{"text":5}\n');
    const [r] = await runCliAll([['dedup-disk', 'bad.jsonl', '--work', 'dd/w/', '-o', 'dd/o/out.jsonl']], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('signatures, buckets and clusters of 1 file (1 task, 1 worker) in dd/w/\n');
    expect(r.stderr).toMatch(/work files kept in dd\/w\/ \(0\.0 MB: the same command again, over the same inputs and flags, reuses its finished steps; a corrected one \(other inputs or flags\) is refused while the folder holds them: remove it first \(rm -r dd\/w\/\) or give a new --work\); remove the folder when done\n/);
    // New-user review 16 F5: the corrected command is refused, as the line now says.
    const [c] = await runCliAll([['dedup-disk', 'bad.jsonl', '--work', 'dd/w/', '-o', 'dd/o/out.jsonl', '--text-field', 'body']], { cwd: dir });
    expect(c.code, c.stderr).toBe(2);
    expect(c.stderr).toContain('remove the folder, or give a new --work');
    const [s] = await runCliAll([['status', 'dd/w/']], { cwd: dir });
    expect(s.stdout + s.stderr).toContain('1 task over 1 input file, ');
  });
});

// New-user review 15 F5: a run stopped before any task finished said "finished tasks are kept".
describe('a run stopped before any task finished', () => {
  it('says none had finished, and what the same command again does', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'big.jsonl'), Array.from({ length: 60_000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i} of a long input, with words enough to take a while to judge.` })).join('\n') + '\n');
    const out = join(dir, 'r');
    const r = await signalWhen(['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', join(dir, 'big.jsonl'), '-o', out, '--workers', '1', '-q'], join(out, '_work'), (names) => names.includes('rejects'), 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('corpus-clean run: terminated; the tasks under way were stopped and their unfinished files removed; no task had finished yet: the same command again starts the run from its plan\ncorpus-clean run: stopped with 0 of ');
    expect(r.stderr).not.toContain('finished tasks are kept');
  });
});

// New-user review 16 F3: a rejects file found in a folder given as input was told how to read it
// (`--no-require-text`, which quality does not take), not how to leave it out of the input.
describe('a rejects file inside a folder given as input', () => {
  it('is told first how to leave it out, and names --no-require-text only with cat', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"id":1}\n'.repeat(40) + '{"text":"kept"}\n');
    const [made] = await runCliAll([['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'rin/rejects.jsonl', '--max-reject-rate', '1', '-q']], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    await writeFile(join(dir, 'rin/a.jsonl'), Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `A plain sentence number ${i} that is long enough to read as text. It has a second sentence too, and a third one here.` })).join('\n') + '\n');
    const [r, renamed] = await runCliAll([['quality', 'rin/', '-o', 'q.jsonl', '--max-reject-rate', '1', '--allow-empty']], { cwd: dir }).then(async (a) => {
      await rename(join(dir, 'rin/rejects.jsonl'), join(dir, 'rin/_rejects.jsonl'));
      return [...a, ...(await runCliAll([['quality', 'rin/', '-o', 'q2.jsonl', '--max-reject-rate', '1', '--allow-empty']], { cwd: dir }))];
    });
    // Refused before anything is read now (as run refuses it), with the same advice, leaving it out first.
    expect(r.code, r.stderr).toBe(2);
    const leaveOut = "to leave it out of the input, move it out of rin/, or rename it with a leading '_' (names starting with '_' are skipped when a folder is read); to read them as they are, pass --no-require-text to cat ('corpus-clean cat rin/rejects.jsonl --no-require-text --limit 5')";
    expect(r.stderr).toContain(`corpus-clean: input 'rin/rejects.jsonl' is a corpus-clean rejects file (its first line is a reject: stage, reason, source, then only record, attrs, raw, raw_base64, detail), whose records have no text field: each would be bad input, found only once every input had been read; ${leaveOut}`);
    expect(existsSync(join(dir, 'q.jsonl'))).toBe(false);
    // What it says is true: a name starting with '_' is not read.
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stderr).toMatch(/^corpus-clean quality: read 12 = /m);
  });
});

// New-user review 16 F19: README says a record no stage changed is written to the rejects as read;
// for an input FILE (not stdin) the input check's wrapper dropped the reader's cue, and the
// record was serialised again (2.50 -> 2.5, \u00e9 -> é).
describe('a reject of a record no stage changed, read from a file', () => {
  it('keeps the input line as read, as from stdin', async () => {
    const dir = await tempDir();
    const line = '{"text": "x", "n": 2.50, "e": "\\u00e9"}';
    await writeFile(join(dir, 'a.jsonl'), line + '\n');
    const [r] = await runCliAll([['quality', 'a.jsonl', '-o', 'o.jsonl', '--rejects', 'r.jsonl', '--allow-empty', '-q']], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const rejects = await readFile(join(dir, 'r.jsonl'), 'utf8');
    expect(rejects).toContain(`"record":${line},`);
  });
});
