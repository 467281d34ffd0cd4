import { table } from '../core/own.js';
import { showPath } from '../core/fsname.js';
import { resolve } from 'node:path';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { existsSync, fstatSync, realpathSync, rmdirSync, statSync } from 'node:fs';
import { atExit } from '../io/atExit.js';
import { EarlierOutput } from '../io/earlierOutput.js';
import { ownFilesAmong, REJECT_LINE_KEYS } from '../io/writers/ownSideFile.js';
import { refuseOwnFiles } from './ownInputs.js';
import { errorCode, ExitCode, noteInodes, UsageError } from '../core/errors.js';
import { parseTextField, textFieldLabel, type TextField } from '../core/doc.js';
import type { Stage } from '../core/stage.js';
import { filesReadBy } from '../core/registry.js';
import type { RunStats } from '../core/stats.js';
import { balanced } from '../core/stats.js';
import { pipeline, statsOfFailure } from '../core/pipeline.js';
import { parseShardSize } from '../core/size.js';
import { expandInputs, isInputName, isLost, unknownFormatMessage, type EnteredFolder, type SkippedInput } from '../io/inputs.js';
import { INPUT_FORMATS, readFiles, type InputFormat } from '../io/readers/index.js';
import { htmlFieldFor } from '../io/readers/options.js';
import { isFolderOutput, JsonlWriter, type JsonlOptions } from '../io/writers/jsonl.js';
import { checkOutputName, checkOutputs, LOCK_NAME, lockOutput, outputTarget, ownDescriptor, prepareOutput, prepareSideOutputs, refuseForeign, releaseOf, RUN_FILES, setMarkerName } from '../io/outputs.js';
import { checkInputFolders, failedMarker, refuseUnfinished, writeManifest, type UnfinishedInput } from '../exec/markers.js';
import { progressWanted } from '../exec/progress.js';
import type { RunSettings } from '../exec/plan.js';
import { basename, dirname, join } from 'node:path';
import { FAILED, SUCCESS } from '../exec/layout.js';
import { writeAtomic } from '../io/writers/atomic.js';
import { guardSignals, onOutputClosed, nameCommand, outputFinished, stopping, whileRunning } from './interrupt.js';
import { fifoReaderOpened, onFifoReaderOpened } from '../io/fifos.js';
import type { DocSink, DocSource } from '../core/pipeline.js';
import { JsonArrayWriter } from '../io/writers/jsonArray.js';
import { PARQUET_COMPRESSIONS, type ParquetCompression } from '../io/writers/parquetCompression.js';
import { isRejectsFailure, RejectsWriter } from '../io/writers/rejects.js';
import { recordRejectsOwner, rejectsFile } from '../io/sideOwner.js';
import { SampledRejects, type RejectAttrs } from '../core/rejectSink.js';
import type { OutputCompression } from '../io/writers/sharded.js';
import type { Flag, Parsed } from './args.js';
import { countFlag } from './args.js';
import { checkStageFolders } from './stageFolders.js';
import { checkSuggestion, nestedFieldNote, runTextField, SUGGEST_SCAN_RECORDS, textElsewhere, textFieldNote, writerOf } from './textFieldHint.js';
import { ownTextFields } from '../io/readers/ownTextField.js';
import { fittingSchema, SEED_TASKS_JQ } from './schemaHint.js';
import { accountingLine, stoppedLine, badInput, NO_HTML, folderHolding, REJECT_KEYS, rejectsAdvice, rejectsAdviceFor, TAKERS, encodingNotes, fileLines, fileWarnings, keysSeen, progressPrinter, rejectsHead, rejectsKeys, unverifiedNotes, htmlInTxtNote } from './report.js';
import { dominantNotes, dominantRules } from './dominant.js';
import { parseDecimal } from '../core/options.js';
import { makeDir } from '../io/dirs.js';
import { refuseRemote } from '../io/remote.js';
import { limitRecords, type LimitState } from '../io/readers/limit.js';
import { INPUT_REPLACED, takeInputFacts, unchangedInputs } from '../io/unchanged.js';
import { counted, showText } from '../core/show.js';
import { zstdField, zstdWrittenWith } from '../io/zstdRecord.js';

/** Input, output and accounting flags shared by `cat` and every stage command. */
export const IO_FLAGS: Flag[] = [
  { name: 'output', short: 'o', type: 'string', arg: 'PATH', help: 'write here: a file (x.jsonl, x.jsonl.gz, x.jsonl.zst), a folder (ending in /), or - for stdout (default)' },
  { name: 'shard-size', type: 'string', arg: 'SIZE', help: 'start a new shard after SIZE uncompressed bytes (e.g. 256MB)' },
  { name: 'shard-records', type: 'string', arg: 'N', help: 'start a new shard after N records' },
  { name: 'compress', type: 'string', arg: 'none|gzip|zstd', help: 'compression of shards in a folder output (default none; files follow their name); Parquet: none|snappy|gzip|zstd|brotli (default snappy)' },
  { name: 'output-format', type: 'string', arg: 'jsonl|parquet', help: 'output format (default: parquet for a .parquet output, else jsonl)' },
  { name: 'row-group-size', type: 'string', arg: 'N', help: 'Parquet output: rows per row group (default 10000)' },
  { name: 'rejects', type: 'string', arg: 'FILE', help: 'write every rejected record here, with stage, reason and file:line (an existing file is replaced only when it is empty, or the rejects corpus-clean wrote for this same output; else refused without --overwrite)' },
  { name: 'rejects-attrs', type: 'string', arg: 'failing|all', help: "signals a reject keeps: only the failing rule's (default failing) or all" },
  { name: 'rejects-sample', type: 'string', arg: 'N', help: 'keep at most N rejects per stage/reason (all are still counted; default: keep all)' },
  { name: 'stats', type: 'string', arg: 'FILE', help: 'write the run statistics here as JSON (an existing file is replaced only when it is empty, or the stats corpus-clean wrote for this same output; else refused without --overwrite)' },
  { name: 'text-field', type: 'string', arg: 'NAME[,NAME...]', help: 'field holding the text; a list is tried in order, e.g. text,content,raw_content (default: text, else content)' },
  { name: 'format', type: 'string', arg: 'FMT', help: 'input format: auto (default, by extension), jsonl, json, csv, tsv, txt, parquet, warc, html' },
  { name: 'txt-mode', type: 'string', arg: 'file|line', help: '.txt inputs: one record per file (default) or per line' },
  { name: 'max-reject-rate', type: 'string', arg: 'R', help: 'exit 1 when more than this fraction of input is bad (default 0.1)' },
  { name: 'strip-attrs', type: 'boolean', help: 'leave the stage signals (attrs) out of the output (default when convert runs or the output is .json)' },
  { name: 'keep-attrs', type: 'boolean', help: 'keep the stage signals even when convert runs or the output is .json' },
  { name: 'wrap-arrays', type: 'string', arg: 'FIELD', help: 'a JSONL line holding an array becomes {FIELD: array} instead of a not_object reject (default: messages when convert runs, else off)' },
  { name: 'allow-empty', type: 'boolean', help: 'exit 0 even when no record is written, unless bad input is over the reject rate (default: a run that writes nothing exits 1, saying why)' },
  { name: 'overwrite', type: 'boolean', help: 'replace an existing output file, or the earlier output in the output folder (a run\'s whole folder too), or a --rejects/--stats file corpus-clean did not write (default: refuse); the earlier output, with its --rejects/--stats files, is set aside while the command runs and replaced only by a complete one: a command that fails or is stopped puts them back as they were' },
  { name: 'limit', type: 'string', arg: 'N', help: 'read only the first N records of the inputs, in input order (every record counts: good, bad or blank), then stop; the accounting says so (default: all)' },
  { name: 'allow-unfinished', type: 'boolean', help: 'read an unfinished output as it is, with a warning each and the list in the stats (unfinished_inputs): a run or shard folder (also inside a folder input) without _SUCCESS (killed, or failed: _FAILED), missing a shard it lists or with one of another size, shards out-NNNNN.jsonl beside their lock or not matching out.jsonl._SUCCESS, a file out.jsonl beside out.jsonl._FAILED (default: refuse it)' },
  { name: 'quiet', short: 'q', type: 'boolean', help: 'no progress line (on a terminal it is rewritten twice a second; off one, in a log, a line every 30 s; CORPUS_CLEAN_PROGRESS_MS=MS sets the interval, =off turns the log lines off)' },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help' },
];

const FORMATS: readonly InputFormat[] = INPUT_FORMATS;

export { RUN_FILES, writeAtomic };

/** What to try when every record was rejected for one reason. */
const HINTS: Record<string, string> = table({
  'convert/convert:unknown_format': "records must be Alpaca, ShareGPT, OpenAI messages, XTuner conversation or text; map other field names first with 'corpus-clean repair --schema NAME' (or a schema file of your own)",
  'tokenize/no_text': "tokenize reads pretraining text (text/content) or chat records as OpenAI messages or XTuner conversation; run 'corpus-clean convert' first for ShareGPT or Alpaca records (and 'corpus-clean repair --schema NAME' for other field names)",
  'tokenize/bad_messages': "chat records must be OpenAI messages or XTuner conversation; run 'corpus-clean convert' first for ShareGPT or Alpaca records",
  // New-user review 21 N13: a .txt holding an HTML page got no hint.
  'extract/extract:no_html': NO_HTML,
});

/**
 * Every sample shorter than the tokenize stage's minimum (new-user review 15 F15: `export
 * --min-length 100000` was told only to pass --allow-empty): the option that dropped them.
 */
function tooShortHint(command: string, rejectsPath: string | undefined): string {
  const [option, name] = command === 'run' ? ["min_length in the recipe's tokenize stage", 'min_length'] : ['--min-length', '--min-length'];
  const counts = rejectsPath ? ' (their token counts are in the rejects)' : ' (--rejects FILE keeps each with its token count)';
  return `they have fewer tokens than ${option}: a smaller ${name} keeps more${counts}`;
}

/** Where a command's messages go, one line each: stderr, or a library caller's list (`runRecipe({quiet: true})`). */
export type Say = (line: string) => void;

/** Messages to stderr, as the CLI prints them. */
export const toStderr: Say = (line) => void process.stderr.write(line + '\n');

/** The settings a run ends up with, recipe defaults and flags together. */
export interface EffectiveSettings {
  shardRecords?: number;
  shardBytes?: number;
  compression: OutputCompression | ParquetCompression;
  /** Parquet output: rows per row group. */
  rowGroupSize?: number;
  maxRejectRate: number;
  textField?: TextField;
  stripAttrs?: boolean;
}

/** The inputs' count and size on disk for the progress line's percent; undefined for stdin, a device or a FIFO (no size known). */
function inputsSize(files: readonly string[]): { bytes: number; files: number } | undefined {
  let n = 0;
  for (const f of files) {
    if (f === '-') return undefined;
    try {
      const st = statSync(f);
      if (!st.isFile()) return undefined;
      n += st.size;
    } catch {
      return undefined;
    }
  }
  return { bytes: n, files: files.length };
}

/** Everything a command needs to run a pipeline over files. */
export interface Job {
  command: string;
  inputs: string[];
  stages: Stage[];
  values: Parsed['values'];
  requireText?: boolean;
  /** Record signal histograms and the like for the report (see `PipelineSpec.profile`). */
  profile?: boolean;
  /** The writer, when it is not the JSONL writer that the output flags describe. */
  sink?: { writer: DocSink; shards(): readonly string[]; records?(): readonly number[] };
  /** Called before reading, after the inputs were expanded and every flag checked (e.g. to write the resolved recipe). */
  beforeRun?(files: string[], effective: EffectiveSettings): Promise<void>;
  /** Files written beside the output before reading (e.g. the resolved recipe): checked against the inputs. */
  extraOutputs?: string[];
  /** Files the command reads besides the inputs and its stages' files (a tokenizer model): no output may be one. */
  reads?: { path: string; what: string }[];
  /** The result of `prepare`, when the command called it early (to check every flag before long work). */
  prepared?: Prepared;
  /**
   * Run as planned tasks on an executor (what `run` does) instead of one pipeline here: called
   * after every flag was checked and the inputs expanded; it checks the output folder itself
   * (the lock is taken here).
   */
  runTasks?(files: string[], settings: RunSettings, effective: EffectiveSettings, skipped: SkippedInput[], unfinished: UnfinishedInput[], expected: Record<string, number>): Promise<number>;
  /** When the command began (`Date.now()`), if before this pass (dedup-disk's steps 1-3): the accounting line's time counts from then. */
  startedAt?: number;
  /** Where the accounting line, notes and warnings go (default stderr). */
  say?: Say;
  /** Defaults that a recipe sets and flags may override. */
  defaults?: { overwrite?: boolean; output?: string; outputFormat?: 'jsonl' | 'parquet'; rowGroupSize?: number; shardRecords?: number; shardBytes?: number; compression?: OutputCompression | ParquetCompression; stripAttrs?: boolean; maxRejectRate?: number; rejects?: string; stats?: string; textField?: TextField; rejectsAttrs?: RejectAttrs; rejectsSample?: number };
}

