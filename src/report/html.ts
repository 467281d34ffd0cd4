import { table } from '../core/own.js';
import { madeOf, type FileStats, type StageStats } from '../core/stats.js';
import { showPath } from '../core/fsname.js';
import { sketchCount } from '../core/sketch.js';
import { VERSION } from '../version.js';
import { binsOf } from './bins.js';
import type { RunData } from './collect.js';
import { esc } from './escape.js';
import { hbars, histogram, num, pairedBars } from './svg.js';

/** No script, no fetch: the page is text, inline styles and inline SVG. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1d2430;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 4px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #eceff4;text-align:left;vertical-align:top}
th{background:#f4f6f9}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.lost td{background:#fde8e8;font-weight:600}tr.warn td{background:#fff6dd}
.muted{color:#667}.warnings li{margin:4px 0}.warnings{background:#fff6dd;padding:8px 8px 8px 28px;border-radius:4px}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0 14px}
.bar{fill:#5b7db8}.bar.keep,.bar.b{fill:#3f8f5a}.bar.drop{fill:#d0574f}.bar.a{fill:#9aa8bd}.bar.warn{fill:#e0a030}
.axis{stroke:#889}.thr{stroke:#111;stroke-dasharray:4 3;fill:#111}text.thr{stroke:none}
pre.sample{white-space:pre-wrap;word-break:break-word;background:#f6f7f9;border-left:3px solid #d0574f;padding:6px 10px;margin:4px 0 2px;max-height:16em;overflow:auto;font-size:12.5px}
.facts{font-size:12px;color:#445;margin:0 0 10px}.facts code{background:#eef;padding:0 3px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:0 18px}
details summary{cursor:pointer}
`;

const pct = (a: number, b: number): string => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : '–');

/** The share of `read` written, or how many more were written than read (not '300.0 %'). */
const keptShare = (written: number, read: number): string => (written > read ? `${num(written - read)} more than read` : pct(written, read));

function stageLabel(stats: StageStats[], i: number): string {
  const s = stats[i];
  return stats.filter((x) => x.stage === s.stage).length > 1 ? `${s.stage} #${stats.slice(0, i + 1).filter((x) => x.stage === s.stage).length}` : s.stage;
}

