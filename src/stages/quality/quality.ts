import type { Doc } from '../../core/doc.js';
import { UND } from '../langid/backend.js';
import { CHINESE_VARIETIES } from '../langid/iso639.js';
import { getText, hasAttrs, setText } from '../../core/doc.js';
import { UsageError } from '../../core/errors.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { RejectingSignals, Stage, StageContext } from '../../core/stage.js';
import type { Verdict } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count, observe, emptySummary } from '../../core/stats.js';
import { C4Lines } from './c4.js';
import { profileShared } from './profile.js';
import type { RuleSet } from './ruleset.js';
import { adjustRules, loadPreset, loadRuleSet, reasonRanking } from './ruleset.js';
import { CompiledRules } from './score.js';
import { SignalComputer } from './signals.js';
import { warmUp } from './warm.js';
import { parseDecimal } from '../../core/options.js';
import { showText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';
import { didYouMean } from '../../core/suggest.js';
import { hasOwn } from '../../core/own.js';
import type { LeanContext, LeanRejecting } from '../../core/rejectSink.js';

/** Options of the `quality` stage. */
export const qualityOptions: OptionsSpec = {
  preset: {
    type: 'string',
    default: 'auto',
    values: ['auto', 'web-en', 'web-zh'],
    doc: "rule set: web-en, web-zh, or auto (web-zh when attrs.lang is zh, else web-en; by CJK share when langid did not run)",
  },
  rules: { type: 'string', default: null, nullable: true, path: true, doc: 'path to a custom rule-set YAML (replaces the preset)' },
  set: { type: 'string[]', default: [], doc: 'threshold overrides code=value, e.g. gopher_quality:min_words=100; value null turns a rule off. Every code with its default threshold: rules/quality/web-en.yaml and web-zh.yaml in the package (their table: rules/quality/README.md)' },
  skip: { type: 'string[]', default: [], doc: 'rules or rule groups to leave out, e.g. c4,fineweb:list_ratio' },
  c4LineFilter: { type: 'boolean', default: false, doc: 'remove lines failing the C4 line rules from kept records (counted)' },
  dropBelowScore: { type: 'number', default: null, nullable: true, min: 0, max: 1, doc: 'also drop records whose score is below this (0.5 = at a threshold)' },
  tagOnly: { type: 'boolean', default: false, doc: 'write signals and score but drop nothing' },
};

/** A rule set made ready to run: its signal computer, rules, C4 line pass and attrs builder. */
interface Compiled {
  set: RuleSet;
  computer: SignalComputer;
  rules: CompiledRules;
  c4: C4Lines | undefined;
  /** The `preset:<name>` counter key. */
  counterKey: string;
  build: AttrsBuilder;
  /** `build` with only the signals that a rule compares (for a dropped record, when that is all that is read). */
  buildRules: AttrsBuilder;
  /**
   * `tagValues`'s output, reused for every record. Made with strings, so its elements are kept
   * tagged: an array made of numbers would keep doubles unboxed, and reading one back boxes it.
   */
  tagged: unknown[];
  /** The `StageStats.why` keys of each drop reason (countWhy), made on first use. */
  why: WhyKeys;
}

/**
 * The `why` keys by rule index, each made once on first use instead of looked up by two
 * strings (or concatenated) per dropped record: `also[r * rules + f]` is `<code r>|also:<code f>`,
 * `oneLine[r]` is `<code r>|one_line`, `noC4Line[r]` is `<code r>|no_c4_line`.
 */
interface WhyKeys {
  codes: readonly string[];
  also: (string | undefined)[];
  oneLine: (string | undefined)[];
  noC4Line: (string | undefined)[];
}

/** Builds `attrs.quality`: the header fields, then every signal in `SignalComputer.names` order. */
type AttrsBuilder = (preset: string, by: string, score: number, weakest: string | null, failed: string[], v: readonly unknown[]) => Record<string, unknown>;

/**
 * A function returning `attrs.quality` as one object literal, so every record's object has the
 * same fixed shape (a V8 hidden class) instead of being grown key by key. The keys are the
 * signal names of the rule set (checked to be plain identifiers), inserted as JSON strings; with
 * `only`, just the signals named there (in `names` order). `v` is the signal values as
 * `tagValues` gives them.
 */
function attrsBuilder(names: readonly string[], only?: ReadonlySet<string>): AttrsBuilder {
  for (const n of names) if (!/^[a-z][a-z0-9_]*$/.test(n)) throw new Error(`quality: bad signal name '${showText(n)}'`);
  const fields = names
    .map((n, i) => (only === undefined || only.has(n) ? `${JSON.stringify(n)}: v[${i}]` : ''))
    .filter((f) => f !== '')
    .join(', ');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const build = new Function('preset', 'by', 'score', 'weakest', 'failed', 'v', `return { preset: preset, preset_by: by, score: score, weakest: weakest, failed: failed, ${fields} };`) as AttrsBuilder;
  // One object made first with a string in every field: V8 then keeps the fields of the literal's
  // shape "tagged", not "double". A double field boxes every value in a number object of its own,
  // 0 and the counts included; a tagged one holds a small integer (most signals of a short text)
  // in place, when it is given one (`tagValues`). The values read back are the same numbers.
  const tagged = names.map(() => '');
  (build as unknown as (...a: unknown[]) => unknown)('', '', '', '', '', tagged);
  return build;
}

/**
 * The signal values `v` in `into` (an array of tagged elements, made with strings: see
 * `Compiled.tagged`) for an `AttrsBuilder`, each whole number as a small integer. A number read
 * from a Float64Array is a double even when it is whole, and a field of an object holds a double
 * in a number object of its own (16 bytes on 64-bit Node), counts and zeros included: built from
 * `values` directly, a record's `attrs.quality` was ~46 such objects beside the object itself,
 * more than half its memory, each one more to move for the garbage collector when the record
 * lives on (bench/RESULTS.md, seventeenth pass). `n === x` for `n = x | 0` is a whole number of
 * 32 bits; -0 stays a double (it is not 0 to `Object.is`). The values read back are the same.
 */
function tagValues(v: Float64Array, into: unknown[]): unknown[] {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    const n = x | 0;
    into[i] = n === x && (n !== 0 || 1 / x > 0) ? n : x;
  }
  return into;
}