async function jsonlSink(o: JsonlOptions): Promise<{ writer: DocSink; shards(): readonly string[]; records?(): readonly number[] }> {
  if (o.output.endsWith('.json')) {
    if (o.shardRecords || o.shardBytes) throw new UsageError('a .json output is one JSON array file: use a .jsonl output or a folder to shard');
    const a = new JsonArrayWriter({ output: o.output, stripAttrs: o.stripAttrs });
    return { writer: a, shards: () => [a.path] };
  }
  const w = await JsonlWriter.create(o);
  return { writer: w, shards: () => w.shards, records: () => w.shardRecords };
}

/**
 * Run a job and return the exit code: 0 when all went well, 1 when bad input went over
 * `--max-reject-rate`, an input file was damaged, or the accounting did not add up.
 */
export async function execute(job: Job): Promise<number> {
  const p = job.prepared ?? (await prepare(job));
  try {
    return await executePrepared(job, p);
  } finally {
    p.release();
  }
}

/** Flags checked, inputs expanded, outputs checked and locked: everything before the first record. */
export type Prepared = Awaited<ReturnType<typeof prepare>>;

/**
 * Check every flag, expand the inputs, and check and lock the outputs, before any record is
 * read or any output touched. Usage errors throw `UsageError`.
 */
export async function prepare(job: Job) {
  const v = job.values;
  const d = job.defaults ?? {};
  const format = (v.format as string | undefined) ?? 'auto';
  if (!FORMATS.includes(format as InputFormat)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got '${showText(format)}'`);
  const txtMode = (v['txt-mode'] as string | undefined) ?? 'file';
  if (txtMode !== 'file' && txtMode !== 'line') throw new UsageError(`--txt-mode must be file or line; got '${showText(txtMode)}'`);
  const outputName = (v.output as string | undefined) ?? d.output ?? '-';
  const outputFormat = (v['output-format'] as string | undefined) ?? d.outputFormat ?? (outputName.endsWith('.parquet') ? 'parquet' : 'jsonl');
  if (outputFormat !== 'jsonl' && outputFormat !== 'parquet') throw new UsageError(`--output-format must be jsonl or parquet; got '${showText(outputFormat)}'`);
  const parquet = outputFormat === 'parquet';
  const compress = (v.compress as string | undefined) ?? d.compression ?? (parquet ? 'snappy' : 'none');
  if (parquet ? !(PARQUET_COMPRESSIONS as readonly string[]).includes(compress) : !['none', 'gzip', 'zstd'].includes(compress)) {
    throw new UsageError(`--compress must be ${parquet ? PARQUET_COMPRESSIONS.join(', ') : 'none, gzip or zstd'}; got '${showText(compress)}'`);
  }
  const rowGroupSize = countFlag(v['row-group-size'], 'row-group-size') ?? d.rowGroupSize ?? 10_000;
  if (!parquet && v['row-group-size'] !== undefined) throw new UsageError('--row-group-size is for Parquet output (--output-format parquet, or a .parquet output)');
  const rawRate = v['max-reject-rate'];
  const rate = rawRate !== undefined ? parseDecimal(rawRate) : (d.maxRejectRate ?? 0.1);
  if (!(rate >= 0 && rate <= 1)) throw new UsageError(`--max-reject-rate must be between 0 and 1; got '${showText(String(rawRate))}'`);
  const shardRecords = countFlag(v['shard-records'], 'shard-records') ?? d.shardRecords;
  const shardBytes = v['shard-size'] !== undefined ? parseShardSize(v['shard-size'], `${job.command}: --shard-size`) : d.shardBytes;
  const output = (v.output as string | undefined) ?? d.output ?? '-';
  const rejectsPath = (v.rejects as string | undefined) ?? d.rejects;
  const rejectsAttrs = (v['rejects-attrs'] as string | undefined) ?? d.rejectsAttrs ?? 'failing';
  if (rejectsAttrs !== 'failing' && rejectsAttrs !== 'all') throw new UsageError(`--rejects-attrs must be failing or all; got '${showText(rejectsAttrs)}'`);
  const rejectsSample = countFlag(v['rejects-sample'], 'rejects-sample', 0) ?? d.rejectsSample;
  const limit = countFlag(v.limit, 'limit');
  const statsPath = (v.stats as string | undefined) ?? d.stats;
  let textField = parseTextField(v['text-field']) ?? d.textField;
  let ownFields: Map<string, TextField> | undefined;
  if (rejectsPath === '-') throw new UsageError('--rejects needs a file: stdout carries the records');
  // The same file twice is refused; the same device (/dev/null for all three) is not (hostile review 6 F19).
  const same = (a: string): boolean => output !== '-' && resolve(a) === resolve(output) && !isCharDevice(a);
  if (rejectsPath !== undefined && same(rejectsPath)) throw new UsageError('--rejects must not be the output file');
  if (statsPath === '-' || (statsPath !== undefined && same(statsPath))) throw new UsageError('--stats needs a file of its own');
  if (v['strip-attrs'] === true && v['keep-attrs'] === true) throw new UsageError('--strip-attrs and --keep-attrs contradict each other');
  if (parquet && shardBytes) throw new UsageError('--shard-size is for JSONL shards: a Parquet file is cut by rows, give --shard-records N');
  if (output.endsWith('.json') && (shardRecords || shardBytes)) throw new UsageError('a .json output is one JSON array file: use a .jsonl output or a folder to shard');

  // Outputs on s3://, hf://, ...: local files only (an input URL is refused by expandInputs).
  if (output !== '-') refuseRemote(output, 'output');
  if (rejectsPath !== undefined) refuseRemote(rejectsPath, '--rejects');
  if (statsPath !== undefined) refuseRemote(statsPath, '--stats');
  // Unfinished outputs are refused as input: the folders named first (a folder holding only a
  // killed command's lock has nothing to list), then every folder the walk entered and the
  // folder of every file read (exec/markers.ts).
  const allowUnfinished = v['allow-unfinished'] === true;
  const unfinishedNamed = await refuseUnfinished(job.inputs, allowUnfinished);
  const skipped: SkippedInput[] = [];
  const entered: EnteredFolder[] = [];
  const expanded = await expandInputs(job.inputs.length > 0 ? job.inputs : ['-'], skipped, entered);
  const { files, leftOut, unfinished: unfinishedMet, inherited, expected, samples } = await checkInputFolders(expanded, entered.filter((f) => f.glob === undefined).map((f) => f.path), allowUnfinished);
  // --allow-unfinished reads them, and says so: a warning each, and the list in the stats and the
  // output's manifest, so that what is made from an incomplete input does not pass for complete.
  const unfinished: UnfinishedInput[] = [];
  for (const u of [...unfinishedNamed, ...unfinishedMet]) if (!unfinished.some((x) => x.input === u.input)) unfinished.push(u);
  // A finished input made from unfinished ones passes that on (listed as well, with its own warning).
  for (const u of inherited) if (!unfinished.some((x) => x.input === u.input)) unfinished.push(u);
  const unknown = format === 'auto' ? files.find((f) => f !== '-' && !isInputName(f)) : undefined;
  if (unknown !== undefined) throw new UsageError(unknownFormatMessage(unknown));
  if (files.includes('-') && process.stdin.isTTY) throw new UsageError(`no input: give files, or pipe JSONL into 'corpus-clean ${job.command}'`);
  // A stats or rejects file corpus-clean wrote among the inputs: refused before any output is made,
  // not found as bad input once everything was read (ownInputs.ts: run and the single commands alike).
  await refuseOwnFiles(files, job.inputs, { command: job.command, textField, needsText: job.requireText ?? job.stages.some((st) => st.needsText) });
  const folder = output !== '-' && (await isFolderOutput(output));
  if (!folder && output !== '-' && job.sink === undefined && job.runTasks === undefined) await checkOutputName(output, parquet);
  const say = job.say ?? toStderr;
  // A run folder read without --text-field: its own text_field (in _recipe.resolved.yaml), said
  // once. Records whose text is under `raw_content` were lost as no_text here otherwise (new-user 7 #1).
  if (textField === undefined) {
    const run = runTextField(files);
    const each = run === undefined ? '' : run.folders.map((f, i) => `${showPath(f)}/: ${showText(run.lists[i])}`).join('; ');
    // An output that keeps its records' fields (every command's but export's and convert's, which
    // write their own) is read later with one list (a run's `text_field`, a folder's `_SUCCESS`,
    // the default for a file): records read here with their own folders' lists would be read
    // from another field there (the raw `text` page beside the `article_body` its run cleaned:
    // new-user review 9 #1). Refused before anything is made, as for `run`.
    const keeps = job.command !== 'export' && !job.stages.some((s) => s.name === 'convert') && output !== '/dev/null';
    if (run?.own !== undefined && (job.runTasks !== undefined || keeps)) throw new UsageError(await mixedFieldsRefusal(run, files, each, job.runTasks !== undefined ? undefined : output));
    if (run?.own !== undefined) {
      textField = run.field;
      ownFields = run.own;
      const others = files.some((f) => f !== '-' && !run.own!.has(f)) ? `, other inputs with ${showText(textFieldLabel(run.field))}` : '';
      say(`corpus-clean ${job.command}: note: reading each run folder with its run's own text_field (${each})${others} (--text-field chooses one list for all)`);
    } else if (run !== undefined && textFieldLabel(run.field) !== textFieldLabel(undefined)) {
      textField = run.field;
      const by = run.folders.length === 1 ? `as ${writerOf(run.by[0], run.folder)} did` : `the fields of the ${run.by.every((b) => b === 'run') ? 'runs' : 'commands'} that wrote ${run.folders.map((f) => `${showPath(f)}/`).join(', ')}, tried in order`;
      // A plain file beside the folders: their fields, then the default ones (new-user review 9 #14).
      const how = run.extended === undefined ? `, ${by}` : `: ${showText(textFieldLabel(run.field).slice(0, -(run.extended.join(',').length + 1)))}, ${by}, then ${run.extended.join(',')} for the other inputs`;
      say(`corpus-clean ${job.command}: note: reading text_field ${showText(textFieldLabel(run.field))}${how} (--text-field chooses another)`);
    }
  }
  const plan = { inputs: files, output, folder, readBack: folder && job.sink === undefined, sharded: !folder && Boolean(shardRecords || shardBytes), rejects: rejectsPath, stats: statsPath, extra: job.extraOutputs, roots: job.inputs, entered, reads: [...job.stages.flatMap(filesReadBy), ...(job.reads ?? [])], overwrite: v.overwrite === true || d.overwrite === true, note: (n: string) => say(`corpus-clean ${job.command}: note: ${n}`), made: { output: [] as string[], side: [] as string[] }, earlier: new EarlierOutput(), onShard: undefined as ((name: string) => void) | undefined };
  // What each input file is now, before the output is locked: one replaced while it is read
  // stops the command (review 6 F23; a run's tasks check theirs against its plan).
  const facts = job.runTasks === undefined ? takeInputFacts(files, SUCCESS) : undefined;
  await checkOutputs(plan);
  // From the first lock on, a signal ends the command with its message and exit code, releasing
  // the locks (hostile review 12 H4).
  guardSignals();
  // A run's tasks spill into its own folder (_work/): a stage's spill folder is not used there
  // (and may exist only on the nodes a Slurm run is sent to).
  if (job.runTasks === undefined) await checkStageFolders(job.stages);
  // A run folder whose Slurm jobs may still write it is not replaced by a single command's
  // --overwrite either (its own rerun refuses the same way); loaded only for such a folder.
  if (plan.folder && plan.overwrite && job.runTasks === undefined && existsSync(join(output, '_slurm'))) {
    const { liveJobs, liveJobsMessage } = await import('../exec/slurm.js');
    const live = await liveJobs(output);
    if (live.length > 0) throw new UsageError(liveJobsMessage(output, live));
  }
  // A planned run (executors) judges its folder itself (it may resume it); it takes the lock only.
  // A failure while taking the locks (a full disk, hostile review 15 F5) leaves none of the
  // folders made for -o/--rejects/--stats: each lock is released by then, the folders are empty.
  let release: Awaited<ReturnType<typeof prepareOutput>>;
  try {
    release = job.runTasks !== undefined ? (plan.made.output.push(...(await makeDir(output, 'output folder'))), refuseForeign(output, await readdir(output)), releaseOf(lockOutput(join(output, LOCK_NAME)), () => {})) : job.sink === undefined ? await prepareOutput(plan) : await prepareSideOutputs(plan);
  } catch (e) {
    // No inode for the lock: said before the folders made go (and free inodes again).
    noteInodes(e);
    await removeMadeFolders(plan.made);
    throw e;
  }
  // Every input name not read is said before reading, one line each (and kept for the stats).
  for (const s of skipped) say(`corpus-clean ${job.command}: ${s.hidden === true ? 'note' : 'warning'}: skipped '${showPath(s.name)}': ${s.reason}`);
  for (const u of unfinished) say(`corpus-clean ${job.command}: warning: ${inherited.includes(u) ? u.problem : `reading an unfinished input as it is (--allow-unfinished): ${u.problem}`}`);
  for (const x of samples) say(`corpus-clean ${job.command}: note: '${showPath(x.dir)}/' is a sample: the command that wrote it stopped after its first ${x.limit} records (--limit ${x.limit}, in its ${SUCCESS}), not its whole input`);
  for (const f of leftOut) say(`corpus-clean ${job.command}: note: not read: '${showPath(f)}', which is not one of the shards its folder's ${SUCCESS} lists (a finished output is read as its shards)`);
  return { limit, format, txtMode: txtMode as 'file' | 'line', compress, rate, rawRate, shardRecords, shardBytes, output, folder, sharded: plan.sharded && !output.startsWith('/dev/'), rejectsPath, rejectsAttrs: rejectsAttrs as RejectAttrs, rejectsSample, statsPath, textField, ownFields, files, skipped, unfinished, expected, release, made: plan.made, earlier: plan.earlier, parquet, rowGroupSize, facts, onShard: plan.onShard };
}

