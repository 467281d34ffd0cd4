import type { SignalSketch } from '../core/stats.js';
import { sketchBounds } from '../core/sketch.js';
import { num, type Bin } from './svg.js';

/** Display bins of a histogram (at most about this many; fewer when the buckets are coarser). */
export const BINS = 32;

/**
 * Bars of a kept/dropped sketch pair. Counts that span decades (words, characters) get a log
 * axis, fractions a linear one. A bar is made of whole sketch buckets and spans, and is labelled
 * with, the real range of the values in it: neighbouring buckets are joined until a bar is about
 * a 32nd of the axis wide, and a bucket wider than that (the ±5 % buckets near 1 of a fraction)
 * is a bar of its own, never squeezed into a narrower range than its values have. The
 * thresholds are brought into the axis, so the line shows where the rule cuts.
 */
export function binsOf(s: SignalSketch, thresholds: number[]): { bins: Bin[]; log: boolean } {
  const entries: { lo: number; hi: number; kept: number; dropped: number }[] = [];
  const keys = new Set([...Object.keys(s.kept), ...Object.keys(s.dropped)]);
  for (const k of keys) {
    const [lo, hi] = sketchBounds(k);
    entries.push({ lo, hi, kept: s.kept[k] ?? 0, dropped: s.dropped[k] ?? 0 });
  }
  if (entries.length === 0) return { bins: [], log: false };
  entries.sort((a, b) => a.lo - b.lo);
  let vmin = entries[0].lo;
  let vmax = Math.max(...entries.map((e) => e.hi));
  const positives = entries.filter((e) => e.lo > 0).map((e) => e.lo);
  let minPos = positives.length > 0 ? Math.min(...positives) : 0;
  const log = vmin >= 0 && minPos > 0 && vmax > 20 && vmax / minPos > 200;
  // The thresholds are always on the axis: where the rule cuts is the point of the chart.
  for (const t of thresholds) {
    if (!Number.isFinite(t) || (log && t <= 0)) continue;
    if (t < vmin) vmin = t;
    if (log && t < minPos) minPos = t;
    if (t > vmax) vmax = log ? t * 1.1 : t + (t - vmin) * 0.02;
  }
  // One value only: an axis around it.
  if (vmax <= vmin) vmax = vmin + (Math.abs(vmin) || 1);
  const lo = log ? (vmin > 0 ? vmin : minPos) : vmin;
  const tx = (v: number): number => (log ? Math.log(Math.max(v, lo)) : v);
  const fx = (u: number): number => (log ? Math.exp(u) : u);
  const step = (tx(vmax) - tx(lo)) / BINS;
  const bins: Bin[] = [];
  for (const e of entries) {
    const last = bins[bins.length - 1];
    // Zero, the positives and the negatives are never in one bar (zero has no place on a log axis).
    if (last && Math.sign(last.hi) === Math.sign(e.hi) && tx(e.hi) - tx(last.lo) <= step * 1.000001) {
      last.hi = Math.max(last.hi, e.hi);
      last.kept += e.kept;
      last.dropped += e.dropped;
    } else bins.push({ lo: e.lo, hi: e.hi, kept: e.kept, dropped: e.dropped });
  }
  // A bar of one value (zero, or values below the log axis) is drawn a bin wide, labelled with its values' range.
  for (let i = 0; i < bins.length; i++) {
    const b = bins[i];
    if (tx(b.hi) - tx(b.lo) > 0) continue;
    b.label = b.lo === b.hi ? num(b.lo) : `${num(b.lo)} – ${num(b.hi)}`;
    const from = Math.max(b.lo, lo);
    const next = bins[i + 1]?.lo ?? Infinity;
    b.lo = from;
    b.hi = Math.min(fx(tx(from) + step), Math.max(next, from));
  }
  // Empty ends so that the axis reaches the thresholds.
  if (lo < bins[0].lo) bins.unshift({ lo, hi: bins[0].lo, kept: 0, dropped: 0 });
  if (vmax > bins[bins.length - 1].hi) bins.push({ lo: bins[bins.length - 1].hi, hi: vmax, kept: 0, dropped: 0 });
  return { bins, log };
}
