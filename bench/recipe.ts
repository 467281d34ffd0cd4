/**
 * bench/recipe.ts: the sample recipe and `quality` on >= 150 MB of the en+zh web mix, in CPU
 * seconds per core, beside the pass-through (`corpus-clean cat`) measured in the same run
 * (issue #16).
 *
 * Input: every JSONL file of ../shared/data/web/en and web/zh concatenated (34.3 MB, 89,533
 * records), written `--copies` times (default 5: 171 MB, 447,665 records) as one file per copy in
 * a temporary folder. The copies after the first are exact duplicates: normalize, langid and
 * quality see every record, the recipe's exact dedup removes the copies, MinHash sees one copy.
 * Text fields: text,content,raw_content (two web/zh files keep their text in raw_content).
 *
 * Each command is a whole `corpus-clean` process under GNU time (user + system CPU seconds, peak
 * RSS), rounds alternating, best of `--rounds` (default 2):
 *   cat      corpus-clean cat MIX -o OUT                               (pass-through)
 *   quality  corpus-clean quality MIX -o OUT                            (preset auto, no rejects file)
 *   run      corpus-clean run rules/recipes/sample.yaml -i MIX -o DIR --workers 1
 *            (one process; writes shards, _rejects.jsonl, _stats.json, _report.html)
 * The per-stage table comes from the run's _stats.json (each stage's wall time inside the
 * process, reads of its input excluded), converted to CPU seconds with the run's CPU/wall ratio.
 *
 * With `--before PATH/dist/cli/main.js` (another build, e.g. main before a change, built in a
 * `git worktree`), every round also runs `quality` and `run` with that build, alternating with
 * this one, and a before/after table (CPU ratios in the same run) is printed first.
 *
 * The last lines, starting `RESULT`, give the sample recipe's MB/s per core and, with `--before`,
 * the after / before ratio of CPU seconds (best of the rounds of each build).
 *
 * Run: npm run build && npx tsx bench/recipe.ts [--data DIR] [--copies 5] [--rounds 2] [--before CLI]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { best, CLI, concat, jsonlFiles, load, measure, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { copies: { type: 'string', default: '5' }, rounds: { type: 'string', default: '2' }, before: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(`Usage: npm run build && npx tsx bench/recipe.ts [--data DIR] [--copies N] [--rounds N] [--before CLI]

The sample recipe and 'quality' on the en+zh web mix, in CPU seconds per core, beside the
pass-through ('corpus-clean cat') in the same run (issue #16). Prints tables and RESULT lines.

  --data DIR     the data folder (default: CORPUS_CLEAN_DATA, else ../shared/data beside the clone)
  --copies N     copies of web/en + web/zh (34.3 MB each) to read (default 5: 171 MB); 1 is the quick form
  --rounds N     rounds of each command, the best kept (default 2)
  --before CLI   another build's dist/cli/main.js, run alternately: a before/after table first
  -h, --help     this help`);
  process.exit(0);
}
const before = values.before;
const copies = Number(values.copies);
const rounds = Number(values.rounds);
const TF = ['--text-field', 'text,content,raw_content'];

const dir = mkdtempSync(join(tmpdir(), 'cc-recipe-'));
try {
  const mix = join(dir, 'mix');
  mkdirSync(mix);
  const files = [...jsonlFiles(join(DATA, 'web/en')), ...jsonlFiles(join(DATA, 'web/zh'))];
  let bytes = 0;
  for (let c = 0; c < copies; c++) bytes += await concat(files, join(mix, `mix-${c}.jsonl`));
  const MB = bytes / 1e6;
  console.log(`load before: ${load()}`);
  console.log(`input: ${files.length} files of web/en + web/zh, ${copies} copies, ${MB.toFixed(1)} MB; best of ${rounds} rounds; CPU = user + system of the whole process (GNU time), one process, one core\n`);
  const runs: Record<'cat' | 'quality' | 'run', Cost[]> = { cat: [], quality: [], run: [] };
  const old: Record<'quality' | 'run', Cost[]> = { quality: [], run: [] };
  /** The same command with the `--before` build (node BEFORE args). */
  const measureBefore = (args: string[]): Cost => {
    const c = measure([before!, ...args], false);
    console.log(`  before ${args[0]}: ${c.cpu.toFixed(2)} s CPU, ${c.wall.toFixed(1)} s wall, ${c.rssMb.toFixed(0)} MB, exit ${c.code}`);
    return c;
  };
  let stats: { stages: { stage: string; in: number; out: number; ms: number }[]; ms: number } | undefined;
  let statsCost: Cost | undefined;
  for (let r = 0; r < rounds; r++) {
    runs.cat.push(measure(['cat', mix, ...TF, '-q', '-o', join(dir, 'cat.jsonl'), '--overwrite']));
    if (before !== undefined) old.quality.push(measureBefore(['quality', mix, ...TF, '-q', '-o', join(dir, 'q0.jsonl'), '--overwrite']));
    runs.quality.push(measure(['quality', mix, ...TF, '-q', '-o', join(dir, 'q.jsonl'), '--overwrite']));
    if (before !== undefined) {
      const out0 = join(dir, `run0-${r}`);
      old.run.push(measureBefore(['run', 'rules/recipes/sample.yaml', '-i', mix, '-o', out0, '--workers', '1', ...TF, '-q']));
      rmSync(out0, { recursive: true, force: true });
    }
    const out = join(dir, `run-${r}`);
    const c = measure(['run', 'rules/recipes/sample.yaml', '-i', mix, '-o', out, '--workers', '1', ...TF, '-q']);
    runs.run.push(c);
    if (statsCost === undefined || c.cpu < statsCost.cpu) {
      stats = JSON.parse(readFileSync(join(out, '_stats.json'), 'utf8'));
      statsCost = c;
    }
    rmSync(out, { recursive: true, force: true });
  }
  const cat = best(runs.cat);
  const q = best(runs.quality);
  const run = best(runs.run);
  // every run, not only the best: a refused output or a usage error would be timed as a fast run
  for (const [k, v] of Object.entries({ ...runs, ...(before !== undefined ? { 'before quality': old.quality, 'before run': old.run } : {}) })) for (const c of v) if (c.code !== 0) throw new Error(`${k} exited ${c.code}`);
  const per = (c: Cost) => (MB / c.cpu).toFixed(1);
  if (before !== undefined) {
    const q0 = best(old.quality);
    const r0 = best(old.run);
    console.log(`Before (${before}) and after (${CLI}), alternating in one run; cat ${cat.cpu.toFixed(2)} s CPU:\n`);
    console.log('| command | before CPU s | after CPU s | after / before | before x cat | after x cat | before MB/s per core | after MB/s per core | before RSS MB | after RSS MB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [name, b, a] of [['quality (auto)', q0, q], ['run sample.yaml (--workers 1)', r0, run]] as const) {
      console.log(`| ${name} | ${b.cpu.toFixed(2)} | ${a.cpu.toFixed(2)} | **${(a.cpu / b.cpu).toFixed(2)}** | ${(cat.cpu / b.cpu).toFixed(2)}x | ${(cat.cpu / a.cpu).toFixed(2)}x | ${per(b)} | ${per(a)} | ${b.rssMb.toFixed(0)} | ${a.rssMb.toFixed(0)} |`);
    }
    console.log('');
  }
  console.log('| command | CPU s | MB/s per core | x pass-through (cat CPU / its CPU) | wall s | peak RSS MB | target |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  console.log(`| cat (pass-through) | ${cat.cpu.toFixed(2)} | ${per(cat)} | 1.00 | ${cat.wall.toFixed(1)} | ${cat.rssMb.toFixed(0)} | |`);
  console.log(`| quality (auto) | ${q.cpu.toFixed(2)} | ${per(q)} | **${(cat.cpu / q.cpu).toFixed(2)}x** | ${q.wall.toFixed(1)} | ${q.rssMb.toFixed(0)} | >= 0.3x |`);
  console.log(`| run sample.yaml (--workers 1) | ${run.cpu.toFixed(2)} | **${per(run)}** | ${(cat.cpu / run.cpu).toFixed(2)}x | ${run.wall.toFixed(1)} | **${run.rssMb.toFixed(0)}** | >= 10 MB/s per core, <= 400 MB |`);
  if (stats && statsCost) {
    const k = statsCost.cpu / statsCost.wall;
    console.log(`\nPer stage (the best run's _stats.json; wall time inside the process x its CPU/wall ratio ${k.toFixed(2)} = CPU s):\n`);
    console.log('| stage | records in | records out | wall s | CPU s (est.) | MB/s per core of the input | share of the run |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    let sum = 0;
    stats.stages.forEach((s, i) => {
      const w = s.ms / 1000;
      sum += w;
      const name = s.stage === 'dedup' ? (i === stats!.stages.length - 1 ? 'dedup (minhash)' : 'dedup (exact)') : s.stage;
      console.log(`| ${name} | ${s.in} | ${s.out} | ${w.toFixed(2)} | ${(w * k).toFixed(2)} | ${(MB / (w * k)).toFixed(1)} | ${((100 * w) / statsCost!.wall).toFixed(0)} % |`);
    });
    const rest = statsCost.wall - sum;
    console.log(`| reading, writing shards and rejects, report, start-up | | | ${rest.toFixed(2)} | ${(rest * k).toFixed(2)} | | ${((100 * rest) / statsCost.wall).toFixed(0)} % |`);
  }
  // The two figures the issue asks for, on lines of their own (the lead's final quiet run reads them).
  console.log(`\nload after: ${load()}`);
  console.log(`\nRESULT sample recipe: ${per(run)} MB/s per core (${run.cpu.toFixed(2)} s CPU for ${MB.toFixed(1)} MB; target >= 10), peak RSS ${run.rssMb.toFixed(0)} MB (target <= 400), ${(cat.cpu / run.cpu).toFixed(2)}x the pass-through`);
  if (before !== undefined) {
    const r0 = best(old.run);
    const q0 = best(old.quality);
    console.log(`RESULT against --before: run after / before CPU = ${(run.cpu / r0.cpu).toFixed(3)} (before ${per(r0)} MB/s per core, ${r0.cpu.toFixed(2)} s; after ${per(run)}, ${run.cpu.toFixed(2)} s); quality after / before = ${(q.cpu / q0.cpu).toFixed(3)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
