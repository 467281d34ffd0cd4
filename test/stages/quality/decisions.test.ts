import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { makeDoc } from '../../../src/core/doc.js';
import type { StageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { defaultRegistry } from '../../../src/stages/index.js';

// Regression guard for speed work: every decision and every written signal on the fixtures (and a
// few constructed edge cases) must stay exactly as recorded in fixtures/quality/decisions.golden.tsv.
// Regenerate with UPDATE_GOLDEN=1 only when a change is MEANT to change decisions or signals.

const DIR = new URL('../../../fixtures/quality/', import.meta.url);
const GOLDEN = new URL('decisions.golden.tsv', DIR);

const repeated = (s: string, n: number) => Array.from({ length: n }, () => s).join('');
const CONSTRUCTED: string[] = [
  '',
  '   \n\n  ',
  '...',
  'spam '.repeat(200),
  repeated('buy cheap pills now. ', 60),
  repeated('The same line again.\n', 40),
  repeated('A paragraph that repeats itself here.\n\n', 12) + 'An ending that is new.',
  "I don't think it's U.S. policy; isn't it? e-mail me at /etc/apt 3.14 1,000 10:30...",
  '• item one\n• item two\n- item three\n…\nmore...',
  'function f() {\n  return x;\n}\n// comment\nlet a = 1;',
  '哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈',
  '烟(yan)台市(shi)的房子很好。我们都喜欢。是的了在和。',
  '𠀀𠀁𠀂 astral 😀😀😀 emoji and \u0001\u0002\u0003 control chars\u007f',
  'Lorem ipsum dolor sit amet. This site uses cookies. Enable javascript please. [1] [edit] done.',
  repeated('重复的句子在这里出现了很多次。', 30),
  repeated('a b c d e f g h i j k ', 30),
  'x\r\ny\r\n\r\nz\n',
];

function inputs(): { source: string; text: string }[] {
  const out: { source: string; text: string }[] = [];
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.jsonl')).sort()) {
    readFileSync(new URL(f, DIR), 'utf8')
      .split('\n')
      .filter(Boolean)
      .forEach((l, i) => out.push({ source: `${f}:${i + 1}`, text: (JSON.parse(l) as { text: string }).text }));
  }
  CONSTRUCTED.forEach((t, i) => out.push({ source: `constructed:${i + 1}`, text: t }));
  return out;
}

function fmt(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e9) / 1e9);
  return JSON.stringify(v);
}

async function decisions(label: string, options: Record<string, unknown>): Promise<string[]> {
  const stage = await defaultRegistry().create('quality', options);
  const reasons = new Map<Doc, string>();
  const ctx: StageContext = {
    stats: emptyStageStats('quality'),
    textField: undefined,
    reject(doc, reason) {
      reasons.set(doc, reason);
    },
  };
  const docs = inputs().map((x) => makeDoc({ text: x.text }, x.source));
  async function* one() {
    yield docs;
  }
  for await (const _ of stage.run(one(), ctx));
  const lines = docs.map((d) => {
    const q = d.attrs.quality as Record<string, unknown>;
    const fields = Object.entries(q).map(([k, v]) => `${k}=${fmt(v)}`);
    return [label, d.source, reasons.get(d) ?? 'keep', createHash('sha1').update(d.data.text as string).digest('hex').slice(0, 12), ...fields].join('\t');
  });
  const counters = Object.entries(ctx.stats.counters).sort(([a], [b]) => a.localeCompare(b));
  lines.push([label, 'counters', JSON.stringify(counters)].join('\t'));
  return lines;
}

async function all(): Promise<string> {
  const out: string[] = [];
  out.push(...(await decisions('web-en', { preset: 'web-en' })));
  out.push(...(await decisions('web-zh', { preset: 'web-zh' })));
  out.push(...(await decisions('auto', { preset: 'auto' })));
  out.push(...(await decisions('web-en-linefilter', { preset: 'web-en', c4LineFilter: true })));
  out.push(...(await decisions('web-zh-linefilter', { preset: 'web-zh', c4LineFilter: true })));
  return out.join('\n') + '\n';
}

describe('quality decisions on the fixtures', () => {
  it('are exactly the recorded ones (decisions, signals and their order, texts after the stage, counters)', async () => {
    const got = await all();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, got);
    expect(existsSync(GOLDEN), `missing golden ${GOLDEN.toString()}: run UPDATE_GOLDEN=1 npm test`).toBe(true);
    const want = readFileSync(GOLDEN, 'utf8');
    const a = want.split('\n');
    const b = got.split('\n');
    for (let i = 0; i < Math.max(a.length, b.length); i++) expect(b[i], `line ${i + 1}`).toBe(a[i]);
  });
});
