import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// No process has this PID (above Linux's largest pid_max): the temporaries of a killed run.
const DEAD = 4194305;

describe('a rerun removes the temporaries a killed run left, without --overwrite', () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"one record"}\n{"text":"another record"}\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('in an output folder: a dead process\'s shard temporaries go, a live one\'s stay', async () => {
    const out = join(dir, 'od');
    await mkdir(out);
    await writeFile(join(out, `.part-00000.jsonl.tmp-${DEAD}-0`), 'half a shard');
    await writeFile(join(out, `.part-00003.jsonl.gz.tmp-${DEAD}-7`), 'half a shard');
    await writeFile(join(out, `.part-00001.jsonl.tmp-${process.pid}-0`), 'being written');
    const r = await runCli(['cat', input, '-o', out + '/', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual([`.part-00001.jsonl.tmp-${process.pid}-0`, '_SUCCESS', 'part-00000.jsonl']);
  });

  it('beside a file output, its rejects and its stats (dedup-disk and every command)', async () => {
    const o = join(dir, 'f');
    await mkdir(join(o, 'rej'), { recursive: true });
    await mkdir(join(o, 'st'));
    const stale = [join(o, `.out.jsonl.tmp-${DEAD}-0`), join(o, `.out-00002.jsonl.tmp-${DEAD}-1`), join(o, 'rej', `.r.jsonl.tmp-${DEAD}-2`), join(o, 'st', `.s.json.tmp-${DEAD}-a0`)];
    for (const f of stale) await writeFile(f, 'half');
    // Someone else's temporary beside the output stays.
    await writeFile(join(o, `.other.jsonl.tmp-${DEAD}-0`), 'not ours');
    const r = await runCli(['cat', input, '-o', join(o, 'out.jsonl'), '--rejects', join(o, 'rej', 'r.jsonl'), '--stats', join(o, 'st', 's.json'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of stale) expect(existsSync(f), f).toBe(false);
    expect(existsSync(join(o, `.other.jsonl.tmp-${DEAD}-0`))).toBe(true);
    const d = await runCli(['dedup-disk', input, '--work', join(o, 'w'), '-o', join(o, 'dd.jsonl'), '-q']);
    expect(d.code, d.stderr).toBe(0);
  });

  it('run: a folder holding only a killed run\'s temporaries (killed before its plan) is fresh; export: its own dead temporaries are not shards (hostile review 2 M2, M6: both refused, exit 2)', async () => {
    const out = join(dir, 'early');
    await mkdir(out);
    await writeFile(join(out, `._recipe.resolved.yaml.tmp-${DEAD}-a0`), '');
    await writeFile(join(out, `.part-00000-00000.jsonl.zst.tmp-${DEAD}-a0`), 'x');
    const r = await runCli(['run', 'rules/recipes/sample.yaml', '-i', input, '-o', out, '-q', '--allow-empty']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const ie = join(dir, 'ie');
    await mkdir(join(ie, 'train', 'cn'), { recursive: true });
    await writeFile(join(ie, 'train', 'cn', `.part-00000.${DEAD}.tmp.bin`), 'x');
    await writeFile(join(ie, 'train', 'cn', `.part-00000.${DEAD}.tmp.meta`), 'x');
    const e = await runCli(['export', 'internevo', input, '--tokenizer', TOKENIZER_MODEL, '-o', ie, '--type', 'cn', '-q']);
    expect(e.code, e.stderr).toBe(0);
    expect((await readdir(join(ie, 'train', 'cn'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
  });
});
