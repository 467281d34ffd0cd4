import type { Doc, JsonObject, TextField } from './doc.js';
import { fileOfSource, forgetJson, hasAttrs, isNotUtf8, MadeRecords, sourceFile, TEXT_LIKE_KEY, textFieldOf, textProblem } from './doc.js';
import type { StageProfiler } from './profile.js';
import { stageProfiler, stageThresholds } from './profile.js';
import type { LeanContext, RejectAttrs } from './rejectSink.js';
import { isLeanRejecting, leanRejecter, rejectSlimmer, slimKeepsAttrs } from './rejectSink.js';
import type { Reject, RejectSink, Stage, StageContext } from './stage.js';
import { stageContext } from './stage.js';
import type { FileError, FileStats, RunStats, StageStats } from './stats.js';
import { count, emptyFileStats, emptyRunStats, MAX_KEYS_SEEN, pairKeys } from './stats.js';
import { hasOwn, setOwn } from './own.js';
import { now } from './lazyBuiltins.js';
import { STAGE_THREW, StageStoppedEarly } from './errors.js';
import { ownStageWhereOf } from './registry.js';
import { showText } from './show.js';
import { CharsetCounts } from '../io/readers/encoding.js';

/** What a source reports while it reads. */
export interface ReadEvents {
  /** Records (good or bad) and bytes consumed. */
  read(records: number, bytes: number): void;
  /**
   * An input that did not become a record (malformed JSON, invalid UTF-8, ...): stage `read`.
   * `count` (default 1) is the number of input records it stands for (a run of blank lines).
   */
  reject(r: Omit<Reject, 'stage'>, count?: number): void;
  /** A new input file was opened. */
  file(path: string): void;
  /** A whole file was damaged or unreadable; the records before the damage were kept. */
  fileError(e: FileError): void;
  /**
   * A promise to wait for before reading on, when the rejects written so far are more than the
   * rejects writer holds (a long stretch of bad lines with no record in between: nothing else
   * waits for the writer then); undefined when there is no need to wait. Readers call it between
   * chunks.
   */
  drain?(): Promise<void> | undefined;
  /**
   * True when rejects or the sink may take a record's JSON text as read (`setRecordJson`): a
   * rejects file is written or the sink writes records as read (`DocSink.takesRecordJson`), and the
   * first stage leaves records as they are or says which it changed. A reader that
   * has each record's text at hand (JSONL) then gives it to the record. Undefined means false: a
   * reader wrapping another passes it on only when it gives the records on as they are read.
   */
  readonly recordText?: boolean;
}

/** Where records come from: readers over files, or arrays in code. */
export interface DocSource {
  read(events: ReadEvents): AsyncIterable<Doc[]>;
}