function summarySection(d: RunData): string {
  const s = d.stats;
  const secs = s.ms / 1000;
  // Records a stage of one's own made (1 -> N, deriveDoc) are judged beside those read: the shares of
  // written and rejected are of read + made (new-user review 25 L-7: 'rejected 4,432 (36.9 %)' of
  // read 12,002, where 23,866 were judged: 18.6 %).
  const made = madeOf(s);
  const judged = s.read + made;
  const of = made > 0 ? ' of read + made' : '';
  const rows: [string, string][] = [
    ['read', num(s.read)],
    // More written than read (a 1 -> N stage of one's own) is said as such, not as '1268.9 %' (review 23b C3).
    ['written', `${num(s.written)} (${keptShare(s.written, judged)}${s.written > judged ? '' : of})`],
    ['rejected', `${num(s.rejected)} (${pct(s.rejected, judged)}${of})`],
    ['input', `${num(s.files)} files, ${(s.bytesRead / 1e6).toFixed(1)} MB`],
    ['time', `${secs.toFixed(2)} s (${secs > 0 ? (s.bytesRead / 1e6 / secs).toFixed(1) : '–'} MB/s)`],
    ['output', `${(s.shards ?? []).length} shards, ${(d.shardBytes / 1e6).toFixed(2)} MB`],
  ];
  // A planned run: these stats are the merge of its tasks' (the same for any number of workers).
  if (typeof s.tasks === 'number') rows.push(['tasks', `${num(s.tasks)} (stats and rejects merged in task order)`]);
  if (s.rejects_left_out !== undefined) {
    const left = Object.values(s.rejects_left_out).reduce((a, b) => a + b, 0);
    rows.push(['rejects kept', `${num(s.rejected - left)} of ${num(s.rejected)}: at most ${num(s.rejects_sample_per_reason ?? 0)} per reason (sample_per_reason); every reject is counted above`]);
  }
  if (s.rejects_attrs === 'failing') rows.push(['reject signals', "only those of the rules that failed (rejects: {attrs: all} keeps all)"]);
  if (d.rejectsFile) rows.push(['rejects', `${d.rejectsFile} (${((d.rejectsBytes ?? 0) / 1e6).toFixed(2)} MB, ${pct(d.rejectsBytes ?? 0, s.bytesRead)} of the input bytes)`]);
  // The totals, or else the files (the totals add up: review 23b C3 saw 'read ≠ written + rejected' beside 1015 = 1015 + 0).
  // Records a stage of one's own made (1 -> N, deriveDoc) count beside those read: read + made = written + rejected.
  if (made > 0) rows.splice(1, 0, ['made', `${num(made)} (records stages made from those read)`]);
  const sides = made > 0 ? 'read + made' : 'read';
  if (s.read + made !== s.written + s.rejected) rows.push(['accounting', `MISMATCH: ${sides} ≠ written + rejected`]);
  else if (s.balanced === false) rows.push(['accounting', `MISMATCH per file: the totals add up (${sides} = written + rejected), but not file by file (see Per input file)`]);
  return `<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function funnelSection(d: RunData): string {
  const s = d.stats;
  // Shares of the records judged: read + made (L-7).
  const made = madeOf(s);
  const judged = s.read + made;
  const items = [{ label: 'read', a: s.read, b: s.input.out ?? s.read - Object.values(s.input.dropped).reduce((a, b) => a + b, 0) }, ...s.stages.map((st, i) => ({ label: stageLabel(s.stages, i), a: st.in, b: st.out }))];
  const reasons = [s.input, ...s.stages].flatMap((st, i) =>
    Object.entries(st.dropped)
      .sort((a, b) => b[1] - a[1])
      .map(([r, n]) => `<tr><td>${esc(i === 0 ? 'read' : stageLabel(s.stages, i - 1))}</td><td><a href="#r-${esc(encodeURIComponent(`${st.stage}/${r}`))}">${esc(r)}</a></td><td class="n">${num(n)}</td><td class="n">${pct(n, judged)}</td></tr>`),
  );
  return (
    pairedBars('funnel', 'Records into and out of each stage', ['in', 'out'], items) +
    (reasons.length > 0 ? `<table><tr><th>stage</th><th>drop reason</th><th class="n">records</th><th class="n">${made > 0 ? 'of read + made' : 'of read'}</th></tr>${reasons.join('')}</table>` : '<p class="muted">No record was dropped.</p>')
  );
}

function fileSection(d: RunData, warnings: string[]): string {
  const files = Object.entries(d.stats.perFile ?? {}) as [string, FileStats][];
  if (files.length === 0) return '<p class="muted">No per-file accounting in these stats.</p>';
  // A file's shares are of the records judged from it: read + made by stages (L-7).
  const judgedOf = (f: FileStats): number => f.read + (f.made ?? 0);
  const rows = files.map(([name, f]) => {
    const top = Object.entries(f.reasons).sort((a, b) => b[1] - a[1]);
    const one = top[0] !== undefined && f.read >= 10 && top[0][1] > 0.9 * judgedOf(f);
    const cls = f.read > 0 && f.written === 0 ? 'lost' : one ? 'warn' : '';
    const reasons = top.slice(0, 4).map(([r, n]) => `${esc(r)} ${num(n)}`).join(', ') + (top.length > 4 ? `, +${top.length - 4} more` : '');
    const read = f.made ? `${num(f.read)} + ${num(f.made)} made` : num(f.read);
    return `<tr class="${cls}"><td>${esc(showPath(name))}</td><td class="n">${read}</td><td class="n">${num(f.written)}</td><td class="n">${num(f.rejected)}</td><td class="n">${keptShare(f.written, judgedOf(f))}</td><td>${reasons}</td></tr>`;
  });
  const shown = files.slice(0, 60);
  const chart = hbars(
    'files',
    'Share of each input file kept',
    // File names as on stderr (control and bidi characters escaped), one spelling on the page.
    // Shares as the table says them (`pct`): one decimal, '30.0 % of 40' beside '83.3 % of 6'.
    shown.map(([name, f]) => {
      // A file of which more was written than read (a 1 -> N stage of one's own) fills its bar and says so.
      const judged = judgedOf(f);
      if (f.written > judged) return { label: showPath(name), value: 100, text: keptShare(f.written, judged), cls: 'warn' };
      const value = judged > 0 ? Math.round((1000 * f.written) / judged) / 10 : 0;
      return { label: showPath(name), value, text: value.toFixed(1), cls: f.read > 0 && f.written === 0 ? 'drop' : 'keep', note: `% of ${num(judged)}` };
    }),
  );
  const warn = warnings.length > 0 ? `<ul class="warnings">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  return `${warn}${chart}${files.length > shown.length ? `<p class="muted">Chart shows the first ${shown.length} of ${files.length} files; the table has all.</p>` : ''}<table><tr><th>file</th><th class="n">read</th><th class="n">written</th><th class="n">rejected</th><th class="n">kept</th><th>rejected by</th></tr>${rows.join('')}</table>`;
}

