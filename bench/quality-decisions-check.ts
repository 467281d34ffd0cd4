/**
 * Decision-equality check for the `quality` stage: a speed change must not change any decision.
 *
 * Input: every JSONL file in ../shared/data/web/en and ../shared/data/web/zh (as bench/quality.ts
 * reads them). Runs four configurations: web-en over en, web-zh over zh, auto (no langid, so by
 * script) over en and zh, and web-en with `c4LineFilter` over en. For every record it writes one
 * line: config, source, `keep` or the drop reason, the text after the stage (a hash, for the line
 * filter) and every `attrs.quality` field in its written order, numbers rounded to 1e-9.
 *
 *   npx tsx bench/quality-decisions-check.ts --save /tmp/quality-decisions.tsv   # before a change
 *   npx tsx bench/quality-decisions-check.ts --check /tmp/quality-decisions.tsv  # after: exit 1 on any difference
 *   (both take --data DIR, a copy of shared/data; default ../shared/data)
 *
 * It measures nothing; it prints the number of records compared and the first differences.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA } from './data.js';
import type { Doc } from '../src/core/doc.js';
import { makeDoc } from '../src/core/doc.js';
import { resolveOptions } from '../src/core/options.js';
import type { StageContext } from '../src/core/stage.js';
import { emptyStageStats } from '../src/core/stats.js';
import { createQuality, qualityOptions } from '../src/stages/quality/index.js';

const FIELD: Record<string, string> = {
  'chinesewebtext_cc2021-43_cleared1.jsonl': 'raw_content',
  'flagdata_quality_example_data.jsonl': 'raw_content',
};

function load(dir: string): Doc[] {
  const full = join(DATA, dir);
  const docs: Doc[] = [];
  for (const f of readdirSync(full).filter((x) => x.endsWith('.jsonl')).sort()) {
    const lines = readFileSync(join(full, f), 'utf8').split('\n');
    lines.forEach((l, i) => {
      if (l.length === 0) return;
      const data = JSON.parse(l) as Record<string, unknown>;
      const v = FIELD[f] ? data[FIELD[f]] : (data.text ?? data.content);
      docs.push(makeDoc({ text: typeof v === 'string' ? v : '' }, `${dir}/${f}:${i + 1}`));
    });
  }
  return docs;
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e9) / 1e9);
  return JSON.stringify(v);
}

/** Run one configuration; one output line per record. */
async function decisions(label: string, docs: Doc[], options: Record<string, unknown>): Promise<string[]> {
  const stage = await createQuality(resolveOptions('quality', qualityOptions, options));
  const reasons = new Map<Doc, string>();
  const ctx: StageContext = {
    stats: emptyStageStats('quality'),
    textField: undefined,
    reject(doc, reason) {
      reasons.set(doc, reason);
    },
  };
  async function* one() {
    yield docs;
  }
  for await (const _ of stage.run(one(), ctx));
  const out: string[] = [];
  for (const d of docs) {
    const q = d.attrs.quality as Record<string, unknown>;
    const fields = Object.entries(q).map(([k, v]) => `${k}=${fmt(v)}`);
    const text = createHash('sha1').update(d.data.text as string).digest('hex').slice(0, 12);
    out.push([label, d.source, reasons.get(d) ?? 'keep', text, ...fields].join('\t'));
  }
  const counters = Object.entries(ctx.stats.counters).sort(([a], [b]) => a.localeCompare(b));
  out.push([label, 'counters', JSON.stringify(counters)].join('\t'));
  return out;
}

async function all(): Promise<string[]> {
  const out: string[] = [];
  const fresh = (dir: string) => load(dir);
  out.push(...(await decisions('web-en', fresh('web/en'), { preset: 'web-en' })));
  out.push(...(await decisions('web-zh', fresh('web/zh'), { preset: 'web-zh' })));
  out.push(...(await decisions('auto-en', fresh('web/en'), { preset: 'auto' })));
  out.push(...(await decisions('auto-zh', fresh('web/zh'), { preset: 'auto' })));
  out.push(...(await decisions('web-en-linefilter', fresh('web/en'), { preset: 'web-en', c4LineFilter: true })));
  out.push(...(await decisions('web-zh-linefilter', fresh('web/zh'), { preset: 'web-zh', c4LineFilter: true })));
  return out;
}

const args = process.argv.slice(2);
const save = args.indexOf('--save');
const check = args.indexOf('--check');
if (save < 0 && check < 0) {
  console.error('usage: quality-decisions-check.ts --save FILE | --check FILE');
  process.exit(2);
}
const lines = await all();
if (save >= 0) {
  writeFileSync(args[save + 1], lines.join('\n') + '\n');
  console.log(`saved ${lines.length} lines to ${args[save + 1]}`);
} else {
  const want = readFileSync(args[check + 1], 'utf8').split('\n').filter(Boolean);
  let bad = 0;
  const n = Math.max(want.length, lines.length);
  for (let i = 0; i < n; i++) {
    if (want[i] !== lines[i]) {
      if (bad < 5) {
        const a = (want[i] ?? '').split('\t');
        const b = (lines[i] ?? '').split('\t');
        const diff = a.map((x, k) => (x !== b[k] ? `${x} -> ${b[k]}` : '')).filter(Boolean);
        console.log(`line ${i + 1} ${a[0]} ${a[1]}: ${diff.join('; ')}`);
      }
      bad++;
    }
  }
  console.log(`${n} lines compared, ${bad} differ`);
  process.exit(bad > 0 ? 1 : 0);
}
