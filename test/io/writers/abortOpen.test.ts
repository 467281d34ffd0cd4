import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode, tempDir } from '../../helpers/run.js';

// A signal can land while a shard's file is still being opened (review N7: `npm test` on a fresh
// clone once found `.part-00004.jsonl.gz.tmp-*` after SIGTERM). The CLI exits as soon as abort()
// resolves, so abort must not resolve before that file exists and is removed. Each child starts
// a shard, aborts the moment the shard is registered (its open still pending) and exits at once,
// as the signal handler does.
const CHILD = `
const { ShardedWriter } = await import(${JSON.stringify(join(ROOT, 'dist/io/writers/sharded.js'))});
const out = process.argv[1];
const w = new ShardedWriter({ output: out, compression: 'gzip' }, true);
w.write('{"text":"a"}\\n', 1).catch(() => {});
while (w.live.size === 0) await new Promise((r) => setImmediate(r));
await w.abort();
process.exit(0);
`;

describe('ShardedWriter.abort while a shard is being opened', () => {
  it('leaves no temporary when the process exits right after it (20 tries)', async () => {
    const dir = await tempDir();
    const left: string[] = [];
    for (let t = 0; t < 20; t++) {
      const out = join(dir, `o${t}`);
      const r = await runNode(['--input-type=module', '-e', CHILD, out + '/']);
      expect(r.code, r.stderr).toBe(0);
      left.push(...readdirSync(out).filter((n) => n.includes('.tmp-')));
    }
    expect(left).toEqual([]);
  });
});

// Two callers abort at once (the job on its own and the signal's clean-up): the second must not
// resolve before the first has removed every completed shard (CI once saw SIGINT leave two of
// three: the second abort found the list already taken and the process exited).
const TWICE = `
const { ShardedWriter } = await import(${JSON.stringify(join(ROOT, 'dist/io/writers/sharded.js'))});
const out = process.argv[1];
const w = new ShardedWriter({ output: out, compression: 'gzip', shardRecords: 1 }, true);
for (let i = 0; i < 4; i++) await w.write('{"text":"a"}\\n', 1);
w.abort();
await w.abort();
process.exit(0);
`;

describe('ShardedWriter.abort called twice at once', () => {
  it('the second call resolves only once every published shard is removed', async () => {
    const dir = await tempDir();
    const out = join(dir, 'o');
    const r = await runNode(['--input-type=module', '-e', TWICE, out + '/']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out)).toEqual([]);
  });
});
