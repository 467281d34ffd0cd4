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
 *   npx tsx bench/quality.ts             # speed, web-en and web-zh, 3 rounds each
 *   npx tsx bench/quality.ts --report    # per-file, per-rule drop tables (markdown)
 *   npx tsx bench/quality.ts --report --why web/en/c4_demo_llamafactory.jsonl
 *                                         # one line per record: kept/dropped, reason, first chars
 *   Every form takes --data DIR (a copy of shared/data; default ../shared/data).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA } from './data.js';
import type { Doc } from '../src/core/doc.js';
import { makeDoc } from '../src/core/doc.js';
import type { StageContext } from '../src/core/stage.js';
import { emptyStageStats } from '../src/core/stats.js';
import { createQuality, qualityOptions } from '../src/stages/quality/index.js';
import { resolveOptions } from '../src/core/options.js';


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

function context(rejects: { doc: Doc; reason: string }[] | null) {
  const stats = emptyStageStats('quality');
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

async function runStage(preset: string, docs: Doc[], ctx: StageContext): Promise<Doc[]> {
  const stage = await createQuality(resolveOptions('quality', qualityOptions, { preset }));
  const out: Doc[] = [];
  async function* one() {
    yield docs;
  }
  for await (const b of stage.run(one(), ctx)) out.push(...b);
  return out;
}

function toDocs(inputs: Input[]): { docs: Doc[]; textBytes: number } {
  const docs: Doc[] = [];
  let textBytes = 0;
  for (const inp of inputs) {
    inp.lines.forEach((l, i) => {
      const data = JSON.parse(l) as Record<string, unknown>;
      const t = textOf(data, inp.file);
      textBytes += Buffer.byteLength(t);
      docs.push(makeDoc({ text: t }, `${inp.file}:${i + 1}`));
    });
  }
  return { docs, textBytes };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function speed(): Promise<void> {
  const sets: [string, Input[]][] = [
    ['web-en', loadDir('web/en')],
    ['web-zh', loadDir('web/zh')],
  ];
  console.log('| preset | records | JSONL MB | text MB | baseline parse MB/s | quality MB/s (JSONL) | quality MB/s (text) | quality docs/s | quality/baseline time | stage alone MB/s (JSONL) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const [preset, inputs] of sets) {
    const bytes = inputs.reduce((a, b) => a + b.bytes, 0);
    let best = { base: Infinity, q: Infinity, stage: Infinity, n: 0, textBytes: 0 };
    for (let round = 0; round < 3; round++) {
      // baseline: parse + read the text field
      // CPU time of this process (user + system), so other load on the machine does not count.
      let t0 = cpuMs();
      let sink = 0;
      for (const inp of inputs) for (const l of inp.lines) sink += textOf(JSON.parse(l), inp.file).length;
      const base = cpuMs() - t0;
      // quality: the same parse, then the stage
      t0 = cpuMs();
      const { docs, textBytes } = toDocs(inputs);
      const t1 = cpuMs();
      const { ctx } = context(null);
      await runStage(preset, docs, ctx);
      const q = cpuMs() - t0;
      const stage = cpuMs() - t1;
      if (sink < 0) console.log(sink);
      if (q < best.q) best = { base, q, stage, n: docs.length, textBytes };
    }
    const mb = bytes / 1e6;
    const tmb = best.textBytes / 1e6;
    console.log(
      `| ${preset} | ${best.n} | ${mb.toFixed(1)} | ${tmb.toFixed(1)} | ${(mb / (best.base / 1000)).toFixed(1)} | ${(mb / (best.q / 1000)).toFixed(1)} | ${(tmb / (best.q / 1000)).toFixed(1)} | ${Math.round(best.n / (best.q / 1000))} | ${(best.q / best.base).toFixed(2)}x | ${(mb / (best.stage / 1000)).toFixed(1)} |`,
    );
  }
  console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; best of 3 rounds; CPU time (user+system) of one thread, i.e. per core`);
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

const args = process.argv.slice(2);
if (args.includes('--report')) {
  const i = args.indexOf('--why');
  await report(i >= 0 ? args[i + 1] : undefined);
} else await speed();
