/**
 * bench/normalize.ts: the `normalize` and `convert` stages against pass-through, on real data.
 *
 * Inputs (real, from ../shared/data):
 * - web: every JSONL file of web/en and web/zh concatenated (English and Chinese web text,
 *   about 36 MB); `normalize` works on the text field.
 * - alpaca: sft/alpaca_data.jsonl (52,002 records, 20.9 MB); `normalize --fields
 *   instruction,input,output` and `convert` (to XTuner conversation) run on it.
 *
 * Measures, in the same run and alternating `--reps` times (default 3), medians of:
 * - loop: a plain loop over the file's lines, JSON.parse then JSON.stringify (no pipeline);
 * - cat: the real pipeline with no stage, file reader → JSONL writer (`corpus-clean cat`);
 * - normalize / convert: the same pipeline with the stage.
 * Prints input MB/s and docs/s end to end, the ratio to `cat` measured in the same run, the
 * time spent inside the stage alone, and peak RSS. Output goes to a temporary file.
 *
 * Run: npx tsx bench/normalize.ts [--data DIR] [--reps 3]
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { pipeline } from '../src/core/pipeline.js';
import type { Stage } from '../src/core/stage.js';
import { readFiles } from '../src/io/readers/index.js';
import { JsonlWriter } from '../src/io/writers/jsonl.js';
import { defaultRegistry } from '../src/stages/index.js';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { reps: { type: 'string', default: '3' } } });
const reps = Number(values.reps);
const tmp = mkdtempSync(join(tmpdir(), 'bench-normalize-'));

const webFiles = ['web/en', 'web/zh']
  .flatMap((d) => readdirSync(join(DATA, d)).filter((f) => f.endsWith('.jsonl')).map((f) => join(DATA, d, f)))
  .sort();
const web = join(tmp, 'web.jsonl');
writeFileSync(
  web,
  Buffer.concat(webFiles.map((f) => {
    const b = readFileSync(f);
    return b[b.length - 1] === 10 ? b : Buffer.concat([b, Buffer.from('\n')]);
  })),
);
const alpaca = join(DATA, 'sft/alpaca_data.jsonl');

function loop(path: string): { secs: number; docs: number } {
  const t = performance.now();
  const text = readFileSync(path, 'utf8');
  let out = '';
  let docs = 0;
  let start = 0;
  const parts: string[] = [];
  for (let i = text.indexOf('\n'); i >= 0 || start < text.length; i = text.indexOf('\n', start)) {
    const end = i < 0 ? text.length : i;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    out += JSON.stringify(JSON.parse(line)) + '\n';
    docs++;
    if (out.length > 1 << 20) {
      parts.push(out);
      out = '';
    }
    if (i < 0) break;
  }
  parts.push(out);
  writeFileSync(join(tmp, 'loop.out'), parts.join(''));
  return { secs: (performance.now() - t) / 1000, docs };
}

async function run(path: string, stage: Stage | null): Promise<{ secs: number; docs: number; stageSecs: number }> {
  const t = performance.now();
  const sink = await JsonlWriter.create({ output: join(tmp, 'out.jsonl'), stripAttrs: true });
  const st = await pipeline({ source: readFiles([path]), stages: stage ? [stage] : [], sink, requireText: false });
  return { secs: (performance.now() - t) / 1000, docs: st.read, stageSecs: stage ? st.stages[0].ms / 1000 : 0 };
}

const reg = defaultRegistry();
type Case = { name: string; path: string; make: () => Promise<Stage | null> | null };
const cases: Case[] = [
  { name: 'web: loop', path: web, make: () => null },
  { name: 'web: cat', path: web, make: async () => null },
  { name: 'web: normalize', path: web, make: () => reg.create('normalize', {}) },
  { name: 'web: normalize --entities --fullwidth', path: web, make: () => reg.create('normalize', { entities: true, fullwidth: true }) },
  { name: 'web: normalize --unicode NFKC', path: web, make: () => reg.create('normalize', { unicode: 'NFKC' }) },
  { name: 'alpaca: loop', path: alpaca, make: () => null },
  { name: 'alpaca: cat', path: alpaca, make: async () => null },
  { name: 'alpaca: normalize --fields instruction,input,output', path: alpaca, make: () => reg.create('normalize', { fields: ['instruction', 'input', 'output'] }) },
  { name: 'alpaca: convert (to xtuner-conversation)', path: alpaca, make: () => reg.create('convert', {}) },
];

const results = new Map<string, { secs: number[]; stage: number[]; docs: number }>();
for (let r = 0; r < reps; r++) {
  for (const c of cases) {
    const m = c.make();
    const res = m === null ? { ...loop(c.path), stageSecs: 0 } : await run(c.path, await m);
    const e = results.get(c.name) ?? { secs: [], stage: [], docs: res.docs };
    e.secs.push(res.secs);
    e.stage.push(res.stageSecs);
    results.set(c.name, e);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mb = (p: string): number => statSync(p).size / 1e6;
console.log(`inputs: web ${mb(web).toFixed(1)} MB (${webFiles.length} files), alpaca ${mb(alpaca).toFixed(1)} MB; ${reps} reps, medians`);
console.log('| case | MB/s | docs/s | × cat | stage-only MB/s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const c of cases) {
  const e = results.get(c.name)!;
  const secs = median(e.secs);
  const catSecs = median(results.get(`${c.name.split(':')[0]}: cat`)!.secs);
  const st = median(e.stage);
  console.log(
    `| ${c.name} | ${(mb(c.path) / secs).toFixed(1)} | ${Math.round(e.docs / secs).toLocaleString('en-US')} | ${(catSecs / secs).toFixed(2)} | ${st > 0 ? (mb(c.path) / st).toFixed(0) : '-'} |`,
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(tmp, { recursive: true, force: true });
