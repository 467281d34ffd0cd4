// bench/tokenize-ab.mjs (tok25): encode throughput of two builds in one process, in CPU time.
//
// Loads SentencePieceTokenizer from this build's dist/tokenize/tokenizer.js and from another
// build's (`--before DIST`, e.g. /tmp/perf25/base/dist), each with the chunk cache off and with
// the default cache warmed, and encodes the texts bench/tokenize.ts picks (about 1 MB of English and
// 1 MB of Chinese from the data folder) with each, the builds alternating rep by rep (an untimed
// warm-up rep first). Prints medians of CPU ms (user + system of the process while encoding) and
// how many reps ours took less. The token counts of both builds must match (else it throws).
// bench/tokenize.ts measures wall time, best of 3, which swings 2x on a loaded machine.
//
// Run: npm run build && node bench/tokenize-ab.mjs --before OTHER/dist [--reps 8] [--data DIR]
import fs from 'node:fs'; import path from 'node:path'; import { parseArgs } from 'node:util';
const { values } = parseArgs({ options: { before: { type: 'string' }, reps: { type: 'string', default: '8' }, data: { type: 'string' } } });
if (values.before === undefined) throw new Error('give --before OTHER/dist');
const root = path.resolve(import.meta.dirname, '..');
const data = path.resolve(values.data ?? process.env.CORPUS_CLEAN_DATA ?? path.join(root, '../shared/data'));
const budget = 1024 * 1024;
function load(files) { const out = []; let bytes = 0; for (const f of files) { for (const line of fs.readFileSync(path.join(data, f), 'utf8').split('\n')) { if (!line) continue; const t = JSON.parse(line).text; if (typeof t !== 'string' || !t) continue; out.push(t); bytes += Buffer.byteLength(t); if (bytes >= budget / files.length * (files.indexOf(f) + 1)) break; } } return out; }
const sets = { en: load(['web/en/c4_demo_llamafactory.jsonl', 'web/en/wiki_demo_llamafactory.jsonl']), zh: load(['web/zh/cluecorpussmall_sampled_uer.jsonl', 'web/zh/zhwiki_cmrc2018_contexts.jsonl']) };
const model = path.join(root, 'fixtures/tokenizer/internlm2.model');
const B = (await import(path.resolve(values.before, 'tokenize/tokenizer.js'))).SentencePieceTokenizer;
const N = (await import(path.join(root, 'dist/tokenize/tokenizer.js'))).SentencePieceTokenizer;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const toks = { base: { bare: B.loadSync(model, { cacheSize: 0 }), warm: B.loadSync(model) }, ours: { bare: N.loadSync(model, { cacheSize: 0 }), warm: N.loadSync(model) } };
const res = {};
const reps = Number(values.reps);
for (let r = -1; r < reps; r++) {
  for (const who of r % 2 === 0 ? ['base', 'ours'] : ['ours', 'base']) {
    for (const kind of ['bare', 'warm']) for (const [set, texts] of Object.entries(sets)) {
      const tok = toks[who][kind]; const t = cpu(); let n = 0;
      for (const x of texts) n += tok.encode(x).length;
      const ms = cpu() - t;
      const row = (res[`${kind} ${set}`] ??= { base: [], ours: [], n });
      if (n !== row.n) throw new Error(`${who} gave ${n} tokens for ${kind} ${set}, the other build ${row.n}`);
      if (r >= 0) row[who].push(ms);
    }
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log('| encoder | text | tokens | base CPU ms (median) | ours CPU ms (median) | ours/base | reps ours lower |');
for (const [k, v] of Object.entries(res)) {
  const lower = v.ours.filter((x, i) => x < v.base[i]).length;
  const [kind, set] = k.split(' ');
  console.log(`| ${kind === 'bare' ? 'no cache' : 'cache, warm'} | ${set} | ${v.n} | ${med(v.base).toFixed(0)} | ${med(v.ours).toFixed(0)} | ${(med(v.ours) / med(v.base)).toFixed(2)} | ${lower} of ${v.ours.length} |`);
}
console.log(`before: ${values.before}; load ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
