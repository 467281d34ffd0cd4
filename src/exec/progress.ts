import { table } from '../core/own.js';
/**
 * The progress line of a run. On a terminal: one line per phase, rewritten at most twice a
 * second, and left on screen when the phase ends. Off a terminal (a log file, a Slurm job's
 * output, a pipe): a plain line at most every 30 s (LOG_PROGRESS_MS), the first one after 30 s,
 * so a short run's log holds none, as datatrove's logs show a run's progress. Never with
 * `--quiet`. `CORPUS_CLEAN_PROGRESS_MS=<ms>` sets the interval on a terminal or off one (0: at
 * every change, from the start); `CORPUS_CLEAN_PROGRESS_MS=off` turns the lines off off a terminal.
 */
import type { Plan } from './plan.js';
import type { RecipeStage } from '../core/recipe.js';

/** A global stage as a reader says it: `exact dedup`, `MinHash near-dedup`, else its name. */
function globalLabel(s: RecipeStage): string {
  if (s.stage === 'dedup') return s.options.method === 'exact' ? 'exact dedup' : 'MinHash near-dedup';
  return s.stage;
}

/** What a global stage's tasks do before its steps (collect) and after them (apply). */
function globalWork(s: RecipeStage, when: 'collect' | 'apply'): string {
  if (s.stage === 'dedup') {
    const exact = s.options.method === 'exact';
    if (when === 'collect') return exact ? 'hashing texts for exact dedup' : 'MinHash signatures for near-dedup';
    return exact ? 'exact dedup: dropping the copies' : 'near-dedup: dropping near-duplicates';
  }
  return `${s.stage}: ${when === 'collect' ? 'collecting' : 'applying its result'}`;
}

/** What the steps of the built-in global stages do, by step name. */
const STEPS: Record<string, string> = table({
  partitions: 'finding the copies, one hash partition at a time',
  bands: 'grouping the signatures by band',
  cluster: 'clustering the near-duplicates',
});

/**
 * What phase `p` of a plan does, in words: for the tasks of a segment, reading (the first),
 * the end of the global stage before it, the record stages by name, the start of the global
 * stage after it, or writing the shards (the last); for a step, the global stage and the step.
 */
export function phaseTitle(plan: Plan, p: number): string {
  const ph = plan.phases[p];
  if (ph.kind === 'step') {
    const s = plan.stages[plan.globals[ph.global!]];
    const step = ph.id.replace(/^\d+-/, '').slice(s.stage.length + 1);
    return `${globalLabel(s)}: ${STEPS[step] ?? `step '${step}'`}`;
  }
  const k = ph.segment!;
  const parts: string[] = [];
  if (k === 0) parts.push('reading the inputs');
  else parts.push(globalWork(plan.stages[plan.globals[k - 1]], 'apply'));
  const names = plan.segments[k].map((i) => plan.stages[i].stage);
  if (names.length > 0) parts.push(names.join(', '));
  if (k < plan.globals.length) parts.push(globalWork(plan.stages[plan.globals[k]], 'collect'));
  else parts.push('writing the shards');
  return parts.join(', ');
}

/** `phase 1 of 6 (reading the inputs, normalize, quality, ...)`: numbered from 1, with what it does. */
export function phaseName(plan: Plan, p: number): string {
  return `phase ${p + 1} of ${plan.phases.length} (${phaseTitle(plan, p)})`;
}

const mb = (b: number): string => (b / 1e6).toFixed(1);

/** Milliseconds between two progress lines off a terminal, unless CORPUS_CLEAN_PROGRESS_MS says otherwise. */
export const LOG_PROGRESS_MS = 30_000;

/** The interval set by `CORPUS_CLEAN_PROGRESS_MS` (`off`: no lines off a terminal), or undefined. */
function forcedInterval(): number | 'off' | undefined {
  const v = process.env.CORPUS_CLEAN_PROGRESS_MS;
  if (v === undefined || v.trim() === '') return undefined;
  if (v.trim().toLowerCase() === 'off') return 'off';
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Whether to show progress: on a terminal, or in a log unless CORPUS_CLEAN_PROGRESS_MS=off; never with --quiet. */
export function progressWanted(quiet: boolean): boolean {
  return !quiet && (process.stderr.isTTY === true || forcedInterval() !== 'off');
}

/**
 * Show a progress line (`line` starts with the command's name): rewritten in place on a terminal;
 * off a terminal (a log file, with CORPUS_CLEAN_PROGRESS_MS) one plain line each time, without
 * carriage returns or escapes. Prefixed `corpus-clean ` as every other line on stderr is, so the
 * lines of the commands of a pipe sharing one log tell whose they are (new-user review 12 #7:
 * `quality: ...` beside `corpus-clean quality: read ...`).
 */
export function writeProgress(line: string): void {
  const tty = process.stderr.isTTY === true;
  process.stderr.write(tty ? `\r\x1b[K${fitWidth(`corpus-clean ${line}`, process.stderr.columns)}` : `corpus-clean ${line}\n`);
}

/** Terminal columns a character takes: 2 for the wide East Asian ranges (Han, Hangul, kana, full-width forms), else 1. */
function columnsOf(c: number): number {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd) ? 2 : 1;
}

