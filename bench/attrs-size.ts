/**
 * What the stage signals (`attrs`) add to the output (new-user review 5 #27). Runs the README's
 * pipe `quality | dedup` with the built CLI over one input, once keeping the signals (the default)
 * and once with `--strip-attrs` on the last command, and prints the input bytes (decompressed),
 * the output bytes of both, and per written record the bytes of its text and of its `attrs`.
 *
 * Usage: npm run build && npx tsx bench/attrs-size.ts [--input FILE] [--text-field F]
 * Default input: fixtures/sample/web-en.jsonl.gz. Sizes do not depend on the machine or its load.
 */
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist/bundle/main.js');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]] : []))[0];
const input = opt('--input') ?? join(ROOT, 'fixtures/sample/web-en.jsonl.gz');
const field = opt('--text-field');
const tf = field ? ['--text-field', field] : [];

const raw = readFileSync(input);
const plain = input.endsWith('.gz') ? gunzipSync(raw) : raw;

function pipe(strip: boolean): Buffer {
  const q = spawnSync('node', [CLI, 'quality', input, '-q', ...tf], { maxBuffer: 1 << 30 });
  if (q.status !== 0) throw new Error(`quality: ${q.stderr}`);
  const d = spawnSync('node', [CLI, 'dedup', '-q', ...tf, ...(strip ? ['--strip-attrs'] : [])], { input: q.stdout, maxBuffer: 1 << 30 });
  if (d.status !== 0) throw new Error(`dedup: ${d.stderr}`);
  return d.stdout;
}

const kept = pipe(false);
const stripped = pipe(true);
const records = kept.toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
const textField = field?.split(',').find((f) => typeof records[0]?.[f] === 'string') ?? 'text';
let text = 0;
let attrs = 0;
let signals = 0;
for (const r of records) {
  text += Buffer.byteLength(JSON.stringify(r[textField] ?? ''));
  attrs += Buffer.byteLength(JSON.stringify(r.attrs ?? {}));
  const q = (r.attrs as { quality?: Record<string, unknown> } | undefined)?.quality;
  signals = Math.max(signals, q ? Object.values(q).filter((v) => typeof v === 'number').length : 0);
}
const n = records.length;
console.log(`input: ${input} (${plain.length} bytes decompressed); quality | dedup wrote ${n} records`);
console.log('| output of `quality | dedup` | bytes | of the input | per record: text | per record: attrs |');
console.log('|---|---:|---:|---:|---:|');
console.log(`| default (signals kept) | ${kept.length} | ${(kept.length / plain.length).toFixed(2)} | ${Math.round(text / n)} | ${Math.round(attrs / n)} |`);
console.log(`| dedup --strip-attrs | ${stripped.length} | ${(stripped.length / plain.length).toFixed(2)} | ${Math.round(text / n)} | 0 |`);
console.log(`(at most ${signals} numbers per record under attrs.quality: the score and the signals)`);