function languageSection(d: RunData): string {
  const langid = d.stats.stages.find((s) => s.stage === 'langid');
  const before: Record<string, number> = {};
  if (langid) for (const [k, v] of Object.entries(langid.counters)) if (k.startsWith('lang:')) before[k.slice(5)] = v;
  const after = d.stats.writtenLangs ?? {};
  const langs = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) => (before[b] ?? 0) + (after[b] ?? 0) - (before[a] ?? 0) - (after[a] ?? 0));
  if (langs.length === 0) return '<p class="muted">No language was tagged: the recipe has no langid stage.</p>';
  const top = langs.slice(0, 15);
  return pairedBars('languages', 'Languages before (records reaching langid) and after (records written)', ['before (into langid)', 'after (written)'], top.map((l) => ({ label: l, a: before[l] ?? 0, b: after[l] ?? 0 }))) + (langs.length > top.length ? `<p class="muted">${langs.length - top.length} more languages in _stats.json.</p>` : '');
}

/** What a stage's histograms count, when it is not every record. */
const SIGNAL_NOTES: Record<string, string> = table({
  'flagged-words': 'Records with at least one hit (the others have ratio and count 0), by the language the stage judged them in: ratio is the share of non-space characters covered by hits (zh) or hits per word (en). A record whose hits are all topic terms (强奸, 色情, rape ...: news names them) is kept whatever its ratio, so green can stand past a threshold.',
  pii: 'Records with at least one finding: findings per record, all kinds together (found) and per kind.',
});

/** url-filter has no number to plot: its decisions, by list. */
export function urlFilterChart(d: RunData, st: StageStats, i: number): string {
  const label = stageLabel(d.stats.stages, i);
  const items: { label: string; value: number; cls?: string; note?: string }[] = [];
  for (const [r, n] of Object.entries(st.dropped).sort((a, b) => b[1] - a[1])) items.push({ label: `blocked: ${r.replace(/^url_filter:/, '')}`, value: n, cls: 'drop', note: pct(n, st.in) });
  // Records without a URL are counted as no_url whether kept or dropped (missing: drop, then
  // also a reason above); here they are the kept ones, which alone are in `out`.
  const noUrlKept = (st.counters.no_url ?? 0) - (st.dropped['url_filter:no_url'] ?? 0);
  for (const [k, n] of Object.entries(st.counters).sort((a, b) => b[1] - a[1])) {
    if (k.startsWith('allowed:')) items.push({ label: `allowed: ${k.slice(8)}`, value: n, cls: 'keep', note: pct(n, st.in) });
    else if (k === 'no_url' && noUrlKept > 0) items.push({ label: 'no URL', value: noUrlKept, cls: 'warn', note: pct(noUrlKept, st.in) });
  }
  const passed = st.out - noUrlKept - Object.entries(st.counters).filter(([k]) => k.startsWith('allowed:')).reduce((a, [, n]) => a + n, 0);
  items.push({ label: 'on no list', value: Math.max(0, passed), note: pct(Math.max(0, passed), st.in) });
  return `<h3>${esc(label)}</h3><p class="muted">URLs have no number to plot: the records each list blocked or allowed, and those with no URL (kept unless missing: drop).</p>${hbars(`signal:${label}:lists`, `${label}: decisions by list`, items)}`;
}

