import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileShim, SIGNAL_AT_OPEN_SHIM } from '../helpers/preload.js';
import { CLI, runNode, tempDir } from '../helpers/run.js';

// A signal landing while a writer's temporary was being opened (interrupt23's case, for the
// writers of a whole output rather than the small files of io/writers/atomic.ts). The JSON-array
// writer (`-o out.json`) opened '.out.json.tmp-PID-N' in the thread pool: the signal's abort found
// no file to remove yet, the exit waited for the open, and the empty temporary was left beside the
// output. The Parquet writer opens its spill and its files synchronously (checked here so that it
// stays so); the JSONL shard writer waits for its open (interrupt23 and sharded.ts).
//
// The trigger is a preloaded shim: at the open of a file whose name holds SIGNAL_AT_OPEN_OF (and
// not SIGNAL_NOT_OF), it sends the process SIGTERM, then sleeps before the open, as a slow file
// system would. It needs a C compiler and LD_PRELOAD (Linux); skipped without them. The shim: test/helpers/preload.ts SIGNAL_AT_OPEN_SHIM.

let shim: string | undefined;
let dir: string;

beforeAll(async () => {
  dir = await tempDir();
  const text = (i: number): string => `Record ${i} is a plain paragraph of ordinary prose, written for this test, long enough to be kept.`;
  await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: i, text: text(i) })).join('\n') + '\n');
  shim = await compileShim(dir, SIGNAL_AT_OPEN_SHIM);
});

/** Every name under `d`, hidden ones too. */
const all = (d: string): string[] => (readdirSync(d, { recursive: true }) as string[]).sort();

describe("a signal while a writer's temporary is being opened", () => {
  const cases: [string, string[], string, string?][] = [
    ['a JSON array file', ['o.json'], '/.o.json.tmp-'],
    ["a Parquet file's spill", ['o.parquet'], '/.o.parquet.tmp-'],
    ['a Parquet file', ['o.parquet', '--row-group-size', '100'], '/.o.parquet.tmp-', 'spill'],
    ["a Parquet folder's second shard", ['', '--output-format', 'parquet', '--shard-records', '500'], '/.part-00001.parquet.tmp-', 'spill'],
  ];
  for (const [i, [what, out, at, not]] of cases.entries()) {
    it(`cat into ${what}: exit 143, nothing left in the output's folder`, async (ctx) => {
      if (shim === undefined) return ctx.skip();
      // Made here: the command leaves it (it removes only the folders it made).
      const o = join(dir, `o${i}`);
      await mkdir(o);
      const env: Record<string, string> = { LD_PRELOAD: shim, SIGNAL_AT_OPEN_OF: at };
      if (not !== undefined) env.SIGNAL_NOT_OF = not;
      const r = await runNode([CLI, 'cat', join(dir, 'in.jsonl'), '-o', out[0] === '' ? `${o}/` : join(o, out[0]), ...out.slice(1), '-q'], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(143);
      expect(all(o), r.stderr).toEqual([]);
    });
  }
});
