import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

/** Issue #15: an output name says what is in the file; an existing output file is an earlier result. */
describe('output names and existing output files', () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"one record"}\n{"text":"another record"}\n');
  });

  it('a name whose format is not written is a usage error (exit 2), and nothing is created', async () => {
    for (const name of ['x.json.bz2', 'x.json.gz', 'x.txt', 'x.csv', 'x.jsonl.xz', 'noext']) {
      const r = await runCli(['cat', input, '-o', join(dir, name), '-q']);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(/--output '.*': corpus-clean writes \.jsonl, \.jsonl\.gz, \.jsonl\.zst, \.json, \.parquet files, so this name would hold JSONL under a misleading name; name it e\.g\. '.*\.jsonl'/);
      expect(existsSync(join(dir, name)), name).toBe(false);
    }
    // the same check in other commands that write records, and with sharding
    expect((await runCli(['quality', input, '-o', join(dir, 'q.json.bz2')])).code).toBe(2);
    expect((await runCli(['cat', input, '-o', join(dir, 's.txt'), '--shard-records', '1'])).code).toBe(2);
    // the format flag and the name must agree
    const pq = await runCli(['cat', input, '-o', join(dir, 'p.jsonl'), '--output-format', 'parquet']);
    expect(pq.code).toBe(2);
    expect(pq.stderr).toMatch(/--output-format parquet writes Parquet, so the name must end in \.parquet \(e\.g\. 'p\.parquet'\)/);
    expect((await runCli(['cat', input, '-o', join(dir, 'j.parquet'), '--output-format', 'jsonl'])).stderr).toMatch(/a \.parquet name holds Parquet, but --output-format jsonl was given/);
  });

  it('written names work: .jsonl, .jsonl.gz, .jsonl.zst, .json, .parquet, a folder/, stdout and /dev/null', async () => {
    for (const name of ['ok.jsonl', 'ok.jsonl.gz', 'ok.jsonl.zst', 'ok.json', 'ok.parquet', 'okdir/']) {
      const r = await runCli(['cat', input, '-o', join(dir, name), '-q']);
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    }
    expect((await runCli(['cat', input, '-o', '/dev/null', '-q'])).code).toBe(0);
    expect((await runCli(['cat', input, '-o', '/dev/null', '-q'])).code).toBe(0);
    const out = await runCli(['cat', input, '-q']);
    expect(out.stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('an existing single-file output is refused without --overwrite, like a folder of an earlier run', async () => {
    const o = join(dir, 'again.jsonl');
    await writeFile(o, 'an earlier result\n');
    const r = await runCli(['cat', input, '-o', o]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^corpus-clean: output file '.*again\.jsonl' already exists \(an earlier run\?\); remove it or pass --overwrite\n$/);
    expect(await readFile(o, 'utf8')).toBe('an earlier result\n');
    const w = await runCli(['cat', input, '-o', o, '--overwrite', '-q']);
    expect(w.code).toBe(0);
    expect((await readFile(o, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    // the same for a .json array and a Parquet file
    for (const name of ['again.json', 'again.parquet']) {
      expect((await runCli(['cat', input, '-o', join(dir, name), '-q'])).code).toBe(0);
      expect((await runCli(['cat', input, '-o', join(dir, name), '-q'])).code, name).toBe(2);
      expect((await runCli(['cat', input, '-o', join(dir, name), '-q', '--overwrite'])).code, name).toBe(0);
    }
  });

  // new-user review 17 F1: `--rejects in/rejects.txt` was taken; a folder read of in/ then kept the
  // rejects as one text record, trained on.
  it('--rejects and --stats names do not promise another format either (exit 2, nothing created)', async () => {
    for (const [flag, name, ending] of [['--rejects', 'r.json.bz2', '.bz2'], ['--rejects', 'r.json', '.json'], ['--rejects', 'r.jsonl.xz', '.xz'], ['--stats', 's.json.gz', '.gz'], ['--stats', 's.parquet', '.parquet'], ['--rejects', 'rejects.txt', '.txt'], ['--rejects', 'r.txt.gz', '.txt'], ['--stats', 's.html', '.html']]) {
      const r = await runCli(['quality', input, '-o', join(dir, `side-${name}.jsonl`), flag, join(dir, name)]);
      expect(r.code, name).toBe(2);
      expect(r.stdout, name).toBe('');
      expect(r.stderr, name).toContain(`${flag} '${join(dir, name)}': a ${ending} name would hold another format`);
      expect(existsSync(join(dir, name)), name).toBe(false);
      expect(existsSync(join(dir, `side-${name}.jsonl`)), name).toBe(false);
    }
    // what is written: JSONL rejects, plain or compressed by the name; stats in any other name
    const ok = await runCli(['quality', input, '-o', join(dir, 'side-ok.jsonl'), '--rejects', join(dir, 'r.jsonl.gz'), '--stats', join(dir, 'run.stats'), '-q', '--allow-empty']);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await readFile(join(dir, 'r.jsonl.gz'))).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});