/**
 * Remove the folders preparing made for a command's outputs (`Prepared.made`), deepest first,
 * those left empty only: a command that stops before its first record leaves none behind. Its
 * locks must be released first (a folder output's lock is in it).
 */
export async function removeMadeFolders(made: { output: readonly string[]; side: readonly string[] }): Promise<void> {
  for (const d of [...made.output, ...made.side].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => {});
}

/**
 * The refusal of inputs written with different text fields by a command whose output keeps one
 * (`output`; undefined for a run's folder): one --text-field list when it reads every record as
 * its folder's command did (checked in the records: new-user review 9 #2), the merge that always
 * does (`convert --to pretrain-text` writes each record's text under `text`), or each on its own.
 */
async function mixedFieldsRefusal(run: NonNullable<ReturnType<typeof runTextField>>, files: readonly string[], each: string, output: string | undefined): Promise<string> {
  const what = output === undefined ? "a run's output keeps one text_field for the commands that read it" : `the output (${output === '-' ? 'stdout' : `'${showPath(output)}'`}) would hold records whose text is in different fields, while a command that reads it reads one list for all`;
  const check = await checkSuggestion(run, files);
  const list = check.ok
    ? `, e.g. --text-field ${showText(run.suggest!)} (it reads every record of these folders from the field its own command read${check.partial.length > 0 ? `; checked on the first ${SUGGEST_SCAN_RECORDS} records of ${check.partial.map((f) => `${showPath(f)}/`).join(', ')}` : ''})`
    : `; no one list reads every record as its folder's command did (${showPath(check.folder)}/'s records, read with ${showText(check.own)}, hold '${showText(check.field)}', which ${showText(run.suggest!)} would read first)`;
  const dirs = run.folders.map((f) => `${showPath(f)}/`).join(' ');
  return `the inputs were written with different text fields (${each}), and ${what}: give one list with --text-field (each record is read from the first of those fields it holds)${list}; or merge them first with 'corpus-clean convert ${dirs} --to pretrain-text -o merged/' (each record's text, read as its folder's command read it, written under 'text'; --keep names other fields to keep), or ${output === undefined ? 'run' : 'read'} each folder on its own`;
}

export async function executePrepared(job: Job, p: Prepared): Promise<number> {
  const landed: LandedRejects = {};
  const code = await executeWith(job, p, landed);
  // The rejects file this command wrote, still there when it returns (not removed, nor replaced by
  // the earlier one put back): whose it is, for the next command naming it (hostile review 20 F9).
  if (landed.record !== undefined) await landed.record();
  return code;
}

/** Set once the command's --rejects file is in place: records its output, if the file is still the one written. */
interface LandedRejects {
  record?: () => Promise<void>;
}

