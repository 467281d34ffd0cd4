/**
 * bench/datatrove-slice.ts: our CPU seconds for `quality` and MinHash `dedup` on the 10 MB English
 * web slice of issue #16, beside datatrove's figures as measured elsewhere (quoted, not run here).
 *
 * The slice: every JSONL file of ../shared/data/web/en concatenated (829 records, 10.9 MB of
 * English web text: C4, RedPajama, Dolma CC, Gutenberg, Debian, Wikipedia, Stack Exchange...).
 * Our figure is the whole `corpus-clean` process as a user runs it (Node start-up, reading,
 * writing included), user + system CPU seconds from GNU time, best of `--rounds` (default 3):
 *   corpus-clean quality SLICE --preset web-en -o OUT      (Gopher + C4 + FineWeb rules)
 *   corpus-clean dedup SLICE -o OUT                         (MinHash, the default method)
 * datatrove's seconds are its per-core rates on this machine kind as quoted in the issues
 * (quality: 0.33 MB/s per core, issue #4; MinHash: 0.49 MB/s per core, issue #5; neither is
 * measured by any script here: datatrove is a Python package this machine cannot install) times
 * the slice's size. Ratio = datatrove seconds / our seconds (target >= 30x, issue #16).
 *
 * With `--before PATH/dist/cli/main.js` (another build, e.g. main before a change) the same two
 * commands run with that build too, alternating with ours in every round, and a before/after
 * table (best and median CPU, ratios in the same run) is printed. With `--jit`, each build runs
 * each command once more under `--trace-opt --trace-deopt` and the TurboFan compiles and
 * deoptimisations of the stages' functions are counted (V8's JIT churn: each compile of a large
 * function costs tens of milliseconds of CPU on V8's helper threads).
 *
 * Run: npm run build && npx tsx bench/datatrove-slice.ts [--data DIR] [--rounds 3] [--before CLI] [--jit]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { best, CLI, concat, jsonlFiles, load, mb, measure, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, before: { type: 'string' }, jit: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
const before = values.before;

const median = (costs: readonly Cost[]): number => {
  const v = costs.map((c) => c.cpu).sort((a, b) => a - b);
  return v.length % 2 === 1 ? v[(v.length - 1) >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** TurboFan compiles and deopts of the functions in STAGE_FUNCTIONS, from one traced run of `cli args`. */
