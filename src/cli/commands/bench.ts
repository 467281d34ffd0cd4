import { writeStdoutSync } from '../../io/stdout.js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { parseTextField, textFieldLabel, type TextField } from '../../core/doc.js';
import { showPath } from '../../core/fsname.js';
import { showText } from '../../core/show.js';
import { ownTextFields } from '../../io/readers/ownTextField.js';
import { runTextField } from '../textFieldHint.js';
import { closeQuietly, pipeline } from '../../core/pipeline.js';
import type { DocSink } from '../../core/pipeline.js';
import type { StageRegistry } from '../../core/registry.js';
import type { Doc } from '../../core/doc.js';
import type { Stage, StageContext } from '../../core/stage.js';
import type { RunStats } from '../../core/stats.js';
import { expandInputs } from '../../io/inputs.js';
import { readFiles } from '../../io/readers/index.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, inputOrderHelp, parse } from '../args.js';
import { VERSION } from '../../version.js';
import { loadRecipe } from './run.js';
import { textMissingNote } from '../execute.js';
import { clearProgress, progressInterval, progressWaits, progressWanted, writeProgress } from '../../exec/progress.js';

const PACKAGE_ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE_INPUT = join(PACKAGE_ROOT, 'fixtures/sample');
const SAMPLE_RECIPE = join(PACKAGE_ROOT, 'rules/recipes/sample.yaml');

const FLAGS: Flag[] = [
  { name: 'recipe', short: 'r', type: 'string', arg: 'FILE', help: 'measure the stages of this recipe (default: the bundled sample recipe)' },
  { name: 'stages', short: 's', type: 'string', arg: 'A,B,...', help: 'measure these stages with default options instead' },
  { name: 'text-field', type: 'string', arg: 'NAME[,NAME...]', help: 'field holding the text; a list is tried in order (default: text, else content)' },
  { name: 'no-run', type: 'boolean', help: "leave out the 'run --workers 1' row (a run of the same recipe, written to the system temp folder and removed)" },
  { name: 'json', type: 'boolean', help: 'print the results as JSON' },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help' },
];

/** CPU time of this process so far, in ms (user + system, every thread). */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** CPU time of a stage's work, in ms, summed over the passes it ran in. */
interface CpuClock {
  ms: number;
}

/**
 * The stage, its work timed in CPU time as the pipeline times it in wall time: the CPU spent
 * between asking it for a batch and getting one, less the CPU spent upstream (reading, the stages
 * before it) in the meantime. Wall time on a shared machine counts the other processes' turns
 * too, so a pass that got a third of a core showed three times slower than one that got all of it,
 * and the whole pipeline beat reading alone (new-user review 13 #2: 11.15x on a .gz). The CPU
 * of the process's other threads (zlib's, the GC's) falls to whichever step was waited on.
 */
function cpuTimed(stage: Stage, clock: CpuClock): Stage {
  async function* upstreamOf(batches: AsyncIterable<Doc[]>, up: CpuClock): AsyncIterable<Doc[]> {
    const it = batches[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const t = cpuMs();
        const r = await it.next();
        up.ms += cpuMs() - t;
        if (r.done) return void (done = true);
        yield r.value;
      }
    } finally {
      if (!done) await closeQuietly(it);
    }
  }
  async function* run(batches: AsyncIterable<Doc[]>, ctx: StageContext): AsyncIterable<Doc[]> {
    const up: CpuClock = { ms: 0 };
    const input = upstreamOf(batches, up);
    const it = stage.run(input, ctx)[Symbol.asyncIterator]();
    let done = false;
    try {
      for (;;) {
        const t = cpuMs();
        const before = up.ms;
        const r = await it.next();
        clock.ms += cpuMs() - t - (up.ms - before);
        if (r.done) return void (done = true);
        yield r.value;
      }
    } finally {
      // As the pipeline's own counting steps: a stage stopped early lets its reader close its file.
      if (!done) await closeQuietly(it).then(() => closeQuietly(input[Symbol.asyncIterator]()));
    }
  }
  // Everything else (name, options, needsText, keepsRecords ...) read from the stage itself, a
  // getter with the stage as `this` (a stage of one's own may be a class with private fields).
  return new Proxy(stage, { get: (t, k) => (k === 'run' ? run : Reflect.get(t, k, t)) });
}

