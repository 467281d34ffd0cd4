/**
 * Benchmark and report for the `quality` stage.
 *
 * Input: the real web samples in ../shared/data/web/en (web-en preset) and
 * ../shared/data/web/zh (web-zh preset), read whole into memory first (I/O is not timed).
 *
 * Default mode measures, in ONE run and on the same records:
 *   - pass-through baseline: JSON.parse of every line + reading its text field;
 *   - quality: the same parse, then the `quality` stage (every signal, score, all rules).
 * The last column, "stage alone", is the quality time without the parse.
 * Both are single-threaded and timed in process CPU time, so the MB/s figures are per core and
 * other load on a shared machine does not inflate them. MB/s counts the JSONL bytes parsed
 * and, separately, the UTF-8 bytes of the text fields analysed. Peak RSS is printed at the end.
 *
 * A full garbage collection (untimed) comes before each timed run, so a run does not pay for
 * the garbage of the one before it.
 *
 * The stage runs as `corpus-clean quality IN -o OUT` runs it (core/pipeline.ts): the records come
 * in batches as the JSONL reader hands them (the lines of one 1 MiB read each), each batch parsed
 * just before the stage takes it, and what the stage keeps of a batch is let go once counted (the
 * writer's part, not timed here); the stage's context is the one the pipeline gives it without a
 * rejects file (the signals of a dropped record are not built: nothing reads them), or with one
 * (`--rejects`: every dropped record's signals built, as a rejects file gets them). Until the
 * twentieth pass the bench ran all records as one batch, built the signals of every dropped record
 * (as with a rejects file) and held every record and its signals to the end of the run, which no
 * command does: the garbage collector then moved them all, ~1/4 of the Chinese pass's time
 * (bench/RESULTS.md, 'Issue 16, twentieth pass, quality').
 *
 *   npx tsx bench/quality.ts             # speed, web-en and web-zh, 3 rounds each
 *   npm run build && npx tsx bench/quality.ts --rounds 8 --before /tmp/base/dist --after dist
 *                                         # the same with another build's stage too (its dist
 *                                         # directory, e.g. main before a change), alternating
 *                                         # with ours in every round: before/after best and median.
 *                                         # --after DIST runs ours from a build as well (default:
 *                                         # the sources, as tsx compiles them), so both are alike.
 *   npx tsx bench/quality.ts --rejects   # the stage as with --rejects FILE: dropped records' signals built
 *   npx tsx bench/quality.ts --report    # per-file, per-rule drop tables (markdown)
 *   npx tsx bench/quality.ts --report --why web/en/c4_demo_llamafactory.jsonl
 *                                         # one line per record: kept/dropped, reason, first chars
 *   Every form takes --data DIR (a copy of shared/data; default ../shared/data).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DATA } from './data.js';
import { commandContext } from './stageContext.js';
import { READ_CHUNK } from '../src/io/decode.js';
import type { Doc } from '../src/core/doc.js';
import type { StageContext } from '../src/core/stage.js';
import * as qualityModule from '../src/stages/quality/index.js';
import * as optionsModule from '../src/core/options.js';
import * as docModule from '../src/core/doc.js';
import * as statsModule from '../src/core/stats.js';

/** What the speed runs use of a build: ours (the sources) or another's (`--before DIST`). */
interface Build {
  label: string;
  createQuality: typeof qualityModule.createQuality;
  qualityOptions: typeof qualityModule.qualityOptions;
  resolveOptions: typeof optionsModule.resolveOptions;
  makeDoc: typeof docModule.makeDoc;
  emptyStageStats: typeof statsModule.emptyStageStats;
}

const OURS: Build = { label: 'this build', ...qualityModule, ...optionsModule, ...docModule, ...statsModule };

async function loadBuild(dist: string): Promise<Build> {
  const at = (f: string) => import(pathToFileURL(join(resolve(dist), f)).href);
  return { label: dist, ...(await at('stages/quality/index.js')), ...(await at('core/options.js')), ...(await at('core/doc.js')), ...(await at('core/stats.js')) } as Build;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;


/** Text field per file where it is not `text`/`content`. */
const FIELD: Record<string, string> = {
  'chinesewebtext_cc2021-43_cleared1.jsonl': 'raw_content',
  'flagdata_quality_example_data.jsonl': 'raw_content',
};

interface Input {
  file: string;
  lines: string[];
  bytes: number;
}

function loadDir(dir: string): Input[] {
  const full = join(DATA, dir);
  return readdirSync(full)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => {
      const raw = readFileSync(join(full, f), 'utf8');
      return { file: `${dir}/${f}`, lines: raw.split('\n').filter((l) => l.length > 0), bytes: Buffer.byteLength(raw) };
    });
}

