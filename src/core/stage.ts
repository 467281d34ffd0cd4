import type { Doc, JsonObject, TextField } from './doc.js';
import type { GlobalStage } from './global.js';
import { hasAttrs, recordJsonOf } from './doc.js';
import type { StageStats, Threshold } from './stats.js';
import { count } from './stats.js';
import { isStageThrew, NotVerdict, StageThrew } from './errors.js';

/** One rejected input: a line of the rejects file. */
export interface Reject {
  /** Stage that rejected it (`read` for input that did not parse or had no usable text). */
  stage: string;
  /** Stable reason code, e.g. `json_parse`, `gopher_quality:min_words`. */
  reason: string;
  /** `file:line` of the input. */
  source: string;
  /** The record as it was when rejected, when it parsed. */
  record?: JsonObject;
  /** The signals written so far, when any. */
  attrs?: Record<string, unknown>;
  /** The raw line, when it did not parse (cut to `maxRawChars`). */
  raw?: string;
  /** The raw bytes, base64, when they were not valid UTF-8. */
  raw_base64?: string;
  /** Extra facts about the decision (e.g. the duplicate's survivor and similarity). */
  detail?: Record<string, unknown>;
}

/**
 * A reject's `record` as the UTF-8 bytes of its JSON text, when known without serialising it: the text the record was
 * read from (a JSONL input line, a spill's line: `setRecordJson`), while no stage changed it
 * (`Stage.keepsRecords`, `Stage.marksChanged`). A symbol key: never written itself
 * (`JSON.stringify` skips it). The rejects writer writes the text in the record's place
 * (io/writers/rejects.ts), so such a reject keeps the record byte for byte as read.
 */
export const RECORD_JSON: unique symbol = Symbol('corpus-clean.recordJson');

/** A reject that may carry its record's JSON text (`RECORD_JSON`). */
export type RejectWithJson = Reject & { [RECORD_JSON]?: Uint8Array };

/** Where rejects go. `push` must not throw for data problems. */
export interface RejectSink {
  push(r: Reject): void;
}

/** What a stage may use while it runs. */
export interface StageContext {
  /** The stage's own stats: the pipeline counts in/out/time; the stage adds counters and summaries. */
  readonly stats: StageStats;
  /** The text field given to the run, or undefined for automatic (`text`, then `content`). */
  readonly textField: TextField | undefined;
  /** Drop a record with a stable reason code: it is counted and sent to the rejects sink. */
  reject(doc: Doc, reason: string, detail?: Record<string, unknown>): void;
  /**
   * False when nothing reads the attrs of a rejected record (no rejects file, no profiling), so a
   * stage may skip building the signals of a record it drops. Undefined means true.
   */
  readonly rejectAttrs?: boolean;
  /**
   * True when, of the signals a stage writes on a record it drops, only those its rules compare
   * (its `thresholds`) are read: the rejects keep the failing rules' signals, the report's
   * histograms are drawn for the rules' signals. A stage may then leave the others out.
   */
  readonly rejectRuleSignals?: boolean;
  /**
   * True when a record a stage drops is read only through its reject, while `reject` runs (the
   * pipeline: the rejects file, the report's profiler and samples take what they need of the
   * reject then, and the record leaves the stream). A stage may then put the signals of a
   * dropped record in its reject's attrs only, not on the record, which lives on with its batch.
   * Undefined means false: the caller may read `doc.attrs` of a dropped record afterwards.
   */
  readonly droppedReadByReject?: boolean;
}

/**
 * A stage: batches of records in, batches of records out. Batches keep per-record overhead low;
 * a stage may regroup them freely (a dedup stage holds records back, for instance).
 */
export interface Stage {
  /** Registry name (`quality`, `dedup`, ...). */
  readonly name: string;
  /** True when the stage reads the text field: records without usable text are rejected before it. */
  readonly needsText: boolean;
  /** Resolved options, written into the resolved recipe. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The stage's rules as thresholds on its signals, for reports (optional). */
  readonly thresholds?: readonly Threshold[];
  /** Transform the stream. */
  run(batches: AsyncIterable<Doc[]>, ctx: StageContext): AsyncIterable<Doc[]>;
  /**
   * `record` (default): records are judged one by one, so the stage runs inside every task.
   * `global`: decisions need the whole run (dedup); executors cut the recipe into phases here
   * and use `global`, while `run` stays the one-process form.
   */
  readonly scope?: 'record' | 'global';
  /** The phased form of a global stage (see `GlobalStage`). */
  readonly global?: GlobalStage;
  /**
   * True when the stage never changes a record (it keeps or drops records as they are: a dedup
   * step that drops by a list). A pipeline's leading stages that say so drop records exactly as
   * read, so their rejects may take a record's JSON text from its reader (`RECORD_JSON`).
   */
  readonly keepsRecords?: boolean;
  /**
   * True when every record the stage changes (`doc.data`: a field set, removed or rewritten) is
   * said to be changed by `recordChanged(doc)` (`setText` says it) before the stage passes or drops
   * it. The records it does not mark are as they came in, so rejects may still take their JSON
   * text as read (`RECORD_JSON`). Undefined (the default) means the stage may change any record
   * without saying so: records past it never take their text as read.
   */
  readonly marksChanged?: boolean;
  /**
   * The signals of the record the stage is rejecting, while its `ctx.reject` runs (`record` is
   * that record's `doc.data`; undefined between rejects): the same values its reject's attrs
   * hold, as the stage computed them. The report's profiler counts them from here instead of
   * reading them back out of the attrs object, name by name (core/profile.ts).
   */
  readonly rejecting?: RejectingSignals;
}

