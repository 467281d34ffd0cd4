import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// An empty zstd output was a 0-byte file, which is no zstd stream: `zstd -t` and `zstd -dc`
// fail on it (hostile review 2 M1). It is now the one empty frame zstd writes for empty input.
const EMPTY_FRAME = Buffer.from('28b52ffd240001000099e9d851', 'hex');
const ZSTD = existsSync('/usr/bin/zstd');
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('an empty zstd output is a valid zstd stream', () => {
  it('cat of nothing, and the rejects of a run that rejects nothing', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'empty.jsonl'), '');
    await writeFile(join(dir, 'good.jsonl'), '{"text": "a clean line of text"}\n');
    const out = join(dir, 'e.jsonl.zst');
    const r = await runCli(['cat', join(dir, 'empty.jsonl'), '--output', out, '--allow-empty', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(out)).toEqual(EMPTY_FRAME);
    const back = await runCli(['cat', out, '--allow-empty', '-q']);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe('');
    const rej = join(dir, 'r.jsonl.zst');
    const c = await runCli(['cat', join(dir, 'good.jsonl'), '--output', join(dir, 'o.jsonl'), '--rejects', rej, '-q']);
    expect(c.code, c.stderr).toBe(0);
    expect(await readFile(rej)).toEqual(EMPTY_FRAME);
    if (ZSTD) for (const f of [out, rej]) expect(spawnSync('zstd', ['-t', '-q', f]).status, f).toBe(0);
  });
});