function compile(set: RuleSet): Compiled {
  const c4 = set.c4 ? new C4Lines(set.c4) : undefined;
  const computer = new SignalComputer(set.signals, c4);
  const ruleSignals = new Set(set.rules.map((r) => r.signal));
  return {
    set,
    computer,
    rules: new CompiledRules(set.rules, computer.names, reasonRanking(set)),
    c4,
    counterKey: `preset:${set.name}`,
    build: attrsBuilder(computer.names),
    buildRules: attrsBuilder(computer.names, ruleSignals),
    tagged: computer.names.map(() => ''),
    why: { codes: set.rules.map((r) => r.code), also: [], oneLine: [], noC4Line: [] },
  };
}

function parseOverrides(list: readonly string[]): Map<string, number | null> {
  const m = new Map<string, number | null>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`quality: option 'set': '${showText(item)}' must look like code=value (e.g. gopher_quality:min_words=100)`);
    const code = item.slice(0, eq).trim();
    const raw = item.slice(eq + 1).trim();
    if (raw === 'null' || raw === 'off') m.set(code, null);
    else {
      const v = parseDecimal(raw);
      if (!Number.isFinite(v)) throw new UsageError(`quality: option 'set': '${showText(item)}': value must be a number, null or off`);
      m.set(code, v);
    }
  }
  return m;
}

/**
 * Characters of input text after which the stage warms its loops (warm.ts): below this, V8 has
 * not optimised them yet and the warm-up would cost more than it saves (~10 ms of CPU; a 1 KB
 * input never pays it).
 */
export const WARM_AFTER = 4096;

/**
 * Characters of text in the batch that brings the warm-up past which the warm-up also has V8
 * compile the hot loops at once (warm.ts `compileNow`): an input that long has them compiled by
 * V8 anyway, later, after records ran unoptimised and with a second compile on the stack; a
 * shorter one would pay compiles V8 does not make for it (8-16 KB: ~50-75 ms of CPU; even at
 * 32 KB; less from 64 KB). A batch is what the reader has read so far (~1 MiB for a file).
 */
export const COMPILE_AFTER = 65536;

