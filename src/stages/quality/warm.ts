import { setFlagsFromString } from '../../core/lazyBuiltins.js';
import type { C4Lines } from './c4.js';
import { KeyCounter } from './hashtable.js';
import { profileLoops, profileShared, warmRarePaths } from './profile.js';
import type { SignalComputer } from './signals.js';

/**
 * Warm-up texts for the quality loops: between them they take the branches of the tokeniser
 * (`profileInto`), the line split, the signal pass (`SignalComputer.run` and the n-gram helpers)
 * and the C4 line pass, for English and Chinese rule sets.
 *
 * Why: V8 optimises a hot function with the type feedback its interpreter has gathered so far.
 * A branch no record has taken yet has no feedback, and the first record that takes it throws
 * the optimised code away ("insufficient type feedback"): the record finishes in the
 * interpreter and TurboFan compiles the function again, tens of ms of CPU for these large
 * functions. Code after a loop that V8 optimised mid-call (on-stack replacement) before that
 * code ever ran deoptimises on every later record that reaches it. On the 10 MB English slice of
 * issue #16 that was 31 deopts and 57 compiles of the quality functions, about a third of the
 * command's CPU (bench/results/profile.md, section 8). Running these ~5 KB once, in the
 * interpreter, gives the branches their feedback before anything is optimised.
 *
 * `topNgramPartitioned` runs on records only past 4,096 n-gram candidates (a long book; a
 * warm-up text that long would cost more than it saves): a few texts go through it on their few
 * candidates instead (`SignalComputer.runPartitioned`, same counts). Before that it was the one
 * hot function the warm-up left cold: on the English slice V8 compiled it on-stack mid-record,
 * and threw it away 6 times ("insufficient type feedback") at V8's default interrupt budget.
 *
 * Left to the records: the scratch buffers' growth (the first calls grow them before V8 has
 * given the functions feedback vectors); each is a small function of its own or a one-off. The
 * n-gram table's growth is not: `KeyCounter.clear` is inlined in `topNgram` and `dupNgram`, and a
 * record needing a larger table than the last one threw both away (on the English slice, at the
 * first long book); a table of the warm-up's own takes that branch.
 *
 * The texts are plain data: the warm-up's results are thrown away, and every scratch buffer it
 * touches is reset by the next record (test/stages/quality/warm.test.ts checks both, and which
 * branches the texts take).
 */
const EN = [
  "Don't stop. John's car can't go to the U.S. at 10:30, it costs $1,000 or 3.14 per e-mail.",
  'See /etc/apt/sources.list -- really!!! #tag #2... wait\u2026 (yes) "quoted" \'single\' isn\'t O\'Neil\'s v1.5.2 a+b=c x_y ~home ^up |pipe \\back end.',
  'Caf\u00e9 na\u0131\u0308ve \ud835\udc00\ud835\udc01 math letters, emoji \ud83d\ude00\ud83d\ude00 and a lone \ud800 surrogate; x\u00b2 and \u00bd.',
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit.',
  'Please enable JavaScript to view the comments powered by Disqus.',
  'We use cookies to improve your experience; see our privacy policy and terms of use.',
  'Albert Einstein was a physicist [1] born in Ulm [edit] in 1879 [citation needed].',
  'function f(x) { return x; }',
  'x = compute(y);',
  'a[i] = b;',
  'call();',
  'return total;',
  '// a comment line',
  '//@someone: a repost',
  '/* block comment */',
  '- a bullet item that ends without a period',
  '\u2022 another bullet item, ending in an ellipsis...',
  'An ellipsis character ends this line\u2026',
  'He said "Stop!" and she asked \u201cWhy?\u201d Then they left.) Fine.',
  'short',
  '  indented line with trailing space.  ',
  '\tcontrol \u0001 characters \u007f and \u0085 and \u0096 here\r',
  'The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog.',
  'A dot before a math letter: a.\ud835\udc00 and x */',
  '//',
];
const ZH = [
  '\u70df(yan)\u53f0\u5e02(shi)\u7684\u5929\u6c14\u5f88\u597d\u3002\u6211\u4eec\u53bb\u4e86\u5317\u4eac\uff01\u4f60\u597d\u5417\uff1f',
  '\u300c\u5f15\u53f7\u300d\uff08\u62ec\u53f7\uff09\u3001\u987f\u53f7\uff0c\u9017\u53f7\uff1b\u5206\u53f7\uff1a\u5192\u53f7\u2026\u2026\u7ed3\u675f\u3002',
  '\ud840\udc00\ud840\udc01\u6269\u5c55\u5b57\u7b26 \uff76\uff80\uff76\uff85 \u3072\u3089\u304c\u306a \u30ab\u30bf\u30ab\u30ca \u3005\u3007 \u4e2d\u6587\u91cc\u7684English words\u548c\u6570\u5b57123\u3002',
  '-{zh-hans:\u8ba1\u7b97\u673a;zh-hant:\u96fb\u8166}-\u662f\u4e00\u79cd\u673a\u5668\u3002',
  '\u6ca1\u6709\u6807\u70b9\u7684\u4e00\u884c',
  '\u6211\u4eec\u4f7f\u7528cookie\u3002\u8bf7\u542f\u7528javascript\u3002',
  '\u8fd9\u662f\u4e00\u53e5\u3002\u540e\u9762\u6ca1\u6709\u6807\u70b9 \u4e2d(Abc)\u6587(abcdefgh)\u5b57(ab]\u5199(ab) x',
];

