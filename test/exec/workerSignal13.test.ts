import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerExit } from '../../src/exec/local.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// Review 12 N3: a run's worker processes had no signal handler: a signal killed one where it
// stood, leaving the temporaries of the unit it was writing (to the main process's sweep, or,
// signalled alone, to the rerun). A worker now ends its unit as the main process does: writers
// aborted, temporaries removed, exit 128+N.

/** Every file under `dir` (names relative to it). */
function filesUnder(dir: string, at = ''): string[] {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(at, e.name)) : [join(at, e.name)]));
}

describe('a worker process signalled while it writes a unit (N3)', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s: its writers are aborted and its temporaries removed, exit %i', async (signal, code) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `Record ${i} has a sentence of plain words in it.` })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const out = join(dir, 'o');
    // A finished run leaves its plan, which a worker reads; the unit is run again by the worker.
    expect((await runCli(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', out, '-q', '--workers', '1'])).code).toBe(0);
    // The worker stops between the temporary of its task's stats and its rename (a test seam).
    const env = { ...process.env, CORPUS_CLEAN_WORKER: JSON.stringify({ run: out, plan: join(out, '_plan.json') }), CORPUS_CLEAN_PAUSE_ATOMIC: '00000.0.json' };
    const child = fork(join(ROOT, 'dist/bundle/worker.js'), [], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (c, s) => r([c, s])));
    await new Promise<void>((r) => child.on('message', (m: { type: string }) => m.type === 'ready' && r()));
    child.send({ phase: 0, unit: 0 });
    const mine = (): string[] => filesUnder(out).filter((f) => f.includes(`.tmp-${child.pid}-`));
    while (mine().length === 0) await new Promise((r) => setTimeout(r, 50));
    child.kill(signal);
    const how = await exited;
    expect(mine()).toEqual([]);
    expect(how).toEqual([code, null]);
    expect(err).toBe('');
    // Its task was not marked done: its shards are no result.
    expect(filesUnder(out).filter((f) => f.startsWith('part-'))).toEqual([]);
  });

  it('the run names a worker that exited so', () => {
    expect(workerExit(7, 143, null)).toBe('worker process (PID 7) exited with code 143 (stopped by SIGTERM)');
  });
});