function jitChurn(cli: string, args: readonly string[]): { compiles: number; deopts: number } {
  const r = spawnSync(process.execPath, ['--trace-opt', '--trace-deopt', cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0) throw new Error(`traced run exited ${r.status}`);
  let compiles = 0;
  let deopts = 0;
  // V8's trace names the function, not its script: the stage functions are counted by name
  for (const l of r.stdout.split('\n')) {
    if (l.startsWith('[completed compiling') && /\(target TURBOFAN\)/.test(l)) {
      const m = /<JSFunction (\S+)/.exec(l);
      if (m && STAGE_FUNCTIONS.has(m[1])) compiles++;
    } else if (l.startsWith('[bailout') && /<JSFunction (\S+)/.test(l)) {
      const m = /<JSFunction (\S+)/.exec(l)!;
      if (STAGE_FUNCTIONS.has(m[1])) deopts++;
    }
  }
  return { compiles, deopts };
}

/** The hot functions of the quality and MinHash stages (names as V8 reports them). */
const STAGE_FUNCTIONS = new Set([
  'profileInto', 'emit', 'startsWord', 'run', 'paragraphs', 'markRepeated', 'markRepeatedWithin', 'topNgram', 'topNgramPartitioned', 'covered', 'dupNgram', 'narrow', 'isCodeLine', 'flagLines', 'endsWithTerminal', 'sentences', 'keptText', 'slotOf', 'insert', 'add', 'seenOrAdd', 'clear', 'grow',
  'shingle', 'shingleLowered', 'tokenize', 'fromTokens', 'symbolShingle', 'signatureInto', 'signInto', 'sign', 'decisive', 'visit', 'find', 'union',
]);

/** datatrove's per-core rates on this machine kind, as quoted in the issues (MB of JSONL per CPU second). */
const DATATROVE = {
  quality: { mbPerS: 0.33, where: 'issue #4 (Gopher + C4 + FineWeb filters, "mostly in its word tokenizer")' },
  minhash: { mbPerS: 0.49, where: 'issue #5 (MinHash signatures)' },
};

const dir = mkdtempSync(join(tmpdir(), 'cc-dt-slice-'));
try {
  const slice = join(dir, 'web-en-slice.jsonl');
  const files = jsonlFiles(join(DATA, 'web/en'));
  await concat(files, slice);
  const size = mb(slice);
  console.log(`load before: ${load()}`);
  console.log(`slice: ${files.length} files of ${join(DATA, 'web/en')}, ${size.toFixed(2)} MB; best of ${rounds} rounds; CPU = user + system of the whole process (GNU time)\n`);
  const runs: Record<string, Cost[]> = { node: [], quality: [], minhash: [], cat: [] };
  const old: Record<'quality' | 'minhash', Cost[]> = { quality: [], minhash: [] };
  const args = {
    quality: ['quality', slice, '--preset', 'web-en', '-q', '-o', join(dir, 'q.jsonl'), '--overwrite'],
    minhash: ['dedup', slice, '-q', '-o', join(dir, 'd.jsonl'), '--overwrite'],
  };
  for (let r = 0; r < rounds; r++) {
    runs.node.push(measure(['-e', '0'], false));
    runs.cat.push(measure(['cat', slice, '-q', '-o', join(dir, 'cat.jsonl'), '--overwrite']));
    for (const k of ['quality', 'minhash'] as const) {
      if (before !== undefined) old[k].push(measure([before, ...args[k]], false));
      runs[k].push(measure(args[k]));
    }
  }
  for (const [k, v] of Object.entries(old)) for (const c of v) if (c.code !== 0) throw new Error(`before ${k} exited ${c.code}`);
  const b = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, best(v)])) as Record<string, Cost>;
  // every run, not only the best: a refused output or a usage error would be timed as a fast run
  for (const [k, v] of Object.entries(runs)) for (const c of v) if (c.code !== 0) throw new Error(`${k} exited ${c.code}`);
  console.log('| what | our CPU s | our wall s | datatrove CPU s (quoted rate x slice) | ratio (datatrove / ours) | target |');
  console.log('|---|---:|---:|---:|---:|---:|');
  console.log(`| node -e 0 (start-up floor) | ${b.node.cpu.toFixed(2)} | ${b.node.wall.toFixed(2)} | | | |`);
  console.log(`| corpus-clean cat (pass-through) | ${b.cat.cpu.toFixed(2)} | ${b.cat.wall.toFixed(2)} | | | |`);
  for (const k of ['quality', 'minhash'] as const) {
    const dt = size / DATATROVE[k].mbPerS;
    console.log(`| ${k === 'quality' ? 'corpus-clean quality --preset web-en' : 'corpus-clean dedup (MinHash)'} | ${b[k].cpu.toFixed(2)} | ${b[k].wall.toFixed(2)} | ${dt.toFixed(1)} | **${(dt / b[k].cpu).toFixed(1)}x** | 30x |`);
  }
  if (before !== undefined) {
    console.log(`\nBefore (${before}) and after (${CLI}), alternating in each of ${rounds} rounds:\n`);
    console.log('| command | before CPU s (best / median) | after CPU s (best / median) | after / before (best / median) | ratio to datatrove before -> after (best) |');
    console.log('|---|---:|---:|---:|---:|');
    for (const k of ['quality', 'minhash'] as const) {
      const dt = size / DATATROVE[k].mbPerS;
      const ob = best(old[k]).cpu;
      const nb = best(runs[k]).cpu;
      console.log(`| ${k === 'quality' ? 'quality --preset web-en' : 'dedup (MinHash)'} | ${ob.toFixed(2)} / ${median(old[k]).toFixed(2)} | ${nb.toFixed(2)} / ${median(runs[k]).toFixed(2)} | ${(nb / ob).toFixed(2)}x / ${(median(runs[k]) / median(old[k])).toFixed(2)}x | ${(dt / ob).toFixed(1)}x -> ${(dt / nb).toFixed(1)}x |`);
    }
  }
  if (values.jit) {
    console.log('\nTurboFan compiles / deopts of the stages\' hot functions, one traced run each:\n');
    console.log('| command | ' + (before !== undefined ? 'before | ' : '') + 'after |');
    console.log('|---|' + (before !== undefined ? '---:|' : '') + '---:|');
    for (const k of ['quality', 'minhash'] as const) {
      const cell = (cli: string) => {
        const j = jitChurn(cli, args[k]);
        return `${j.compiles} / ${j.deopts}`;
      };
      console.log(`| ${k} | ${before !== undefined ? `${cell(before)} | ` : ''}${cell(CLI)} |`);
    }
  }
  console.log(`\ndatatrove figures quoted, not measured here: quality ${DATATROVE.quality.mbPerS} MB/s per core, ${DATATROVE.quality.where}; MinHash ${DATATROVE.minhash.mbPerS} MB/s per core, ${DATATROVE.minhash.where}.`);
  console.log(`Issue #16 measured 20.6x (quality) and 20.1x (MinHash) with the same method before this work.`);
  console.log(`load after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
