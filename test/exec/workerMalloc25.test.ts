import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKER_MALLOC_TUNABLE, workerEnv } from '../../src/exec/local.js';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #16, twenty-fifth pass (speed25b): `run`'s worker processes start with glibc's malloc
// using transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1: ~22 % fewer page faults,
// each ~12 us on the bench machine). The calling process is left as it was started, and a
// user's own tunables (hugetlb=0 among them) are kept.
describe("the environment of run's worker processes", () => {
  it('adds glibc.malloc.hugetlb=1 on Linux, after tunables of the user, never over a hugetlb of theirs', () => {
    expect(workerEnv('{}', { PATH: '/bin' }, 'linux')).toEqual({ PATH: '/bin', CORPUS_CLEAN_WORKER: '{}', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    expect(workerEnv('{}', { GLIBC_TUNABLES: '' }, 'linux').GLIBC_TUNABLES).toBe(WORKER_MALLOC_TUNABLE);
    expect(workerEnv('{}', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, 'linux').GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(workerEnv('{}', { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, 'linux').GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    expect(workerEnv('{}', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2' }, 'linux').GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2');
    // Another platform: nothing of glibc's.
    expect(workerEnv('{}', { PATH: '/bin' }, 'darwin')).toEqual({ PATH: '/bin', CORPUS_CLEAN_WORKER: '{}' });
  });

  // What each process of a real run had in its environment, written by a --require'd file
  // (NODE_OPTIONS reaches the workers as the rest of the environment does).
  let seen: { worker: boolean; tunables: string | null }[] = [];
  let code = -1;
  let stderr = '';
  beforeAll(async () => {
    const dir = await tempDir();
    const log = join(dir, 'env.log');
    const spy = join(dir, 'spy.cjs');
    await writeFile(spy, `require('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify({ worker: process.env.CORPUS_CLEAN_WORKER !== undefined, tunables: process.env.GLIBC_TUNABLES ?? null }) + '\\n');\n`);
    const lines = Array.from({ length: 400 }, (_, i) => JSON.stringify({ text: `record ${i}: ${'some words in a line '.repeat(8)}` })).join('\n') + '\n';
    await writeFile(join(dir, 'in.jsonl'), lines);
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', join(dir, 'o'), '-q', '--workers', '2', '--worker-kind', 'process', '--task-size', '8KB'], {
      env: { NODE_OPTIONS: `--require ${spy}`, GLIBC_TUNABLES: '' },
    });
    code = r.code;
    stderr = r.stderr;
    seen = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { worker: boolean; tunables: string | null });
  });

  it.runIf(process.platform === 'linux')('a worker process of run --workers 2 starts with it; the calling process does not get it', () => {
    expect(code, stderr).toBe(0);
    const workers = seen.filter((s) => s.worker);
    expect(workers.length).toBeGreaterThan(0);
    for (const w of workers) expect(w.tunables).toBe(WORKER_MALLOC_TUNABLE);
    const calling = seen.filter((s) => !s.worker);
    expect(calling.length).toBeGreaterThan(0);
    for (const c of calling) expect(c.tunables).toBe('');
  });
});