/** Where records go. Writers are atomic: `close` publishes, `abort` leaves nothing that looks complete. */
export interface DocSink {
  write(batch: Doc[]): Promise<void> | void;
  /**
   * True when the sink writes a record that still has its JSON text as read (`recordJsonOf`: no
   * stage changed it) from that text (a spill between the phases of a task: as it is; the JSONL
   * writer: less the spaces between tokens, when that is what `JSON.stringify` writes): the
   * pipeline then leaves records their text up to the sink, and readers give it to them.
   * Undefined means false.
   */
  readonly takesRecordJson?: boolean;
  /**
   * The records that reached the output so far, where a reader finds them (see each writer), when
   * the sink keeps count: a pipeline that fails or is stopped counts these as written, not the
   * records it handed over (some still on their way, or lost with the write that failed).
   */
  readonly reached?: number;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** A rejects sink that is closed at the end of a run. */
export interface ClosableRejectSink extends RejectSink {
  /** Write out what was pushed; called after each batch so memory stays bounded. */
  flush?(): Promise<void>;
  /** True when so much is pushed and not yet written that the reader should wait for `flush`. */
  readonly full?: boolean;
  /**
   * False when `push(r)` would only count `r` (a sampled rejects file that has enough of its
   * reason): the pipeline then hands it on as it is, without slimming its attrs first.
   */
  keeps?(r: Reject): boolean;
  /**
   * True when the sink takes lean rejects (`LEAN_REJECT`, core/rejectSink.ts: a stage's values
   * and a plan in place of slim attrs) and encodes each in `push`, as RejectsWriter does. Only
   * then does a pipeline that slims rejects give it any; undefined means false.
   */
  readonly takesLeanRejects?: boolean;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** A composed pipeline: source → stages → sink. */
export interface PipelineSpec {
  source: DocSource;
  stages: readonly Stage[];
  sink: DocSink;
  /** Where rejected records go; they are counted either way. */
  rejects?: ClosableRejectSink;
  /** Text field, or a list of fields tried in order; default automatic (`text`, then `content`). */
  textField?: TextField;
  /**
   * Reject records without usable text before the first stage that reads text. Default: only
   * when some stage reads text; `true` checks before any stage, `false` never checks.
   */
  requireText?: boolean;
  /**
   * Record histograms of the stages' signals (kept and dropped), near-duplicate cluster sizes and
   * the languages written, for the report. Default false.
   */
  profile?: boolean;
  /**
   * What a reject keeps of `attrs`: every signal (`all`, the default here), or only the signals
   * of the rules that failed (`failing`, the CLI's default). The stats and the profile see every
   * signal either way.
   */
  rejectAttrs?: RejectAttrs;
  /** Called after each batch written, with the live stats. */
  onProgress?(stats: Readonly<RunStats>): void;
  /**
   * Called once, before the first record, with a function that gives the stats so far as a
   * failure reports them (`written`: what reached the output; the time until now): a signal's
   * handler says how far the run got with them.
   */
  watch?(sofar: () => RunStats): void;
}


/** Stats about time spent upstream of a stage, shared between the two wrappers around it. */
interface Clock {
  upstreamMs: number;
}

/**
 * What a stage was given: whether its input ended (else it stopped taking records), and the last
 * record it took (for the error of a stage that stopped early: `StageStoppedEarly`).
 */
interface Given {
  ended: boolean;
  last?: Doc;
}

async function* countIn(batches: AsyncIterable<Doc[]>, stats: StageStats, clock: Clock, given: Given): AsyncIterable<Doc[]> {
  const it = batches[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const t = now();
      const r = await it.next();
      clock.upstreamMs += now() - t;
      if (r.done) return void (done = given.ended = true);
      stats.in += r.value.length;
      if (r.value.length > 0) given.last = r.value[r.value.length - 1];
      yield r.value;
    }
  } finally {
    if (!done) await closeQuietly(it);
  }
}

/**
 * Tell an iterator read by hand that nobody reads on (a stage or the sink failed, the pipeline
 * stopped): a reader then closes its input file, as `for await` would have told it. An error of its
 * own clean-up is not the error being reported.
 */
export async function closeQuietly(it: AsyncIterator<unknown>): Promise<void> {
  try {
    await it.return?.(undefined);
  } catch {
    // The failure that stopped the pipeline is the one reported.
  }
}

/**
 * A stage of one's own fails when it passes on or rejects one record twice (the same object): its
 * counts then balance over a record it lost (hostile review 25 A1b: a stage that left out one
 * record and pushed another twice ended `read 100 = written 100`, exit 0, _SUCCESS).
 */
export class StageRecordTwice extends Error {
  override name = 'StageRecordTwice';
  readonly code = STAGE_THREW;
  constructor(
    readonly stage: string,
    /** Where the record was read (`FILE:LINE`). */
    readonly record: string,
    /** What the stage did with it the second time. */
    readonly how: 'passed on' | 'rejected',
    readonly module: string,
  ) {
    super(
      `stage ${stage} (${module}) ${how} the record ${record} a second time (the same record object it had passed on or rejected already): ` +
        'each record it is given is passed on or rejected once, so another record it was given is in neither the output nor the rejects while the counts add up; ' +
        'a record it makes is made with deriveDoc(doc, data), a new object',
    );
  }
}

/**
 * The records a stage of one's own passed on or rejected, by identity (`StageRecordTwice`): weakly
 * held, so a record no longer used anywhere is let go. Built-in stages are not watched.
 */
class OnceWatch {
  private readonly seen = new WeakSet<object>();
  /** The first record seen twice, and how. */
  twice: { doc: Doc; how: 'passed on' | 'rejected' } | undefined;
  constructor(
    readonly stage: string,
    readonly where: string,
  ) {}

  see(doc: Doc, how: 'passed on' | 'rejected'): void {
    if (typeof doc !== 'object' || doc === null) return;
    if (!this.seen.has(doc)) this.seen.add(doc);
    else this.twice ??= { doc, how };
  }

