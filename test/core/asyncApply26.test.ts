import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { docStage, pipeline, type Stage } from '../../src/index.js';
import { collect, fromRecords } from '../../src/io/memory.js';
import { isStageThrew } from '../../src/core/errors.js';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// New-user review 26 A-1: a docStage whose apply is async (returns a Promise) or returns true/false
// kept every record, silently ('read 300 = written 300 + rejected 0', exit 0, _SUCCESS): any answer
// that was not a string was taken for "keep", and a promise's answer was never read.
const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ text: `row ${i + 1}` }));

async function fails(apply: (doc: never) => unknown): Promise<Error> {
  const s: Stage = docStage({ name: 'mine', apply: apply as never });
  const sink = collect();
  const e = await pipeline({ source: fromRecords(rows(5)), stages: [s], sink }).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

describe('docStage: an apply that answers with something that is not a reason or undefined', () => {
  it('a Promise fails the pipeline at the first record, naming the stage, the record and what to write instead', async () => {
    const e = await fails(async () => 'short');
    expect(isStageThrew(e)).toBe(true);
    expect(e.message).toContain('stage mine returned a Promise from its apply on memory:1');
    expect(e.message).toContain("docStage's apply must be synchronous");
    expect(e.message).toContain('async *run(batches, ctx)');
  });

  it('a promise that rejects does not become an unhandled rejection', async () => {
    const seen: unknown[] = [];
    const on = (r: unknown) => seen.push(r);
    process.on('unhandledRejection', on);
    try {
      const e = await fails(() => Promise.reject(new Error('later')));
      expect(e.message).toContain('returned a Promise');
      await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual([]);
    } finally {
      process.off('unhandledRejection', on);
    }
  });

  it('a boolean, a number or an object fails it too, saying what a verdict is', async () => {
    const b = await fails(() => true);
    expect(b.message).toContain('stage mine returned true from its apply on memory:1');
    expect(b.message).toContain('return a reason string to drop the record, or undefined to keep it');
    expect((await fails(() => false)).message).toContain('returned false');
    expect((await fails(() => 3)).message).toContain('returned a number (3)');
    expect((await fails(() => ({ drop: true }))).message).toContain('returned an object');
  });

  it('a string drops, undefined and null keep', async () => {
    const s = docStage({ name: 'ok', apply: (doc) => (doc.data.text === 'row 2' ? 'two' : doc.data.text === 'row 3' ? null : undefined) });
    const sink = collect();
    const rejected: string[] = [];
    await pipeline({ source: fromRecords(rows(4)), stages: [s], sink, rejects: { push: (r) => rejected.push(r.reason), close: async () => {}, abort: async () => {} } });
    expect(sink.docs.map((d) => d.data.text)).toEqual(['row 1', 'row 3', 'row 4']);
    expect(rejected).toEqual(['two']);
  });
});

describe("run: a stage module whose docStage apply is async", () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), rows(20).map((r) => JSON.stringify(r) + '\n').join(''));
    await writeFile(
      join(dir, 'asy.mjs'),
      `import { docStage, getText } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
export default { name: 'asy', summary: 's', options: {}, create: () => docStage({ name: 'asy',
  apply: async (doc, ctx) => (getText(doc, ctx.textField).length < 1000 ? 'short' : undefined) }) };
`,
    );
    await writeFile(join(dir, 'r.yaml'), 'name: asy\nstages:\n  - module: ./asy.mjs\nmax_reject_rate: 1\n');
  });

  const gone = (p: string): Promise<boolean> => access(p).then(() => false, () => true);

  it('an async apply fails the run at its first record, exit 1, no _SUCCESS', async () => {
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o1', '-w', '1'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('stage asy (./asy.mjs, stages[0]) returned a Promise from its apply on a.jsonl:1');
    expect(r.stderr).toContain("docStage's apply must be synchronous");
    expect(r.stderr).not.toContain('written 20');
    expect(await gone(join(dir, 'o1/_SUCCESS'))).toBe(true);
  });
});