function signalSection(d: RunData): string {
  const out: string[] = [];
  d.stats.stages.forEach((st, i) => {
    if (st.stage === 'url-filter') return void out.push(urlFilterChart(d, st, i));
    const signals = Object.entries(st.signals ?? {}).filter(([k]) => k !== 'similarity');
    if (signals.length === 0) return;
    const thr = st.thresholds ?? [];
    // Signals with a rule first, in rule order; the score last.
    const order = (k: string): number => {
      const j = thr.findIndex((t) => t.signal === k);
      return j < 0 ? 1e9 : j;
    };
    signals.sort((a, b) => order(a[0]) - order(b[0]) || (a[0] < b[0] ? -1 : 1));
    out.push(`<h3>${esc(stageLabel(d.stats.stages, i))}</h3>${SIGNAL_NOTES[st.stage] ? `<p class="muted">${esc(SIGNAL_NOTES[st.stage])}</p>` : ''}<div class="grid">`);
    for (const [key, sk] of signals) {
      const ts = thr.filter((t) => t.signal === key).flatMap((t) => [...(t.min !== undefined ? [{ value: t.min, label: `${t.code} min` }] : []), ...(t.max !== undefined ? [{ value: t.max, label: `${t.code} max` }] : [])]);
      const { bins, log } = binsOf(sk, ts.map((t) => t.value));
      const kept = sketchCount(sk.kept);
      const dropped = sketchCount(sk.dropped);
      out.push(`<div><b>${esc(key)}</b> <span class="muted">kept ${num(kept)}, dropped ${num(dropped)}</span>${histogram(`signal:${stageLabel(d.stats.stages, i)}:${key}`, `${key}: kept (green) and dropped (red) records`, bins, ts, log)}</div>`);
    }
    out.push('</div>');
  });
  return out.length > 0 ? '<p class="muted">Green: records the stage kept; red: records it dropped (by any of its rules). Dashed lines: the thresholds of the rules on this signal. Values are counted in buckets within ±5 % of their middle, so a bar spans (and its tooltip names) the range its values lie in: a bar may cross a threshold.</p>' + out.join('') : '<p class="muted">No signal histograms: the recipe has none of quality, langid, flagged-words, pii or url-filter, or the run did not profile.</p>';
}

function dedupSection(d: RunData): string {
  const out: string[] = [];
  d.stats.stages.forEach((st, i) => {
    if (st.stage !== 'dedup') return;
    const label = stageLabel(d.stats.stages, i);
    const removed = Object.values(st.dropped).reduce((a, b) => a + b, 0);
    out.push(`<h3>${esc(label)}</h3><p>${num(removed)} of ${num(st.in)} records removed (${pct(removed, st.in)}).</p>`);
    const sizes = Object.entries(st.clusters ?? {}).map(([k, v]) => [Number(k), v] as const).sort((a, b) => a[0] - b[0]);
    if (sizes.length > 0) out.push(hbars(`clusters:${label}`, 'Duplicate clusters by size (records, survivor included)', sizes.map(([k, v]) => ({ label: `${k} records`, value: v, note: 'clusters' }))));
    const sim = st.signals?.similarity;
    if (sim) {
      const t = (st.thresholds ?? []).filter((x) => x.signal === 'similarity').map((x) => ({ value: x.min ?? 0, label: 'threshold' }));
      const { bins, log } = binsOf(sim, t.map((x) => x.value));
      out.push(`<div><b>similarity of each removed record to its survivor</b>${histogram(`similarity:${label}`, 'Similarity of removed records to their survivors', bins, t, log)}</div>`);
    }
  });
  return out.length > 0 ? out.join('') : '<p class="muted">The recipe has no dedup stage.</p>';
}

/**
 * Counters that count something other than records (bytes, lines, findings): a share of the
 * records into the stage means nothing for them (bytes_removed showed as "315.6 %").
 */
const COUNTER_UNITS: [RegExp, string][] = [
  [/^bytes_/, 'bytes'],
  [/^units_removed$/, 'paragraphs or lines'],
  [/^c4_lines_removed(:|$)/, 'lines'],
  [/^(found|replaced):/, 'findings'],
  [/^candidates/, 'pairs'],
];

/** The note after a counter's value: its share of the records into the stage, or its unit. */
export function counterNote(key: string, value: number, st: StageStats, bytesRead: number): string {
  const unit = COUNTER_UNITS.find(([re]) => re.test(key))?.[1];
  if (unit === undefined) return `(${pct(value, st.in)} of records)`;
  return unit === 'bytes' ? `bytes (${pct(value, bytesRead)} of the input bytes)` : unit;
}

function changesSection(d: RunData): string {
  const out: string[] = [];
  d.stats.stages.forEach((st, i) => {
    if (st.stage === 'langid' || st.stage === 'dedup' || st.stage === 'url-filter') return;
    const items = Object.entries(st.counters)
      .filter(([k]) => !k.startsWith('preset:'))
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30);
    if (items.length === 0) return;
    const label = stageLabel(d.stats.stages, i);
    out.push(`<h3>${esc(label)}</h3>` + hbars(`changes:${label}`, `${label}: changes by kind`, items.map(([k, v]) => ({ label: k, value: v, note: counterNote(k, v, st, d.stats.bytesRead) }))));
  });
  return out.length > 0 ? out.join('') : '<p class="muted">No stage counted repairs or changes.</p>';
}