/** What `Stage.rejecting` holds: `attrs.quality`'s numbers of the record being rejected. */
export interface RejectingSignals {
  /** `doc.data` of the record being rejected; undefined between rejects. */
  record: JsonObject | undefined;
  /** `attrs.quality.preset`: the rule set that judged it. */
  preset: string;
  /** `attrs.quality.score`. */
  score: number;
  /** The signal names, in the order of `values` (the rule set's `SignalComputer.names`). */
  names: readonly string[];
  /** `values[i]` is `attrs.quality[names[i]]`. */
  values: Float64Array;
}

/**
 * What a per-record stage function returns: `undefined`/`null` to keep the record (possibly
 * changed in place), or a reason code to drop it.
 */
export type Verdict = string | null | undefined | void;

/** Options of `docStage`. */
export interface DocStageSpec {
  name: string;
  /** Default true. */
  needsText?: boolean;
  options?: Record<string, unknown>;
  /** Called once per record. May change `doc` in place. */
  apply(doc: Doc, ctx: StageContext): Verdict;
  /** See `Stage.keepsRecords` (default false). */
  keepsRecords?: boolean;
  /** See `Stage.marksChanged` (default false). */
  marksChanged?: boolean;
}

/**
 * The helper behind most stages: a function called per record that keeps, changes or drops it.
 * The helper owns batching, counting and the rejects sink, so a concrete stage is its rule only.
 */
export function docStage(spec: DocStageSpec): Stage {
  const apply = spec.apply;
  return {
    name: spec.name,
    needsText: spec.needsText ?? true,
    options: Object.freeze({ ...(spec.options ?? {}) }),
    ...(spec.keepsRecords === true ? { keepsRecords: true } : {}),
    ...(spec.marksChanged === true ? { marksChanged: true } : {}),
    async *run(batches, ctx) {
      for await (const batch of batches) {
        const out: Doc[] = [];
        let doc: Doc | undefined;
        try {
          for (doc of batch) {
            const v = apply(doc, ctx);
            if (typeof v === 'string') ctx.reject(doc, v);
            else if (v === undefined || v === null) out.push(doc);
            else throw notVerdict(v);
          }
        } catch (e) {
          // Named with the stage and the record (new-user review 22 A5: 'failed: my bug' named neither).
          throw isStageThrew(e) ? e : new StageThrew(spec.name, doc!.source, e);
        }
        if (out.length > 0) yield out;
      }
    },
  };
}

/**
 * The failure for an `apply` answer that is neither a reason string nor undefined/null (new-user
 * review 26 A-1: an async apply's Promise, or a filter's true/false, was taken for "keep", every
 * record kept, exit 0). A promise gets a handler first, so that one that rejects later is not an
 * unhandled rejection besides the failure told.
 */
function notVerdict(v: unknown): NotVerdict {
  const then = typeof v === 'object' || typeof v === 'function' ? (v as { then?: unknown }).then : undefined;
  if (typeof then === 'function') {
    try {
      then.call(v, undefined, () => {});
    } catch {
      // A thenable whose then throws: nothing is pending.
    }
    return new NotVerdict(
      v instanceof Promise ? 'a Promise' : 'a thenable (a promise)',
      "docStage's apply must be synchronous, returning a reason string to drop the record or undefined to keep it; " +
        'for async work write the stage with its own run, an async generator: `async *run(batches, ctx)` that awaits what it needs per record, ' +
        'calls ctx.reject(doc, reason) for each record it drops and yields the batch of those it keeps',
    );
  }
  const what =
    typeof v === 'boolean' ? String(v) : typeof v === 'number' || typeof v === 'bigint' ? `a number (${String(v)})` : typeof v === 'function' ? 'a function' : typeof v === 'symbol' ? 'a symbol' : Array.isArray(v) ? 'an array' : 'an object';
  return new NotVerdict(what, "docStage's apply is not a filter callback: return a reason string to drop the record, or undefined to keep it");
}

/** Make the context a pipeline gives one stage. */
export function stageContext(
  stats: StageStats,
  textField: TextField | undefined,
  sink: RejectSink,
  /** Called with each reject before it goes to `sink`, and the record it drops (whose file the pipeline counts it under without cutting it out of `r.source`). */
  onReject: (r: Reject, doc: Doc) => void,
  rejectAttrs = true,
  rejectRuleSignals = false,
  /** False when no sink or profiler reads a reject's `attrs`: rejects are then made without them. */
  attrsRead = true,
  droppedReadByReject = false,
  /** True when no stage before this one (and not this one) changes records without saying so (`Stage.keepsRecords`, `Stage.marksChanged`): rejects carry the record's JSON text as read, when it still has one (`RECORD_JSON`). */
  recordsAsRead = false,
): StageContext {
  const stage = stats.stage;
  return {
    stats,
    textField,
    rejectAttrs,
    rejectRuleSignals,
    droppedReadByReject,
    reject(doc, reason, detail) {
      count(stats.dropped, reason);
      const r: Reject = { stage, reason, source: doc.source, record: doc.data };
      // Not asked for when nobody reads them: a record's signals may still be text (exec/spill.ts).
      if (attrsRead && hasAttrs(doc)) r.attrs = doc.attrs;
      if (detail !== undefined) r.detail = detail;
      if (recordsAsRead) {
        const json = recordJsonOf(doc);
        if (json !== undefined) (r as RejectWithJson)[RECORD_JSON] = json;
      }
      onReject(r, doc);
      sink.push(r);
    },
  };
}
