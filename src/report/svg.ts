import { esc } from './escape.js';

/**
 * Small charts drawn on the server as inline SVG: horizontal bars, paired bars and histograms.
 * They need no script in the page, so the report opens anywhere, offline, and nothing in it can
 * run. Every label goes through `esc`.
 */

const W = 720;
const FONT = 'font-size="11" font-family="system-ui, sans-serif"';

/**
 * A whole number with commas between groups of three digits, as `toLocaleString('en-US')` writes
 * it, without it: the first call of `toLocaleString` sets up ICU's number formatting, 55-120 ms of
 * every run's report (tests13, a profile of `run` on one record). -0 and numbers from 1e21 up,
 * which String() writes otherwise, still go through it.
 */
function grouped(x: number): string {
  if (Object.is(x, -0) || Math.abs(x) >= 1e21) return x.toLocaleString('en-US');
  return String(x).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** Short numbers for axes and labels: 1234 -> 1,234; 0.123456 -> 0.1235. */
export function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return grouped(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/**
 * About how wide a label is at 11 px in a sans-serif font, on the safe side: Han, kana, Hangul and
 * other wide characters are a full em; capitals, m, w, @, % and arrows 10 px; other characters
 * 6.8 px (digits and most small letters are narrower). Used to keep every label inside its chart.
 */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += c >= 0x1100 && (c <= 0x115f || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x1f300) ? 11 : c === 0x2192 || c === 0x40 || c === 0x25 || c === 0x6d || c === 0x77 || (c >= 0x41 && c <= 0x5a) ? 10 : 6.8;
  }
  return w;
}

/** The label cut from the left (file names differ at their end) to fit `px` pixels. */
function shorten(label: string, px: number): string {
  if (textWidth(label) <= px) return label;
  const cps = Array.from(label);
  let w = textWidth('…');
  let i = cps.length;
  while (i > 0 && w + textWidth(cps[i - 1]) <= px) w += textWidth(cps[--i]);
  return '…' + cps.slice(i).join('');
}

/** Room on the right of the bars for the widest of `labels` (at least `min`), so none is cut off. */
function rightRoom(labels: string[], min: number): number {
  return Math.min(W / 2, Math.max(min, ...labels.map((l) => textWidth(l) + 8)));
}

function open(name: string, title: string, h: number): string {
  return `<svg class="chart" data-chart="${esc(name)}" role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" xmlns="http://www.w3.org/2000/svg"><title>${esc(title)}</title>`;
}

/**
 * One bar per item, longest first as given; `cls` colours a bar (`drop`, `keep`, `warn`); `text`
 * shows the value in place of `num` (one format for a chart's shares: new-user review 20 F10,
 * '30 %' beside '83.30 %').
 */