async function executeWith(job: Job, p: Prepared, landed: LandedRejects): Promise<number> {
  const v = job.values;
  const d = job.defaults ?? {};
  const { format, txtMode, compress, rate, shardRecords, shardBytes, output, rejectsPath, rejectsAttrs, rejectsSample, statsPath, textField, files, skipped, unfinished, expected, parquet, rowGroupSize } = p;
  const effective: EffectiveSettings = { shardRecords, shardBytes, compression: compress as OutputCompression, ...(parquet ? { rowGroupSize } : {}), maxRejectRate: rate, textField, stripAttrs: v['strip-attrs'] === true ? true : v['keep-attrs'] === true ? false : d.stripAttrs };
  if (job.runTasks !== undefined) {
    const converts = job.stages.some((s) => s.name === 'convert');
    const wrap = (v['wrap-arrays'] as string | undefined) ?? (converts ? 'messages' : undefined);
    const strip = v['keep-attrs'] === true ? false : v['strip-attrs'] === true || d.stripAttrs === true || converts;
    const settings: RunSettings = { format: format as InputFormat, txtMode: txtMode as 'file' | 'line', compression: compress as OutputCompression | ParquetCompression, stripAttrs: strip, maxRejectRate: rate };
    if (wrap !== undefined) settings.wrapArrays = wrap;
    if (textField !== undefined) settings.textField = textField;
    if (job.requireText !== undefined) settings.requireText = job.requireText;
    if (shardRecords !== undefined) settings.shardRecords = shardRecords;
    if (shardBytes !== undefined) settings.shardBytes = shardBytes;
    if (job.profile === true) settings.profile = true;
    settings.rejectAttrs = rejectsAttrs;
    if (rejectsSample !== undefined) settings.rejectsSample = rejectsSample;
    if (v['allow-empty'] === true) settings.allowEmpty = true;
    if (p.limit !== undefined) settings.limit = p.limit;
    // Parquet shards: only then in the plan, so a JSONL run's plan (and its resume) is as before.
    if (parquet) Object.assign(settings, { outputFormat: 'parquet', rowGroupSize });
    return job.runTasks(files, settings, effective, skipped, unfinished, expected);
  }
  await job.beforeRun?.(files, effective);

  // Before convert, a line holding a list is XTuner's OpenAI format: a list of messages.
  const converts = job.stages.some((s) => s.name === 'convert');
  const wrapArrays = (v['wrap-arrays'] as string | undefined) ?? (converts ? 'messages' : undefined);
  // XTuner needs one key set per file: a record with attrs beside one without breaks it.
  const xtunerOutput = output.endsWith('.json') || job.stages.some((s) => s.name === 'convert');
  const stripAttrs = v['keep-attrs'] === true ? false : v['strip-attrs'] === true || d.stripAttrs === true || xtunerOutput;
  let stages = job.stages;
  let sink: { writer: DocSink; shards(): readonly string[]; records?(): readonly number[] };
  if (job.sink === undefined && parquet) {
    // One schema for the run: the check stage rejects records that would break it, by name.
    // loaded here: a command writing JSON Lines does not load the Parquet writer
    const [{ ParquetShardWriter }, { parquetSchemaStage, SchemaHolder }] = await Promise.all([import('../io/writers/parquet.js'), import('../io/writers/parquetSchema.js')]);
    const schema = new SchemaHolder();
    const w = await ParquetShardWriter.create({ output, rowGroupSize, compression: compress as ParquetCompression, shardRecords, stripAttrs, schema, onShard: p.onShard });
    stages = [...job.stages, parquetSchemaStage(schema, rowGroupSize, stripAttrs)];
    sink = { writer: w, shards: () => w.shards, records: () => w.writtenRows };
  } else sink = job.sink ?? (await jsonlSink({ output, shardRecords, shardBytes, compression: compress as OutputCompression, stripAttrs, onShard: p.onShard }));
  const writer = rejectsPath ? new RejectsWriter(rejectsPath) : undefined;
  const sampled = writer && rejectsSample !== undefined ? new SampledRejects(writer, rejectsSample) : undefined;
  const rejects = sampled ?? writer;
  const progress = progressPrinter(job.command, progressWanted(v.quiet === true), inputsSize(files));
  // Until the output is marked finished, an interruption or a failure removes everything this
  // command wrote (the shards it completed too): what is left is either finished or nothing.
  // The marker being written when a signal came (F25): halted before its rename (io/writers/atomic.ts),
  // or removed here if the rename was already under way, so no marker outlives the shards.
  let marking: string | undefined;
  // The stats file once written (just before the marker): it says every record was written, so
  // an interruption after it removes it with the shards and the rejects (hostile review 12 H10:
  // it was left beside an emptied output). A device or descriptor (`--stats /dev/stderr`) is a
  // stream: nothing to remove.
  let statsDone = false;
  let statsWriting: Promise<void> | undefined;
  // The folders preparing made (`-o new/sub/`), removed when left empty by a command that leaves
  // no output; a folder's lock is in it, so it is released first (the process is ending).
  const removeMade = async (which: 'output' | 'all'): Promise<void> => {
    if (which === 'all') p.release();
    else p.release.output();
    const made = [...(which === 'all' ? [...p.made.side, ...p.made.output] : p.made.output)].sort((a, b) => b.length - a.length);
    for (const d of made) await rmdir(d).catch(() => {});
    // A marker or stats file halted by a signal keeps its temporary until the exit (io/writers/atomic.ts): then the folder holding it goes.
    if (which === 'all' && made.length > 0) {
      atExit(() => {
        for (const d of made) {
          try {
            rmdirSync(d);
          } catch {
            // gone already, or not empty: left as it is
          }
        }
      });
    }
  };
  // The earlier output --overwrite was to replace (set aside by preparing): a command that fails
  // in any way puts it back, once its own output is removed, and says so (hostile review 15 F9).
  const replacing = p.earlier !== undefined && p.earlier.size > 0;
  // Its --rejects/--stats files go back with it (as they were, or none): named in the note, which
  // also says that this command's output is gone (new-user review 16 F22).
  const sides = p.earlier?.sides.map((f) => `'${showPath(f)}'`) ?? [];
  const ownParts = ['output', ...(sides.length > 0 && rejectsPath !== undefined ? ['rejects'] : []), ...(sides.length > 0 && statsPath !== undefined ? ['stats'] : [])];
  const own = ownParts.length === 1 ? 'output was' : `${ownParts.slice(0, -1).join(', ')} and ${ownParts.at(-1)} were`;
  // A shard set is named by its files: there is no file 'sh/out.jsonl' (new-user review 16 F16 a).
  const setNames = p.sharded ? [...(p.earlier?.names ?? [])].filter((n) => n !== basename(output)).sort() : [];
  const earlierOutput = setNames.length > 0 ? `the earlier shards of '${showPath(output)}' ('${showPath(join(dirname(output), setNames[0]))}'${setNames.length > 1 ? ` and ${setNames.length - 1} more file${setNames.length > 2 ? 's' : ''}` : ''})` : `the earlier output '${showPath(output)}'`;
  const keptNote = `corpus-clean ${job.command}: note: ${earlierOutput} ${setNames.length > 0 ? 'are' : 'is'} kept as ${setNames.length > 0 ? 'they were' : 'it was'}${sides.length > 0 ? `, and so ${sides.length === 1 ? 'is' : 'are'} ${sides.join(' and ')}` : ''}: --overwrite replaces ${sides.length > 0 || setNames.length > 0 ? 'them' : 'it'} only with a complete output; this command's ${own} removed (write to other names to keep what a failing command wrote)`;
  // No earlier output, but --rejects/--stats files corpus-clean did not write, set aside for
  // --overwrite: a command that fails puts them back too (new-user review 17 F3's sibling).
  const sidesOnly = p.earlier !== undefined && p.earlier.size === 0 && sides.length > 0;
  const sidesNote = `corpus-clean ${job.command}: note: ${sides.join(' and ')} ${sides.length === 1 ? 'is' : 'are'} kept as ${sides.length === 1 ? 'it was' : 'they were'}: --overwrite replaces ${sides.length === 1 ? 'it' : 'them'} only with a complete output; this command's ${sides.length === 1 ? (p.earlier?.sides[0] === rejectsPath ? 'rejects were' : 'stats were') : 'rejects and stats were'} not kept (write to other names to keep what a failing command wrote)`;
  /** Put the earlier output back; true when it was (and a note is due). */
  const putBack = async (quiet = false): Promise<boolean> => {
    if (sidesOnly) {
      if (!p.earlier!.sides.length) return false;
      await p.earlier!.restore();
      if (!quiet) (job.say ?? toStderr)(sidesNote);
      return true;
    }
    if (p.earlier === undefined || p.earlier.size === 0) return false;
    const n = await p.earlier.restore();
    if (!quiet && n > 0) (job.say ?? toStderr)(keptNote);
    return n > 0;
  };
  /** Remove what this command wrote and put the earlier output back; true when it was put back. */
  const abortAll = async (): Promise<boolean> => {
    await Promise.allSettled([sink.writer.abort(), rejects?.abort()]);
    if (marking !== undefined) await Promise.allSettled([rm(marking, { force: true }), rm(failedMarker(marking), { force: true })]);
    // A stats file whose rename was under way when the signal came is there once that write ends.
    const statsIn = statsDone || (statsWriting !== undefined && (await statsWriting.then(() => true, () => false)));
    if (statsIn && statsPath !== undefined) {
      const t = await outputTarget(statsPath).catch(() => undefined);
      if (t !== undefined && !t.direct) await rm(t.path, { force: true }).catch(() => {});
    }
    const back = await putBack(true);
    await removeMade('all');
    return back;
  };
  // Records sent to stdout cannot be taken back: when stdout is a file (`> out.jsonl`), it keeps
  // those written before the signal, and the message says so rather than "removed" (hostile
  // review 12 H8).
  const onStdout = output === '-' && job.sink === undefined;
  // How far the reading got when a signal came (new-user review 19 F11: a write failure said it,
  // Ctrl-C did not): the stats so far while the pipeline runs (set by its `watch`), taken at the signal.
  // Which counts of the stopped line name records removed with what they were written to (new-user
  // review 20 F1): a file or folder output and a rejects file go; stdout, a device or a FIFO keep theirs.
  const outputIsStream = job.sink === undefined && (output === '-' || isStreamOutput(output));
  // /dev/null has no reader: nothing on its way can have reached one (new-user review 21 N13).
  const gone = (): { written: boolean; rejected: boolean; stream?: string; unread?: boolean } => ({ written: !outputIsStream, rejected: rejectsPath !== undefined && !isStreamOutput(rejectsPath), ...(outputIsStream && output !== '-' && !isNullDevice(output) ? { stream: showPath(output), ...(fifoReaderOpened(output) ? {} : { unread: true }) } : {}) });
  let watched: (() => RunStats) | undefined;
  let atSignal: RunStats | undefined;
  let stdinAtSignal = '';
  // Every record read and written, the accounting line printed, the stats and marker not yet in
  // place: a signal then removes the output all the same (what is left is finished or nothing),
  // and its stopped line follows the accounting line, which a reader of the log would otherwise
  // take for the last word (hostile review 20 F1: 'written 60000', then everything removed).
  let finishing: RunStats | undefined;
  let lateSignal = false;
  const lateWords = (): string => {
    const steps = [statsPath !== undefined && !statsDone ? `its stats '${showPath(statsPath)}'` : '', job.sink === undefined && p.folder ? `its ${SUCCESS} marker` : job.sink === undefined && p.sharded ? `its marker '${setMarkerName(output)}'` : ''].filter((x) => x !== '');
    const what = steps.length > 0 ? ` (${steps.join(' and ')} not yet written)` : '';
    if (outputIsStream) return `the signal came after the accounting line above, before the command had finished${what}: the records sent to ${output === '-' ? 'stdout' : `'${showPath(output)}'`} stay there${rejectsPath !== undefined || statsPath !== undefined ? ', the rejects and stats are removed' : ''}`;
    return `the signal came after the accounting line above, before the output was finished${what}: it is removed all the same, as an unfinished output`;
  };
  // The end of the command has one owner (hostile review 21 G0: a signal just after the _SUCCESS
  // rename ran the signal's removal and the commit's removal of the earlier output at once: both
  // outputs gone, or a _SUCCESS listing a removed shard, exit 0 or 143). The commit (the marker,
  // then the earlier output dropped) is begun only when no signal came first; a signal during it
  // waits for it: done, the output is finished and the signal says so; halted before the
  // marker's rename, nothing was published and the signal removes the output as before it.
  let committing: Promise<boolean> | undefined;
  let committedAs = '';
  const commit = async (what: string, steps: () => Promise<void>): Promise<void> => {
    // A signal came first: its abort removes this command's output, and the process exits with it.
    if (stopping()) return new Promise<never>(() => {});
    committedAs = what;
    const run = steps();
    committing = run.then(
      () => true,
      () => false,
    );
    await run;
    outputFinished(what);
  };
  nameCommand(job.command);
  const onSignal = async (): Promise<string | void> => {
    if (committing !== undefined && (await committing)) return committedAs;
    atSignal = watched?.();
    if (atSignal !== undefined) stdinAtSignal = unreadStdin(files, ': ');
    else if (finishing !== undefined) {
      atSignal = finishing;
      lateSignal = true;
    }
    progress.done();
    await abortAll();
  };
  const afterSignal = (): string => (atSignal === undefined ? '' : stoppedLine(job.command, atSignal, lateSignal ? lateWords() : undefined, gone()) + stdinAtSignal);
  // What a signal leaves of the output, as known now: a FIFO no reader has opened yet holds nothing
  // of it, said so until a reader opens it (then registered again, with the words for that).
  const leftWords = (): string | undefined =>
    onStdout ? `stdout keeps the records written before the signal (they may be incomplete: discard them)${rejectsPath !== undefined || statsPath !== undefined ? '; the unfinished rejects and stats removed' : ''}` : outputIsStream ? `${streamKept(output)}${rejectsPath !== undefined || statsPath !== undefined ? '; the unfinished rejects and stats removed' : ''}` : replacing ? `unfinished output removed, ${earlierOutput} kept as ${setNames.length > 0 ? 'they were' : 'it was'}` : undefined;
  const unregister = whileRunning(onSignal, '', leftWords(), afterSignal);
  const unwatchFifo = outputIsStream && !onStdout ? onFifoReaderOpened((path) => void (path === output && !stopping() && whileRunning(onSignal, '', leftWords(), afterSignal))) : () => {};
  // stdout closed by its reader (`| head`): stop reading, let what was read finish its way
  // (rejects and stats are written), write nothing more, and exit 0 without a word (1 for bad
  // input over the rate among what was read: finishClosed).
  const closed = { now: false };
  // `-o /dev/stdout` (or /dev/fd/1) onto the same pipe is stdout too: its reader going away
  // (`| head`) stops the command quietly, as for `-o -` (it was "error: cannot write
  // '/dev/stdout': EPIPE", exit 1).
  const toStdout = job.sink === undefined && (output === '-' || isStdoutPipe(output));
  const unregisterClosed = toStdout ? onOutputClosed(() => void (closed.now = true)) : () => {};
  let source: DocSource = readFiles(files, { format: format as InputFormat, txtMode, wrapArrays, htmlField: htmlFieldFor(job.stages[0]) });
  if (p.facts !== undefined) source = unchangedInputs(source, p.facts);
  if (p.ownFields !== undefined && textField !== undefined) source = ownTextFields(source, p.ownFields, textField);
  // --limit N: the first N records in input order, then the reading stops.
  const limited: LimitState = { reached: false };
  if (p.limit !== undefined) source = limitRecords(source, p.limit, limited);
  if (toStdout) {
    source = untilClosed(source, closed);
    sink.writer = quietWhenClosed(sink.writer, closed);
  }
  let stats: RunStats;
  let published = false;
  try {
    stats = await pipeline({
      source,
      stages,
      sink: sink.writer,
      rejects,
      textField,
      requireText: job.requireText,
      profile: job.profile,
      rejectAttrs: rejectsAttrs,
      onProgress: progress.update,
      watch: (f) => void (watched = f),
    });
    // Read to the end: a signal from now on comes after the accounting (or while it is printed).
    watched = undefined;
    // The rejects file in place (io/sideOwner.ts). Not in the command's own folder, which judges its files itself.
    if (rejectsPath !== undefined && !isStreamOutput(rejectsPath) && !(p.folder && resolve(dirname(rejectsPath)) === resolve(output))) {
      const file = rejectsFile(rejectsPath);
      const owner = toStdout ? '-' : output;
      if (file !== undefined) landed.record = () => recordRejectsOwner(rejectsPath, job.command, owner, file);
    }
    // (stdout closed by its reader: finishClosed prints no accounting line, and a signal then says what it said before.)
    if (!closed.now) finishing = stats;
  } catch (e) {
    watched = undefined;
    unwatchFifo();
    unregister();
    // How far it got, and that what it wrote is not a complete output (new-user review 16 F2):
    // the line after the error, before the note on the earlier output.
    // For a failure of the system (ENOSPC, EROFS, EIO ...): a refusal of ours says itself what
    // it left (an input replaced while read: "nothing was written"), and a bug has its stack.
    // An input replaced while read (hostile review 21 G5) says 'nothing was written', which holds
    // for a file output (removed): records sent to stdout or a device are out already, so it gets
    // the stopped line, which says they are an incomplete output, instead.
    const replacedToStream = errorCode(e) === INPUT_REPLACED && ((toStdout && job.sink === undefined) || (job.sink === undefined && isStreamOutput(output)));
    if (replacedToStream && e instanceof Error) e.message = e.message.replace(/; nothing was written$/, '');
    const sofar = systemFailure(e) || replacedToStream ? statsOfFailure(e) : undefined;
    if (sofar !== undefined && e instanceof Error) Object.assign(e, { after: [...((e as { after?: string[] }).after ?? []), stoppedLine(job.command, sofar, leftAfterFailure(toStdout ? '-' : output, job.sink !== undefined, rejectsPath, statsPath, false, isRejectsFailure(e)), gone()) + unreadStdin(files, '; ')] });
    // The pipeline aborted the writers (an I/O failure): the folders they were in go too, when empty.
    // The note comes after the error it follows from (new-user review 16 F2): main prints it then.
    if ((await putBack(true)) && e instanceof Error) Object.assign(e, { after: [...((e as { after?: string[] }).after ?? []), sidesOnly ? sidesNote : keptNote] });
    if (p.made.output.length + p.made.side.length > 0) await removeMade('all');
    throw e;
  } finally {
    unregisterClosed();
    progress.done();
  }
  try {
    if (job.startedAt !== undefined) stats.ms = Date.now() - job.startedAt;
    const finished: Finished = { ...(p.limit !== undefined ? { limit: { n: p.limit, reached: limited.reached } } : {}), say: job.say, command: job.command, stats, inputs: files, roots: job.inputs, skipped, unfinished, expectedRecords: expected, output, shards: sink.shards(), rejectsPath, statsPath, maxRejectRate: rate, textField, wrapArrays, allowEmpty: v['allow-empty'] === true, statsWritten: () => void (statsDone = true), statsWriting: (w) => void (statsWriting = w), extra: rejectsPath ? { rejects_attrs: rejectsAttrs, ...(sampled ? { rejects_sample_per_reason: rejectsSample, rejects_left_out: sampled.skipped } : {}) } : undefined };
    if (closed.now) return await finishClosed({ ...finished, reached: sink.writer.reached });
    // Nothing written and a failure: no output is left (the empty file of a command that read
    // nothing usable would pass for an earlier run's result and block the rerun its message
    // suggests); finishRun removes it before it writes the stats. The rejects and stats stay: they say why.
    // So is the output of a failed command that was to replace an earlier one: the earlier goes back.
    finished.removeEmpty = async () => {
      await sink.writer.abort();
      // The user's own --rejects/--stats alone (sidesOnly): put back once the stats are written, below.
      if (!sidesOnly) await putBack();
      await removeMade('output');
    };
    if (replacing) finished.replacing = true;
    if (sidesOnly && rejectsPath !== undefined && p.earlier!.sides.includes(rejectsPath)) finished.rejectsPutBack = true;
    const code = await finishRun(finished);
    // Its stats written: the user's --rejects/--stats go back over them (finishRun's removeEmpty may have done it).
    if (code !== 0 && sidesOnly) await putBack();
    if (code !== 0 && (stats.written === 0 || replacing)) return code;
    if (code !== 0 && job.sink !== undefined && finished.shards.length > 0) {
      // A command's own sink (export internevo) that exits 1 (over --max-reject-rate, a damaged
      // input) keeps its shards, as every command keeps a failed output (every record is in the
      // output or the rejects, as the accounting says), and marks each folder of them with
      // `_FAILED`, the manifest other outputs get: the next export into it starts over. Removing
      // them lost the good records of a run with one damaged file (hostile review 14 H2).
      const counts = sink.records?.();
      const byDir = new Map<string, { shards: string[]; records: number[] }>();
      finished.shards.forEach((s, i) => {
        const e = byDir.get(dirname(s)) ?? { shards: [], records: [] };
        e.shards.push(s);
        e.records.push(counts?.[i] ?? 0);
        byDir.set(dirname(s), e);
      });
      await commit('the output was written and marked as failed', async () => {
        for (const [d, e] of byDir) {
          const records = e.records.reduce((a, b) => a + b, 0);
          await writeManifest((marking = join(d, SUCCESS)), { exit_code: code, command: job.command, records, shards: e.shards, unfinished, ...(counts !== undefined ? { shardRecords: e.records } : {}) });
        }
      });
      const n = finished.shards.length;
      const folders = [...byDir.keys()].map((d) => `${showPath(d)}/`).join(', ');
      (job.say ?? toStderr)(`corpus-clean ${job.command}: the ${n} shard${n === 1 ? '' : 's'} it wrote ${n === 1 ? 'is' : 'are'} kept and marked failed (${FAILED} in ${folders}); InternEvo reads every .bin under train/ and no marker, so do not train on ${n === 1 ? 'it' : 'them'} as ${n === 1 ? 'it is' : 'they are'}: fix or remove the bad input, and the same command again starts over (no --overwrite needed)`);
      return code;
    }
    // A folder output is finished once `_SUCCESS` is in it, written last (as a run folder's),
    // a file-mode shard set once `out.jsonl._SUCCESS` is beside it: readers refuse shards
    // without it, or not matching its list (exec/markers.ts).
    // The text field the records were read with, when not the default, goes into a folder's
    // manifest: every command reading the folder reads them so, as a run folder's (new-user review
    // 9 #1). A file cannot say it: a note names the --text-field its readers need.
    const written = writtenTextField(job, textField);
    if (written !== undefined && code === 0 && !p.folder && output !== '-' && !isCharDevice(output) && job.sink === undefined) {
      (job.say ?? toStderr)(`corpus-clean ${job.command}: note: the records of '${showPath(output)}' hold their text in ${written.includes(',') ? `the first of ${showText(written)} they hold (the list they were read with)` : `'${showText(written)}' (the field they were read with)`}: every command that reads '${showPath(output)}' needs --text-field ${showText(written)} (a folder output, -o DIR/, records it for them)`);
    }
    const manifest = { exit_code: code, command: job.command, records: stats.written, shards: finished.shards, unfinished, ...(sink.records !== undefined ? { shardRecords: sink.records() } : {}), ...(finished.limit?.reached === true ? { limit: finished.limit.n } : {}), ...(written !== undefined ? { textField: written } : {}) };
    // A single output file needs no marker when the command succeeded (it appears by one rename,
    // complete); one whose command exited 1 is kept, as a folder's shards are, but marked:
    // `out.jsonl._FAILED` beside it (F16). Readers refuse it; the next command into it starts over.
    const markAt =
      p.folder && job.sink === undefined
        ? join(output, SUCCESS)
        : (p.sharded && job.sink === undefined && finished.shards.length > 0) || (code !== 0 && output !== '-' && job.sink === undefined && finished.shards.length > 0 && !(await outputTarget(output)).direct)
          ? join(dirname(output), setMarkerName(output))
          : undefined;
    // The marker makes the output finished; then the earlier output it replaces goes. A signal from
    // here on removes nothing and says so (hostile review 7 F13): the commit is let end (commit).
    await commit(output === '-' && job.sink === undefined ? 'the output was written in full' : code === 0 ? 'the output was finished and published' : 'the output was written and marked as failed', async () => {
      if (markAt !== undefined) await writeManifest((marking = markAt), manifest);
      published = code === 0;
      if (published) {
        p.earlier?.markPublished();
        await p.earlier?.drop();
      }
    });
    return code;
  } catch (e) {
    // Stopped by a signal (a step halted by it): the abort the signal runs removes the output, alone.
    if (!closed.now && !stopping()) {
      const back = await abortAll();
      // A failure after every record was written (the --stats file, a marker, on a full disk:
      // new-user review 19 F7): the output is removed all the same, which the accounting line
      // above does not say; then the earlier output put back, as after a failure while writing.
      const after = e instanceof Error ? ((e as { after?: string[] }).after ??= []) : undefined;
      if (after !== undefined && systemFailure(e)) after.push(stoppedLine(job.command, stats, leftAfterFailure(toStdout ? '-' : output, job.sink !== undefined, rejectsPath, undefined, true), gone()));
      if (after !== undefined && back) after.push(sidesOnly ? sidesNote : keptNote);
    }
    throw e;
  } finally {
    unwatchFifo();
    unregister();
  }
}

