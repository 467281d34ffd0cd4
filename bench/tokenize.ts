/**
 * bench/tokenize.ts — InternLM2 tokenizer speed, TypeScript encoder beside the reference.
 *
 * Input: real text from ../shared/data: English = web/en/c4_demo_llamafactory.jsonl +
 * web/en/wiki_demo_llamafactory.jsonl, Chinese = web/zh/cluecorpussmall_sampled_uer.jsonl +
 * web/zh/zhwiki_cmrc2018_contexts.jsonl, each cut to about BENCH_MB (default 1) MB of UTF-8.
 * Model: ../shared/data/tokenizers/internlm2.model.
 *
 * Measures, on one core, tokens/s, MB/s and docs/s of:
 *   - `SentencePieceTokenizer.encode` with the chunk cache off (the bare merge loop),
 *   - with the default 200k-chunk cache, cold (a fresh tokenizer) and warm (one that has seen
 *     the texts: the steady state of a long run),
 *   - the reference C++ SentencePiece (Python `sentencepiece`, `sp.encode(text)` per document)
 *     on the same texts in the same run, when python3 with sentencepiece is available; it is
 *     skipped with a message otherwise. Token totals are compared as a correctness check.
 * Each figure is the best of REPS (default 3) runs, for both sides, to damp the noise of a
 * shared machine. Prints peak RSS. Run: `npx tsx bench/tokenize.ts [--data DIR]` (BENCH_MB=2 for more text).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SentencePieceTokenizer } from '../src/tokenize/tokenizer.js';
import { DATA } from './data.js';

const data = DATA;
const modelPath = path.join(data, 'tokenizers/internlm2.model');
const budget = Number(process.env.BENCH_MB ?? '1') * 1024 * 1024;
const reps = Number(process.env.REPS ?? '3');

function load(files: string[]): string[] {
  const out: string[] = [];
  let bytes = 0;
  for (const f of files) {
    for (const line of readFileSync(path.join(data, f), 'utf8').split('\n')) {
      if (!line) continue;
      const t = (JSON.parse(line) as { text?: string }).text;
      if (typeof t !== 'string' || !t) continue;
      out.push(t);
      bytes += Buffer.byteLength(t);
      if (bytes >= budget / files.length * (files.indexOf(f) + 1)) break;
    }
  }
  return out;
}

const sets = {
  en: load(['web/en/c4_demo_llamafactory.jsonl', 'web/en/wiki_demo_llamafactory.jsonl']),
  zh: load(['web/zh/cluecorpussmall_sampled_uer.jsonl', 'web/zh/zhwiki_cmrc2018_contexts.jsonl']),
};

interface Row {
  what: string;
  set: string;
  tokens: number;
  ms: number;
  bytes: number;
  docs: number;
}
const rows: Row[] = [];

/** Best of `reps` runs; `makeTok` gives the tokenizer of each run. */
function run(what: string, set: string, texts: string[], makeTok: () => SentencePieceTokenizer): number {
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  let best = Infinity;
  let tokens = 0;
  for (let r = 0; r < reps; r++) {
    const tok = makeTok();
    const t0 = performance.now();
    tokens = 0;
    for (const t of texts) tokens += tok.encode(t).length;
    best = Math.min(best, performance.now() - t0);
  }
  rows.push({ what, set, tokens, ms: best, bytes, docs: texts.length });
  return tokens;
}

const t0 = performance.now();
const loadTok = SentencePieceTokenizer.loadSync(modelPath);
const loadMs = performance.now() - t0;
void loadTok;

// Warm the JIT on both languages (untimed) so the first row measured is not the slow one.
{
  const w = SentencePieceTokenizer.loadSync(modelPath, { cacheSize: 0 });
  for (const t of [...sets.en, ...sets.zh]) w.encode(t);
}
const totals: Record<string, number> = {};
for (const [set, texts] of Object.entries(sets)) {
  // A new tokenizer per run keeps the cache cold; warm runs reuse one that has seen the texts.
  const bare = SentencePieceTokenizer.loadSync(modelPath, { cacheSize: 0 });
  totals[set] = run('ts no cache', set, texts, () => bare);
  run('ts cache, cold', set, texts, () => SentencePieceTokenizer.loadSync(modelPath, { cacheSize: 200_000 }));
  const warm = SentencePieceTokenizer.loadSync(modelPath, { cacheSize: 200_000 });
  for (const t of texts) warm.encode(t);
  run('ts cache, warm', set, texts, () => warm);
}

// The reference, on the same texts, in the same run.
function findPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import sentencepiece'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return null;
}
const py = findPython();
const ref: Record<string, { tokens: number; ms: number }> = {};
if (py === null) {
  console.log('reference skipped: no python3 with the sentencepiece module (apt-get install python3-sentencepiece)');
} else {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-tok-'));
  try {
    const file = path.join(dir, 'texts.json');
    writeFileSync(file, JSON.stringify(sets));
    const script = [
      'import json, sys, time, sentencepiece as spm',
      'sp = spm.SentencePieceProcessor(model_file=sys.argv[1])',
      'sets = json.load(open(sys.argv[2], encoding="utf-8"))',
      'out = {}',
      'for name, texts in sets.items():',
      '    best = None',
      '    for r in range(int(sys.argv[3])):',
      '        t = time.perf_counter(); n = 0',
      '        for x in texts: n += len(sp.encode(x))',
      '        ms = (time.perf_counter() - t) * 1000',
      '        best = ms if best is None else min(best, ms)',
      '    out[name] = {"tokens": n, "ms": best}',
      'print(json.dumps(out))',
    ].join('\n');
    Object.assign(ref, JSON.parse(execFileSync(py, ['-c', script, modelPath, file, String(reps)], { encoding: 'utf8' })) as typeof ref);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [set, r] of Object.entries(ref)) {
    const texts = sets[set as keyof typeof sets];
    rows.push({ what: `reference sentencepiece (${py})`, set, tokens: r.tokens, ms: r.ms, bytes: texts.reduce((a, t) => a + Buffer.byteLength(t), 0), docs: texts.length });
    if (r.tokens !== totals[set]) console.log(`MISMATCH on ${set}: reference ${r.tokens} tokens, ts ${totals[set]}`);
  }
}

console.log(`model load (parse + tables): ${loadMs.toFixed(0)} ms`);
console.log('| encoder | text | docs | MB | tokens | tokens/s | MB/s | docs/s | vs reference |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const tps = r.tokens / (r.ms / 1000);
  const refRate = ref[r.set] ? ref[r.set].tokens / (ref[r.set].ms / 1000) : NaN;
  console.log(
    `| ${r.what} | ${r.set} | ${r.docs} | ${(r.bytes / 1e6).toFixed(2)} | ${r.tokens} | ${Math.round(tps).toLocaleString('en-US')} | ${(r.bytes / 1e6 / (r.ms / 1000)).toFixed(2)} | ${Math.round(r.docs / (r.ms / 1000))} | ${Number.isNaN(refRate) ? '-' : (tps / refRate).toFixed(2) + 'x'} |`,
  );
}
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