  /** Throw for the first record seen twice, if any. */
  check(): void {
    const t = this.twice;
    if (t !== undefined) throw new StageRecordTwice(this.stage, showText(typeof t.doc.source === 'string' ? t.doc.source : String(t.doc.source)), t.how, this.where);
  }
}

async function* countOut(
  stage: Stage,
  upstream: AsyncIterable<Doc[]>,
  stats: StageStats,
  ctx: StageContext,
  profiler: StageProfiler | undefined,
  stopped: (given: Given) => void,
  once: OnceWatch | undefined,
): AsyncIterable<Doc[]> {
  const clock: Clock = { upstreamMs: 0 };
  const given: Given = { ended: false };
  const input = countIn(upstream, stats, clock, given);
  const it = stage.run(input, ctx)[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const t = now();
      const up = clock.upstreamMs;
      const r = await it.next();
      stats.ms += now() - t - (clock.upstreamMs - up);
      if (r.done) {
        done = true;
        // A record rejected twice after its last batch.
        once?.check();
        // Ended before its input did: told once the pipeline's end shows that input was left (`drainCheck`).
        if (!given.ended) stopped(given);
        return;
      }
      if (r.value.length === 0) continue;
      const batch = objectsOnly(r.value, ctx);
      if (once !== undefined) {
        for (const d of batch) once.see(d, 'passed on');
        once.check();
      }
      if (batch.length === 0) continue;
      stats.out += batch.length;
      profiler?.kept(batch);
      yield batch;
    }
  } finally {
    // The stage's input too: a stage that read it by hand and failed has not closed it.
    if (!done) await closeQuietly(it).then(() => closeQuietly(input[Symbol.asyncIterator]()));
  }
}

/**
 * `batch` without the records whose `data` is not a JSON object, each rejected by the stage that
 * made it (`not_object`): a stage of one's own that set `doc.data = 42` had shards holding lines
 * `42` under _SUCCESS, exit 0 (hostile review 22 H4). The same batch when all are objects.
 */
function objectsOnly(batch: Doc[], ctx: StageContext): Doc[] {
  let i = 0;
  for (; i < batch.length; i++) {
    const d = batch[i];
    // Not a record at all (null): left to fail where it is used, as a bug of the stage.
    if (d === null || typeof d !== 'object') continue;
    const data = d.data as unknown;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) break;
  }
  if (i === batch.length) return batch;
  const out: Doc[] = batch.slice(0, i);
  for (; i < batch.length; i++) {
    const d = batch[i];
    const data = d === null || typeof d !== 'object' ? {} : (d.data as unknown);
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) out.push(d);
    else ctx.reject(d, 'not_object', { problem: `the stage set the record's data to ${data === null ? 'null' : Array.isArray(data) ? 'a list' : `a ${typeof data}`}, not a JSON object` });
  }
  return out;
}

/**
 * The source's batches as the pipeline reads them, watched: whether the source ended, and a close
 * asked before it did held back until the pipeline ends. A stage that stops taking records
 * (returns early from `run`, or never reads its input) closes the chain above it; held back, the
 * source can be asked at the end whether it held more (`rest`), which nothing read, wrote or
 * rejected (hostile review 23b M3). `--limit` and a closed stdout stop the reading in the source
 * itself: it ends then, as it does at the end of its input.
 */
class WatchedSource implements AsyncIterable<Doc[]> {
  private it: AsyncIterator<Doc[]> | undefined;
  /** The source said it is done, or threw (an async generator that threw is done). */
  ended = false;
  private closed = false;
  constructor(private readonly src: AsyncIterable<Doc[]>) {}

  private inner(): AsyncIterator<Doc[]> {
    return (this.it ??= this.src[Symbol.asyncIterator]());
  }