/** Share of CJK characters above which `auto` picks web-zh when no language signal is present. */
export const AUTO_CJK_SHARE = 0.3;

/**
 * What else is true of a record dropped as `reason` (`StageStats.why`), for the end-of-run note on
 * a rule that dominates a run: `<reason>|also:<rule>` per other failing rule, `<reason>|one_line`
 * for a text without a newline, `<reason>|no_c4_line` when the C4 line rules keep none of its
 * lines. Merged across tasks like the counters.
 */
function countWhy(why: Record<string, number>, c: Compiled, oneLine: boolean, noC4Line: boolean): void {
  const rules = c.rules;
  const k = c.why;
  const codes = k.codes;
  const r = rules.lastReason;
  const failing = rules.failing;
  for (let j = 0; j < rules.nFailing; j++) {
    const f = failing[j];
    // a rule set's codes are unique (parseRuleSet): the reason's own rule is the one at r
    if (f !== r) count(why, (k.also[r * codes.length + f] ??= `${codes[r]}|also:${codes[f]}`));
  }
  if (oneLine) count(why, (k.oneLine[r] ??= `${codes[r]}|one_line`));
  if (noC4Line) count(why, (k.noC4Line[r] ??= `${codes[r]}|no_c4_line`));
}

/**
 * Build the quality stage: tag every record with its signals and score in `attrs.quality`, then
 * drop it with the code of the most telling failing rule (the rule set's `reason_order`, then file
 * order: `zh_quality:min_chars` for a short post that also repeats a 3-gram).
 *
 * Options (defaults): `preset` ('auto'), `rules` (null), `set` ([]), `skip` ([]),
 * `c4LineFilter` (false), `dropBelowScore` (null), `tagOnly` (false).
 */
/** `; did you mean 'x'? Known: ` or `; known: ` before a list of names. */
function hint(dym: string, what: string): string {
  return dym === '' ? `; ${what}: ` : `${dym} ${what[0].toUpperCase()}${what.slice(1)}: `;
}

