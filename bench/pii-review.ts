/**
 * Precision and recall material for the `pii` stage on real text: every finding in
 * ../shared/data/web (zh and en) with its context, for a reader to judge, plus the candidates a
 * loose pattern finds that the stage does not (possible misses), and the constructed
 * not-PII cases of test/stages/pii/pii.test.ts counted again.
 *
 *   npx tsx bench/pii-review.ts [--data DIR] > /tmp/pii-review.md
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATA } from './data.js';
import type { PiiKind } from '../src/stages/pii/index.js';
import { findPii, PII_KINDS } from '../src/stages/pii/index.js';

const ALL = new Set<PiiKind>(PII_KINDS);
const byKind: Record<string, string[]> = {};
const misses: string[] = [];
let docs = 0;
let bytes = 0;
// Loose patterns: anything that looks like a mobile, an e-mail, a dotted quad, an 18-digit ID or a landline.
const LOOSE = /(?<!\d)1[3-9]\d{9}(?!\d)|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z.]+|(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])|(?<!\d)\d{17}[\dXx](?!\d)|(?<!\d)0\d{2,3}-\d{7,8}(?!\d)/g;
// Loose internationalised addresses: letters of any script around an @ and a dot (the stage's own
// rules are stricter: see findEmails); only candidates with a character outside ASCII are counted.
const LOOSE_INTL = /[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)+/gu;
const ctx = (t: string, s: number, e: number) => (t.slice(Math.max(0, s - 15), s) + '【' + t.slice(s, e) + '】' + t.slice(e, e + 10)).replace(/\s+/g, ' ');

for (const dir of ['web/zh', 'web/en']) {
  for (const f of readdirSync(join(DATA, dir)).filter((x) => x.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(DATA, dir, f), 'utf8').split('\n')) {
      if (!line) continue;
      const d = JSON.parse(line) as Record<string, unknown>;
      const t = (d.raw_content ?? d.text ?? d.content) as string;
      if (typeof t !== 'string') continue;
      docs++;
      bytes += Buffer.byteLength(t);
      const spans = findPii(t, ALL);
      const covered = new Set<number>();
      for (const s of spans) {
        (byKind[`${s.kind}/${s.sub}`] ??= []).push(`${f}: ${ctx(t, s.start, s.end)}`);
        for (let i = s.start; i < s.end; i++) covered.add(i);
      }
      if (t.includes('@'))
        for (const m of t.matchAll(LOOSE_INTL)) {
          if (!/[^\x00-\x7f]/.test(m[0])) continue;
          // Reported when the stage found nothing inside the candidate.
          let hit = false;
          for (let i = m.index; i < m.index + m[0].length && !hit; i++) hit = covered.has(i);
          if (!hit) misses.push(`${f}: (intl) ${ctx(t, m.index, m.index + m[0].length)}`);
        }
      for (const m of t.matchAll(LOOSE)) {
        const mid = m.index + Math.floor(m[0].length / 2);
        if (!covered.has(mid)) misses.push(`${f}: ${ctx(t, m.index, m.index + m[0].length)}`);
      }
    }
  }
}

console.log(`# pii findings on ${docs} documents (${(bytes / 1e6).toFixed(1)} MB) of ../shared/data/web\n`);
console.log('| kind | findings |');
console.log('|---|---:|');
for (const [k, v] of Object.entries(byKind).sort()) console.log(`| ${k} | ${v.length} |`);
for (const [k, v] of Object.entries(byKind).sort()) {
  console.log(`\n## ${k} (${v.length})\n`);
  for (const x of v) console.log(`- ${x}`);
}
console.log(`\n## Loose-pattern candidates not found (${misses.length})\n`);
for (const x of misses) console.log(`- ${x}`);