let texts: string[] | undefined;

/** The warm-up texts, as the JSON reader gives strings (flat, not built by concatenation). */
export function warmTexts(): string[] {
  if (texts !== undefined) return texts;
  const en = EN.join('\n');
  const zh = ZH.join('\n');
  const list = [
    // lines and paragraphs repeated (one paragraph twice), leading and trailing white space
    ` \n${en}\n\n${zh}\n\n\n${EN[0]}\n\n${EN[0]}\n`,
    `${'w'.repeat(1001)} a line with a very long word.\n${'\u5b57'.repeat(1001)}\u3002\n${EN[1]}`,
    'one two three four five six seven eight nine ten. '.repeat(6),
    'p q r s t u. q r s t v. p q r s w.',
    '  indented first line\nsecond line.',
    'ha '.repeat(12),
    '\u51f8'.repeat(12),
    'one line, no newline   ',
    '  one indented line',
    'a first line\nand a last line   ',
    "It isn't",
    // a '{' after '-' that the Chinese rules exempt, then another (-{...}- conversion markup)
    '-{\u8ba1\u7b97\u673a}-\u548c-{\u96fb\u8166}-\u662f\u540c\u4e00\u4e2a\u8bcd\u3002',
    '',
    '\n',
    '\n\n',
    'x',
    '.',
  ];
  texts = JSON.parse(JSON.stringify(list)) as string[];
  return texts;
}

/**
 * The warm-up texts (by index) that also go through `topNgramPartitioned` on a few candidates:
 * between them they take its branches (a partition of one entry, counts tied and not, no n-gram
 * seen twice), fewest candidates first (its buffer then grows on a later call too, once V8 gives
 * the function a feedback vector).
 */
const PARTITIONED = [3, 2, 0];

/** How many rule sets `warmUp` warmed in this process (for tests). */
export let warmUps = 0;

/** A rule set's signal computer and its C4 line pass, as `warmUp` takes them. */
export interface WarmTarget {
  computer: SignalComputer;
  c4: C4Lines | undefined;
}

/**
 * Run the profile, signal and C4 passes over the warm-up texts once; results are discarded. With
 * several rule sets (the `auto` preset's two), each text goes through every one before the next
 * text: the functions they share (`SignalComputer.run`) get every rule set's branches before V8
 * optimises them, not the first rule set's only (which threw `run` away at the first Chinese
 * warm-up text that took a branch of the Chinese rules). With `compile`, V8 then compiles the hot
 * loops at their next call (`compileNow`): for an input long enough that it would compile them
 * anyway (the stage decides: `COMPILE_AFTER`).
 */
