import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileShim, SIGNAL_AT_OPEN_SHIM } from '../helpers/preload.js';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';

// A signal landing while the temporary of an atomic write (io/writers/atomic.ts) was being opened
// in the thread pool: the signal's exit removed the temporaries under way before that file existed,
// and the open, which the exit waits for, made it after: '.NAME.tmp-PID-aN' was left beside the
// output (interrupt21's G0 case caught it once for the rejects file's owner record; a run's merge,
// plan and resolved recipe all had it). The temporary is now opened synchronously: a signal's
// handler runs between turns, so it finds the temporary either made and registered, or not begun.
//
// The trigger is a preloaded shim: at the open of a file whose name holds SIGNAL_AT_OPEN_OF, it
// sends the process SIGTERM, then sleeps (SLOW_OPEN_MS) before the open, as a slow file system
// would. It needs a C compiler and LD_PRELOAD (Linux); skipped without them. The shim: test/helpers/preload.ts SIGNAL_AT_OPEN_SHIM.

const SAMPLE = join(ROOT, 'rules/recipes/sample.yaml');
let shim: string | undefined;
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  const text = (i: number): string => `Record ${i} is a plain paragraph of ordinary prose, written for this test. It has a few sentences, each of them long enough to pass the usual rules of quality. The words are common ones, and the text reads as if a person wrote it by hand. There is nothing special in it at all. It talks about the weather, the river near the town, and the people who walk along it in the evening when the day is done.`;
  await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: i, text: text(i) })).join('\n') + '\n');
  shim = await compileShim(dir, SIGNAL_AT_OPEN_SHIM);
});

/** Hidden temporaries of atomic writes ('.NAME.tmp-PID-aN') anywhere under `d`. */
const temporaries = (d: string): string[] => (readdirSync(d, { recursive: true }) as string[]).filter((n) => /(^|\/)\.[^/]*\.tmp-\d+(-a\d+)?$/.test(n));

describe('a signal while the temporary of an atomic write is being opened', () => {
  // Written by run before its tasks (the plan, the resolved recipe) and by its merge (stats, report, _SUCCESS).
  for (const [i, name] of ['_plan.json', '_recipe.resolved.yaml', '_stats.json', '_report.html', '_SUCCESS'].entries()) {
    it(`run, at the open of ${name}'s temporary: exit 143, no temporary left`, async (ctx) => {
      if (shim === undefined) return ctx.skip();
      const out = join(dir, `r${i}`);
      const r = await runNode([CLI, 'run', SAMPLE, '-i', join(dir, 'in.jsonl'), '-o', out, '-q', '--max-reject-rate', '1', '--allow-empty'], { cwd: dir, env: { LD_PRELOAD: shim, SIGNAL_AT_OPEN_OF: `/.${name}.tmp-` } });
      expect(r.code, r.stderr).toBe(143);
      expect(temporaries(out), r.stderr).toEqual([]);
    });
  }
  // The merge copies the tasks' rejects into '._rejects.jsonl.zst.tmp-PID' (exec/merge.ts appendFiles):
  // its open, in the thread pool, outlived the merge's sweep (the process waits for the pool at exit): opened synchronously now.
  it("run, at the open of the joined rejects' temporary: exit 143, no temporary left", async (ctx) => {
    if (shim === undefined) return ctx.skip();
    const out = join(dir, 'rj');
    const r = await runNode([CLI, 'run', SAMPLE, '-i', join(dir, 'in.jsonl'), '-o', out, '-q', '--max-reject-rate', '1', '--allow-empty'], { cwd: dir, env: { LD_PRELOAD: shim, SIGNAL_AT_OPEN_OF: '/._rejects.jsonl.zst.tmp-' } });
    expect(r.code, r.stderr).toBe(143);
    expect(temporaries(out), r.stderr).toEqual([]);
  });
});