/**
 * The text field the records a command writes are to be read with, when it is not the default
 * (`text,content`): the list they were read with, unless the command wrote fields of its own
 * (export's tokens, convert's `text`/`content`/messages). Undefined for the default.
 */
function writtenTextField(job: Job, textField: TextField | undefined): string | undefined {
  if (job.command === 'export' || job.stages.some((s) => s.name === 'convert')) return undefined;
  const label = textFieldLabel(textField);
  return label === textFieldLabel(undefined) ? undefined : label;
}

/** A failure of the system (an OS error code: ENOSPC, EROFS, EIO ...), not a refusal of ours or a bug. */
const systemFailure = (e: unknown): boolean => /^E[A-Z0-9]+$/.test(errorCode(e) ?? '');

/**
 * What a command stopped by a failure leaves of its output: nothing that looks complete. A file
 * or folder output is removed by the writers' abort (its rejects too, and no stats are written);
 * records sent to stdout or a device cannot be taken back: they are an incomplete output.
 */
function leftAfterFailure(output: string, ownSink: boolean, rejects: string | undefined, stats: string | undefined, whole = false, rejectsFailed = false): string {
  // Rejects sent to a device or FIFO (`--rejects /dev/stderr`) are not removed: they are incomplete.
  const rejectsStream = rejects !== undefined && isStreamOutput(rejects);
  // The rejects file failed, not the output (new-user review 19 F8: "the output was incomplete"
  // blamed -o): named first, then what that leaves of the output.
  if (rejectsFailed && rejects !== undefined) {
    const failed = rejectsStream ? `its rejects file '${showPath(rejects)}' failed: the rejects written to it before are incomplete (discard them)` : `its rejects file '${showPath(rejects)}' failed and is removed`;
    const out = output === '-' && !ownSink ? 'the records sent to stdout before it are an incomplete output: discard them' : !ownSink && isStreamOutput(output) ? `the records written to '${showPath(output)}' before it are an incomplete output: discard them` : `the output '${showPath(output)}', not finished, is removed with it`;
    return `${failed}; ${out}${stats !== undefined ? ' (no stats written)' : ''}`;
  }
  const sides = [rejects !== undefined ? (rejectsStream ? `the rejects sent to '${showPath(rejects)}' are incomplete` : 'its rejects too') : '', stats !== undefined ? 'no stats written' : ''].filter((x) => x !== '');
  const also = sides.length > 0 ? ` (${sides.join('; ')})` : '';
  // Every record written, a last step failed: the output is whole but not finished.
  if (whole) {
    if ((output === '-' && !ownSink) || (!ownSink && isStreamOutput(output))) return `every record was sent to ${output === '-' ? 'stdout' : `'${showPath(output)}'`} before it${rejects !== undefined ? '; its rejects removed' : ''}`;
    return `the output '${showPath(output)}' was written whole but not finished, and is removed${also}: nothing is left that looks finished`;
  }
  if (output === '-' && !ownSink) return `the records sent to stdout before it are an incomplete output: discard them${also.replace('its rejects too', 'its rejects removed')}`;
  if (!ownSink && isStreamOutput(output)) return `the records written to '${showPath(output)}' before it are an incomplete output: discard them${also.replace('its rejects too', 'its rejects removed')}`;
  return `the output '${showPath(output)}' was incomplete and is removed${also}`;
}

/**
 * True when `path` is written in place as a stream (a device, a descriptor, a FIFO: what
 * outputTarget calls direct), where records written cannot be taken back.
 */
