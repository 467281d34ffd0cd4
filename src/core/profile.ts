import type { Doc } from './doc.js';
import { hasAttrs } from './doc.js';
import type { Reject, RejectingSignals, Stage } from './stage.js';
import type { SignalSketch, StageStats, Threshold } from './stats.js';
import { sketchAdd, SketchCounts } from './sketch.js';

/**
 * What a profiling run records about one stage, for the report: histograms of its signals over
 * kept and dropped records, and near-duplicate cluster sizes. Everything lands in `StageStats`
 * as values that merge.
 */
export interface StageProfiler {
  /** Records that left the stage. */
  kept(docs: readonly Doc[]): void;
  /** A record the stage rejected. */
  dropped(r: Reject): void;
  /** Called once at the end of the run. */
  finish(): void;
  /** False when `dropped` never reads the reject's `attrs` (default true). */
  readonly readsRejectAttrs?: boolean;
}

function sketchOf(st: StageStats, key: string): SignalSketch {
  const sig = (st.signals ??= {});
  return (sig[key] ??= { kept: {}, dropped: {} });
}

type Attrs = Record<string, unknown>;

/**
 * A profiler that reads what the stage wrote in `attrs`: `see` is called with the attrs of every
 * record kept (those that have attrs) and of every record dropped.
 */
function attrsProfiler(see: (attrs: Attrs | undefined, side: 'kept' | 'dropped') => void): StageProfiler {
  return {
    kept(docs) {
      for (const d of docs) if (hasAttrs(d)) see(d.attrs, 'kept');
    },
    dropped(r) {
      see(r.attrs, 'dropped');
    },
    finish() {},
  };
}

/** `attrs.quality`: the signals that have a rule in the record's preset, and the score. */
function qualityProfiler(stage: Stage, st: StageStats): StageProfiler {
  const byPreset = new Map<string, string[]>();
  for (const t of stage.thresholds ?? []) {
    const slash = t.signal.indexOf('/');
    const preset = t.signal.slice(0, slash);
    const list = byPreset.get(preset) ?? ['score'];
    const name = t.signal.slice(slash + 1);
    if (!list.includes(name)) list.push(name);
    byPreset.set(preset, list);
  }
  // The `<preset>/<signal>` keys of each preset, made once (not one string per signal per record),
  // and the histogram of each, found once (not looked up by name per signal per record) while
  // `st.signals` is the same object; values are counted in typed arrays (SketchCounts) and
  // written into the histograms at the end.
  interface PresetKeys {
    names: string[];
    keys: string[];
    counts: { kept: SketchCounts; dropped: SketchCounts }[];
    of: Record<string, SignalSketch> | undefined;
    /** Counts every signal of `names` that `q` holds as a number (`count` per value): reads each by its constant name. */
    read: (q: Attrs, side: 'kept' | 'dropped', count: Count) => void;
    /** Counts one value of the signal `names[i]` (its histograms made on first use). */
    count: Count;
    /** Where each of `names` is in `Stage.rejecting`'s values (-1: its score), for the names `atOf`; undefined: not all there. */
    at: Int32Array | undefined;
    atOf: readonly string[] | undefined;
  }
  const keysOf = new Map<string, PresetKeys>();
  const all: SketchCounts[] = [];
  const flush = (): void => {
    for (const c of all) c.flush();
  };
  const keys = (preset: string): PresetKeys => {
    let k = keysOf.get(preset);
    if (k === undefined) {
      const names = byPreset.get(preset) ?? ['score'];
      const made: PresetKeys = { names, keys: names.map((n) => `${preset}/${n}`), counts: [], of: undefined, read: reader(names), count: () => {}, at: undefined, atOf: undefined };
      made.count = (i, v, side) => {
        let c = made.counts[i];
        if (c === undefined) {
          const s = sketchOf(st, made.keys[i]);
          c = made.counts[i] = { kept: new SketchCounts(s.kept), dropped: new SketchCounts(s.dropped) };
          all.push(c.kept, c.dropped);
          made.of = st.signals;
        }
        c[side].add(v);
      };
      k = made;
      keysOf.set(preset, k);
    }
    return k;
  };
  const current = (preset: string): PresetKeys => {
    const k = keys(preset);
    if (k.of !== st.signals) {
      // histograms made anew (st.signals replaced): what was counted goes into the old ones
      flush();
      k.counts = [];
      k.of = st.signals;
    }
    return k;
  };
  const see = (attrs: Attrs | undefined, side: 'kept' | 'dropped'): void => {
    const q = attrs?.quality as Attrs | undefined;
    if (q === undefined || typeof q.preset !== 'string') return;
    const k = current(q.preset);
    k.read(q, side, k.count);
  };
  const rejecting = stage.rejecting;
  return {
    ...attrsProfiler(see),
    // A reject the stage is making now: its numbers are counted from the stage's own values, the
    // same numbers in the same order as read back from `attrs.quality` by name, without those
    // ~30 property reads per reject (most records of a web crawl are rejects).
    dropped(r) {
      if (rejecting === undefined || rejecting.record === undefined || rejecting.record !== r.record) return see(r.attrs, 'dropped');
      const k = current(rejecting.preset);
      const at = k.atOf === rejecting.names ? k.at : indexIn(k, rejecting.names);
      if (at === undefined) return see(r.attrs, 'dropped');
      countValues(k, at, rejecting);
    },
    finish: flush,
  };
}