/** CPU ms of reading alone under which the measured passes are repeated (`MAX_ROUNDS` at most). */
const SHORT_PASS_MS = 300;
const MAX_ROUNDS = 5;

/**
 * The JSON bytes of the records entering each stage, in one more pass that is not timed (a
 * stage's MB/s is of the records that reach it: after quality drops short records, those that
 * reach dedup are longer than the input's mean, new-user review 14 #4).
 */
async function bytesIntoStages(files: string[], stages: Stage[], textField: TextField | undefined, own?: ReadonlyMap<string, TextField>): Promise<number[]> {
  const bytes = stages.map(() => 0);
  async function* counting(batches: AsyncIterable<Doc[]>, i: number): AsyncIterable<Doc[]> {
    for await (const b of batches) {
      for (const d of b) bytes[i] += Buffer.byteLength(JSON.stringify(d.data));
      yield b;
    }
  }
  const counted = stages.map((stage, i) => new Proxy(stage, { get: (t, k) => (k === 'run' ? (b: AsyncIterable<Doc[]>, ctx: StageContext) => t.run(counting(b, i), ctx) : Reflect.get(t, k, t)) }));
  const source = own !== undefined && textField !== undefined ? ownTextFields(readFiles(files), own, textField) : readFiles(files);
  await pipeline({ source, stages: counted, sink: discard(), textField });
  return bytes;
}

/** A sink that only counts, so the measurement is of reading and stages. */
const discard = (): DocSink => ({ write() {}, async close() {}, async abort() {} });

interface Row {
  step: string;
  docs: number;
  /** CPU time of the step in the measured pass (user + system): the basis of docs/s, MB/s and the ratio. */
  cpuSeconds: number;
  /** Wall time of the step in the measured pass, beside it: other processes' turns included. */
  seconds: number;
  docsPerSec: number;
  mbPerSec: number;
  /** This step's MB/s over the reader's (the first row), both in CPU time. */
  xPassThrough: number;
  /** MB/s (CPU time) of the first (cold) pass: start-up, JIT warm-up and model loading included. */
  coldMbPerSec: number;
  /** Peak resident memory of the process while a pipeline ending at this step ran, MB. */
  peakRssMb: number;
  dropped: number;
  /** What was dropped, by reason (the read row: records without usable text or that did not parse). */
  reasons?: Record<string, number>;
}

/**
 * One progress line per pass on stderr (a terminal, or CORPUS_CLEAN_PROGRESS_MS): bench reads its
 * inputs 3 + (stages) times, minutes each on tens of MB, and was silent throughout.
 */
export interface BenchProgress {
  enabled: boolean;
  /** Passes in all, and the bytes one pass reads (known after the first). */
  /** Undefined until the first pass has read the input (how many rounds a short input gets). */
  passes?: number;
  bytes?: number;
}

/** Run a pipeline while sampling the process's resident memory: its stats, peak RSS in MB, CPU time in ms and share of a core. */
async function measured(files: string[], stages: Stage[], textField: TextField | undefined, requireText: boolean | undefined, pass: { n: number; label: string; progress: BenchProgress }, own?: ReadonlyMap<string, TextField>): Promise<{ stats: RunStats; peakMb: number; cpuMs: number; cpuShare: number }> {
  const pr = pass.progress;
  const waits = progressWaits();
  let lastShown = waits ? performance.now() : 0;
  const show = (s: Readonly<RunStats>): void => {
    const t = performance.now();
    if (!pr.enabled || t - lastShown < progressInterval()) return;
    lastShown = t;
    const of = pr.bytes !== undefined ? ` of ${(pr.bytes / 1e6).toFixed(1)}` : '';
    writeProgress(`bench: pass ${pass.n}${pr.passes !== undefined ? ` of ${pr.passes}` : ''} (${pass.label}): ${(s.bytesRead / 1e6).toFixed(1)}${of} MB, ${s.read} records`);
  };
  let peak = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    if (pr.enabled && !waits) writeProgress(`bench: pass ${pass.n}${pr.passes !== undefined ? ` of ${pr.passes}` : ''} (${pass.label})`);
    const source = own !== undefined && textField !== undefined ? ownTextFields(readFiles(files), own, textField) : readFiles(files);
    const stats = await pipeline({ source, stages, sink: discard(), textField, requireText, onProgress: show });
    if (pr.enabled) clearProgress();
    peak = Math.max(peak, process.memoryUsage.rss());
    const cpu = process.cpuUsage(cpu0);
    const ms = (cpu.user + cpu.system) / 1000;
    // CPU time over wall time: well under 1 when other processes share the cores.
    const cpuShare = ms / Math.max(1, performance.now() - t0);
    return { stats, peakMb: peak / 1e6, cpuMs: ms, cpuShare };
  } finally {
    clearInterval(timer);
  }
}