function isStreamOutput(path: string): boolean {
  // As the writers judge it (outputTarget): /dev/, or one of this process's descriptors; a file
  // reached through /proc (/proc/self/cwd/x.jsonl) is a file, removed (hostile review 19 F4).
  if (resolve(path).startsWith('/dev/') || ownDescriptor(path) !== undefined) return true;
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

/**
 * What a signal leaves of a stream output (a FIFO, a device, `/dev/stdout`): nothing can be removed,
 * and its reader may hold records already (new-user review 20 F11: "unfinished output removed" was
 * said while a FIFO's reader had all of them).
 */
function streamKept(output: string): string {
  // /dev/null keeps nothing and has no reader (new-user review 21 N13: 'its reader may have them').
  if (isNullDevice(output)) return `the records written to '${showPath(output)}' before the signal were discarded by it`;
  let kind = 'a stream';
  try {
    const st = statSync(output);
    kind = st.isFIFO() ? 'a pipe' : st.isCharacterDevice() ? 'a device' : st.isSocket() ? 'a socket' : kind;
  } catch {
    // gone meanwhile: 'a stream'
  }
  // A FIFO no reader opened: the writer's open still waited, nothing was written to it (fix22d's note).
  if (kind === 'a pipe' && !fifoReaderOpened(output)) return `nothing was written to '${showPath(output)}' (a pipe): no reader ever opened it, so nothing was read`;
  return `the records written to '${showPath(output)}' (${kind}) before the signal cannot be taken back, and its reader may have them: they are an incomplete output (discard them)`;
}

/** True when `path` is /dev/null (or a link to it): what is written there is discarded, and nothing reads it. */
function isNullDevice(path: string): boolean {
  try {
    return realpathSync(path) === '/dev/null';
  } catch {
    return false;
  }
}

/** True when `path` is the pipe or socket stdout is (`/dev/stdout` in `cmd -o /dev/stdout | head`). */
function isStdoutPipe(path: string): boolean {
  try {
    const out = fstatSync(1);
    if (!out.isFIFO() && !out.isSocket()) return false;
    const st = statSync(path);
    return st.dev === out.dev && st.ino === out.ino;
  } catch {
    return false;
  }
}

/** A source that stops reading once the output is closed (the records already read go on). */
function untilClosed(src: DocSource, closed: { now: boolean }): DocSource {
  return {
    async *read(events) {
      for await (const batch of src.read(events)) {
        yield batch;
        if (closed.now) return;
      }
    },
  };
}

/** A sink that writes nothing more once stdout is closed, and ignores the closed pipe's errors. */
function quietWhenClosed(w: DocSink, closed: { now: boolean }): DocSink {
  const gone = (e: unknown): boolean => closed.now || (e as NodeJS.ErrnoException).code === 'EPIPE';
  return {
    ...(w.takesRecordJson === true ? { takesRecordJson: true } : {}),
    get reached() {
      return w.reached;
    },
    async write(batch) {
      if (closed.now) return;
      try {
        await w.write(batch);
      } catch (e) {
        if (!gone(e)) throw e;
        closed.now = true;
      }
    },
    async close() {
      try {
        await w.close();
      } catch (e) {
        if (!gone(e)) throw e;
      }
    },
    abort: () => w.abort(),
  };
}

/**
 * The end of a run whose stdout reader went away (`| head`): the rejects were written by the
 * pipeline; write the stats of what was read (with `output_closed: true`): `written` is what
 * reached stdout (`reached`: the records of writes the pipe took whole), the others handed over, lost
 * with the closed pipe or taken in part, are `on_their_way`, as the stopped line says (hostile review 20
 * F7: 'written' counted them, with `balanced: true`). Exit 0 quietly, as `yes | head` does, unless
 * what was read is bad input over --max-reject-rate: exit 1 with the error line, as when the
 * reader reads to the end.
 */
async function finishClosed(f: Finished & { reached?: number }): Promise<number> {
  const say = f.say ?? toStderr;
  const handed = f.stats.written;
  const written = typeof f.reached === 'number' && f.reached < handed ? f.reached : handed;
  const stats = { ...f.stats, written };
  const away = handed - written;
  const elsewhere = textElsewhere(stats);
  const bad = badInput(stats) + (elsewhere?.empty ?? 0);
  const badRate = stats.read > 0 ? bad / stats.read : 0;
  if (f.statsPath) {
    const summary = { command: f.command, inputs: f.inputs, skipped: f.skipped ?? [], output: f.output, shards: f.shards, rejects: f.rejectsPath ?? null, output_closed: true, balanced: balanced(f.stats), bad_input: bad, bad_input_rate: badRate, max_reject_rate: f.maxRejectRate, ...stats, on_their_way: away, ...f.extra };
    await writeAtomic(f.statsPath, JSON.stringify(summary, null, 2) + '\n');
  }
  if (badRate > f.maxRejectRate) {
    say(`corpus-clean ${f.command}: error: ${bad} of ${counted(stats.read, 'record')} read ${bad === 1 ? 'was' : 'were'} bad input (${(badRate * 100).toFixed(1)} % > --max-reject-rate ${f.maxRejectRate}); stdout was closed by its reader after ${written} written${away > 0 ? ` (${away} more on their way when it closed)` : ''}`);
    return ExitCode.dataOrIo;
  }
  return ExitCode.ok;
}

/** Top-level keys every line of a rejects file holds (io/writers/rejects.ts). */

/** Top-level keys of SFT samples (Alpaca, ShareGPT, OpenAI messages, XTuner, preference data). */
const SFT_KEYS = new Set(['instruction', 'output', 'conversations', 'conversation', 'messages', 'prompt', 'response', 'chosen', 'rejected', 'query']);

/** The fields that tell each convert input format (detectFormat), for a note that names one. */
const FORMAT_KEYS: Record<string, string> = table({
  alpaca: 'instruction, output',
  sharegpt: 'conversations',
  openai: 'messages',
  xtuner: 'conversation',
  text: 'text or content',
});

/** True when `path` is a character device (/dev/null): written in place, never replaced. */
function isCharDevice(path: string): boolean {
  try {
    return statSync(path).isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * `convert --from X` over records of another format: the reader of X rejects them
 * (`convert:bad_message` ...) and the stage counts what they look like (`looks_like:alpaca`).
 * One note per convert stage that rejected records so: the format they look like, and the fix.
 */
/**
 * Counts of the text (char_num, cbytes_num, line_num) that `repair` found disagreeing with the
 * text and kept (new-user review 12 #6: after pii, WanJuan's char_num stayed 40 for 29
 * characters, silently): one note, with how to recompute them.
 */
function repairStaleNotes(stats: RunStats, command: string): string[] {
  const stale = new Map<string, number>();
  for (const st of stats.stages) {
    if (st.stage !== 'repair') continue;
    for (const [k, n] of Object.entries(st.counters)) if (k.endsWith(':stale')) stale.set(k.slice(0, -':stale'.length), (stale.get(k.slice(0, -':stale'.length)) ?? 0) + n);
  }
  if (stale.size === 0) return [];
  const list = [...stale].map(([f, n]) => `${showText(f)} in ${n} ${n === 1 ? 'record' : 'records'}`).join(', ');
  const how = command === 'run' ? "refresh: true in the recipe's repair stage" : '--refresh';
  return [`repair kept counts that disagree with the record's text (${list}): a stage before changed the text, or the input counts it otherwise; ${how} recomputes them`];
}

function convertFromNotes(stats: RunStats, command: string): string[] {
  const out: string[] = [];
  for (const st of stats.stages) {
    if (st.stage !== 'convert') continue;
    const looks = Object.entries(st.counters ?? {})
      .filter(([k]) => k.startsWith('looks_like:'))
      .sort((a, b) => b[1] - a[1]);
    if (looks.length === 0) continue;
    const from = Object.keys(st.counters ?? {}).find((k) => k.startsWith('from:'))?.slice(5);
    const [key, n] = looks[0];
    const fmt = key.slice('looks_like:'.length);
    const rejected = Object.values(st.dropped).reduce((a, x) => a + x, 0);
    const fix = command === 'run' ? `set from: auto (or from: ${fmt}) in the recipe's convert stage` : `drop --from (convert tells the format of each record) or pass --from ${fmt}`;
    const given = from === undefined ? '' : command === 'run' ? ` (from: ${from})` : ` (--from ${from})`;
    out.push(`${n} of the ${rejected} records convert rejected${given} look like ${fmt} (${FORMAT_KEYS[fmt] ?? fmt}); ${fix}`);
  }
  return out;
}

/**
 * The SFT round trip (README "Cleaning SFT samples"): samples whose text a stage changed after the
 * first convert took them apart (`convert:text_changed`: pii, normalize ... change only the
 * text, and the sample is rebuilt from the kept fields), and samples whose own fields the first
 * convert's keep left out (`convert:keep_incomplete`, with the fields): what happened and the fix.
 */
function roundTripNotes(stats: RunStats, command: string): string[] {
  const out: string[] = [];
  let changed = 0;
  let incomplete = 0;
  const left: Record<string, number> = {};
  for (const st of stats.stages) {
    if (st.stage !== 'convert') continue;
    changed += st.dropped['convert:text_changed'] ?? 0;
    incomplete += st.dropped['convert:keep_incomplete'] ?? 0;
    for (const [k, n] of Object.entries(st.counters ?? {})) if (k.startsWith('keep_left_out:')) left[k.slice('keep_left_out:'.length)] = (left[k.slice('keep_left_out:'.length)] ?? 0) + n;
  }
  if (changed > 0) {
    out.push(`${changed} sample${changed === 1 ? "'s" : "s'"} text was changed after the convert that turned ${changed === 1 ? 'it' : 'them'} into text (the text's SHA-1 no longer matches the sample_text_sha1 written beside it: a stage such as pii, normalize or paragraphs rewrote the text), rejected as convert:text_changed: a sample is rebuilt from its kept fields, which do not hold the change, so writing it would lose it without a word; run such stages on the sample's own fields before the first convert (normalize --fields instruction,input,output; pii --fields instruction,input,output), or drop the samples they would change (pii --email drop --phone drop ...)`);
  }
  if (incomplete > 0) {
    const keys = Object.keys(left).sort();
    const opt = command === 'run' ? 'keep:' : '--keep';
    out.push(`${incomplete} sample${incomplete === 1 ? '' : 's'} hold${incomplete === 1 ? 's' : ''} fields of ${incomplete === 1 ? 'its' : 'their'} format that ${opt} leaves out (${keys.map((k) => `${showText(k)} ${left[k]}`).join(', ')}), rejected as convert:keep_incomplete: the convert that rebuilds the samples from the kept fields would lose them (Alpaca's system and history turns, a chat's tools); add ${keys.map((k) => showText(k)).join(',')} to ${opt}`);
  }
  return out;
}

/**
 * A field kept by convert (`keep`) whose values mix JSON types (new-user review 7 #16): they are
 * written as they came, and a reader that wants one type per column (pyarrow's JSON reader, HF
 * datasets) refuses the file. One note per such field, with the counts per type.
 */
export function keepTypeNotes(stats: RunStats, command: string): string[] {
  const types = new Map<string, Map<string, number>>();
  for (const st of stats.stages) {
    if (st.stage !== 'convert') continue;
    for (const [key, n] of Object.entries(st.counters ?? {})) {
      if (!key.startsWith('keep_type:')) continue;
      const rest = key.slice('keep_type:'.length);
      const cut = rest.lastIndexOf(':');
      const field = rest.slice(0, cut);
      const m = types.get(field) ?? new Map<string, number>();
      m.set(rest.slice(cut + 1), (m.get(rest.slice(cut + 1)) ?? 0) + n);
      types.set(field, m);
    }
  }
  const out: string[] = [];
  for (const [field, m] of types) {
    if (m.size < 2) continue;
    const list = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([t, n]) => `${t} ${n}`).join(', ');
    const parquet = command === 'run' ? 'output: {format: parquet}' : '--output-format parquet';
    out.push(`the kept field '${showText(field)}' mixes JSON types (${list}), written as they came: a reader that wants one type per column (pyarrow, HF datasets) refuses such a JSONL file; make them one type before convert, or write ${parquet} (a column of mixed types is stored as JSON text)`);
  }
  return out;
}

/**
 * url-filter found no URL in any record it saw (new-user review 6 #1: URLs under `metadata.url`
 * or `info.url` passed a block list silently, all kept as `no_url`): one warning per such stage,
 * with the URL-like field its records do hold, when one was seen.
 */
export function urlFilterWarnings(stats: RunStats, command: string): string[] {
  const out: string[] = [];
  const many = stats.stages.filter((x) => x.stage === 'url-filter').length > 1;
  stats.stages.forEach((st, i) => {
    if (st.stage !== 'url-filter' || st.in === 0 || (st.counters.no_url ?? 0) < st.in) return;
    const where = many ? `url-filter (stage ${i + 1})` : 'url-filter';
    const dropped = st.dropped['url_filter:no_url'] ?? 0;
    const what = dropped > 0 ? `${dropped === 1 ? 'it was' : `all ${dropped} were`} dropped as url_filter:no_url` : 'no record was filtered';
    const [key, n] = Object.entries(st.counters)
      .filter(([k]) => k.startsWith('url_key:'))
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0] ?? [];
    const pass = (f: string) => (command === 'run' ? `field: ${f} in the recipe's url-filter stage` : `--field ${f}`);
    const hint = key !== undefined ? `; ${n} of ${st.in} hold one at '${showText(key.slice(8))}': pass ${pass(showText(key.slice(8)))}` : `; name the field that holds it with ${pass('NAME')} (a dotted path reaches into objects)`;
    out.push(`${where} found no URL in ${st.in === 1 ? 'the record' : `any of the ${st.in} records`} it saw (it looks in its field option: by default url, then metadata.url, then meta.url), so ${what}${hint}`);
  });
  return out;
}

/**
 * The hint for records `convert` could not tell, naming the shipped schema whose aliases they
 * hold (BELLE's question/std_answer: alpaca), or undefined when none fits most of the first records.
 */
async function schemaHint(files: readonly string[], command: string, seedsOnly = false): Promise<string | undefined> {
  const fit = await fittingSchema(files);
  if (fit === undefined || (seedsOnly && !('seedTasks' in fit))) return undefined;
  if ('seedTasks' in fit) return `these are self-instruct seed tasks (instruction and instances: [{input, output}], as Alpaca's and BELLE's seed_tasks.jsonl), which a schema does not read (convert reads a task of one instance as its Alpaca record): each instance is a sample of its own, and a record read is at most one record written; ${flattenSeeds(files, command)}`;
  const how = command === 'run' ? `a stage 'repair: {schema: ${fit.schema}}' before convert in the recipe` : `'corpus-clean repair --schema ${fit.schema}' first (e.g. 'corpus-clean repair IN --schema ${fit.schema} | corpus-clean convert --to ...')`;
  return `records must be Alpaca, ShareGPT, OpenAI messages, XTuner conversation or text; these hold ${fit.keys.map(showText).join(', ')}, which the ${fit.schema} schema reads as aliases of its fields: map them with ${how}`;
}

/** How to make seed tasks one Alpaca record per instance, as a line that runs as pasted. */
function flattenSeeds(files: readonly string[], command: string): string {
  // The input named when it is one, and typed as is in a shell.
  const input = files.length === 1 && /^[\w./@:+-]+$/.test(files[0]) && files[0] !== '-' ? files[0] : 'IN';
  // New-user review 14 #8: '--to ...' was refused pasted; from repair it named convert.
  const then = command === 'run' ? '> flat.jsonl, and run the recipe on flat.jsonl' : command === 'repair' ? '| corpus-clean repair - --schema alpaca' : command === 'convert' ? '| corpus-clean convert - --to xtuner-conversation' : `| corpus-clean ${command} -`;
  return `flatten them first, one Alpaca record per instance: ${SEED_TASKS_JQ} ${input} ${then}`;
}

/**
 * Why most records were dropped as read/text_missing, and the fix: a rejects file read as data,
 * a text under a nested field, or the field to name with --text-field (with the keys seen).
 * One wording for every command that reads records (finishRun, bench: new-user review 15 F7).
 */
export function textMissingNote(stats: RunStats, textField: TextField | undefined, files: readonly string[], rejectsPath?: string, roots?: readonly string[]): string {
  const missing = stats.input.dropped.text_missing ?? 0;
  const keys = keysSeen(stats);
  const nested = nestedFieldNote(textField, keys);
  // A rejects file read as data (new-user review 14 #11: `cat out/_rejects.jsonl.zst` was told to
  // name a text field, and by cat to pass --no-require-text without saying why): said as such.
  if (rejectsKeys(keys)) return `${rejectsHead(missing, stats.read)}: ${rejectsAdviceFor(stats, files, undefined, roots)}`;
  if (nested !== undefined) return `${missing} of ${stats.read} records have no '${showText(textFieldLabel(textField))}' field: ${nested}`;
  return `${missing} of ${stats.read} records have no ${textField ? `'${showText(textFieldLabel(textField))}'` : "'text' or 'content'"} field; name the text field with --text-field NAME${keys.length > 0 ? ` (keys seen: ${keys.slice(0, 8).join(', ')}; a list is tried in order: --text-field text,NAME)` : ''}${rejectsPath ? ` (their keys are in ${showPath(rejectsPath)})` : ''}`;
}

/**
 * The bytes Node took from stdin, a pipe (a FIFO, `producer | corpus-clean ...`), ahead of the
 * reader and never read, said after the stopped line (`sep` before it), '' for none: a command
 * stopped by a failure or a signal counts the records it read, and a pipe cannot give the bytes
 * after them again (hostile review 19 F4: the producer had sent more than 'read' says). Read once
 * the reader is closed: its close leaves them in the stream's buffer.
 */
function unreadStdin(files: readonly string[], sep: string): string {
  if (!files.includes('-') || !stdinIsPipe()) return '';
  // The socket counts every byte taken from the pipe: those decoded (gzip, zstd) or copied
  // (Parquet's temporary file) ahead of the records too, and a partial line the reader holds,
  // which the stream's buffer alone left out (new-user review 20 F2, F6).
  const all = (process.stdin as { bytesRead?: unknown }).bytesRead;
  const n = process.stdin.readableLength;
  if (typeof all !== 'number' || all <= 0) return n > 0 ? `${sep}stdin: ${n} bytes after them were taken from its pipe and not read (a pipe cannot give them again)` : '';
  return `${sep}stdin: ${all} bytes were taken from its pipe in all, ${n > 0 ? `the last ${n} or more of them not read` : 'the records read came from the first of them and the rest, if any, was not read'} (a pipe cannot give them again)`;
}

/** Whether stdin is a pipe (a FIFO, or the socket pair a spawning process gives), not a file or device. */
function stdinIsPipe(): boolean {
  try {
    const st = fstatSync(0);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}

/** What `finishRun` reports on. */
export interface Finished {
  command: string;
  stats: RunStats;
  inputs: readonly string[];
  /** The inputs as given (folders, globs), when not the files: a rejects file found in a folder is told how to be left out. */
  roots?: readonly string[];
  /** Input names not read (see expandInputs): listed in the stats; a lost one makes the exit code 1. */
  skipped?: readonly SkippedInput[];
  /** Inputs read as they were with --allow-unfinished, with what was wrong: listed in the stats (`unfinished_inputs`). */
  unfinished?: readonly UnfinishedInput[];
  /** Shards of finished outputs read, with the records their manifest says they hold: compared with what was read. */
  expectedRecords?: Readonly<Record<string, number>>;
  output: string;
  shards: readonly string[];
  rejectsPath?: string;
  statsPath?: string;
  maxRejectRate: number;
  textField?: TextField;
  wrapArrays?: string;
  /** Exit 0 even when nothing was written. */
  allowEmpty?: boolean;
  /** Extra fields for the stats file (e.g. the executor). */
  extra?: Record<string, unknown>;
  /** Where the accounting line, notes, warnings and errors go (default stderr). */
  say?: Say;
  /** `--limit N`, and whether the inputs held more records than N (the reading stopped there). */
  limit?: { n: number; reached: boolean };
  /** Called once the stats file is in place (an interruption after it removes it with the rest). */
  statsWritten?: () => void;
  /** Called with the write of the stats file as it begins (an interruption during it waits for it, then removes what it made). */
  statsWriting?: (writing: Promise<void>) => void;
  /**
   * Removes the output of a command that wrote nothing and fails (exit 1): its empty file or
   * folder would pass for an earlier result and block the rerun the message suggests. Called
   * before the stats are written, which then list no shards. A run
   * folder (none given) stays, marked `_FAILED`.
   */
  removeEmpty?: () => Promise<void>;
  /**
   * The output was to replace an earlier one (--overwrite): a command that fails removes its own
   * output with `removeEmpty` even when it wrote records, and the earlier one is put back.
   */
  replacing?: boolean;
  /** The --rejects file is the user's own, put back over this command's when it fails (--overwrite with no earlier output). */
  rejectsPutBack?: boolean;
  /** The recipe has a stage of one's own (`- module:`): a MISMATCH names it as a suspect. */
  ownStages?: boolean;
}

/**
 * The end of every run, one task or many: write the stats file, print the accounting line and
 * the notes, and decide the exit code (1 for damaged files, bad input over the reject rate,
 * nothing written, or accounting that does not add up).
 */
export async function finishRun(f: Finished): Promise<number> {
  const { stats, rejectsPath, statsPath, textField, wrapArrays } = f;
  const say = f.say ?? toStderr;
  const rate = f.maxRejectRate;
  const job = { command: f.command };
  const files = f.inputs;
  const output = f.output;
  const sink = { shards: () => f.shards };
  // Empty texts are dropped documents, not bad input, unless their text is in another field.
  const elsewhere = textElsewhere(stats);
  const bad = badInput(stats) + (elsewhere?.empty ?? 0);
  const badRate = stats.read > 0 ? bad / stats.read : 0;
  const summary = {
    command: job.command,
    inputs: files,
    skipped: f.skipped ?? [],
    ...(f.unfinished !== undefined && f.unfinished.length > 0 ? { unfinished_inputs: f.unfinished } : {}),
    output,
    shards: sink.shards(),
    rejects: rejectsPath ?? null,
    balanced: balanced(stats),
    bad_input: bad,
    bad_input_rate: badRate,
    max_reject_rate: rate,
    ...(f.limit !== undefined ? { limit: f.limit.n, limit_reached: f.limit.reached } : {}),
    ...stats,
    // The codec that wrote the .zst files (new-user review 13 #4); run's merge gives its tasks' in extra.
    ...zstdField([zstdWrittenWith()]),
    ...f.extra,
  };
  // A run cut by --limit says so on its accounting line: its figures are of the first N records.
  say(accountingLine(job.command, stats, f.ownStages === true) + (f.limit?.reached === true ? `; stopped at --limit ${f.limit.n} (the inputs hold more records)` : ''));
  for (const line of fileLines(stats)) say(line);
  // A single command writes no _report.html: name the rejects file it wrote, or how to get one.
  const samples = rejectsPath ? `the rejects (${showPath(rejectsPath)})` : 'the rejects (none were kept: give --rejects FILE)';
  for (const w of fileWarnings(stats, textField, job.command, samples, undefined, f.roots)) say(`corpus-clean ${job.command}: warning: ${w}`);
  const dominant = dominantRules(stats).map((d) => `quality/${d.reason}`);
  for (const n of dominantNotes(stats, job.command)) say(`corpus-clean ${job.command}: note: ${n}`);
  // Tool dialogues rejected by a convert to XTuner v0: say how to keep them (a share of the input, never a per-file warning).
  const tools = stats.stages.filter((x) => x.stage === 'convert').reduce((a, x) => a + (x.dropped['convert:tool_result_v0'] ?? 0), 0);
  if (tools > 0) {
    const how = job.command === 'run' ? 'convert options to: xtuner-openai, or tool_results: input' : '--to xtuner-openai, or --tool-results input';
    say(`corpus-clean ${job.command}: note: ${tools} of ${stats.read} records are tool dialogues, rejected as convert:tool_result_v0 (XTuner v0 conversations have no role for tool results); to keep them: ${how} (each result as the next turn's input)`);
  }
  // Seed tasks of several instances (a task of one is read as its Alpaca record): say how to flatten them.
  const several = stats.stages.filter((x) => x.stage === 'convert').reduce((a, x) => a + (x.dropped['convert:several_instances'] ?? 0), 0);
  if (several > 0) say(`corpus-clean ${job.command}: note: ${several} of ${stats.read} records are self-instruct seed tasks of several instances (instances: [{input, output}]), rejected as convert:several_instances: each instance is a sample of its own, and a record read is at most one record written (a task of one instance is read as its Alpaca record); ${flattenSeeds(files, job.command)}`);
  for (const n of convertFromNotes(stats, job.command)) say(`corpus-clean ${job.command}: note: ${n}`);
  for (const n of repairStaleNotes(stats, job.command)) say(`corpus-clean ${job.command}: note: ${n}`);
  for (const n of keepTypeNotes(stats, job.command)) say(`corpus-clean ${job.command}: note: ${n}`);
  for (const n of roundTripNotes(stats, job.command)) say(`corpus-clean ${job.command}: note: ${n}`);
  // Answers marked not to train on, rejected under loss: omit (new-user review 6 #3): say how to keep them.
  const lossFlags = stats.stages.filter((x) => x.stage === 'convert').reduce((a, x) => a + (x.dropped['convert:loss_flag'] ?? 0), 0);
  if (lossFlags > 0) {
    const how = job.command === 'run' ? 'loss: all in the recipe\'s convert stage' : '--loss all';
    say(`corpus-clean ${job.command}: note: ${lossFlags} of ${stats.read} records have an answer marked not to train on (loss: false, or OpenAI's weight: 0), rejected as convert:loss_flag: XTuner reads such a flag only when every answer of every record has one (its JSON loader reads a missing flag as no loss); to keep them with their flags: ${how}`);
  }
  for (const w of urlFilterWarnings(stats, job.command)) say(`corpus-clean ${job.command}: warning: ${w}`);
  // review-newuser5 #28: the one-process dedup after quality (the README's pipe) holds every record
  // to keep the best-quality copy; `run` and `dedup-disk` decide on disk and never get here.
  const held = stats.stages.reduce((a, x) => a + (x.stage === 'dedup' ? (x.counters.held_for_quality ?? 0) : 0), 0);
  if (held > 0) say(`corpus-clean ${job.command}: note: dedup held all ${held} records in memory until the input ended, to keep the best-quality copy of each cluster (keep auto: the records carry a quality score); its memory grows with the input: --keep first streams, 'dedup-disk' and 'run' decide on disk`);
  if (Array.isArray(summary.zstd)) say(`corpus-clean ${job.command}: note: the .zst files were written by ${summary.zstd.length} zstd codecs (${summary.zstd.map((z) => `${z.codec} ${z.version}`).join('; ')}; tasks on other installs or a resume on another one): they decode to the same records, but their compressed bytes differ from those of a run on one install`);
  // A command replacing an earlier output (--overwrite) that fails leaves the earlier output, its
  // rejects and stats as they were: its own rejects are not there to see.
  const seeRejects = rejectsPath !== undefined && f.rejectsPutBack !== true && (f.replacing !== true || (f.allowEmpty === true && badRate <= rate && stats.fileErrors.length === 0));
  let code: number = ExitCode.ok;
  for (const e of stats.fileErrors) {
    say(`corpus-clean ${job.command}: error: ${showPath(e.file)}: ${showText(e.message)}; ${e.kept ?? (e.recordsBefore > 0 ? 'kept what was read before the damage' : 'nothing of it was read')}`);
    code = ExitCode.dataOrIo;
  }
  for (const n of unverifiedNotes(stats, job.command, rejectsPath)) say(`corpus-clean ${job.command}: note: ${n}`);
  // An input name that could not be read (a dangling link, a link loop, a FIFO in a folder) is an
  // I/O failure of the run, as a damaged file is: the rest was read, and the exit code says so.
  const lost = (f.skipped ?? []).filter(isLost);
  if (lost.length > 0) {
    say(`corpus-clean ${job.command}: error: ${lost.length === 1 ? `an input was not read ('${showPath(lost[0].name)}': ${lost[0].reason})` : `${lost.length} inputs were not read (the warnings above; 'skipped' in the stats)`}`);
    code = ExitCode.dataOrIo;
  }
  // A shard of a finished output that held another number of records than its manifest says
  // (changed without changing its size: a line edited, padded): the run read something else.
  if (f.limit?.reached !== true) {
    for (const [file, want] of Object.entries(f.expectedRecords ?? {})) {
      const got = stats.perFile?.[file]?.read;
      if (got === undefined || got === want) continue;
      say(`corpus-clean ${job.command}: error: ${showPath(file)}: read ${got} records, its folder's ${SUCCESS} says it holds ${want}: changed after the command that wrote it finished (its size is the one recorded: a line edited or replaced?); copy it again or rerun that command`);
      code = ExitCode.dataOrIo;
    }
  }
  // A note below that says why most of the input is bad (its text field, a rejects file, arrays):
  // the error lines after it then give no generic advice that contradicts it (new-user review 15 F2).
  let explained = false;
  const missing = stats.input.dropped.text_missing ?? 0;
  if (missing > 0 && missing >= stats.read / 2) {
    explained = true;
    const keys = keysSeen(stats);
    const rejectsRead = rejectsKeys(keys);
    say(`corpus-clean ${job.command}: note: ${textMissingNote(stats, textField, files, rejectsPath, f.roots)}`);
    const sft = rejectsRead ? [] : keys.filter((k) => SFT_KEYS.has(k));
    // cat is the pass-through: say how to copy records that hold no text (new-user review 7 #13).
    if (job.command === 'cat' && sft.length === 0 && !rejectsRead) say(`corpus-clean cat: note: to copy records as they are, with or without a text field, pass --no-require-text`);
    if (sft.length > 0) {
      const copy = job.command === 'cat' ? '; to copy them as they are, pass --no-require-text' : '';
      say(`corpus-clean ${job.command}: note: the records look like SFT samples (${sft.slice(0, 4).join(', ')}): text stages need one text, so turn them into text first with 'corpus-clean convert --to pretrain-text --keep ${keys.slice(0, 8).join(',')}' and convert them back at the end (README "Cleaning SFT samples")${copy}`);
    }
  }
  // Fewer than half without text (the note above is for most), or no text at a later stage
  // (tokenize in export): name the field that holds it, as the run that wrote the inputs did.
  // A rejects file read by export (its text check is tokenize's: new-user review 15 F16) is said
  // as such, not sent to --text-field raw or to convert.
  let rejectsNoted = false;
  if (!(missing > 0 && missing >= stats.read / 2)) {
    const noText = stats.stages.reduce((a, st) => a + (st.dropped.no_text ?? 0), 0);
    if (missing + noText > 0 && rejectsKeys(keysSeen(stats))) {
      // Not 'raw' as a text field: the lines without text are a rejects file's (in a folder of
      // inputs, its own warning says so).
      if (noText >= stats.read / 2) explained = rejectsNoted = true;
      if (rejectsNoted || Object.keys(stats.perFile ?? {}).length < 2) say(`corpus-clean ${job.command}: note: ${rejectsHead(missing + noText, stats.read)}: ${rejectsAdviceFor(stats, files, TAKERS.has(job.command) ? job.command : undefined, f.roots)}`);
    } else {
      const n = textFieldNote(stats, textField, files);
      if (n !== undefined) say(`corpus-clean ${job.command}: note: ${n}`);
    }
  }
  // convert and repair read no text: a rejects file's records are convert:unknown_format or
  // repair/missing:FIELD there, and were sent to field mapping (new-user review 16 F23). Told by
  // the first line of each input (as run refuses one), only when such rejects were counted: by
  // those commands and by a run whose recipe has no stage that needs a text (fix18b's leftover: a
  // convert-only recipe said nothing), every input whatever its name (--format jsonl reads r.txt).
  const notRead = stats.stages.reduce((a, st) => a + Object.entries(st.dropped).reduce((b, [r, n]) => b + ((st.stage === 'convert' && r === 'convert:unknown_format') || (st.stage === 'repair' && r.startsWith('missing:')) ? n : 0), 0), 0);
  if (!rejectsNoted && notRead > 0) {
    const found = (await ownFilesAmong(files, () => true).catch(() => ({ rejects: [] as string[] }))).rejects;
    // Who would take the records out: the command, or the recipe's stage that could not read them.
    const taker = job.command === 'convert' || job.command === 'repair' ? job.command : stats.stages.some((st) => st.stage === 'convert' && (st.dropped['convert:unknown_format'] ?? 0) > 0) ? 'convert' : 'repair';
    if (found.length > 0) {
      explained = rejectsNoted = true;
      const what = found.length === 1 ? `'${showPath(found[0])}' is a corpus-clean rejects file` : `${found.length} inputs are corpus-clean rejects files (${found.slice(0, 3).map((x) => `'${showPath(x)}'`).join(', ')}${found.length > 3 ? ', ...' : ''})`;
      say(`corpus-clean ${job.command}: note: ${what} (its first line is a reject: ${REJECT_LINE_KEYS.slice(0, 3).join(', ')}, then only ${REJECT_LINE_KEYS.slice(3).join(', ')}), whose records are the rejected ones wrapped with why: ${rejectsAdvice(found, taker, folderHolding(found[0], f.roots))}`);
    }
  }
  if (elsewhere !== undefined) {
    explained = true;
    const field = textField ? `'${showText(textFieldLabel(textField))}'` : "'text' (the first of text,content present)";
    say(`corpus-clean ${job.command}: note: ${elsewhere.empty} of ${stats.read} records have an empty ${field} field, and ${elsewhere.n} of them hold text in '${showText(elsewhere.key)}': name it with --text-field ${showText(elsewhere.key)} (counted as bad input, not as empty documents)`);
  }
  for (const n of encodingNotes(stats)) say(`corpus-clean ${job.command}: note: ${n}`);
  const arrays = stats.input.dropped.not_object ?? 0;
  if (arrays > 0 && arrays >= stats.read / 2 && wrapArrays === undefined) {
    explained = true;
    say(`corpus-clean ${job.command}: note: ${arrays} of ${stats.read} lines are JSON values that are not objects; if they are message lists (XTuner's OpenAI format), pass --wrap-arrays messages`);
  }
  if (stats.written === 0 && stats.read > 0) {
    const top = [stats.input, ...stats.stages].flatMap((st) => Object.entries(st.dropped).map(([r, n]) => [`${st.stage}/${r}`, n] as const)).sort((a, b) => b[1] - a[1])[0];
    // Records convert cannot tell: the shipped schema that maps them, when one does (new-user review 12 #12).
    // Seed tasks through 'repair --schema alpaca' lack its output (new-user review 13 #10): the same hint.
    const seeds = top?.[0].startsWith('repair/missing:') === true;
    const hint = top?.[0] === 'convert/convert:unknown_format' || seeds ? ((await schemaHint(files, job.command, seeds).catch(() => undefined)) ?? HINTS[top![0]]) : top?.[0] === 'tokenize/too_short' ? tooShortHint(job.command, rejectsPath) : top !== undefined ? (HINTS[top[0]] ?? htmlInTxtNote(top[0], stats)) : undefined;
    // Bad input over the rate that a note above explained (its text field, a rejects file, arrays):
    // the error line below says nothing was written, and this note would stand between the two.
    const saidBelow = badRate > rate && explained && hint === undefined && top?.[0].startsWith('read/') === true;
    if (top !== undefined && !dominant.includes(top[0]) && !saidBelow && !rejectsNoted) say(`corpus-clean ${job.command}: note: nothing was written; ${stats.read === 1 ? `its one record was rejected as ${top[0]}` : `most records were rejected as ${top[0]} (${top[1]} of ${stats.read})`}${seeRejects ? `, see ${showPath(rejectsPath)}` : ''}${hint ? `; ${hint}` : ''}`);
  }
  // Bad input over the rate exits 1 with --allow-empty too: a run that also wrote nothing is told
  // so on this one line, not sent to --allow-empty, which alone would exit 1 again (new-user review
  // 15 F1); the rejects file, or a note above that named the cause, is where to look.
  const overRate = badRate > rate;
  if (overRate) {
    const look = seeRejects ? `; see ${showPath(rejectsPath)}` : f.rejectsPutBack === true ? `; its rejects are not kept (the earlier ${showPath(rejectsPath!)} stays): give another --rejects name to see them` : rejectsPath !== undefined ? `; its rejects go with its output (the earlier ones stay): give other -o/--rejects names to see them` : explained ? '; the notes above say why' : '; use --rejects FILE to see them';
    say(`corpus-clean ${job.command}: error: ${stats.written === 0 ? 'nothing was written: ' : ''}${bad} of ${counted(stats.read, 'record')} ${bad === 1 ? 'was' : 'were'} bad input (${(badRate * 100).toFixed(1)} % > --max-reject-rate ${rate})${look}`);
    code = ExitCode.dataOrIo;
  }
  if (stats.written === 0 && f.allowEmpty !== true && !overRate) {
    // Nothing on stdin: in a pipe, the likely cause is the command before (new-user review 15 F3).
    // The pipe guess only for a pipe: stdin from /dev/null or an empty file is just empty (new-user review 16 F16).
    const none = files.length === 1 && files[0] === '-' ? (stdinIsPipe() ? ': no record came on stdin (in a pipe, did the command before this one fail? its own message says why)' : ': no record came on stdin (it is empty)') : ': no record was read from the inputs';
    say(`corpus-clean ${job.command}: error: nothing was written${stats.read === 0 ? none : explained ? ' (the notes above say why)' : ''}; pass --allow-empty when an empty output is expected`);
    code = ExitCode.dataOrIo;
  }
  if (!balanced(stats)) code = ExitCode.dataOrIo;
  // Written once the exit code is known, so that it describes what is left: a command that wrote
  // nothing and fails has its empty output removed first, and its stats list no shards (they
  // listed the removed file or folder: fix14's note, hostile review 14).
  const removed = code !== ExitCode.ok && (stats.written === 0 || f.replacing === true) && f.removeEmpty !== undefined;
  if (removed) await f.removeEmpty!();
  // Nor its stats: the earlier output's (or none) are back in their place.
  if (statsPath && !(removed && f.replacing === true)) {
    const final = removed ? { ...summary, shards: [] } : summary;
    const writing = writeAtomic(statsPath, JSON.stringify(final, null, 2) + '\n');
    f.statsWriting?.(writing);
    await writing;
    f.statsWritten?.();
  }
  return code;
}

