import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { checkV8Flags, COMMAND_V8_FLAGS, commandV8Flags, unitV8Flags, V8_FLAGS } from '../../src/exec/v8.js';
import { runCli, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('V8 flags of the threads that run units and of the single commands', () => {
  it('are a 16x interrupt budget unless CORPUS_CLEAN_V8_FLAGS says otherwise (empty: V8 defaults)', () => {
    expect(V8_FLAGS).toEqual(['--interrupt-budget=1081344']);
    expect(unitV8Flags({})).toEqual(['--interrupt-budget=1081344']);
    expect(unitV8Flags({ CORPUS_CLEAN_V8_FLAGS: '' })).toEqual([]);
    expect(unitV8Flags({ CORPUS_CLEAN_V8_FLAGS: ' --a  --b=2 ' })).toEqual(['--a', '--b=2']);
  });

  // Issue #16, nineteenth pass (speed19d): with quality's warm-up complete, 16x was the dearest
  // budget for the single commands on English and Chinese alike (bench/RESULTS.md).
  it("a single command's are V8's defaults unless CORPUS_CLEAN_V8_FLAGS says otherwise", () => {
    expect(COMMAND_V8_FLAGS).toEqual([]);
    expect(commandV8Flags({})).toEqual([]);
    expect(commandV8Flags({ CORPUS_CLEAN_V8_FLAGS: '--interrupt-budget=270336' })).toEqual(['--interrupt-budget=270336']);
    expect(() => commandV8Flags({ CORPUS_CLEAN_V8_FLAGS: '--single-threaded-gc' })).toThrow(UsageError);
  });

  // perf session 11: --single-threaded-gc set at run time made V8 abort now and then (exit 133).
  it('refuse GC- and compiler-threading flags, which V8 takes only at start-up (a usage error)', () => {
    for (const f of ['--single-threaded-gc', '--single_threaded', '--no-concurrent-marking', '--parallel-scavenge', '--noconcurrent-sweeping']) {
      expect(() => unitV8Flags({ CORPUS_CLEAN_V8_FLAGS: `--max-semi-space-size=32 ${f}` }), f).toThrow(UsageError);
    }
    expect(() => unitV8Flags({ CORPUS_CLEAN_V8_FLAGS: '--single-threaded-gc' })).toThrow(/node --single-threaded-gc/);
    expect(unitV8Flags({ CORPUS_CLEAN_V8_FLAGS: '--max-semi-space-size=32' })).toEqual(['--max-semi-space-size=32']);
  });

  // review-hostile19 F2, review-newuser19 F4: V8 only printed its own error for these and went on
  // (exit 0); --jitless set at run time crashed a stage command (exit 139, no word).
  it('refuse --jitless, a flag V8 does not know, and a value of the wrong type', () => {
    expect(() => unitV8Flags({ CORPUS_CLEAN_V8_FLAGS: '--jitless' })).toThrow(/node --jitless/);
    const options = [
      'Options:',
      '  --interrupt-budget (interrupt budget)',
      '        type: int  default: --interrupt-budget=67584',
      '  --trace-opt (trace optimized compilation)',
      '        type: bool  default: --no-trace-opt',
      '  --max-semi-space-size (max size of a semi-space)',
      '        type: size_t  default: --max-semi-space-size=0',
    ].join('\n');
    expect(() => checkV8Flags(['--interrupt-budget=270336', '--trace-opt', '--no-trace-opt', '--max_semi_space_size=32'], options)).not.toThrow();
    expect(() => checkV8Flags(['--no-such-flag'], options)).toThrow(/--no-such-flag is not a flag this V8 knows/);
    expect(() => checkV8Flags(['--interrupt-budget=abc'], options)).toThrow(/type int/);
    expect(() => checkV8Flags(['--interrupt-budget'], options)).toThrow(UsageError);
    expect(() => checkV8Flags(['--trace-opt=1'], options)).toThrow(/needs no value/);
  });

  it('an unknown flag, a wrong value or --jitless stops a command before anything is read (exit 2)', async () => {
    for (const f of ['--no-such-flag', '--interrupt-budget=abc', '--jitless']) {
      const r = await runCli(['quality', 'fixtures/sample', '-q', '-o', '/dev/null'], { env: { CORPUS_CLEAN_V8_FLAGS: f } });
      expect(r.code, f).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^corpus-clean: CORPUS_CLEAN_V8_FLAGS: ${f}`));
    }
  }, 120_000);

  it('a refused flag stops the CLI before anything is read (exit 2)', async () => {
    const r = await runCli(['cat', 'no-such-input.jsonl'], { env: { CORPUS_CLEAN_V8_FLAGS: '--single-threaded-gc' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CORPUS_CLEAN_V8_FLAGS: --single-threaded-gc/);
  });

  // The flags reach every thread that runs units: told by a flag that prints (V8's --trace-opt).
  for (const [label, args] of [
    ['one worker (the calling thread)', ['--workers', '1']],
    ['worker processes', ['--workers', '2', '--worker-kind', 'process']],
    ['worker threads', ['--workers', '2', '--worker-kind', 'thread']],
  ] as const) {
    it(`reach ${label}`, async () => {
      const dir = await tempDir();
      dirs.push(dir);
      const r = await runCli(['run', 'rules/recipes/sample.yaml', '--task-size', '40KB', '-q', '-o', join(dir, 'out'), ...args], { env: { CORPUS_CLEAN_V8_FLAGS: '--trace-opt' } });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/\[(marking|compiling method) /);
    }, 120_000);
  }

  // A single stage's command runs its pipeline in the CLI's own thread: CORPUS_CLEAN_V8_FLAGS
  // reaches it too.
  it('reach a single command (quality)', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const r = await runCli(['quality', 'fixtures/sample', '-q', '-o', join(dir, 'q.jsonl')], { env: { CORPUS_CLEAN_V8_FLAGS: '--trace-opt' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\[(marking|compiling method) /);
  }, 120_000);
});
