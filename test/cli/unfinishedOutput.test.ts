import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, signalWhen, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Hostile review 2, M5: a `cat -o DIR/` killed (-9) or stopped (SIGTERM) left a set of whole,
// valid shards that nothing told apart from a finished output; reading the folder back gave
// rc=0, and the SIGTERM message said "unfinished output removed" while 11 of 14 shards stayed.
// Now a folder output is finished only with `_SUCCESS` (written last, as a run folder's), a
// stop removes what the command wrote, a kill -9 leaves its dead lock, readers refuse a shard
// folder without `_SUCCESS`, and the same command starts over.

let dir: string;
let input: string;
beforeAll(async () => {
  dir = await tempDir();
  input = join(dir, 'in.jsonl');
  const text = 'lorem ipsum dolor sit amet '.repeat(20);
  await writeFile(input, Array.from({ length: 40000 }, (_, i) => JSON.stringify({ id: i, text })).join('\n') + '\n');
});

/** Every file of a folder (names starting with `.` too) with its bytes. */
async function files(d: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of (await readdir(d)).sort()) out[n] = (await readFile(join(d, n))).toString('base64');
  return out;
}

const shards = (names: string[]): string[] => names.filter((n) => /^part-\d+\./.test(n));

describe('a folder output is finished only with _SUCCESS (M5)', () => {
  it('cat -o DIR/ writes _SUCCESS last: a manifest of the exit code, records and shards; reading it back works', async () => {
    const out = join(dir, 'ref') + '/';
    const r = await runCli(['cat', input, '-o', out, '--shard-records', '2000', '--compress', 'gzip', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
    expect(manifest).toMatchObject({ exit_code: 0, command: 'cat', records: 40000, shards: Array.from({ length: 20 }, (_, i) => `part-${String(i).padStart(5, '0')}.jsonl.gz`) });
    expect(shards(await readdir(out))).toEqual(manifest.shards);
    const back = await runCli(['cat', out, '-o', join(dir, 'back.jsonl'), '-q']);
    expect(back.code, back.stderr).toBe(0);
  });

  it('kill -9 mid-write: the folder is refused as input (--allow-unfinished reads it); the same command starts over, byte-identical', async () => {
    const out = join(dir, 'k9') + '/';
    const args = ['cat', input, '-o', out, '--shard-records', '2000', '--compress', 'gzip', '-q'];
    const k = await signalWhen(args, out, (n) => n.includes('part-00002.jsonl.gz'), 'SIGKILL');
    expect(k.signal).toBe('SIGKILL');
    const left = await readdir(out);
    expect(shards(left).length).toBeGreaterThan(0);
    expect(left).not.toContain('_SUCCESS');
    const read = await runCli(['cat', out, '-q']);
    expect(read.code).toBe(2);
    expect(read.stderr).toMatch(/is an unfinished output \(the command writing it, PID \d+, was killed\): its shards may be incomplete; run the command that wrote it again \(it starts over\), or pass --allow-unfinished/);
    expect(read.stdout).toBe('');
    const allowed = await runCli(['cat', out, '-q', '--allow-unfinished', '-o', '/dev/null']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/note: '.*k9\/' holds \d+ files? of an unfinished output \(the command writing it, PID \d+, was killed\); starting over/);
    expect(await files(out)).toEqual(await files(join(dir, 'ref')));
  }, 60_000);

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`${signal} mid-write: the shards written so far and the rejects are removed, as the message says`, async () => {
      // Under load the command may finish before the signal lands: then it is tried again (3 tries).
      let out = '';
      let r: Awaited<ReturnType<typeof cutShort>> = { code: 0, signal: null, stderr: '' };
      for (let t = 0; t < 3 && r.code === 0; t++) {
        out = join(dir, `s-${signal}-${t}`) + '/';
        r = await signalWhen(['cat', input, '-o', out, '--shard-records', '2000', '--compress', 'gzip', '--rejects', join(out, '_rej.jsonl'), '-q'], out, (n) => n.includes('part-00002.jsonl.gz'), signal);
      }
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr).toMatch(/unfinished output removed/);
      // The folder it made goes too, once empty (fix15).
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  }

  it('a shard folder without _SUCCESS (an older or copied output) is refused with the same override', async () => {
    const legacy = join(dir, 'legacy');
    await mkdir(legacy);
    await writeFile(join(legacy, 'part-00000.jsonl'), '{"text":"a b c"}\n');
    const r = await runCli(['cat', legacy, '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is an unfinished output \(part-00000\.jsonl is there, but no _SUCCESS: the command writing it did not finish\).*--allow-unfinished/);
    const ok = await runCli(['cat', legacy, '-q', '--allow-unfinished']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('{"text":"a b c"}\n');
    // Folders that are not ours (no part-NNNNN names) read as before.
    const other = join(dir, 'other');
    await mkdir(other);
    await writeFile(join(other, '00000.jsonl'), '{"text":"a b c"}\n');
    expect((await runCli(['cat', other, '-q'])).code).toBe(0);
  });

  it('every command writing a shard folder writes _SUCCESS: a stage, convert, Parquet, export xtuner-v1, dedup-disk', async () => {
    const small = join(ROOT, 'fixtures/sample/web-en.jsonl.gz');
    const cases: Array<[string, string[]]> = [
      ['normalize', ['normalize', small]],
      ['convert', ['convert', join(ROOT, 'fixtures/convert/input/alpaca.jsonl'), '--to', 'xtuner-openai']],
      ['parquet', ['cat', small, '--output-format', 'parquet']],
      ['xtuner', ['export', 'xtuner-v1', small]],
      ['dedup-disk', ['dedup-disk', small, '--work', join(dir, 'ddwork')]],
    ];
    for (const [name, args] of cases) {
      const out = join(dir, `cmd-${name}`) + '/';
      const r = await runCli([...args, '-o', out, '-q']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const m = JSON.parse(await readFile(join(out, '_SUCCESS'), 'utf8'));
      expect(m.exit_code, name).toBe(0);
      expect(m.shards.length, name).toBeGreaterThan(0);
      expect(shards(await readdir(out)), name).toEqual(m.shards);
    }
  }, 120_000);

  it('an I/O failure mid-write (the rejects pass the file size limit) removes the shards written before it: nothing that looks finished', async () => {
    const out = join(dir, 'efbig') + '/';
    // Half the lines are bad: the rejects file grows past `ulimit -f` after several shards were published.
    const mixed = join(dir, 'mixed.jsonl');
    const good = JSON.stringify({ text: 'lorem ipsum dolor sit amet '.repeat(20) });
    await writeFile(mixed, Array.from({ length: 20000 }, () => `${good}\n{not json ${'x'.repeat(500)}`).join('\n') + '\n');
    const r = await runNodeShell(`ulimit -f 300; exec node ${CLI} cat ${mixed} -o ${out} --shard-records 100 --rejects ${out}_rej.jsonl --max-reject-rate 1 -q`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: cannot write '.*_rej\.jsonl': EFBIG/);
    // Nothing left, not even the folder it made (fix15).
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  // The one write(2) of a flush took only the bytes under the limit and the export said exit 0
  // with a .bin cut at exactly 102,400 bytes; its folder was named rather than the file (F10).
  it('export internevo past the file size limit fails naming the shard it was writing, and leaves no cut shard (hostile review 7 F10)', async () => {
    const out = join(dir, 'efbig-export');
    const r = await runNodeShell(`ulimit -f 100; exec node ${CLI} export internevo ${join(ROOT, 'fixtures/sample/licenses.jsonl')} -t ${TOKENIZER_MODEL} -o ${out} -q`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: cannot write '[^']*train\/en\/part-00000\.bin': EFBIG/);
    // No cut shard, and not the empty type folder the failed export made either.
    expect(existsSync(join(out, 'train', 'en'))).toBe(false);
  }, 60_000);
});

describe('a file-mode shard set (-o out.jsonl --shard-records N)', () => {
  it('kill -9: its shards are refused while the dead lock is beside them; the same command starts over, byte-identical; SIGTERM removes them', async () => {
    const ref = join(dir, 'fref');
    await mkdir(ref);
    const argsTo = (d: string): string[] => ['cat', input, '-o', join(d, 'out.jsonl'), '--shard-records', '2000', '-q'];
    expect((await runCli(argsTo(ref))).code).toBe(0);
    const fk = join(dir, 'fk');
    await mkdir(fk);
    const k = await signalWhen(argsTo(fk), fk, (n) => n.includes('out-00002.jsonl'), 'SIGKILL');
    expect(k.signal).toBe('SIGKILL');
    expect(existsSync(join(fk, '.out.jsonl.lock'))).toBe(true);
    const read = await runCli(['cat', join(fk, 'out-00000.jsonl'), '-q']);
    expect(read.code).toBe(2);
    expect(read.stderr).toMatch(/out-00000\.jsonl' is a shard of an unfinished output \(the command writing it, PID \d+, was killed; lock .*\.out\.jsonl\.lock\).*--allow-unfinished/);
    const again = await runCli(argsTo(fk));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/starting over/);
    expect(await files(fk)).toEqual(await files(ref));
    expect((await runCli(['cat', join(fk, 'out-00000.jsonl'), '-q', '-o', '/dev/null'])).code).toBe(0);

    const ft = join(dir, 'ft');
    await mkdir(ft);
    const t = await signalWhen(argsTo(ft), ft, (n) => n.includes('out-00002.jsonl'), 'SIGTERM');
    expect(t.code, t.stderr).toBe(143);
    expect(await readdir(ft)).toEqual([]);
  }, 60_000);
});

function runNodeShell(cmd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn('bash', ['-c', cmd], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stderr: Buffer.concat(err).toString() }));
  });
}
