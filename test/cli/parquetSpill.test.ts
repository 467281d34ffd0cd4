import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir } from '../helpers/run.js';

// No process has this PID (above Linux's largest pid_max): the temporaries of a killed run.
const DEAD = 4194305;

const records = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${tag} record ${i} with some words in it` })).join('\n') + '\n';

/** Wait until `pred` holds, polling (the writer makes its spill when the first batch arrives). */
async function until(pred: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Parquet output: the spill of a killed run is removed by the next run (hostile review 2 L6)', () => {
  let dir: string;
  let input: string;
  beforeAll(async () => {
    dir = await tempDir();
    input = join(dir, 'in.jsonl');
    await writeFile(input, records(50, 'rerun'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('kill -9 while `cat --output x.parquet` holds its spill: the rerun leaves only x.parquet (with and without --overwrite)', async () => {
    for (const overwrite of [false, true]) {
      const out = join(dir, overwrite ? 'pq-o' : 'pq');
      await mkdir(out);
      // stdin stays open: the writer has spilled what it got and waits for more when it is killed.
      const child = spawn(process.execPath, [CLI, 'cat', '-', '--output', join(out, 'x.parquet'), '-q'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
      const gone = new Promise<void>((res) => child.on('close', () => res()));
      child.stdin.write(records(3000, 'killed'));
      await until(async () => (await readdir(out)).some((n) => n.endsWith('.spill.jsonl')), 'the spill file');
      child.kill('SIGKILL');
      await gone;
      const left = await readdir(out);
      expect(left.filter((n) => n.endsWith('.spill.jsonl')), left.join(' ')).toHaveLength(1);
      const r = await runCli(['cat', input, '--output', join(out, 'x.parquet'), '-q', ...(overwrite ? ['--overwrite'] : [])]);
      expect(r.code, r.stderr).toBe(0);
      expect(await readdir(out)).toEqual(['x.parquet']);
      const back = await runCli(['cat', join(out, 'x.parquet'), '-q']);
      expect(back.stdout.trim().split('\n')).toHaveLength(50);
    }
  }, 120_000);

  it('a dead process\'s spill in a Parquet output folder and beside --shard-records files goes; a live one\'s stays', async () => {
    const folder = join(dir, 'folder');
    await mkdir(folder);
    const deadSpill = join(folder, `.part-00000.parquet.tmp-${DEAD}-3.spill.jsonl`);
    const liveSpill = join(folder, `.part-00000.parquet.tmp-${process.pid}-0.spill.jsonl`);
    await writeFile(deadSpill, records(10, 'dead'));
    await writeFile(liveSpill, records(10, 'live'));
    const r = await runCli(['cat', input, '--output', folder + '/', '--output-format', 'parquet', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(deadSpill)).toBe(false);
    expect(existsSync(liveSpill)).toBe(true);

    const files = join(dir, 'files');
    await mkdir(files);
    const shardSpill = join(files, `.out-00000.parquet.tmp-${DEAD}-0.spill.jsonl`);
    await writeFile(shardSpill, records(10, 'dead'));
    const s = await runCli(['cat', input, '--output', join(files, 'out.parquet'), '--shard-records', '20', '-q']);
    expect(s.code, s.stderr).toBe(0);
    expect((await readdir(files)).sort()).toEqual(['out-00000.parquet', 'out-00001.parquet', 'out-00002.parquet', 'out.parquet._SUCCESS']);
  }, 60_000);
});