export function hbars(name: string, title: string, items: { label: string; value: number; cls?: string; note?: string; text?: string }[]): string {
  const row = 18;
  const left = 260;
  const valueLabel = (it: { value: number; note?: string; text?: string }): string => `${it.text ?? num(it.value)}${it.note ? ' ' + it.note : ''}`;
  const right = rightRoom(items.map(valueLabel), 60);
  const h = items.length * row + 10;
  const max = Math.max(1, ...items.map((i) => i.value));
  const parts = [open(name, title, h)];
  items.forEach((it, i) => {
    const y = 5 + i * row;
    const w = Math.max(it.value > 0 ? 1 : 0, ((W - left - right) * it.value) / max);
    parts.push(
      `<text x="${left - 6}" y="${y + 12}" text-anchor="end" ${FONT}>${esc(shorten(it.label, left - 10))}</text>`,
      `<rect class="bar ${esc(it.cls ?? '')}" x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${row - 5}"><title>${esc(it.label)}: ${esc(valueLabel(it))}</title></rect>`,
      `<text x="${(left + w + 4).toFixed(1)}" y="${y + 12}" ${FONT}>${esc(valueLabel(it))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Two bars per item (e.g. before and after, in and out), with a legend. */
export function pairedBars(name: string, title: string, legend: [string, string], items: { label: string; a: number; b: number }[]): string {
  const row = 26;
  const left = 200;
  const pairLabel = (it: { a: number; b: number }): string => `${num(it.a)} → ${num(it.b)}`;
  const right = rightRoom(items.map(pairLabel), 60);
  const h = items.length * row + 30;
  const max = Math.max(1, ...items.flatMap((i) => [i.a, i.b]));
  const sx = (v: number): number => ((W - left - right) * v) / max;
  const parts = [open(name, title, h)];
  parts.push(
    `<rect class="bar a" x="${left}" y="4" width="10" height="10"/><text x="${left + 14}" y="13" ${FONT}>${esc(legend[0])}</text>`,
    `<rect class="bar b" x="${left + 160}" y="4" width="10" height="10"/><text x="${left + 174}" y="13" ${FONT}>${esc(legend[1])}</text>`,
  );
  items.forEach((it, i) => {
    const y = 24 + i * row;
    parts.push(
      `<text x="${left - 6}" y="${y + 15}" text-anchor="end" ${FONT}>${esc(shorten(it.label, left - 10))}</text>`,
      `<rect class="bar a" x="${left}" y="${y + 2}" width="${Math.max(it.a > 0 ? 1 : 0, sx(it.a)).toFixed(1)}" height="10"><title>${esc(it.label)} ${esc(legend[0])}: ${esc(num(it.a))}</title></rect>`,
      `<rect class="bar b" x="${left}" y="${y + 13}" width="${Math.max(it.b > 0 ? 1 : 0, sx(it.b)).toFixed(1)}" height="10"><title>${esc(it.label)} ${esc(legend[1])}: ${esc(num(it.b))}</title></rect>`,
      `<text x="${(left + Math.max(sx(it.a), sx(it.b)) + 4).toFixed(1)}" y="${y + 15}" ${FONT}>${esc(pairLabel(it))}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** A bin of a histogram: values in [lo, hi), kept and dropped counts; `label` names its values' range when it is drawn wider than they are (one value). */
export interface Bin {
  lo: number;
  hi: number;
  kept: number;
  dropped: number;
  label?: string;
}

/**
 * A histogram with kept and dropped stacked, and the thresholds drawn as dashed lines. `log`
 * spaces the x axis logarithmically (for counts that span decades).
 */
export function histogram(name: string, title: string, bins: Bin[], thresholds: { value: number; label: string }[], log: boolean): string {
  const h = 170;
  const left = 50;
  const right = 20;
  const top = 22;
  const bottom = 30;
  const parts = [open(name, title, h)];
  if (bins.length === 0) return parts.join('') + `<text x="${left}" y="60" ${FONT}>no values</text></svg>`;
  const lo = bins[0].lo;
  const hi = bins[bins.length - 1].hi;
  const tx = (v: number): number => (log ? Math.log(Math.max(v, lo)) : v);
  const span = tx(hi) - tx(lo) || 1;
  const sx = (v: number): number => left + ((W - left - right) * (tx(v) - tx(lo))) / span;
  const max = Math.max(1, ...bins.map((b) => b.kept + b.dropped));
  const sy = (n: number): number => ((h - top - bottom) * n) / max;
  const base = h - bottom;
  parts.push(`<line class="axis" x1="${left}" y1="${base}" x2="${W - right}" y2="${base}"/>`);
  for (const b of bins) {
    const x = sx(b.lo);
    const w = Math.max(1, sx(b.hi) - x - 1);
    const hk = sy(b.kept);
    const hd = sy(b.dropped);
    const range = b.label ?? `${num(b.lo)} – ${num(b.hi)}`;
    if (b.kept > 0) parts.push(`<rect class="bar keep" x="${x.toFixed(1)}" y="${(base - hk).toFixed(1)}" width="${w.toFixed(1)}" height="${hk.toFixed(1)}"><title>${esc(range)}: ${b.kept} kept</title></rect>`);
    if (b.dropped > 0) parts.push(`<rect class="bar drop" x="${x.toFixed(1)}" y="${(base - hk - hd).toFixed(1)}" width="${w.toFixed(1)}" height="${hd.toFixed(1)}"><title>${esc(range)}: ${b.dropped} dropped</title></rect>`);
  }
  parts.push(
    `<text x="${left}" y="${h - 12}" ${FONT}>${esc(num(lo))}</text>`,
    `<text x="${W - right}" y="${h - 12}" text-anchor="end" ${FONT}>${esc(num(hi))}${log ? ' (log scale)' : ''}</text>`,
    `<text x="${left - 4}" y="${top + 4}" text-anchor="end" ${FONT}>${max}</text>`,
  );
  thresholds.forEach((t, i) => {
    if (!(t.value >= lo && t.value <= hi)) {
      parts.push(`<text class="thr" x="${W - right}" y="${12 + i * 12}" text-anchor="end" ${FONT}>${esc(t.label)} = ${esc(num(t.value))} (off the chart)</text>`);
      return;
    }
    const px = sx(t.value);
    const x = px.toFixed(1);
    // A line near either edge has its label on the inner side, so the label is not cut off.
    const anchor = px > W - right - 90 ? 'end' : px < left + 90 ? 'start' : 'middle';
    parts.push(`<line class="thr" x1="${x}" y1="${top - 6}" x2="${x}" y2="${base}"><title>${esc(t.label)} = ${esc(num(t.value))}</title></line>`, `<text class="thr" x="${x}" y="${10 + i * 11}" text-anchor="${anchor}" ${FONT}>${esc(t.label)} ${esc(num(t.value))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
