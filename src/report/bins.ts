import type { SignalSketch } from '../core/stats.js';
import { sketchBounds } from '../core/sketch.js';
import type { Bin } from './svg.js';

/** Display bins of a histogram. */
export const BINS = 32;

/**
 * Regroup the log buckets of a kept/dropped sketch pair into equal display bins. Counts that
 * span decades (words, characters) get a log axis, fractions a linear one. The thresholds are
 * brought into the range when they are near it, so the line shows where the rule cuts.
 */
export function binsOf(s: SignalSketch, thresholds: number[]): { bins: Bin[]; log: boolean } {
  const entries: { mid: number; lo: number; hi: number; kept: number; dropped: number }[] = [];
  const keys = new Set([...Object.keys(s.kept), ...Object.keys(s.dropped)]);
  for (const k of keys) {
    const [lo, hi] = sketchBounds(k);
    entries.push({ mid: k === 'z' ? 0 : k[0] === 'p' ? Math.sqrt(lo * hi) : -Math.sqrt(lo * hi), lo, hi, kept: s.kept[k] ?? 0, dropped: s.dropped[k] ?? 0 });
  }
  if (entries.length === 0) return { bins: [], log: false };
  let vmin = Math.min(...entries.map((e) => e.lo));
  let vmax = Math.max(...entries.map((e) => e.hi));
  const positives = entries.filter((e) => e.mid > 0).map((e) => e.lo);
  let minPos = positives.length > 0 ? Math.min(...positives) : 0;
  const log = vmin >= 0 && minPos > 0 && vmax > 20 && vmax / minPos > 200;
  // The thresholds are always in range: where the rule cuts is the point of the chart.
  for (const t of thresholds) {
    if (!Number.isFinite(t) || (log && t <= 0)) continue;
    if (t < vmin) vmin = t;
    if (log && t < minPos) minPos = t;
    if (t > vmax) vmax = log ? t * 1.1 : t + (t - vmin) * 0.02;
  }
  // One value only: a bin around it.
  if (vmax <= vmin) vmax = vmin + (Math.abs(vmin) || 1);
  const lo = log ? (vmin > 0 ? vmin : minPos) : vmin;
  const tx = (v: number): number => (log ? Math.log(Math.max(v, lo)) : v);
  const fx = (u: number): number => (log ? Math.exp(u) : u);
  const step = (tx(vmax) - tx(lo)) / BINS;
  const bins: Bin[] = Array.from({ length: BINS }, (_, i) => ({ lo: fx(tx(lo) + i * step), hi: fx(tx(lo) + (i + 1) * step), kept: 0, dropped: 0 }));
  for (const e of entries) {
    const i = Math.min(BINS - 1, Math.max(0, Math.floor((tx(e.mid) - tx(lo)) / step)));
    bins[i].kept += e.kept;
    bins[i].dropped += e.dropped;
  }
  return { bins, log };
}