/** `k.at` for the signal names `names` (undefined when one of `k.names` is not among them). */
function indexIn(k: { names: readonly string[]; at: Int32Array | undefined; atOf: readonly string[] | undefined }, names: readonly string[]): Int32Array | undefined {
  const at = new Int32Array(k.names.length);
  let all = true;
  k.names.forEach((n, i) => {
    at[i] = n === 'score' ? -1 : names.indexOf(n);
    if (at[i] === -1 && n !== 'score') all = false;
  });
  k.atOf = names;
  k.at = all ? at : undefined;
  return k.at;
}

function countValues(k: { count: Count; counts: ({ dropped: SketchCounts } | undefined)[] }, at: Int32Array, s: RejectingSignals): void {
  const values = s.values;
  const counts = k.counts;
  for (let i = 0; i < at.length; i++) {
    const j = at[i];
    const v = j < 0 ? s.score : values[j];
    const c = counts[i];
    // straight to the signal's counts, once its histograms exist (`count` makes them)
    if (c === undefined) k.count(i, v, 'dropped');
    else c.dropped.add(v);
  }
}

type Count = (i: number, v: number, side: 'kept' | 'dropped') => void;

/**
 * A function that calls `count(i, q[names[i]], side)` for each name, in order, whose value is a number:
 * one property read by a constant name per signal (the stage writes the same shape of object for
 * every record), not a lookup by a name held in a variable, which V8 does as a dictionary probe.
 */
function reader(names: readonly string[]): Reader {
  // Made once per list of names for the process: each task's profiler gets the same function,
  // already optimised, instead of a cold one of its own (see rejectSink.ts compilePicker).
  const key = JSON.stringify(names);
  let r = READERS.get(key);
  if (r === undefined) {
    r = makeReader(names);
    if (READERS.size < 4096) READERS.set(key, r);
  }
  return r;
}

type Reader = (q: Attrs, side: 'kept' | 'dropped', count: Count) => void;
const READERS = new Map<string, Reader>();

function makeReader(names: readonly string[]): Reader {
  const body = names.map((n, i) => `v = q[${JSON.stringify(n)}]; if (typeof v === 'number') count(${i}, v, side);`).join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('q', 'side', 'count', `let v;\n${body}`) as (q: Attrs, side: 'kept' | 'dropped', count: Count) => void;
}

/** `attrs.lang_score` against `min_score`. */
function langidProfiler(st: StageStats): StageProfiler {
  return {
    kept(docs) {
      for (const d of docs) {
        const v = hasAttrs(d) ? d.attrs.lang_score : undefined;
        if (typeof v === 'number') sketchAdd(sketchOf(st, 'lang_score').kept, v);
      }
    },
    dropped(r) {
      const v = r.attrs?.lang_score ?? r.detail?.score;
      if (typeof v === 'number') sketchAdd(sketchOf(st, 'lang_score').dropped, v);
    },
    finish() {},
  };
}

/** Similarity of each removed near-duplicate to its survivor, and cluster sizes by survivor. */
function dedupProfiler(st: StageStats): StageProfiler {
  const bySurvivor = new Map<string, number>();
  return {
    readsRejectAttrs: false,
    kept() {},
    dropped(r) {
      const s = r.detail?.similarity;
      if (typeof s === 'number') sketchAdd(sketchOf(st, 'similarity').dropped, s);
      const survivor = r.detail?.survivor;
      if (typeof survivor === 'string') bySurvivor.set(survivor, (bySurvivor.get(survivor) ?? 0) + 1);
    },
    finish() {
      if (bySurvivor.size === 0) return;
      const sizes = (st.clusters ??= {});
      for (const n of bySurvivor.values()) sizes[n + 1] = (sizes[n + 1] ?? 0) + 1;
      bySurvivor.clear();
    },
  };
}