function stepName(stages: Stage[], i: number): string {
  const s = stages[i];
  // Two stages of one kind (exact and MinHash dedup) are told apart by their method.
  return stages.filter((x) => x.name === s.name).length > 1 && typeof s.options.method === 'string' ? `${s.name} (${s.options.method})` : s.name;
}

/**
 * CPU seconds (user + system) of this process's children that have ended, from /proc/self/stat
 * (cutime, cstime, in USER_HZ ticks: 100 per second on Linux); undefined where there is no /proc.
 * A child's time is added when it is reaped, with that of the children it reaped in turn.
 */
function childCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5); f[0] is field 3.
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return undefined;
  }
}

/** What `run --workers 1` of the benched recipe cost, measured as a child process. */
export interface RunRow {
  /** The command, as a user would type it (the output folder a temporary one). */
  command: string;
  exitCode: number;
  cpuSeconds: number;
  seconds: number;
  docs: number;
  written: number;
  rejected: number;
  docsPerSec: number;
  mbPerSec: number;
  /** Its MB/s over reading's, as the other rows. */
  xPassThrough: number;
  /** Its CPU seconds over the whole pipeline row's: what bench's stage rows leave out. */
  xWholePipeline: number;
  /** The child's peak resident memory (VmHWM, read while it ran), MB; 0 when it could not be read. */
  peakRssMb: number;
  /** Its last error line, when it did not exit 0. */
  error?: string;
}

/**
 * Run `corpus-clean run RECIPE -i INPUTS --workers 1 --quiet` into a temporary folder and time it:
 * what a run of the recipe costs on one core, shards, rejects, phases and report included. The
 * stage rows time the stages alone in one process with nothing written, and a run cost 2-5x the
 * whole pipeline row (new-user review 22 A3): a row beside them says how much.
 */