function widthOf(s: string): number {
  let w = 0;
  for (const ch of s) w += columnsOf(ch.codePointAt(0)!);
  return w;
}

/**
 * A progress line made to fit a terminal `columns` wide, so that it never wraps: rewritten in
 * place by `\r` and a clear to the end of the line, a wrapped line leaves its first rows behind at
 * every update (new-user review 15 F13: lines of 180-200 characters on an 80-column terminal
 * filled the screen). Shortened step by step until it fits: the phase's description in
 * parentheses goes (`phase 1 of 6 (reading the inputs, ...)`), then "on disk", then the figures
 * from the first (`1/3 tasks done, 849 records, ...`: the last ones, bytes, percent, rate and
 * ETA, say most), marked `…`; a line still too wide is cut, ending in `…`. Unknown or very
 * narrow widths leave the line as it is.
 */
export function fitWidth(line: string, columns: number | undefined): string {
  if (columns === undefined || !Number.isFinite(columns) || columns < 20) return line;
  const room = columns - 1;
  if (widthOf(line) <= room) return line;
  let shorter = line.replace(/ \([^)]*\)(?=:)/, '');
  if (widthOf(shorter) <= room) return shorter;
  shorter = shorter.replace(/ on disk(?= \()/, '');
  if (widthOf(shorter) <= room) return shorter;
  // "corpus-clean run: phase 1 of 6" and its figures after the next ': '; a single command's
  // figures follow its name ("corpus-clean quality: file 2 of 15, read ...").
  const first = shorter.indexOf(': ');
  const second = shorter.indexOf(': ', first + 2);
  const colon = second > 0 ? second : shorter.includes(', ', first) ? first : -1;
  if (colon > 0) {
    const head = shorter.slice(0, colon + 2);
    const parts = shorter.slice(colon + 2).split(', ');
    while (parts.length > 1) {
      parts.shift();
      const fewer = `${head}… ${parts.join(', ')}`;
      if (widthOf(fewer) <= room) return fewer;
    }
    shorter = `${head}… ${parts[0]}`;
  }
  let out = '';
  let w = 0;
  for (const ch of shorter) {
    const cw = columnsOf(ch.codePointAt(0)!);
    if (w + cw > room - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Take a progress line away before other output (on a terminal; a log keeps its lines). */
export function clearProgress(): void {
  if (process.stderr.isTTY === true) process.stderr.write('\r\x1b[K');
}

/** Milliseconds between two progress lines: CORPUS_CLEAN_PROGRESS_MS, else 500 on a terminal and LOG_PROGRESS_MS off one. */
export function progressInterval(): number {
  const f = forcedInterval();
  if (typeof f === 'number') return f;
  return process.stderr.isTTY === true ? 500 : LOG_PROGRESS_MS;
}

/**
 * True when the first progress line waits one interval: off a terminal with the default
 * interval, so that a run shorter than that writes no progress into its log (nor into the
 * stderr a script reads). On a terminal, or with CORPUS_CLEAN_PROGRESS_MS, it comes at once.
 */
export function progressWaits(): boolean {
  return process.stderr.isTTY !== true && forcedInterval() === undefined;
}

/** Percent of `total` read, rounded down: 100 % only once every byte is in (99.6 % read is not done). */
export function percentOf(bytes: number, total: number): number {
  return Math.floor(Math.min(100, (100 * bytes) / total));
}

/**
 * `0.156 of 0.200 MB on disk (78 %)`. The figures to a hundredth of the total, so that they agree
 * with the percent (hostile review 14 H9: "0.2 of 0.2 MB (78 %)"): 0.156 of 0.200 MB, 1.56 of 2.00,
 * 15.6 of 20.0; under 100 KB in KB (0.50 of 1.00 KB), and the done figure rounded down as the
 * percent is, not to nearest (hostile review 15 F2: "2.00 of 2.00 MB (99 %)").
 */
export function ofTotal(bytes: number, total: number, pct = percentOf(bytes, total)): string {
  const kb = total < 1e5;
  const unit = kb ? 1e3 : 1e6;
  const digits = Math.min(3, Math.max(1, Math.ceil(-Math.log10(total / unit / 100))));
  const scale = 10 ** digits;
  const all = (total / unit).toFixed(digits);
  // Every byte in: the total as said, not the done figure rounded down below it (new-user review 18
  // F2: "0.741 of 0.742 MB on disk (100 %)").
  const done = bytes >= total ? all : (Math.floor((bytes / unit) * scale + 1e-9) / scale).toFixed(digits);
  return `${done} of ${all} ${kb ? 'KB' : 'MB'} on disk (${pct} %)`;
}

/** Time left, said briefly: `12 s`, `3 min`, `1.5 h`, or `?` when not known yet. */
export function eta(secs: number): string {
  if (!Number.isFinite(secs) || secs < 0) return '?';
  if (secs < 90) return `${Math.ceil(secs)} s`;
  if (secs < 5400) return `${Math.ceil(secs / 60)} min`;
  return `${(secs / 3600).toFixed(1)} h`;
}

/** Live figures of one phase. */
export interface PhaseFigures {
  done: number;
  running: number;
  failed?: number;
  pending?: number;
  units: number;
  records: number;
  /** Input bytes read by this phase (task phases). */
  bytes: number;
  /** Input bytes of the whole phase (task phases), for the percentage and ETA. */
  totalBytes: number;
  /**
   * Of `bytes`, those of the tasks a stopped run had finished before this resume: in the MB and
   * percent, not in the rate (new-user review 15 F4: 11.8 MB done before the stop, divided by the
   * resume's first second, showed 10.1 MB/s against a real 4.4, and the ETA was short).
   */
  bytesBefore?: number;
}

export class PhaseProgress {
  private start = performance.now();
  private last = progressWaits() ? this.start : 0;
  private shown = false;
  /** The line shown last: the phase's end does not show it again (new-user review 14 #9: step phases' lines twice). */
  private lastLine = '';

  constructor(
    private readonly enabled: boolean,
    private readonly plan: Plan,
    private readonly phaseIndex: number,
  ) {}

  line(f: PhaseFigures): string {
    const ph = this.plan.phases[this.phaseIndex];
    // Numbered from 1 and said in words ("phase 0-tasks of 0-7" was cryptic); the ids (0-tasks,
    // 1-dedup-partitions, ...) are the folders of the markers.
    const head = `${this.plan.name === 'dedup-disk' ? 'dedup-disk' : 'run'}: ${phaseName(this.plan, this.phaseIndex)}`;
    const units = `${f.done}/${f.units} ${ph.kind === 'tasks' ? 'tasks' : 'units'} done${f.running ? `, ${f.running} running` : ''}${f.pending ? `, ${f.pending} pending` : ''}${f.failed ? `, ${f.failed} failed` : ''}`;
    if (ph.kind !== 'tasks' || f.totalBytes === 0) return `${head}: ${units}`;
    const secs = (performance.now() - this.start) / 1000;
    const before = f.bytesBefore ?? 0;
    const rate = secs > 0 ? Math.max(0, f.bytes - before) / secs : 0;
    const pct = percentOf(f.bytes, f.totalBytes);
    // "on disk": a .gz/.zst input counts compressed here, and decoded in the accounting line at the
    // end (new-user review 14 #9: "2.0 of 2.0 MB" beside "(5.0 MB, ...)" on one screen).
    // The records are this session's (a finished task's count is in its marker, not read again).
    return `${head}: ${units}, ${f.records} records${before > 0 ? ' since the resume' : ''}, ${ofTotal(f.bytes, f.totalBytes, pct)}, ${mb(rate)} MB/s, ETA ${eta(rate > 0 ? (f.totalBytes - f.bytes) / rate : NaN)}`;
  }

  update(f: PhaseFigures, force = false): void {
    if (!this.enabled) return;
    const t = performance.now();
    if (!force && t - this.last < progressInterval()) return;
    this.last = t;
    this.shown = true;
    const line = this.line(f);
    if (force && line === this.lastLine) return;
    this.lastLine = line;
    writeProgress(line);
  }

  /** End the phase: its last line stays (in a log, only for a phase that showed one). */
  done(f: PhaseFigures): void {
    if (!this.enabled) return;
    if (!this.shown && progressWaits()) return;
    this.update(f, true);
    if (this.shown && process.stderr.isTTY === true) process.stderr.write('\n');
  }
}