/**
 * `attrs.flagged_words`: the ratio and the count of hits, per language the stage judged by
 * (`zh/ratio`, `en/count`, ...), against `max_ratio_zh`, `max_count_en`, ...; over the records
 * with at least one hit.
 */
function flaggedWordsProfiler(st: StageStats): StageProfiler {
  const see = (attrs: Attrs | undefined, side: 'kept' | 'dropped'): void => {
    const f = attrs?.flagged_words as Attrs | undefined;
    // Records without a hit (most of them) would be one bar at 0 that hides the rest.
    if (f === undefined || f === null || typeof f !== 'object' || !(typeof f.count === 'number' && f.count > 0)) return;
    const lang = f.lang === 'zh' ? 'zh' : 'en';
    if (typeof f.ratio === 'number') sketchAdd(sketchOf(st, `${lang}/ratio`)[side], f.ratio);
    if (typeof f.count === 'number') sketchAdd(sketchOf(st, `${lang}/count`)[side], f.count);
  };
  return attrsProfiler(see);
}

/**
 * `attrs.pii`: findings per record, all kinds together (`found`) and per kind (`email`, ...),
 * over the records with at least one finding (the others carry no `attrs.pii`).
 */
function piiProfiler(st: StageStats): StageProfiler {
  const see = (attrs: Attrs | undefined, side: 'kept' | 'dropped'): void => {
    const p = attrs?.pii as Attrs | undefined;
    if (p === undefined || p === null || typeof p !== 'object') return;
    let all = 0;
    for (const [k, v] of Object.entries(p)) {
      if (typeof v !== 'number') continue;
      all += v;
      sketchAdd(sketchOf(st, k)[side], v);
    }
    if (all > 0) sketchAdd(sketchOf(st, 'found')[side], all);
  };
  return attrsProfiler(see);
}

/**
 * A stage's rules as thresholds on its signals: its own (`stage.thresholds`), and those of
 * langid, MinHash dedup, flagged-words and pii from their options.
 */
export function stageThresholds(stage: Stage): Threshold[] {
  return [...(stage.thresholds ?? []), ...optionThresholds(stage.name, stage.options)];
}

/**
 * The thresholds a stage's options set (langid, MinHash dedup, flagged-words, pii): what a run
 * on the execution layer adds to a global stage's stats, whose apply step does not carry them.
 */
export function optionThresholds(name: string, o: Readonly<Record<string, unknown>>): Threshold[] {
  const t: Threshold[] = [];
  if (name === 'langid' && typeof o.minScore === 'number') t.push({ code: 'langid:low_score', signal: 'lang_score', min: o.minScore });
  if (name === 'dedup' && o.method !== 'exact' && typeof o.threshold === 'number') t.push({ code: 'dedup:minhash', signal: 'similarity', min: o.threshold });
  if (name === 'flagged-words' && o.tagOnly !== true) {
    for (const lang of ['zh', 'en'] as const) {
      const L = lang === 'zh' ? 'Zh' : 'En';
      const ratio = o[`maxRatio${L}`];
      const cnt = o[`maxCount${L}`];
      if (typeof ratio === 'number') t.push({ code: `flagged_words:${lang}_ratio`, signal: `${lang}/ratio`, max: ratio });
      if (typeof cnt === 'number') t.push({ code: `flagged_words:${lang}_count`, signal: `${lang}/count`, max: cnt });
    }
  }
  // pii drops a record at its first finding of a kind set to `drop`: more than 0.
  if (name === 'pii') for (const [k, v] of Object.entries(o)) if (v === 'drop') t.push({ code: `pii:${k}`, signal: k, max: 0 });
  return t;
}

/** The profiler of a stage, or undefined when the stage has no signals to profile. */
export function stageProfiler(stage: Stage, st: StageStats): StageProfiler | undefined {
  let p: StageProfiler | undefined;
  if (stage.name === 'quality') p = qualityProfiler(stage, st);
  else if (stage.name === 'langid') p = langidProfiler(st);
  else if (stage.name === 'dedup') p = dedupProfiler(st);
  else if (stage.name === 'flagged-words') p = flaggedWordsProfiler(st);
  else if (stage.name === 'pii') p = piiProfiler(st);
  const t = stageThresholds(stage);
  if (t.length > 0) st.thresholds = t;
  return p;
}