async function timeRun(recipe: string | undefined, stageNames: string[], inputs: string[], textField: string | undefined): Promise<{ row: Omit<RunRow, 'docsPerSec' | 'mbPerSec' | 'xPassThrough' | 'xWholePipeline'> } | { skipped: string }> {
  const before = childCpuSeconds();
  if (before === undefined) return { skipped: "the 'run --workers 1' row needs /proc (Linux) to read a child process's CPU time" };
  const dir = await mkdtemp(join(tmpdir(), 'corpus-clean-bench-run-'));
  try {
    let file = recipe;
    if (file === undefined) {
      file = join(dir, 'stages.yaml');
      await writeFile(file, `name: bench\nstages:\n${stageNames.map((n) => `  - ${JSON.stringify(n)}: {}`).join('\n')}\n`);
    }
    const out = join(dir, 'run');
    const args = ['run', file, ...inputs.flatMap((i) => ['-i', i]), '-o', out, '--workers', '1', '--quiet', ...(textField !== undefined ? ['--text-field', textField] : [])];
    const shown = `corpus-clean run ${recipe !== undefined ? showPath(recipe) : '<a recipe of these stages>'} ${inputs.map((i) => `-i ${showPath(i)}`).join(' ')} -o <temporary> --workers 1 --quiet${textField !== undefined ? ` --text-field ${textField}` : ''}`;
    const t0 = performance.now();
    let peak = 0;
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((res, rej) => {
      const c = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CORPUS_CLEAN_PROGRESS_MS: 'off' } });
      const err: Buffer[] = [];
      c.stderr.on('data', (b: Buffer) => err.push(b));
      // VmHWM is the peak so far: the last one read before the child ends is (about) its peak.
      const poll = setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'));
          if (m) peak = Math.max(peak, Number(m[1]) / 1000);
        } catch {
          // ended between two reads
        }
      }, 50);
      c.on('error', (e) => (clearInterval(poll), rej(e)));
      c.on('close', (n) => (clearInterval(poll), res({ code: n ?? 1, stderr: Buffer.concat(err).toString() })));
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = childCpuSeconds()! - before;
    let counts = { read: 0, written: 0, rejected: 0 };
    try {
      counts = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as typeof counts;
    } catch {
      // no stats: the run stopped before its merge
    }
    const error = code === 0 ? undefined : stderr.trim().split('\n').filter((l) => l.includes('error')).pop() ?? stderr.trim().split('\n').pop();
    return { row: { command: shown, exitCode: code, cpuSeconds, seconds, docs: counts.read, written: counts.written, rejected: counts.rejected, peakRssMb: peak, ...(error !== undefined ? { error } : {}) } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Under the table: what its ratio column means (a stage above 1 read as "faster than reading"). */
export const PASS_THROUGH_NOTE =
  'x pass-through: the step\'s MB/s over the reader\'s (the first row), both per CPU second; a stage\'s time leaves out reading and the stages before it, so a cheap stage shows above 1 (5.0 means it takes a fifth of the time reading takes, not that it makes anything faster), and the whole pipeline row (reading included) is what the stages cost against reading alone, in one process with nothing written; the run row is what `run --workers 1` of the same recipe costs.';

/** `corpus-clean bench`: throughput and memory of reading and of each stage, on the user's shards or the bundled sample. */
export function benchCommand(registry: StageRegistry): Command {
  return {
    name: 'bench',
    summary: 'measure throughput (docs/s, MB/s) and peak memory of reading and of each stage on sample shards',
    help() {
      return `Usage: corpus-clean bench [inputs...] [--recipe FILE | --stages A,B,...] [--json]

Measure, on one core, how fast the inputs are read (the pass-through, as 'cat' does it) and how
fast each stage processes them, in the same run, and what 'run --workers 1' of the same recipe
costs (the last row; --no-run leaves it out). Without inputs, the bundled
sample shards (fixtures/sample) are used; without --recipe or --stages, the stages of the sample
recipe (rules/recipes/sample.yaml).

Reading runs once cold, then every stage once cold (start-up, rule compilation, model loading,
JIT warm-up), then the stages up to each stage on fresh instances (its peak memory); reading
again and every stage again, warm, are the measured passes (on an input read in under 0.3 s of
CPU, up to 5 rounds of both, the least CPU of each kept). Small inputs make the cold pass look
slow: on the 1.3 MB bundled sample, start-up is most of a stage's first-pass time, so give tens
of MB for figures that hold at scale. Rates and ratios are per CPU second (user + system), which
other processes on the machine change far less than wall time; wall time is shown beside it.
Stage time excludes reading and the stages before it; a stage's MB/s counts the records that
reached it (the input's MB times their JSON size over that of the records reaching the first
stage, measured in one more pass, not timed). Peak RSS is the process's resident memory while
the pipeline up to that stage ran. The 'read' row counts what the reader and the text check
dropped. The stage rows time the stages alone, in one process, with nothing written: the whole
pipeline row is not what a run costs. The run row is: 'corpus-clean run' of the recipe over the
same inputs on one worker, into a folder in the system temp folder that is removed after (room
for its output is needed there), timed as a child process (CPU time from /proc: Linux), with
everything a run does (start-up, the phases' spills and re-reads, writing and compressing shards
and rejects, the report); size a cluster from it. The table is printed with the machine, date,
command, load and the share of a core the run got, ready to paste into bench/RESULTS.md.

${inputOrderHelp(false, 'Inputs are files, folders and globs, read several times (not stdin). ')}

Options:
${flagHelp(FLAGS)}
`;
    },
    async run(argv) {
      const p = parse('bench', argv, FLAGS);
      if (p.values.help) return writeStdoutSync(this.help()), 0;
      if (p.values.recipe && p.values.stages) throw new UsageError('give --recipe or --stages, not both');
      // Every pass reads the inputs again: stdin was read once, and the other passes measured no
      // record ("nothing was measured", after a MaxListenersExceededWarning).
      if (p.positionals.includes('-')) throw new UsageError('bench reads its inputs several times, not stdin: give files or folders (save the stream to a file first)');
      const files = await expandInputs(p.positionals.length > 0 ? p.positionals : [SAMPLE_INPUT]);
      let textField = parseTextField(p.values['text-field']);
      const specs: { name: string; options?: Record<string, unknown> }[] = [];
      if (typeof p.values.stages === 'string') {
        for (const name of p.values.stages.split(',').map((s) => s.trim()).filter(Boolean)) specs.push({ name });
      } else {
        const recipe = await loadRecipe((p.values.recipe as string | undefined) ?? SAMPLE_RECIPE, registry);
        for (const s of recipe.stages) specs.push({ name: s.stage, options: s.options });
        textField ??= recipe.textField;
      }
      // A run folder is read with its run's own text_field, as every other command reads it (new-user
      // review 9 #12: bench read `text`, and dropped the records whose text is in raw_content).
      let own: Map<string, TextField> | undefined;
      const runs = textField === undefined ? runTextField(files) : undefined;
      if (runs !== undefined && (runs.own !== undefined || textFieldLabel(runs.field) !== textFieldLabel(undefined))) {
        textField = runs.field;
        own = runs.own;
        const each = runs.folders.map((f, i) => `${showPath(f)}/: ${showText(runs.lists[i])}`).join('; ');
        process.stderr.write(`corpus-clean bench: note: reading ${own !== undefined ? `each run folder with its run's own text_field (${each})` : `text_field ${showText(textFieldLabel(runs.field))}, as the run${runs.folders.length > 1 ? "s" : ""} that wrote ${runs.folders.map((f) => `${showPath(f)}/`).join(', ')} did`} (--text-field chooses another)\n`);
      }
      // Fresh stage instances for a pass, each timed in CPU time (cpuTimed).
      const make = async (): Promise<{ stages: Stage[]; cpu: CpuClock[] }> => {
        const stages: Stage[] = [];
        const cpu: CpuClock[] = [];
        for (const s of specs) {
          const clock: CpuClock = { ms: 0 };
          stages.push(cpuTimed(await registry.create(s.name, s.options), clock));
          cpu.push(clock);
        }
        return { stages, cpu };
      };
      const load = loadavg();
      const progress: BenchProgress = { enabled: progressWanted(false) };
      // Reading is measured twice, as the stages are: the first pass is cold (the reader's JIT, the
      // file cache), the second is the row's figure. Measured once, cold, against warm stage rows, a
      // small input's whole pipeline read as faster than reading alone (new-user review 12 #2: 1.14x).
      // Its second pass runs just before the measured pass, not second of all: the reader is as
      // warm in both, where at pass 2 its JIT had not settled and a 0.5 MB .gz read in 0.032 CPU s
      // alone and 0.013 inside the whole pipeline (new-user review 13 #2).
      const readCold = await measured(files, [], textField, false, { n: 1, label: 'reading alone, cold', progress }, own);
      progress.bytes = readCold.stats.bytesRead;
      // Passes of a few ms of CPU are noise (the JIT, the garbage collector, zlib's threads: a
      // 0.2 MB .gz read alone in more CPU than the whole pipeline took): on an input read in under
      // SHORT_PASS_MS, the two measured passes are repeated, up to MAX_ROUNDS, the least CPU of
      // each kept, as bench/recipe.ts keeps the best of its rounds (new-user review 13 #2).
      const rounds = Math.max(1, Math.min(MAX_ROUNDS, Math.ceil(SHORT_PASS_MS / Math.max(1, readCold.cpuMs))));
      progress.passes = 1 + specs.length + 2 * rounds;
      let n = 1;
      const coldStages = await make();
      const cold = await measured(files, coldStages.stages, textField, undefined, { n: ++n, label: 'every stage, cold', progress }, own);
      // Memory up to each stage: a pipeline of the stages before it and itself; the whole
      // pipeline's is that of the measured passes.
      const peaks: number[] = [];
      for (let i = 0; i < specs.length - 1; i++) {
        const s = await make();
        peaks.push((await measured(files, s.stages.slice(0, i + 1), textField, undefined, { n: ++n, label: `the stages up to ${specs[i].name}, for its memory`, progress }, own)).peakMb);
      }
      // Reading just before the whole pipeline, the reader as warm in both: second of all, its JIT
      // had not settled (a 0.5 MB .gz read in 0.032 CPU s alone, 0.013 inside the whole pipeline).
      let read: Awaited<ReturnType<typeof measured>> | undefined;
      let warm: Awaited<ReturnType<typeof measured>> | undefined;
      let stages = coldStages;
      let lastPeak = 0;
      for (let k = 0; k < rounds; k++) {
        const again = rounds > 1 ? `, ${k + 1} of ${rounds}` : '';
        const r0 = await measured(files, [], textField, false, { n: ++n, label: `reading alone, the pass-through${again}`, progress }, own);
        if (read === undefined || r0.cpuMs < read.cpuMs) read = r0;
        const s = await make();
        const r = await measured(files, s.stages, textField, undefined, { n: ++n, label: `every stage, warm (the measured pass${again})`, progress }, own);
        lastPeak = Math.max(lastPeak, r.peakMb);
        if (warm === undefined || r.cpuMs < warm.cpuMs) [warm, stages] = [r, s];
      }
      if (specs.length > 0) peaks.push(lastPeak);
      read = read!;
      warm = warm!;
      const run = warm.stats;
      const mb = read.stats.bytesRead / 1e6;
      // MB into each stage: the input's MB scaled by the JSON bytes of the records reaching the
      // stage over those reaching the first (the input's mean record size for every stage understated
      // dedup by 35 % after quality dropped short records).
      const json = specs.length > 0 ? await bytesIntoStages(files, (await make()).stages, textField, own) : [];
      const mbInto = (i: number): number => (json[0] > 0 ? (mb * json[i]) / json[0] : 0);
      // Every rate is over CPU time (new-user review 13 #2): the wall time of a pass is the load's
      // as much as the work's, and a ratio of two such figures was noise.
      const per = (x: number, cpuMs: number): number => (cpuMs > 0 ? x / (cpuMs / 1000) : 0);
      const readDropped = Object.values(run.input.dropped).reduce((a, b) => a + b, 0);
      const readMbPerSec = per(mb, read.cpuMs);
      const ratio = (mbPerSec: number): number => (readMbPerSec > 0 ? mbPerSec / readMbPerSec : 0);
      const row = (r: Omit<Row, 'xPassThrough'>): Row => ({ ...r, xPassThrough: ratio(r.mbPerSec) });
      const rows: Row[] = [
        row({
          step: 'read (pass-through)',
          docs: read.stats.read,
          cpuSeconds: read.cpuMs / 1000,
          seconds: read.stats.ms / 1000,
          docsPerSec: per(read.stats.read, read.cpuMs),
          mbPerSec: readMbPerSec,
          coldMbPerSec: per(mb, readCold.cpuMs),
          peakRssMb: Math.max(readCold.peakMb, read.peakMb),
          dropped: readDropped,
          reasons: { ...run.input.dropped },
        }),
        ...run.stages.map((s, i) =>
          row({
            step: stepName(stages.stages, i),
            docs: s.in,
            cpuSeconds: stages.cpu[i].ms / 1000,
            seconds: s.ms / 1000,
            docsPerSec: per(s.in, stages.cpu[i].ms),
            mbPerSec: per(mbInto(i), stages.cpu[i].ms),
            coldMbPerSec: per(mbInto(i), coldStages.cpu[i].ms),
            peakRssMb: peaks[i],
            dropped: Object.values(s.dropped).reduce((a, b) => a + b, 0),
          }),
        ),
        row({
          step: 'whole pipeline',
          docs: run.read,
          cpuSeconds: warm.cpuMs / 1000,
          seconds: run.ms / 1000,
          docsPerSec: per(run.read, warm.cpuMs),
          mbPerSec: per(mb, warm.cpuMs),
          coldMbPerSec: per(mb, cold.cpuMs),
          peakRssMb: Math.max(...peaks, lastPeak, read.peakMb),
          dropped: run.rejected,
        }),
      ];
      // Records the reader dropped (no text field, not JSON): the same note as every other command
      // gives, and no figure at all when none reached the stages (new-user review 15 F7: a file whose
      // text is under raw_content measured zero records, exit 0, "whole pipeline 74.9 MB/s").
      const missing = run.input.dropped.text_missing ?? 0;
      if (missing > 0 && missing >= run.read / 2) process.stderr.write(`corpus-clean bench: note: ${textMissingNote(run, textField, files)}\n`);
      if (run.read - readDropped === 0) {
        const why = run.read === 0 ? 'no record was read from the inputs' : `none of the ${run.read} records read reached the stages (read dropped: ${Object.entries(run.input.dropped).map(([r, k]) => `${r} ${k}`).join(', ')})`;
        process.stderr.write(`corpus-clean bench: error: nothing was measured: ${why}\n`);
        return 1;
      }
      // What a run of the recipe costs on one core (new-user review 22 A3): the rows above leave out
      // writing, compressing, the phases' spills and re-reads, start-up and the report.
      let runRow: RunRow | undefined;
      let runSkipped: string | undefined;
      if (p.values['no-run'] !== true) {
        if (progress.enabled) writeProgress("bench: the 'run --workers 1' row: a run of the recipe into a temporary folder");
        const inputs = (p.positionals.length > 0 ? p.positionals : [SAMPLE_INPUT]).map((i) => resolve(i));
        const recipeFile = typeof p.values.stages === 'string' ? undefined : resolve((p.values.recipe as string | undefined) ?? SAMPLE_RECIPE);
        const t = await timeRun(recipeFile, specs.map((x) => x.name), inputs, p.values['text-field'] as string | undefined);
        if (progress.enabled) clearProgress();
        if ('skipped' in t) runSkipped = t.skipped;
        else {
          const r = t.row;
          const mbps = per(mb, r.cpuSeconds * 1000);
          runRow = { ...r, docsPerSec: per(r.docs, r.cpuSeconds * 1000), mbPerSec: mbps, xPassThrough: ratio(mbps), xWholePipeline: warm.cpuMs > 0 ? (r.cpuSeconds * 1000) / warm.cpuMs : 0 };
        }
      }
      const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, corpusClean: VERSION };
      const command = `corpus-clean bench ${argv.join(' ')}`.trim();
      const date = new Date().toISOString();
      if (p.values.json) {
        writeStdoutSync(JSON.stringify({ date, command, machine, load, cpuShare: warm.cpuShare, files, bytes: read.stats.bytesRead, docs: read.stats.read, rows, ...(runRow !== undefined ? { run: runRow } : {}), ...(runSkipped !== undefined ? { runSkipped } : {}) }, null, 2) + '\n');
        return 0;
      }
      const fmt = (x: number, d = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
      const reasons = Object.entries(rows[0].reasons ?? {}).map(([r, n]) => `${r} ${n}`).join(', ');
      const out = [
        `### \`${command}\``,
        '',
        `${date.slice(0, 16).replace('T', ' ')} UTC; ${machine.cpu}, ${machine.cores} cores, ${machine.memGb} GB, Node ${machine.node}, corpus-clean ${VERSION}; load average ${load.map((x) => x.toFixed(2)).join(' ')}.`,
        `${files.length} files, ${read.stats.read} records, ${fmt(mb)} MB; one process. Reading and the stages measured warm (reading's second pass; the stages' second pass on fresh instances); the cold column is the first pass. docs/s, MB/s and the ratio are per CPU second (user + system) of the step; wall s beside it.`,
        '',
        '| step | docs in | CPU s | wall s | docs/s | MB/s | x pass-through | MB/s cold | peak RSS MB | dropped |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows.map((r) => `| ${r.step} | ${r.docs} | ${fmt(r.cpuSeconds, 3)} | ${fmt(r.seconds, 3)} | ${fmt(r.docsPerSec, 0)} | ${fmt(r.mbPerSec)} | ${readMbPerSec > 0 ? fmt(r.xPassThrough, 2) : '-'} | ${fmt(r.coldMbPerSec)} | ${fmt(r.peakRssMb, 0)} | ${r.dropped} |`),
        // One pass, cold by nature: its MB/s is in both columns.
        ...(runRow !== undefined ? [`| run --workers 1 | ${runRow.docs} | ${fmt(runRow.cpuSeconds, 3)} | ${fmt(runRow.seconds, 3)} | ${fmt(runRow.docsPerSec, 0)} | ${fmt(runRow.mbPerSec)} | ${readMbPerSec > 0 ? fmt(runRow.xPassThrough, 2) : '-'} | ${fmt(runRow.mbPerSec)} | ${runRow.peakRssMb > 0 ? fmt(runRow.peakRssMb, 0) : '-'} | ${runRow.rejected} |`] : []),
        '',
        PASS_THROUGH_NOTE,
        ...(runRow !== undefined
          ? [
              '',
              `run --workers 1: \`${runRow.command}\`, one cold pass in its own process, took ${fmt(runRow.xWholePipeline, 1)}x the CPU of the whole pipeline row: what the rows above leave out is in it (node's start-up, the stages' cold start, the phases' spills to disk and re-reads, the global stages' merges, writing and compressing the shards and the rejects, the report). Size a cluster from this row${mb < 20 ? ' measured on tens of MB: on a small input its fixed costs (start-up, loading models) are most of it' : ''}.${runRow.exitCode !== 0 ? ` It exited ${runRow.exitCode}${runRow.error !== undefined ? ` (${runRow.error})` : ''}: its figures are of a run that did not finish as intended.` : ''}`,
            ]
          : []),
        ...(runSkipped !== undefined ? ['', `No 'run --workers 1' row: ${runSkipped}.`] : []),
        ...(reasons ? ['', `read dropped: ${reasons}.`] : []),
      ];
      if (warm.cpuShare < 0.8) out.push('', `The measured pass got ${(100 * warm.cpuShare).toFixed(0)} % of a core (CPU time over wall time): other processes share this machine, so the wall s column is about ${fmt(1 / Math.max(0.01, warm.cpuShare), 1)}x the CPU s. The rates and ratios are per CPU second, which the load changes far less; cache and memory contention still slow them somewhat.`);
      const whole = rows[rows.length - 1];
      // The whole pipeline reads what reading alone reads, and then does more: faster than it is noise.
      if (whole.xPassThrough > 1) out.push('', `The whole pipeline measured faster than reading alone, which it includes (${fmt(whole.cpuSeconds, 3)} against ${fmt(rows[0].cpuSeconds, 3)} CPU s): passes this short are within the noise of the JIT, the garbage collector and the decompression threads; the ratios above are not meaningful.`);
      // A stage that no record reached (the stages before it dropped them all) has no figures.
      const idle = rows.slice(1, -1).filter((r) => r.docs === 0).map((r) => r.step);
      if (idle.length > 0) out.push('', `No record reached ${idle.join(', ')} (the steps before dropped them all): ${idle.length === 1 ? 'its row measures' : 'their rows measure'} nothing.`);
      if (mb < 20) out.push('', `Note: ${fmt(mb)} MB is little data: per-stage figures carry start-up and timer noise; give tens of MB of your own shards for figures that hold at scale.`);
      writeStdoutSync(out.join('\n') + '\n');
      return 0;
    },
  };
}