  private async pull(): Promise<IteratorResult<Doc[]>> {
    try {
      const r = await this.inner().next();
      if (r.done === true) this.ended = true;
      return r;
    } catch (e) {
      this.ended = true;
      throw e;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Doc[]> {
    return {
      next: async () => (this.closed || this.ended ? { done: true, value: undefined } : await this.pull()),
      return: async () => {
        this.closed = true;
        return { done: true, value: undefined };
      },
    };
  }

  /** The first record the source holds after what was read, or undefined when it is at its end. */
  async rest(): Promise<Doc | undefined> {
    while (!this.ended) {
      const r = await this.pull();
      if (r.done !== true && r.value.length > 0) return r.value[0];
    }
    return undefined;
  }

  /** Close the source (its file) when it has not ended. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.it !== undefined && !this.ended) {
      this.ended = true;
      await closeQuietly(this.it);
    }
  }
}

const nullRejects: ClosableRejectSink = { push() {}, async close() {}, async abort() {} };

/**
 * Reject records whose text is missing, not a string or empty, into the input stats (stage
 * `read`); a text that is the base64 of bytes that are not UTF-8 (`markNotUtf8`) is `invalid_utf8`,
 * with the bytes as `raw_base64` (`rawReject`).
 */
async function* checkText(batches: AsyncIterable<Doc[]>, textField: TextField | undefined, ctx: StageContext, rawReject: (r: Reject) => void): AsyncIterable<Doc[]> {
  const detail = textField === undefined ? undefined : { textField };
  for await (const batch of batches) {
    const out: Doc[] = [];
    for (const doc of batch) {
      const p = textProblem(doc.data, textField);
      if (p === null) {
        const f = textFieldOf(doc.data, textField)!;
        if (isNotUtf8(doc.data, f)) {
          rawReject({ stage: ctx.stats.stage, reason: 'invalid_utf8', source: doc.source, raw_base64: doc.data[f] as string, record: doc.data, detail: { field: f, why: 'the text field is a byte column whose value is not UTF-8 (the record holds its bytes in base64)' } });
          continue;
        }
      }
      // `attrs` is where stages write their signals: a string or a list there would be replaced.
      const a = doc.data.attrs;
      if (p === null && (a === undefined || a === null || (typeof a === 'object' && !Array.isArray(a)))) out.push(doc);
      else ctx.reject(doc, p ?? 'attrs_not_object', p === null ? { problem: "'attrs' holds signals of the stages: an object (or null), here a " + (Array.isArray(a) ? 'list' : typeof a) + '; rename the field' } : detail);
    }
    if (out.length > 0) yield out;
  }
}

/** The records of each batch without the JSON text their reader gave them (`setRecordJson`). */
async function* forgetRecordJson(batches: AsyncIterable<Doc[]>): AsyncIterable<Doc[]> {
  for await (const batch of batches) {
    for (const doc of batch) forgetJson(doc);
    yield batch;
  }
}

/** Remember the keys of a record without text, so a warning can name the field to use. */
function seeKeys(f: FileStats, record: JsonObject): void {
  const seen = f.keysSeen;
  let n = Object.keys(seen).length;
  for (const k in record) {
    if (hasOwn(seen, k)) seen[k]++;
    else if (n < MAX_KEYS_SEEN) {
      setOwn(seen, k, 1);
      n++;
    }
  }
}

/** Count the text-like keys of an empty-text record that hold a non-empty string (`FileStats.emptyTextKeys`). */
function seeTextElsewhere(f: FileStats, record: JsonObject): void {
  for (const k in record) {
    const v = record[k];
    if (typeof v !== 'string' || !TEXT_LIKE_KEY.test(k) || !/\S/.test(v)) continue;
    const seen = (f.emptyTextKeys ??= {});
    if (hasOwn(seen, k)) seen[k]++;
    else if (Object.keys(seen).length < MAX_KEYS_SEEN) setOwn(seen, k, 1);
  }
}

/**
 * The stats a failed `pipeline` had when it stopped (read, written and rejected so far; the records
 * read and neither written nor rejected were on their way), or undefined for any other error.
 */
export function statsOfFailure(e: unknown): RunStats | undefined {
  const s = typeof e === 'object' && e !== null ? (e as { stats?: unknown }).stats : undefined;
  return typeof s === 'object' && s !== null && typeof (s as RunStats).read === 'number' ? (s as RunStats) : undefined;
}

/**
 * `e` with the stats so far as its `stats` (not enumerable: a logged or cloned error does not
 * carry them), so that whoever reports the failure can say how far the run got (new-user review
 * 16 F2). The outermost pipeline's, when pipelines nest.
 */
function withStats(e: unknown, stats: RunStats): unknown {
  if ((typeof e === 'object' && e !== null) || typeof e === 'function') {
    try {
      Object.defineProperty(e, 'stats', { value: stats, configurable: true, writable: true, enumerable: false });
    } catch {
      // a frozen error: thrown as it is
    }
  }
  return e;
}

/**
 * After the last batch: fail when the source holds records nothing read (a stage stopped taking
 * records before its input ended), naming the stage (its module and `stages[i]` for one of one's
 * own), the last record it took and the first not read; else close the source if it was not at
 * its end (a stage that read to the last record but not past it: nothing is missing).
 */
async function drainCheck(source: WatchedSource, stoppedEarly: readonly { stage: Stage; given: Given }[], stats: RunStats): Promise<void> {
  if (source.ended) return;
  const read = { records: stats.read, bytes: stats.bytesRead };
  const unread = await source.rest();
  await source.close();
  if (unread === undefined) return;
  const by = stoppedEarly[0];
  const last = by?.given.last?.source;
  const name = by?.stage.name ?? 'a stage';
  throw new StageStoppedEarly(name, last === undefined ? undefined : showText(last), showText(unread.source), read, by === undefined ? undefined : ownStageWhereOf(by.stage));
}

/**
 * Run a pipeline to the end and return its stats. Every record read ends up written or
 * rejected: `read = written + rejected` holds for the returned stats (see `balanced`).
 * Bad data never throws; a bug or an I/O failure aborts the writers (no half shard is left
 * looking complete) and rethrows, the stats so far attached as the error's `stats`
 * (read, written and rejected up to the failure).
 */
export async function pipeline(spec: PipelineSpec): Promise<RunStats> {
  const started = now();
  const stats = emptyRunStats(spec.stages.map((s) => s.name));
  const rejects = spec.rejects ?? nullRejects;
  const perFile = stats.perFile;
  const fileStats = (file: string): FileStats => (perFile[file] ??= emptyFileStats());
  let current: FileStats = emptyFileStats();
  const reasonKey = pairKeys('/');
  // The stats of the file of the last reject: the next one most often comes from the same file,
  // found then without cutting its name out of the source and looking it up.
  let lastFile = '';
  let lastStats: FileStats | undefined;
  const statsOfSource = (source: string): FileStats => {
    if (lastStats !== undefined && typeof source === 'string' && source.lastIndexOf(':') === lastFile.length && source.startsWith(lastFile)) return lastStats;
    lastFile = fileOfSource(source);
    // a source without a `:` is its own file name: never matched by the test above
    if (lastFile === source) {
      lastStats = undefined;
      return fileStats(lastFile);
    }
    return (lastStats = fileStats(lastFile));
  };
  // The charsets of the first ENCODING_SAMPLES invalid_utf8 rejects of each file (FileStats.encodings).
  const charsets = new CharsetCounts();
  /** Count `r` (standing for `n` records) under the stats of its file `f`. */
  const countReject = (r: Reject, f: FileStats, n: number): void => {
    stats.rejected += n;
    f.rejected += n;
    count(f.reasons, reasonKey(r.stage, r.reason), n);
    // A record without text: at reading, or at a stage that needs one (tokenize's no_text in `export`).
    if ((r.reason === 'text_missing' || r.reason === 'no_text') && r.record !== undefined) seeKeys(f, r.record);
    // An empty text beside a text-like field that holds one: the text is in another field.
    if (r.reason === 'text_empty' && r.record !== undefined) seeTextElsewhere(f, r.record);
    // Bytes that are not UTF-8: which charset they read in (GBK, Big5 ...), for the end-of-run hint.
    if (r.reason === 'invalid_utf8' && r.raw_base64 !== undefined) charsets.see(f, r.raw_base64);
  };
  /** A reject of the reader (`n` records) or of a rejected text's bytes: its file cut out of its source. */
  const onReject = (r: Reject, n = 1): void => countReject(r, statsOfSource(r.source), n);
  // A stage's reject: its file is the record's (`sourceFile`: the reader's name for it, the same
  // string for all of a file's records), found without searching the source (a `file:line` string
  // made by joining the two: its first search copies it whole first; ~0.1 us per reject on the
  // mix, bench/RESULTS.md, sixteenth pass).
  let lastDocFile: string | undefined;
  let lastDocStats: FileStats = current;
  // Records a stage made (one split into several with deriveDoc): counted as they come out.
  const madeRecords = new MadeRecords();
  // With a stage of one's own every record coming out is noted from the first: one rejected before
  // the first deriveDoc of the thread (a stage that rejects a record, then passes on its pieces) was
  // not, and its first piece was taken for it (review 24 N5: 'read 3 + made 5 = written 6 + rejected 3').
  const ownStages = spec.stages.some((s) => ownStageWhereOf(s) !== undefined);
  const trackMade = (): boolean => ownStages || MadeRecords.possible();
  const countMade = (f: FileStats): void => {
    f.made = (f.made ?? 0) + 1;
    stats.made = (stats.made ?? 0) + 1;
  };
  const onDocReject = (r: Reject, doc: Doc): void => {
    const name = sourceFile(doc);
    const f = name === lastDocFile ? lastDocStats : (lastDocStats = fileStats((lastDocFile = name)));
    countReject(r, f, 1);
    if (trackMade() && madeRecords.made(doc)) countMade(f);
  };
  const first = spec.stages[0];
  const sinkTakesJson = spec.sink.takesRecordJson === true;
  const events: ReadEvents = {
    recordText: (sinkTakesJson || (spec.rejects !== undefined && first !== undefined)) && (first === undefined || first.keepsRecords === true || first.marksChanged === true),
    read(records, bytes) {
      stats.read += records;
      stats.input.in += records;
      stats.bytesRead += bytes;
      current.read += records;
      current.bytes += bytes;
    },
    reject(r, n = 1) {
      count(stats.input.dropped, r.reason, n);
      const full: Reject = { stage: 'read', ...r };
      onReject(full, n);
      rejects.push(full);
    },
    file(path) {
      stats.files++;
      current = fileStats(path);
    },
    drain() {
      return rejects.full === true ? rejects.flush?.() : undefined;
    },
    fileError(e) {
      const { rejected, ...err } = e;
      stats.fileErrors.push(err);
      if (rejected === true) return;
      // The damaged stretch is one reject, counted as one record read (its records cannot be
      // counted): the rejects file names it, the accounting balances and --max-reject-rate sees it.
      events.read(1, 0);
      const detail = { error: e.message, ...(e.offset !== undefined ? { offset: e.offset } : {}), ...(e.heldBack !== undefined ? { held_back_bytes: e.heldBack } : {}), ...(e.resumedAt !== undefined ? { resumed_at: e.resumedAt } : {}) };
      events.reject({ reason: 'damaged_input', source: `${e.file}:${e.recordsBefore + 1}`, detail });
    },
  };
  const inputCtx = stageContext(stats.input, spec.textField, rejects, onDocReject);
  const rawReject = (r: Reject): void => {
    count(stats.input.dropped, r.reason);
    onReject(r);
    rejects.push(r);
  };
  const firstTextStage = spec.requireText === true ? 0 : spec.requireText === false ? -1 : spec.stages.findIndex((s) => s.needsText);

  const source = new WatchedSource(spec.source.read(events));
  let stream: AsyncIterable<Doc[]> = source;
  // The stages that ended before their input did, in recipe order (see `drainCheck`).
  const stoppedEarly: { stage: Stage; given: Given }[] = [];
  const profilers: StageProfiler[] = [];
  let asRead = true;
  spec.stages.forEach((stage, i) => {
    if (i === firstTextStage) stream = checkText(stream, spec.textField, inputCtx, rawReject);
    const st = stats.stages[i];
    const p = spec.profile === true ? stageProfiler(stage, st) : undefined;
    if (p !== undefined) profilers.push(p);
    const counted = p === undefined ? onDocReject : (r: Reject, doc: Doc): void => (onDocReject(r, doc), p.dropped(r));
    // A stage of one's own is watched for a record passed on or rejected twice (A1b); built-in ones are not.
    const where = ownStageWhereOf(stage);
    const once = where === undefined ? undefined : new OnceWatch(stage.name, where);
    const onStageReject = once === undefined ? counted : (r: Reject, doc: Doc): void => (once.see(doc, 'rejected'), counted(r, doc));
    // Without a rejects file or a profiler, nobody reads what a stage wrote on a record it drops.
    const rejectAttrs = spec.rejects !== undefined || p !== undefined;
    const thresholds = spec.rejectAttrs === 'failing' ? stageThresholds(stage) : undefined;
    const slim = thresholds !== undefined ? rejectSlimmer(thresholds) : undefined;
    // Whether anything reads the attrs of this stage's rejects: the rejects file (all of them, or
    // those of the failing rules when the stage has rules) or the profiler.
    const attrsRead = (spec.rejects !== undefined && (thresholds === undefined || slimKeepsAttrs(stage.name, thresholds))) || (p !== undefined && p.readsRejectAttrs !== false);
    // Slim rejects keep the failing rules' signals and the profiler reads the rules' signals:
    // then no other signal of a dropped record is read.
    const ruleSignals = spec.rejects === undefined || slim !== undefined;
    // A sink that keeps every reject it is given (no `keeps`) gets each slimmed without asking.
    // A sink that takes lean rejects gets those the stage gives (core/rejectSink.ts) instead of slim ones.
    const rejecting = stage.rejecting;
    const lean = slim !== undefined && rejects.takesLeanRejects === true && isLeanRejecting(rejecting) ? leanRejecter(thresholds!, stage.name) : undefined;
    const slimOrLean = lean === undefined || !isLeanRejecting(rejecting) ? slim : (r: Reject): Reject => (rejecting.lean !== undefined && rejecting.record === r.record ? lean(r, rejecting) : slim!(r));
    const sink: RejectSink = slimOrLean === undefined ? rejects : rejects.keeps === undefined ? { push: (r) => rejects.push(slimOrLean(r)) } : { push: (r) => rejects.push(rejects.keeps!(r) === false ? r : slimOrLean(r)) };
    // Stages up to here changed no record without saying so (a record they changed has lost its
    // text: `recordChanged`): their rejects may carry the record's JSON as read.
    const wasAsRead = asRead;
    asRead &&= stage.keepsRecords === true || stage.marksChanged === true;
    // Past them nobody reads a record's JSON text as read: let it go (a stage may hold records).
    if (wasAsRead && !asRead) stream = forgetRecordJson(stream);
    const ctx = stageContext(st, spec.textField, sink, onStageReject, rejectAttrs, ruleSignals, attrsRead, true, asRead);
    if (lean !== undefined) (ctx as LeanContext).leanRejects = true;
    stream = countOut(stage, stream, st, ctx, p, (given) => stoppedEarly.push({ stage, given }), once);
  });
  // A sink that writes records as read (a spill) takes the text of those no stage changed.
  if (asRead && !sinkTakesJson) stream = forgetRecordJson(stream);
  const langs = spec.profile === true ? (stats.writtenLangs = {}) : undefined;
  if (firstTextStage === 0 && spec.stages.length === 0) stream = checkText(stream, spec.textField, inputCtx, rawReject);

  /** `stats` as a run cut short reports them: written is what reached the output, when the sink counts it. */
  const sofar = (): RunStats => {
    const reached = spec.sink.reached;
    return { ...stats, written: typeof reached === 'number' ? reached : stats.written, ms: now() - started };
  };
  spec.watch?.(sofar);
  try {
    for await (const batch of stream) {
      await spec.sink.write(batch);
      stats.written += batch.length;
      let last = '';
      let f: FileStats | undefined;
      const made = trackMade() ? madeRecords : undefined;
      for (const doc of batch) {
        const name = sourceFile(doc);
        if (name !== last || f === undefined) f = fileStats((last = name));
        f.written++;
        if (made !== undefined && made.made(doc)) countMade(f);
        if (langs !== undefined && hasAttrs(doc) && typeof doc.attrs.lang === 'string') count(langs, doc.attrs.lang);
      }
      await rejects.flush?.();
      spec.onProgress?.(stats);
      // Let the event loop turn between batches: stages and writers pass batches on by promises,
      // which never let a signal handler run; a source whose batches need no reading (decoded
      // Parquet rows) would hold a SIGINT/SIGTERM off to its end (hostile review 6 F24).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await drainCheck(source, stoppedEarly, stats);
    for (const p of profilers) p.finish();
    await spec.sink.close();
    await rejects.close();
    await charsets.settled();
  } catch (e) {
    // Taken before the abort: the records written whole before the failure (new-user review 19
    // F2: counted per batch, a batch cut by the failure counted none of its records that reached
    // the output, and a batch still in a stream's buffer counted all of its).
    const reached = spec.sink.reached;
    if (typeof reached === 'number') stats.written = reached;
    await source.close();
    await spec.sink.abort().catch(() => {});
    await rejects.abort().catch(() => {});
    await charsets.settled().catch(() => {});
    stats.ms = now() - started;
    throw withStats(e, stats);
  }
  stats.input.out = stats.input.in - Object.values(stats.input.dropped).reduce((a, b) => a + b, 0);
  stats.ms = now() - started;
  return stats;
}