export function createQuality(options: Record<string, unknown>): Stage {
  const overrides = parseOverrides((options.set as string[]) ?? []);
  const skip = (options.skip as string[]) ?? [];
  const rulesPath = options.rules as string | null;
  const preset = (options.preset as string) ?? 'auto';
  const sets: RuleSet[] = rulesPath ? [loadRuleSet(rulesPath)] : preset === 'auto' ? [loadPreset('web-en'), loadPreset('web-zh')] : [loadPreset(preset)];
  const adjusted = sets.map((s) => adjustRules(s, overrides, skip));
  const allCodes = new Set(sets.flatMap((s) => s.rules.map((r) => r.code)));
  for (const code of overrides.keys()) {
    if (!allCodes.has(code)) throw new UsageError(`quality: option 'set': unknown rule '${showText(code)}'${hint(didYouMean(code, allCodes), 'known')}${[...allCodes].join(', ')}`);
  }
  const groups = new Set([...allCodes].map((c) => c.slice(0, c.indexOf(':'))));
  for (const s of skip) {
    if (!allCodes.has(s) && !groups.has(s)) throw new UsageError(`quality: option 'skip': unknown rule or group '${showPath(s)}'${hint(didYouMean(s, [...allCodes, ...groups]), 'groups')}${[...groups].join(', ')}`);
  }
  // A threshold set on a rule that skip leaves out would never run, while the resolved recipe
  // says it was set (new-user review 7 #6).
  for (const [code, value] of overrides) {
    if (value === null) continue;
    const by = skip.find((s) => s === code || s === code.slice(0, code.indexOf(':')));
    if (by !== undefined) throw new UsageError(`quality: option 'set' gives '${showText(code)}' a threshold, but 'skip' leaves ${by === code ? 'that rule' : `its group '${showText(by)}'`} out: remove one of the two (to run only some rules of a group, skip the others by name)`);
  }
  const compiled = adjusted.map((a) => compile(a.rules));
  const en = compiled[0];
  const zh = compiled.find((c) => c.set.language === 'zh');
  const auto = !rulesPath && preset === 'auto';
  const lineFilter = options.c4LineFilter === true;
  const dropBelow = options.dropBelowScore as number | null;
  const tagOnly = options.tagOnly === true;

  // The rules as thresholds on `<preset>/<signal>`, so a report can draw them on the histograms.
  const thresholds = compiled.flatMap((c) => c.set.rules.map((r) => ({ code: r.code, signal: `${c.set.name}/${r.signal}`, ...(r.min !== undefined ? { min: r.min } : {}), ...(r.max !== undefined ? { max: r.max } : {}) })));
  // The hot loops get their type feedback from warm.ts's texts before V8 optimises them, once
  // the input is long enough for that to happen at all: a short file never pays the warm-up.
  let unwarmed = WARM_AFTER;
  /** Characters of text in the batch being judged, counted until the warm-up has run (COMPILE_AFTER). */
  let batchChars = 0;
  /** The `attrs.quality` of the record `apply` last dropped, for its reject (undefined when nothing reads it). */
  let dropped: Record<string, unknown> | undefined;
  /** The numbers of `dropped`, for the report's profiler while the reject runs (Stage.rejecting). */
  const rejecting: RejectingSignals & LeanRejecting = { record: undefined, preset: '', score: 0, names: en.computer.names, values: en.computer.values, lean: undefined };
  /** The rules' signal names, of every rule set: a record's own flat attrs of these names are kept in slim rejects. */
  const ruleNames = new Set(thresholds.map((t) => t.signal.slice(t.signal.indexOf('/') + 1)));
  /** True when a slim reject of `doc` would keep none of its own attrs (no object, no rule's signal): its reject may be lean. */
  const leanFits = (doc: Doc): boolean => {
    const own = doc.attrs;
    if (own === doc.data.attrs) return false;
    for (const k in own) {
      const v = own[k];
      if ((v !== null && typeof v === 'object') || k === 'quality' || k === '__proto__' || ruleNames.has(k)) return false;
    }
    return true;
  };
  const spec = {
    name: 'quality',
    options: { ...options },
    apply(doc: Doc, ctx: StageContext): Verdict {
      const text = getText(doc, ctx.textField);
      if (unwarmed > 0 && (unwarmed -= text.length) <= 0) warmUp(compiled, batchChars >= COMPILE_AFTER);
      const p = profileShared(text);
      let c = en;
      let by = 'preset';
      if (auto) {
        const lang = hasAttrs(doc) ? doc.attrs.lang : undefined;
        // yue, wuu and the other Chinese varieties take the Chinese rules too; und (too short to
        // judge) falls back to the script share.
        if (typeof lang === 'string' && lang !== UND) {
          by = 'lang';
          if (CHINESE_VARIETIES.has(lang) && zh) c = zh;
        } else {
          by = 'script';
          if (zh && p.nonSpaceChars > 0 && p.cjkChars / p.nonSpaceChars >= AUTO_CJK_SHARE) c = zh;
        }
      }
      const c4 = c.computer.run(p);
      const values = c.computer.values;
      const failed = c.rules.judge(values);
      const weakest = c.rules.lastWeakest;
      const score = c.rules.lastScore;
      const stats = ctx.stats;
      observe((stats.summaries['quality_score'] ??= emptySummary()), score);
      count(stats.counters, c.counterKey);
      const drop = tagOnly ? undefined : failed.length > 0 ? c.why.codes[c.rules.lastReason] : dropBelow !== null && score < dropBelow ? 'quality:low_score' : undefined;
      // A dropped record's signals are made only when something reads them (the rejects
      // file, the report's histograms), and only its rules' signals when nothing reads the
      // others (slim rejects): most of the garbage of a run that drops most records. They go
      // with its reject, not onto the record (run, below).
      if (drop === undefined) doc.attrs.quality = c.build(c.set.name, by, score, c.rules.code(weakest), failed, tagValues(values, c.tagged));
      else if (ctx.rejectAttrs !== false) {
        // A sink that takes lean rejects is given the values and failing codes, no attrs object
        // (core/rejectSink.ts), when the record's own attrs hold nothing its slim reject keeps.
        if ((ctx as LeanContext).leanRejects === true && ctx.droppedReadByReject === true && leanFits(doc)) rejecting.lean = failed;
        else dropped = (ctx.rejectRuleSignals === true ? c.buildRules : c.build)(c.set.name, by, score, c.rules.code(weakest), failed, tagValues(values, c.tagged));
        rejecting.preset = c.set.name;
        rejecting.score = score;
        rejecting.names = c.computer.names;
        rejecting.values = values;
      }
      if (tagOnly) return undefined;
      if (drop !== undefined) {
        if (failed.length > 0) countWhy((stats.why ??= {}), c, p.nLines === 1, c4 !== undefined && c4.lines > 0 && c4.nKept === 0);
        return drop;
      }
      if (lineFilter && c4 !== undefined && c.c4 !== undefined) {
        const removed = c4.lines - c4.nKept;
        if (removed > 0 || c4.changed !== undefined) {
          for (const [reason, n] of Object.entries(c4.removed)) if (n > 0) count(stats.counters, `c4_lines_removed:${reason}`, n);
          if (removed > 0) count(stats.counters, 'c4_lines_removed', removed);
          const next = c.c4.keptText(p, c4);
          if (next.length === 0) return 'c4:empty_after_line_filter';
          if (next !== text) {
            setText(doc, next, ctx.textField);
            count(stats.counters, 'c4_docs_changed');
          }
        }
      }
      return undefined;
    },
  };
  const stage = docStage(spec);
  const qualityApply = spec.apply;
  return {
    ...stage,
    // The record changes only by the C4 line filter's setText, which marks it (recordChanged):
    // rejects may write the others as read.
    marksChanged: true,
    thresholds,
    rejecting,
    // docStage's loop, but in a pipeline (ctx.droppedReadByReject) a dropped record's signals
    // go in its reject's attrs only: the record's attrs are swapped for a copy holding them while
    // it is rejected, then put back. Written onto the record, they would live as long as its
    // batch, through every later stage (~350k objects per 170 MB of the web mix, promoted by the
    // GC), though nothing reads the record after its reject. The reject is the same: the
    // record's attrs with `quality` set (in its place when they had one, else last).
    async *run(batches, ctx) {
      const swap = ctx.droppedReadByReject === true;
      for await (const batch of batches) {
        if (unwarmed > 0) {
          batchChars = 0;
          for (const doc of batch) batchChars += getText(doc, ctx.textField).length;
        }
        const out: Doc[] = [];
        for (const doc of batch) {
          const v = qualityApply(doc, ctx);
          if (typeof v !== 'string') out.push(doc);
          else if (dropped === undefined) {
            if (rejecting.lean === undefined) ctx.reject(doc, v);
            else {
              rejecting.record = doc.data;
              ctx.reject(doc, v);
              rejecting.record = undefined;
              rejecting.lean = undefined;
            }
          } else {
            const q = dropped;
            dropped = undefined;
            rejecting.record = doc.data;
            const own = doc.attrs;
            // An input record's own attrs object is a field of the record too: the signals
            // join it there, as on a kept record.
            if (!swap || own === doc.data.attrs) {
              own.quality = q;
              ctx.reject(doc, v);
            } else {
              doc.attrs = withQuality(own, q);
              ctx.reject(doc, v);
              doc.attrs = own;
            }
            rejecting.record = undefined;
          }
        }
        if (out.length > 0) yield out;
      }
    },
  };
}

/**
 * A copy of `attrs` with `quality` set (in its place when they had one, else last), as
 * `{ ...attrs, quality }` makes it. `Object.assign` copies the keys ~3x faster than the spread
 * (`bench/RESULTS.md`, eleventh pass: ~1 us a dropped record); it sets keys rather than defining
 * them, which differs only for a key `__proto__`, left to the spread.
 */
function withQuality(attrs: Record<string, unknown>, quality: Record<string, unknown>): Record<string, unknown> {
  if (hasOwn(attrs, '__proto__')) return { ...attrs, quality };
  const copy = Object.assign({}, attrs);
  copy.quality = quality;
  return copy;
}

/** The `quality` stage factory: Gopher, C4 and FineWeb rules for English, their Chinese counterparts for Chinese. */
export const qualityStage: StageFactory = {
  name: 'quality',
  summary: 'tag records with quality signals and a score; drop by Gopher/C4/FineWeb rules (web-en) or their Chinese counterparts (web-zh)',
  options: qualityOptions,
  create: createQuality,
};