function throughputSection(d: RunData): string {
  const s = d.stats;
  const perDoc = s.read > 0 ? s.bytesRead / s.read : 0;
  const rows = s.stages.map((st, i) => {
    const secs = st.ms / 1000;
    return `<tr><td>${esc(stageLabel(s.stages, i))}</td><td class="n">${num(st.in)}</td><td class="n">${secs.toFixed(3)}</td><td class="n">${secs > 0 ? num(Math.round(st.in / secs)) : '–'}</td><td class="n">${secs > 0 ? ((st.in * perDoc) / 1e6 / secs).toFixed(1) : '–'}</td><td class="n">${pct(st.ms, s.ms)}</td></tr>`;
  });
  const chart = hbars('time', 'Time spent in each stage (ms)', s.stages.map((st, i) => ({ label: stageLabel(s.stages, i), value: Math.round(st.ms), note: 'ms' })));
  return `${chart}<table><tr><th>stage</th><th class="n">docs in</th><th class="n">seconds</th><th class="n">docs/s</th><th class="n">MB/s</th><th class="n">of run time</th></tr>${rows.join('')}</table><p class="muted">Stage time excludes reading and the stages before it; the rest of the ${(s.ms / 1000).toFixed(2)} s run is reading, writing and start-up. MB/s counts the mean input bytes per record. One run on a shared machine: for speed, use <code>corpus-clean bench</code>.</p>`;
}

function samplesSection(d: RunData): string {
  const s = d.stats;
  const out: string[] = [];
  for (const st of [s.input, ...s.stages]) {
    for (const [reason, n] of Object.entries(st.dropped).sort((a, b) => b[1] - a[1])) {
      const key = `${st.stage}/${reason}`;
      const list = d.samples.get(key) ?? [];
      out.push(`<h3 id="r-${esc(encodeURIComponent(key))}">${esc(key)} <span class="muted">${num(n)} records</span></h3>`);
      if (list.length === 0) out.push('<p class="muted">No sample in the rejects file.</p>');
      for (const x of list) {
        out.push(`<div class="muted">${esc(showPath(x.source))}</div><pre class="sample">${esc(x.text)}</pre>`);
        if (x.facts.length > 0) out.push(`<div class="facts">${x.facts.map(([k, v]) => `${esc(k)}: <code>${esc(v)}</code>`).join(' · ')}</div>`);
      }
    }
  }
  return out.length > 0 ? out.join('') : '<p class="muted">Nothing was dropped.</p>';
}

/** The report of a run as one self-contained HTML page. `warnings` are the per-file warnings of the run. */
export function renderReport(d: RunData, warnings: string[], generated = new Date(), failed?: string): string {
  const sections: [string, string, string][] = [
    ['summary', 'Summary', summarySection(d)],
    ['funnel', 'Funnel: records per stage and drop reasons', funnelSection(d)],
    ['files', 'Per input file', fileSection(d, warnings)],
    ['languages', 'Languages before and after', languageSection(d)],
    ['signals', 'Signals, kept vs dropped, with thresholds', signalSection(d)],
    ['dedup', 'Near-duplicates', dedupSection(d)],
    ['changes', 'Repairs and normalisation by kind', changesSection(d)],
    ['time', 'Throughput and time per stage', throughputSection(d)],
    ['samples', 'Sample records per drop reason', samplesSection(d)],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corpus-clean report: ${esc(d.name)}</title>
<style>${STYLE}</style></head><body>
<h1>corpus-clean report: ${esc(d.name)}</h1>
<p class="muted">${esc(d.dir)} · made by corpus-clean ${esc(VERSION)} on ${esc(generated.toISOString().slice(0, 19).replace('T', ' '))} UTC · <code>corpus-clean report ${esc(d.dir)}</code> makes it again</p>
${failed !== undefined ? `<p id="failed"><strong>This run failed</strong>: ${esc(failed)}</p>
` : ''}<p>${sections.map(([id, title]) => `<a href="#${id}">${esc(title.split(':')[0])}</a>`).join(' · ')}</p>
${sections.map(([id, title, body]) => `<section id="${id}"><h2>${esc(title)}</h2>${body}</section>`).join('\n')}
${d.recipeText ? `<section id="recipe"><h2>Resolved recipe</h2><details><summary>_recipe.resolved.yaml</summary><pre>${esc(d.recipeText)}</pre></details></section>` : ''}
</body></html>
`;
}