function textOf(data: Record<string, unknown>, file: string): string {
  const f = FIELD[file.split('/').pop()!];
  const v = f ? data[f] : (data.text ?? data.content);
  return typeof v === 'string' ? v : '';
}

function context(rejects: { doc: Doc; reason: string }[] | null, b: Build = OURS) {
  const stats = b.emptyStageStats('quality');
  const ctx: StageContext = {
    stats,
    textField: undefined,
    reject(doc, reason) {
      stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
      rejects?.push({ doc, reason });
    },
  };
  return { ctx, stats };
}

/** `--rejects`: run the stage as with a rejects file (see `commandContext`). */
let rejectsFile = false;

/** Bytes of JSONL the JSONL reader reads at a time: one batch of records each. */
const READ_BATCH = READ_CHUNK;

async function runStage(preset: string, docs: Doc[], ctx: StageContext, b: Build = OURS): Promise<Doc[]> {
  const stage = await b.createQuality(b.resolveOptions('quality', b.qualityOptions, { preset }));
  const out: Doc[] = [];
  async function* one() {
    yield docs;
  }
  for await (const b of stage.run(one(), ctx)) out.push(...b);
  return out;
}

function toDocs(inputs: Input[], b: Build = OURS): { docs: Doc[]; textBytes: number } {
  const docs: Doc[] = [];
  let textBytes = 0;
  for (const inp of inputs) {
    inp.lines.forEach((l, i) => {
      const data = JSON.parse(l) as Record<string, unknown>;
      const t = textOf(data, inp.file);
      textBytes += Buffer.byteLength(t);
      docs.push(b.makeDoc({ text: t }, `${inp.file}:${i + 1}`));
    });
  }
  return { docs, textBytes };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Timing {
  base: number;
  q: number;
  stage: number;
  n: number;
  textBytes: number;
}

/** One timed run of `b` over `inputs`: the parse-only baseline, then parse + stage. */
async function timeOnce(preset: string, inputs: Input[], b: Build): Promise<Timing> {
  gc();
  // baseline: parse + read the text field
  // CPU time of this process (user + system), so other load on the machine does not count.
  let t0 = cpuMs();
  let sink = 0;
  for (const inp of inputs) for (const l of inp.lines) sink += textOf(JSON.parse(l), inp.file).length;
  const base = cpuMs() - t0;
  if (sink < 0) console.log(sink);
  gc();
  // quality: the same parse, batch by batch as the reader gives them, then the stage
  t0 = cpuMs();
  let parse = 0;
  let n = 0;
  let textBytes = 0;
  async function* batches(): AsyncGenerator<Doc[]> {
    for (const inp of inputs) {
      let i = 0;
      while (i < inp.lines.length) {
        const a = cpuMs();
        const batch: Doc[] = [];
        for (let bytes = 0; i < inp.lines.length && bytes < READ_BATCH; i++) {
          const l = inp.lines[i];
          const t = textOf(JSON.parse(l) as Record<string, unknown>, inp.file);
          textBytes += Buffer.byteLength(t);
          batch.push(b.makeDoc({ text: t }, `${inp.file}:${i + 1}`));
          bytes += Buffer.byteLength(l) + 1;
        }
        n += batch.length;
        parse += cpuMs() - a;
        yield batch;
      }
    }
  }
  const stage = await b.createQuality(b.resolveOptions('quality', b.qualityOptions, { preset }));
  let kept = 0;
  for await (const out of stage.run(batches(), commandContext(rejectsFile, b.emptyStageStats('quality')))) kept += out.length;
  const q = cpuMs() - t0;
  if (kept < 0) console.log(kept);
  return { base, q, stage: q - parse, n, textBytes };
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function speed(rounds: number, builds: Build[]): Promise<void> {
  const sets: [string, Input[]][] = [
    ['web-en', loadDir('web/en')],
    ['web-zh', loadDir('web/zh')],
  ];
  const ab = builds.length > 1;
  console.log('| preset | ' + (ab ? 'build | ' : '') + 'records | JSONL MB | text MB | baseline parse MB/s | quality MB/s (JSONL) | quality MB/s (text) | quality docs/s | quality/baseline time | stage alone MB/s (JSONL) |');
  console.log('|---|' + (ab ? '---|' : '') + '---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const all: { preset: string; mb: number; runs: Timing[][] }[] = [];
  for (const [preset, inputs] of sets) {
    const bytes = inputs.reduce((a, b) => a + b.bytes, 0);
    const runs: Timing[][] = builds.map(() => []);
    for (let round = 0; round < rounds; round++) {
      // with two builds, each goes first in every other round
      for (let k = 0; k < builds.length; k++) {
        const i = round % 2 === 0 ? k : builds.length - 1 - k;
        runs[i].push(await timeOnce(preset, inputs, builds[i]));
      }
    }
    const mb = bytes / 1e6;
    all.push({ preset, mb, runs });
    builds.forEach((b, i) => {
      const best = runs[i].reduce((x, y) => (y.q < x.q ? y : x));
      const tmb = best.textBytes / 1e6;
      console.log(
        `| ${preset} | ${ab ? `${b.label} | ` : ''}${best.n} | ${mb.toFixed(1)} | ${tmb.toFixed(1)} | ${(mb / (best.base / 1000)).toFixed(1)} | ${(mb / (best.q / 1000)).toFixed(1)} | ${(tmb / (best.q / 1000)).toFixed(1)} | ${Math.round(best.n / (best.q / 1000))} | ${(best.q / best.base).toFixed(2)}x | ${(mb / (best.stage / 1000)).toFixed(1)} |`,
      );
    });
  }
  if (ab) {
    console.log(`\nBefore (${builds[0].label}) and after (${builds[1].label}), alternating in each of ${rounds} rounds (CPU ms of parse + stage; MB/s of JSONL):\n`);
    console.log('| preset | before ms best / median | after ms best / median | after / before best / median | before MB/s best | after MB/s best |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const { preset, mb, runs } of all) {
      const [b, a] = runs.map((r) => r.map((t) => t.q));
      const bb = Math.min(...b);
      const ba = Math.min(...a);
      console.log(`| ${preset} | ${bb.toFixed(0)} / ${median(b).toFixed(0)} | ${ba.toFixed(0)} / ${median(a).toFixed(0)} | ${(ba / bb).toFixed(3)} / ${(median(a) / median(b)).toFixed(3)} | ${(mb / (bb / 1000)).toFixed(1)} | ${(mb / (ba / 1000)).toFixed(1)} |`);
    }
  }
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; best of ${rounds} rounds; CPU time (user+system) of one thread, i.e. per core; the stage as \`quality IN -o OUT${rejectsFile ? ' --rejects FILE' : ''}\` runs it (batches of ${READ_BATCH >> 20} MiB of JSONL${rejectsFile ? ', dropped records\' signals built' : ', no signals built for dropped records'})`);
}

async function report(why: string | undefined): Promise<void> {
  const sets: [string, Input[]][] = [
    ['web-en', loadDir('web/en')],
    ['web-zh', loadDir('web/zh')],
  ];
  for (const [preset, inputs] of sets) {
    console.log(`\n### ${preset}\n`);
    const rows: { file: string; n: number; kept: number; dropped: Record<string, number> }[] = [];
    const codes = new Set<string>();
    for (const inp of inputs) {
      if (why && !inp.file.endsWith(why.replace(/^.*?web\//, ''))) continue;
      const { docs } = toDocs([inp]);
      const rejects: { doc: Doc; reason: string }[] = [];
      const { ctx, stats } = context(rejects);
      const kept = await runStage(preset, docs, ctx);
      for (const c of Object.keys(stats.dropped)) codes.add(c);
      rows.push({ file: inp.file.split('/').pop()!, n: docs.length, kept: kept.length, dropped: stats.dropped });
      if (why) {
        const reason = new Map(rejects.map((r) => [r.doc.source, r.reason]));
        for (const d of docs) {
          const q = d.attrs.quality as Record<string, unknown>;
          const r = reason.get(d.source);
          console.log(`${d.source.split(':').pop()}\t${r ? 'DROP ' + r : 'keep'}\tscore=${q.score}\tfailed=${(q.failed as string[]).join(',')}\t${JSON.stringify((d.data.text as string).slice(0, 70))}`);
        }
      }
    }
    const cols = [...codes].sort();
    console.log(`| file | records | kept | kept % | ${cols.map((c) => c.replace(/^[a-z_]+:/, '')).join(' | ')} |`);
    console.log(`|---|---:|---:|---:|${cols.map(() => '---:').join('|')}|`);
    for (const r of rows) {
      console.log(`| ${r.file} | ${r.n} | ${r.kept} | ${((100 * r.kept) / r.n).toFixed(1)} | ${cols.map((c) => r.dropped[c] ?? '').join(' | ')} |`);
    }
    console.log(`\nColumns are drop reasons (first failing rule, in rule-set order): ${cols.join(', ')}`);
  }
}

const { values: args } = parseArgs({ options: { report: { type: 'boolean', default: false }, rejects: { type: 'boolean', default: false }, why: { type: 'string' }, rounds: { type: 'string', default: '3' }, before: { type: 'string' }, after: { type: 'string' } } });
if (args.report) await report(args.why);
else {
  const rounds = Number(args.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: a whole number >= 1, not '${args.rounds}'`);
  rejectsFile = args.rejects === true;
  const ours = args.after !== undefined ? await loadBuild(args.after) : OURS;
  await speed(rounds, args.before !== undefined ? [await loadBuild(args.before), ours] : [ours]);
}