export function warmUp(targets: readonly WarmTarget[], compile = false): void {
  warmUps += targets.length;
  const list = warmTexts();
  for (let k = 0; k < list.length; k++) {
    for (const { computer, c4 } of targets) {
      const p = profileShared(list[k]);
      const res = computer.run(p);
      if (c4 !== undefined && res !== undefined) c4.keptText(p, res);
      // Right after the first text, which gave the n-gram functions their feedback vectors and
      // before V8 optimises them (within the next text or two: without this, `topNgram` could be
      // compiled without its call of `topNgramPartitioned`, and was then thrown away when the
      // partitioned texts below reached it: on some runs of the English slice, on every run with
      // synchronous compiles): `topNgram`'s partitioned branch, and the table growth of
      // `KeyCounter.clear` (inlined in `topNgram` and `dupNgram`), on a table of its own.
      if (k === 0) {
        computer.runPartitioned(profileShared(list[PARTITIONED[0]]));
        new KeyCounter(4).clear(0);
      }
    }
  }
  for (const { computer } of targets) for (const i of PARTITIONED) computer.runPartitioned(profileShared(list[i]));
  warmRarePaths();
  if (compile) compileNow(hotLoops(targets));
}

/**
 * The functions `warmUp` has compiled at once: the tokeniser and the signal pass with its n-gram
 * and paragraph helpers. Left to V8: the C4 line pass (compiled on the warm-up's feedback alone it
 * was thrown away at the slice's first records: "insufficient type feedback for generic named
 * access") and the line split (its growth call has no feedback until a record needs more lines).
 */
const SIGNAL_LOOPS = ['run', 'paragraphs', 'markRepeated', 'markRepeatedWithin', 'topNgram', 'covered', 'topNgramPartitioned', 'dupNgram'] as const;

function hotLoops(targets: readonly WarmTarget[]): Function[] {
  const fs = new Set<Function>(profileLoops());
  for (const { computer } of targets) {
    const proto = Object.getPrototypeOf(computer) as Record<string, unknown>;
    for (const name of SIGNAL_LOOPS) if (typeof proto[name] === 'function') fs.add(proto[name] as Function);
  }
  return [...fs];
}

/** How many functions `compileNow` asked V8 to optimise at their next call, in this process (for tests). */
export let compiledNow = 0;

/**
 * Ask V8 to optimise `fs` at their next call, on this thread, with the type feedback they have
 * (V8's %OptimizeFunctionOnNextCall; a function V8 has queued already is left to that job).
 *
 * Why: V8 compiles a hot function on a helper thread while the unoptimised code keeps running.
 * On the slice of issue #16, the tokeniser and `SignalComputer.run` were marked at the first
 * records after the warm-up and their compiles landed ~25-70 records (~0.2-0.4 MB) later, under
 * load: those records ran in baseline code (~10x slower per character), and the record in flight
 * when the code landed asked for an on-stack compile of the same function, which landed after
 * that record was done and was never used (tens of ms of CPU each, in most runs). Compiled here,
 * right after the warm-up gave them their feedback, each is compiled once and every record runs
 * optimised code. On a short input V8 would not have compiled most of them at all: 8-16 KB inputs
 * paid ~50-75 ms of CPU more when every warm-up compiled (bench/RESULTS.md "twenty-third pass,
 * quality"), so the stage asks for this only when the batch being read holds `COMPILE_AFTER`
 * characters of text.
 *
 * V8's intrinsics parse only with --allow-natives-syntax: it is set for the one `new Function`
 * and its call, and unset after unless it was on already. Anything failing here (a V8 without
 * the intrinsic, a refused flag) leaves the compiles to V8 as before: this is about speed only.
 */
function compileNow(fs: readonly Function[]): void {
  let allowed = true;
  try {
    new Function('f', '%OptimizeFunctionOnNextCall(f)');
  } catch {
    allowed = false;
  }
  try {
    if (!allowed) setFlagsFromString('--allow-natives-syntax');
    try {
      // a function of its own on every call: its body is parsed at its first call, with the flag on
      const optimize = new Function('fs', 'for (let i = 0; i < fs.length; i++) %OptimizeFunctionOnNextCall(fs[i]);') as (fs: readonly Function[]) => void;
      optimize(fs);
      compiledNow += fs.length;
    } finally {
      if (!allowed) setFlagsFromString('--no-allow-natives-syntax');
    }
  } catch {
    // left to V8's own tiering
  }
}
