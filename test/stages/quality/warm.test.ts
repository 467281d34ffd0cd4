import { describe, expect, it } from 'vitest';
import { makeDoc } from '../../../src/core/doc.js';
import type { StageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { C4Lines } from '../../../src/stages/quality/c4.js';
import { WARM_AFTER } from '../../../src/stages/quality/quality.js';
import { profileShared } from '../../../src/stages/quality/profile.js';
import { loadPreset } from '../../../src/stages/quality/ruleset.js';
import { SignalComputer } from '../../../src/stages/quality/signals.js';
import * as warm from '../../../src/stages/quality/warm.js';
import { warmTexts, warmUp } from '../../../src/stages/quality/warm.js';
import { unrunBlocks } from '../../helpers/coverage.js';
import { ROOT, runNode } from '../../helpers/run.js';
import { join } from 'node:path';

/**
 * Blocks of the hot quality functions that the warm-up texts may leave unrun: unreachable or
 * defensive code, branches of rule-set settings the presets do not use, and table growth (a
 * one-off). Anything else left unrun means a record can reach a branch without type feedback
 * and deoptimise the function (see src/stages/quality/warm.ts): add a warm-up text that takes it.
 * Each entry: `file function: the block's first characters` (white space collapsed).
 */
const MAY_STAY_COLD = [
  'profile.js profileInto: : 0', // a contraction split that leaves an empty token: cannot happen
  'profile.js profileInto: { // defensive: never loop without progress',
  'signals.js run: : 0', // rule sets without top n-gram sizes
  'signals.js run: else live = this.markRepeated(p, dups[0]);',
  'signals.js markRepeatedWithin: return 0;',
  'signals.js markRepeatedWithin: seen = new Int32Array(words);', // growth, from here on
  'signals.js markRepeated: seen = new Int32Array(words);',
  'profile.js splitLines: growLines();',
  'c4.js flagLines: lineFlags = new Uint8Array(',
  'c4.js flagLines: { flags.fill(0, 0, p.nLines);', // a rule set with a policy phrase holding a newline
  'c4.js run: reach = new Int32Array(',
  'c4.js run: res.kept = new Int32Array(', // growth, as above
  'c4.js run: : -1', // rule sets that keep citation marks
  'signals.js topNgram: return 0;',
  'signals.js dupNgram: return 0;',
  'signals.js isCodeLine: return false;',
  'c4.js endsWithTerminal: && e - s >= p.length', // end punctuation of several characters
  'c4.js endsWithTerminal: && line.startsWith(p, e - p.length)',
  'c4.js endsWithTerminal: ok = true;',
  'hashtable.js clear: { this.cells.fill(0); this.gen = 1; }', // 2^31 generations
  'hashtable.js insert: { this.grow(); free = ~this.slotOf(hi, lo); }',
  'hashtable.js grow: (never called)',
];

/** The quality warm-up alone, to be run under V8 block coverage (unrunBlocks). */
const SETUP = `
const q = await import(dist + '/stages/quality/index.js');
const { warmUp } = await import(dist + '/stages/quality/warm.js');
for (const name of ['web-en', 'web-zh']) {
  const set = q.loadPreset(name);
  const c4 = set.c4 ? new q.C4Lines(set.c4) : undefined;
  warmUp([{ computer: new q.SignalComputer(set.signals, c4), c4 }]);
}
`;
const HOT = ['profileInto', 'splitLines', 'emit', 'startsWord', 'run', 'paragraphs', 'markRepeated', 'markRepeatedWithin', 'topNgram', 'topNgramPartitioned', 'covered', 'dupNgram', 'narrow', 'isCodeLine', 'flagLines', 'endsWithTerminal', 'sentences', 'keptText', 'slotOf', 'insert', 'add', 'seenOrAdd', 'clear', 'grow'];

describe('quality warm-up', () => {
  it('takes every branch of the hot loops (so no record meets one without type feedback)', async () => {
    const r = await unrunBlocks(SETUP, 'stages/quality/(profile|signals|c4|hashtable)\\.js$', HOT);
    expect(r.stderr).toBe('');
    const cold = r.blocks.filter((b) => !MAY_STAY_COLD.some((ok) => b.startsWith(ok)));
    expect(cold).toEqual([]);
  });

  it('leaves no trace: the signals of a text are the same before and after it', () => {
    for (const name of ['web-en', 'web-zh']) {
      const set = loadPreset(name);
      const c4 = set.c4 ? new C4Lines(set.c4) : undefined;
      const fresh = new SignalComputer(set.signals, c4);
      const samples = ['Hello there. This is a normal sentence with words.', '\u4f60\u597d\uff0c\u4e16\u754c\u3002\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002', ...warmTexts().slice(0, 4)];
      const before = samples.map((t) => {
        const p = profileShared(t);
        const res = fresh.run(p);
        return [[...fresh.values], res && { ...res, kept: [...res.kept.subarray(0, res.nKept)] }];
      });
      warmUp([{ computer: fresh, c4 }]);
      warmUp([{ computer: fresh, c4 }]);
      const after = samples.map((t) => {
        const p = profileShared(t);
        const res = fresh.run(p);
        return [[...fresh.values], res && { ...res, kept: [...res.kept.subarray(0, res.nKept)] }];
      });
      expect(after).toEqual(before);
    }
  });

  it('the stage warms its rule sets once its input passes WARM_AFTER characters, not before', async () => {
    const stage = await defaultRegistry().create('quality', { preset: 'auto' });
    const ctx: StageContext = { stats: emptyStageStats('quality'), textField: undefined, reject() {} };
    const drain = async (texts: string[]) => {
      async function* one() {
        yield texts.map((t, i) => makeDoc({ text: t }, `t:${i + 1}`));
      }
      for await (const _ of stage.run(one(), ctx));
    };
    const at = warm.warmUps;
    const short = 'A short record of a few words. '.repeat(10);
    await drain(Array.from({ length: Math.floor((WARM_AFTER - 1) / short.length) }, () => short));
    expect(warm.warmUps).toBe(at); // a short input never pays the warm-up
    await drain([short, short]);
    expect(warm.warmUps).toBe(at + 2); // both rule sets of 'auto' (web-en, web-zh), once
    await drain([short.repeat(20)]);
    expect(warm.warmUps).toBe(at + 2);
  });

  it('runPartitioned (the warm-up of topNgramPartitioned) gives the signals run gives', () => {
    for (const name of ['web-en', 'web-zh']) {
      const set = loadPreset(name);
      const c4 = set.c4 ? new C4Lines(set.c4) : undefined;
      const sc = new SignalComputer(set.signals, c4);
      for (const t of [...warmTexts(), 'a b c. a b c d. b c e. '.repeat(30), '\u4f60\u597d\u4e16\u754c\u3002'.repeat(40)]) {
        const p = profileShared(t);
        sc.run(p);
        const plain = [...sc.values];
        sc.runPartitioned(profileShared(t));
        expect([...sc.values], t.slice(0, 40)).toEqual(plain);
      }
    }
  });

  it('nothing optimised during the warm-up or after it is thrown away for want of type feedback (synchronous compiles)', async () => {
    // V8 compiles on its main thread here (--no-concurrent-recompilation), so when it optimises
    // is the same in every run. Before the warm-up's partitioned texts came right after its first
    // text, `topNgram` was optimised before they reached its call of `topNgramPartitioned` and
    // thrown away ("insufficient type feedback"); a long text needing a larger n-gram table threw
    // away `dupNgram` (KeyCounter.clear's growth, inlined); and with both rule sets (`auto`),
    // warmed one after the other, `run` was optimised on the English texts and thrown away at a
    // Chinese one. After the warm-up: texts of growing length, the last with ~40,000 repeated
    // words (partitioned top n-grams, a table past the shared one's first 2^14 slots).
    const script = `
const dist = process.argv[1];
const q = await import(dist + '/stages/quality/index.js');
const { warmUp } = await import(dist + '/stages/quality/warm.js');
const { profileShared } = await import(dist + '/stages/quality/profile.js');
const words = [];
for (let i = 0; i < 40000; i++) words.push('w' + ((i * 7919) % 3001).toString(36));
const texts = [];
for (let n = 16; n <= 40000; n *= 2) texts.push(words.slice(0, n).join(' ') + '.\\n' + words.slice(0, n >> 1).join(' ') + '.');
// both rule sets, as the stage warms them for --preset auto
const targets = ['web-en', 'web-zh'].map((name) => {
  const set = q.loadPreset(name);
  const c4 = set.c4 ? new q.C4Lines(set.c4) : undefined;
  return { computer: new q.SignalComputer(set.signals, c4), c4 };
});
warmUp(targets);
for (const t of texts) for (const { computer, c4 } of targets) for (let r = 0; r < 3; r++) { const p = profileShared(t); const res = computer.run(p); if (c4 && res) c4.keptText(p, res); }
`;
    const r = await runNode(['--no-concurrent-recompilation', '--trace-deopt', '--input-type=module', '-e', script, join(ROOT, 'dist')]);
    expect(r.stderr).toBe('');
    const thrown = r.stdout.split('\n').filter((l) => l.startsWith('[bailout')).map((l) => /<JSFunction (\S+)/.exec(l)?.[1] ?? l).filter((f) => HOT.includes(f));
    expect(thrown).toEqual([]);
  }, 120_000);

  it('texts are flat strings, as the JSON reader gives them, and cover both scripts', () => {
    const t = warmTexts();
    expect(t.some((x) => /[a-z]/.test(x))).toBe(true);
    expect(t.some((x) => /\p{Script=Han}/u.test(x))).toBe(true);
    expect(t.some((x) => /[\u{20000}-\u{2FFFF}]/u.test(x))).toBe(true);
  });
});
