import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, HAS_SHARED, SHARED, runNode, tempDir } from '../../helpers/run.js';

// Issue #16's English slice (bench/datatrove-slice.ts: every web/en file concatenated, 829
// records) through `quality --preset web-en`, with V8 compiling on the main thread
// (--no-concurrent-recompilation: when it optimises is then the same in every run) and tracing
// what it throws away. A function optimised before one of its branches had type feedback is
// thrown away at the first record that takes it, and compiled again: tens of ms of CPU each for
// the quality functions (bench/RESULTS.md, twentieth pass). Before the twentieth pass: topNgram
// (its partitioned branch, run by the warm-up only after V8 had optimised it), paragraphs (the
// space test of its trim, past U+2000), dupNgram (the n-gram table's growth), and the JSONL
// reader's and writer's scans (below).

/** The functions V8 threw away in `quality` over the slice, in order. */
async function thrownAway(): Promise<string[]> {
  const dir = await tempDir();
  const slice = join(dir, 'slice.jsonl');
  const en = join(SHARED, 'web/en');
  const parts: Buffer[] = [];
  for (const f of readdirSync(en).filter((f) => f.endsWith('.jsonl')).sort()) {
    const b = readFileSync(join(en, f));
    parts.push(b);
    if (b.length > 0 && b[b.length - 1] !== 10) parts.push(Buffer.from('\n'));
  }
  writeFileSync(slice, Buffer.concat(parts));
  const r = await runNode(['--no-concurrent-recompilation', '--trace-deopt', CLI, 'quality', slice, '--preset', 'web-en', '-q', '-o', join(dir, 'out.jsonl')], { env: { CORPUS_CLEAN_V8_FLAGS: '' } });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('[bailout'))
    .map((l) => /<JSFunction (\S+)/.exec(l)?.[1] ?? l);
}

/** The quality stage's hot functions (as V8 names them). */
const QUALITY = ['profileInto', 'splitLines', 'emit', 'startsWord', 'run', 'paragraphs', 'markRepeated', 'markRepeatedWithin', 'topNgram', 'topNgramPartitioned', 'covered', 'dupNgram', 'narrow', 'isCodeLine', 'isSpace', 'flagLines', 'endsWithTerminal', 'sentences', 'keptText', 'slotOf', 'insert', 'add', 'seenOrAdd', 'clear', 'grow', 'judge', 'apply', 'tagValues'];

/** The JSONL reader's and writer's per-record functions (io/readers/jsonl.ts, io/json.ts, io/writers/stringified.ts). */
const JSON_IO = ['parseRecord', 'onLine', 'docFromValue', 'tooDeep', 'keyColons', 'tokenEnd', 'hasLongExponent', 'scanParsed', 'exactNeeded', 'stringifiedInto', 'shortEscape', 'controlEscape', 'canonicalNumber', 'digitsOnly', 'fromLine', 'unchanged', 'write'];

describe.runIf(HAS_SHARED)('quality over the English slice, compiled synchronously', () => {
  let thrown: string[] = [];
  beforeAll(async () => {
    thrown = await thrownAway();
  }, 300_000);

  it('throws away none of the quality functions', () => {
    expect(thrown.filter((f) => QUALITY.includes(f))).toEqual([]);
  });

  // Before: tooDeep, keyColons (a line past the bracket count, a number after a key),
  // shortEscape and stringifiedInto three times (an escape other than \", a number); warmed now
  // by warmParse and warmStringified once an input is large enough.
  it("throws away none of the JSONL reader's and writer's functions", () => {
    expect(thrown.filter((f) => JSON_IO.includes(f))).toEqual([]);
  });
});
