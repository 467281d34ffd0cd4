import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPreset } from '../../../src/stages/quality/ruleset.js';
import { SignalComputer } from '../../../src/stages/quality/signals.js';
import { C4Lines } from '../../../src/stages/quality/c4.js';
import * as warm from '../../../src/stages/quality/warm.js';
import { COMPILE_AFTER, WARM_AFTER } from '../../../src/stages/quality/quality.js';
import { CLI, runNode, tempDir } from '../../helpers/run.js';

/** Deterministic English-like text: words, sentences, lines, a repeated line now and then. */
function text(seed: number, words: number): string {
  const vocab = 'the of and a to in is was for on that with as by it at from his an were are which this be or has had not but first one their its new after who they have her she two been other when there all during into school time may years more most only over city some world would where later up such used many can state about national out known university united then made'.split(' ');
  let x = seed;
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x >>> 8;
  };
  const out: string[] = [];
  let line: string[] = [];
  for (let i = 0; i < words; i++) {
    line.push(vocab[next() % vocab.length]);
    if (next() % 12 === 0) line.push(next() % 3 === 0 ? 'Smith,' : "isn't");
    if (next() % 15 === 0) {
      out.push(line.join(' ') + '.');
      line = [];
      if (next() % 7 === 0) out.push('Read more about the city.');
    }
  }
  out.push(line.join(' ') + '.');
  return out.join('\n');
}

/**
 * One record past the warm-up threshold, then a long one (a book), then short ones: without the
 * warm-up's compiles V8 marked the tokeniser at the long record, ran it in baseline code while
 * its compile ran on a helper thread, and then compiled it again on the stack (OSR) for the
 * record in flight.
 */
function input(): string {
  const recs = [text(1, 1200), text(2, 80_000)];
  for (let i = 0; i < 40; i++) recs.push(text(3 + i, 300 + i * 20));
  return recs.map((t, i) => JSON.stringify({ id: `r${i}`, text: t })).join('\n') + '\n';
}

/** The functions warm.ts compiles at once (V8's names). */
const LOOPS = ['profileInto', 'run', 'paragraphs', 'markRepeated', 'markRepeatedWithin', 'topNgram', 'covered', 'topNgramPartitioned', 'dupNgram'];

describe('quality warm-up compiles', () => {
  it('the tokeniser and the signal pass once each, right after the warm-up, and never on the stack', async () => {
    const dir = await tempDir();
    const src = join(dir, 'in.jsonl');
    writeFileSync(src, input());
    const r = await runNode(['--trace-opt', '--trace-deopt', CLI, 'quality', src, '--preset', 'web-en', '--tag-only', '-q', '-o', join(dir, 'out.jsonl')], { env: { CORPUS_CLEAN_V8_FLAGS: '' } });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const sfiOf = (l: string) => /\(sfi = (0x[0-9a-f]+)\)/.exec(l)?.[1];
    const manual = lines.filter((l) => l.startsWith('[manually marking') && l.includes('kSynchronous'));
    const named = (name: string) => manual.filter((l) => l.includes(`<JSFunction ${name} `));
    expect(named('profileInto').length).toBe(1);
    expect(named('run').length).toBe(1); // SignalComputer.run (C4Lines.run is left to V8)
    const forced = new Set(manual.map(sfiOf));
    // compiled once, not again on the stack, never thrown away
    const compiles = lines.filter((l) => l.startsWith('[completed compiling') && forced.has(sfiOf(l)));
    expect(compiles.filter((l) => l.includes(' OSR '))).toEqual([]);
    expect(compiles.length).toBe(forced.size);
    const thrown = lines.filter((l) => l.startsWith('[bailout') && LOOPS.some((f) => l.includes(`<JSFunction ${f} `)));
    expect(thrown).toEqual([]);
  }, 120_000);

  it('not for an input shorter than COMPILE_AFTER: V8 would not have compiled most of them', async () => {
    const dir = await tempDir();
    const src = join(dir, 'in.jsonl');
    // past WARM_AFTER (the warm-up runs), short of COMPILE_AFTER
    const recs = [text(1, 1200), text(2, 1500), text(3, 1500)];
    const chars = recs.reduce((n, t) => n + t.length, 0);
    expect(chars).toBeGreaterThan(WARM_AFTER);
    expect(chars).toBeLessThan(COMPILE_AFTER);
    writeFileSync(src, recs.map((t, i) => JSON.stringify({ id: `r${i}`, text: t })).join('\n') + '\n');
    const r = await runNode(['--trace-opt', CLI, 'quality', src, '--preset', 'web-en', '--tag-only', '-q', '-o', join(dir, 'out.jsonl')], { env: { CORPUS_CLEAN_V8_FLAGS: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[marking /m); // the trace is V8's (a renamed flag would make this vacuous)
    expect(r.stdout.split('\n').filter((l) => l.startsWith('[manually marking'))).toEqual([]);
  }, 120_000);

  it('decides as without them: the same output as the interpreter alone (--jitless)', async () => {
    const dir = await tempDir();
    const src = join(dir, 'in.jsonl');
    writeFileSync(src, input());
    const a = await runNode([CLI, 'quality', src, '--preset', 'web-en', '-q', '-o', join(dir, 'a.jsonl'), '--allow-empty'], { env: { CORPUS_CLEAN_V8_FLAGS: '' } });
    const b = await runNode(['--jitless', CLI, 'quality', src, '--preset', 'web-en', '-q', '-o', join(dir, 'b.jsonl'), '--allow-empty'], { env: { CORPUS_CLEAN_V8_FLAGS: '' } });
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(readFileSync(join(dir, 'b.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'a.jsonl'), 'utf8'));
  }, 120_000);

  it('leaves V8 natives syntax off after asking for them', () => {
    const set = loadPreset('web-en');
    const c4 = set.c4 ? new C4Lines(set.c4) : undefined;
    const at = warm.compiledNow;
    warm.warmUp([{ computer: new SignalComputer(set.signals, c4), c4 }], true);
    expect(warm.compiledNow).toBeGreaterThan(at);
    expect(() => new Function('f', '%OptimizeFunctionOnNextCall(f)')).toThrow(SyntaxError);
  });
});
