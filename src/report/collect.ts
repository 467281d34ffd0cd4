import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { JsonObject, TextField } from '../core/doc.js';
import { fileOfSource, parseTextField, textFieldOf } from '../core/doc.js';
import { UsageError } from '../core/errors.js';
import type { ReadEvents } from '../core/pipeline.js';
import type { RunStats } from '../core/stats.js';
import { decoded, openDecoded } from '../io/decode.js';
import { readJsonl } from '../io/readers/jsonl.js';
import { readSettings } from '../io/readers/options.js';
import { cut } from './escape.js';
import { showPath } from '../core/fsname.js';
import { errorText } from '../core/show.js';

/** Sample records shown per drop reason. */
export const SAMPLES_PER_REASON = 3;
/** Characters of record text shown per sample. */
export const SAMPLE_CHARS = 600;

/** `_stats.json` of a run: the run stats and what `run` adds around them. */
export type RunSummary = RunStats & {
  command?: string;
  inputs?: string[];
  /** Input names not read, with why (see io/inputs.ts `SkippedInput`). */
  skipped?: Array<{ name: string; reason: string; same_as?: string }>;
  /** Inputs read as they were with --allow-unfinished (unfinished outputs), with what was wrong. */
  unfinished_inputs?: Array<{ input: string; problem: string }>;
  output?: string;
  shards?: string[];
  rejects?: string | null;
  balanced?: boolean;
  /** Tasks merged (a planned run). */
  tasks?: number;
  /** `failing` or `all`: the signals each reject keeps. */
  rejects_attrs?: string;
  rejects_sample_per_reason?: number;
  /** Rejects not in the file because of `sample_per_reason`, by `stage/reason`. */
  rejects_left_out?: Record<string, number>;
  /** Where the joined rejects file holds each reason (written by `run`'s merge). */
  rejects_index?: RejectsIndex;
};

/**
 * Where each `stage/reason` is in a rejects file joined from parts (a planned run's task
 * segments, each compressed on its own: gzip members, zstd frames or plain lines), so that the
 * report reads only the parts its samples can come from. Used only for the file it was made
 * for (same name, same size).
 */
export interface RejectsIndex {
  /** The file's name and size. */
  file: string;
  bytes: number;
  /** Bytes of each part, in file order. */
  parts: number[];
  /** Per `stage/reason`: the first parts holding it (at most `REJECTS_INDEX_PARTS`) and how many parts hold it. */
  reasons: Record<string, { first: number[]; parts: number }>;
}

/** Parts named per reason in a `RejectsIndex`: past them the report reads every part while the reason lacks samples. */
export const REJECTS_INDEX_PARTS = 16;

/** The index of `file` when it describes that file as it is, else undefined (the whole file is read). */
function usableIndex(file: string, stats: RunSummary): RejectsIndex | undefined {
  const x = stats.rejects_index;
  if (x === undefined || x === null || typeof x !== 'object' || !Array.isArray(x.parts) || typeof x.reasons !== 'object' || x.reasons === null) return undefined;
  if (x.file !== basename(file) || x.parts.reduce((a, b) => a + b, 0) !== x.bytes) return undefined;
  try {
    if (statSync(file).size !== x.bytes) return undefined;
  } catch {
    return undefined;
  }
  return x;
}

/**
 * Which rejects can be among a reason's samples, told one reject at a time in file order: the
 * first `SAMPLES_PER_REASON` files of each `stage/reason` (by `sampleFileOf` of the source), each
 * with its first `SAMPLES_PER_REASON` rejects, the rule `readSamples` takes them by. Run over each
 * part of a joined rejects file alone (a task segment, in the worker that writes it) and then over
 * the parts' candidates in file order (the merge), it keeps every reject `readSamples` would take
 * from the whole file, in order: at most `SAMPLES_PER_REASON`^2 lines per reason for the report to
 * read, instead of most of the file.
 */
export class SampleCandidates {
  private readonly files = new Map<string, Map<string, number>>();

  /** True when the reject of `key` (`stage/reason`) from `file` may be a sample. */
  offer(key: string, file: string): boolean {
    let files = this.files.get(key);
    if (files === undefined) this.files.set(key, (files = new Map()));
    const n = files.get(file);
    if (n === undefined ? files.size >= SAMPLES_PER_REASON : n >= SAMPLES_PER_REASON) return false;
    files.set(file, (n ?? 0) + 1);
    return true;
  }
}

/** The input file a reject's source names, as the report groups samples by it. */
export const sampleFileOf = (source: unknown): string => fileOfSource(String(source ?? ''));

/** One rejected record as the report shows it. */
export interface Sample {
  source: string;
  text: string;
  /** Signal values behind the decision (the failing rules' signals, the similarity, the language score). */
  facts: [string, string][];
}

/** Everything the report is made from. */
export interface RunData {
  dir: string;
  name: string;
  stats: RunSummary;
  recipeText?: string;
  /** Samples by `stage/reason`. */
  samples: Map<string, Sample[]>;
  rejectsFile?: string;
  rejectsBytes?: number;
  shardBytes: number;
  /** What could not be read (a damaged rejects file): shown in the page and said by the command. */
  problems?: string[];
}

/** The rejects file of a run folder, whatever its compression. */
/**
 * A file a run wrote into its folder, as `_stats.json` names it (relative to where the run was
 * started, or absolute): found in `dir` by its name first, so that a report made from another
 * folder, or of a run folder copied or moved elsewhere, finds it.
 */
function inRunFolder(dir: string, p: string): string {
  const here = join(dir, basename(p));
  return existsSync(here) ? here : p;
}

export function findRejects(dir: string, stats: RunSummary): string | undefined {
  if (typeof stats.rejects === 'string' && existsSync(inRunFolder(dir, stats.rejects))) return inRunFolder(dir, stats.rejects);
  for (const n of ['_rejects.jsonl', '_rejects.jsonl.gz', '_rejects.jsonl.zst']) if (existsSync(join(dir, n))) return join(dir, n);
  return undefined;
}

function textOf(r: JsonObject, textField: TextField | undefined): string {
  const rec = r.record as JsonObject | undefined;
  if (rec !== undefined && rec !== null && typeof rec === 'object') {
    const f = textFieldOf(rec, textField);
    const v = f === undefined ? undefined : rec[f];
    if (typeof v === 'string') return v;
    return JSON.stringify(rec);
  }
  if (typeof r.raw === 'string') return r.raw;
  if (typeof r.raw_base64 === 'string') return `(not UTF-8; base64) ${r.raw_base64}`;
  return '';
}

function factsOf(r: JsonObject, signalOfCode: Map<string, string>): [string, string][] {
  const facts: [string, string][] = [];
  const attrs = (r.attrs ?? {}) as JsonObject;
  const q = attrs.quality as JsonObject | undefined;
  const reason = String(r.reason);
  if (q && typeof q === 'object') {
    const failed = Array.isArray(q.failed) ? (q.failed as string[]) : [reason];
    for (const code of failed.slice(0, 4)) {
      const sig = signalOfCode.get(`${q.preset}|${code}`);
      if (sig !== undefined && q[sig] !== undefined) facts.push([`${code} (${sig})`, String(q[sig])]);
    }
    if (typeof q.score === 'number') facts.push(['quality score', String(q.score)]);
  }
  if (attrs.lang !== undefined) facts.push(['lang', `${attrs.lang} ${attrs.lang_score ?? ''}`.trim()]);
  const d = (r.detail ?? {}) as JsonObject;
  for (const [k, v] of Object.entries(d)) if (!(attrs.lang !== undefined && (k === 'lang' || k === 'score'))) facts.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  return facts;
}

/**
 * Read the samples of each drop reason from the rejects file. They are spread over the input
 * files: the first reject of each distinct file (in rejects order, which is input order) before a
 * second one of the same file, so one large file does not fill every slot and the choice does not
 * depend on how the files' paths sort. Reading stops as soon as no later reject can change the
 * samples: every reason has its first `SAMPLES_PER_REASON` files (then it takes no more), or all
 * the files the per-file stats give it, each with its first `SAMPLES_PER_REASON` rejects (or all
 * it has). Without that stop, a run over one large file read and parsed its whole rejects
 * file, in one thread after all the workers (bench/exec.ts). `seen.records` counts the rejects
 * read.
 */
export async function readSamples(file: string, stats: RunSummary, textField: TextField | undefined, seen: { records: number } = { records: 0 }, candidates?: readonly string[], problems?: string[]): Promise<Map<string, Sample[]>> {
  const want = new Set<string>();
  for (const st of [stats.input, ...stats.stages]) for (const r of Object.keys(st.dropped)) want.add(`${st.stage}/${r}`);
  const signalOfCode = new Map<string, string>();
  for (const st of stats.stages) for (const t of st.thresholds ?? []) {
    const slash = t.signal.indexOf('/');
    if (slash > 0) signalOfCode.set(`${t.signal.slice(0, slash)}|${t.code}`, t.signal.slice(slash + 1));
  }
  // Per reason, the files that reject for it and how often (from the per-file stats): what a
  // reason's samples can at most be made of. A reason the stats do not spread over files is
  // never complete (the whole file is read, as before).
  const filesOf = new Map<string, Map<string, number>>();
  for (const [f, pf] of Object.entries(stats.perFile ?? {})) {
    for (const [key, n] of Object.entries(pf.reasons ?? {})) {
      if (n <= 0) continue;
      let m = filesOf.get(key);
      if (m === undefined) filesOf.set(key, (m = new Map()));
      m.set(f, n);
    }
  }
  const complete = (key: string, files: Map<string, Sample[]>): boolean => {
    // With SAMPLES_PER_REASON files a reason takes no more rejects.
    if (files.size >= SAMPLES_PER_REASON) return true;
    const all = filesOf.get(key);
    if (all === undefined || files.size < all.size) return false;
    for (const [f, list] of files) if (list.length < Math.min(SAMPLES_PER_REASON, all.get(f) ?? Infinity)) return false;
    return true;
  };
  // Per reason, the first SAMPLES_PER_REASON distinct files, each with up to that many rejects.
  const byReason = new Map<string, Map<string, Sample[]>>();
  const done = new Set<string>();
  const events: ReadEvents = { read() {}, reject() {}, file() {}, fileError() {} };
  // With the merge's index, only the parts holding a reason that still lacks samples are read:
  // the rest hold only rejects the loop below would pass over, so the samples are the same.
  const index = usableIndex(file, stats);
  const needed = (p: number): boolean => {
    for (const [key, e] of Object.entries(index!.reasons)) {
      if (done.has(key)) continue;
      if (e.first.includes(p) || (e.parts > e.first.length && p > e.first[e.first.length - 1])) return true;
    }
    return false;
  };
  // The lines of the file (or of the parts needed), a chunk's worth at a time; reading stops at
  // damage, keeping what came before (as the JSONL reader does).
  const lines = async function* (): AsyncGenerator<Buffer[]> {
    try {
      // The lines that can be samples, kept by the run's merge (see SampleCandidates).
      if (candidates !== undefined) {
        yield candidates.map((l) => Buffer.from(l));
        return;
      }
      if (index === undefined) {
        yield* linesOf(openDecoded(file));
        return;
      }
      let at = 0;
      for (let p = 0; p < index.parts.length; p++) {
        const start = at;
        at += index.parts[p];
        if (index.parts[p] === 0 || !needed(p)) continue;
        yield* linesOf(decoded(createReadStream(file, { start, end: at - 1 }) as AsyncIterable<Buffer>));
      }
    } catch (e) {
      // Said, not swallowed (hostile review 6 F14: a cut rejects file gave fewer samples, exit 0).
      problems?.push(`the rejects file '${showPath(file)}' is damaged (${errorText(e).split('\n')[0]}): samples come from the rejects before the damage only`);
      return;
    }
  };
  const settings = readSettings({ format: 'jsonl' });
  /** Take one reject; true when every reason is complete. */
  const take = (r: JsonObject): boolean => {
    const key = `${r.stage}/${r.reason}`;
    let files = byReason.get(key);
    if (files === undefined) byReason.set(key, (files = new Map()));
    if (files.size >= SAMPLES_PER_REASON) return false;
    const source = String(r.source ?? '');
    const from = sampleFileOf(source);
    const list = files.get(from) ?? [];
    if (list.length >= SAMPLES_PER_REASON) return false;
    list.push({ source, text: cut(textOf(r, textField), SAMPLE_CHARS), facts: factsOf(r, signalOfCode) });
    files.set(from, list);
    if (want.has(key) && !done.has(key) && complete(key, files)) {
      done.add(key);
      if (done.size >= want.size) return true;
    }
    return false;
  };
  outer: for await (const chunk of lines()) {
    for (const line of chunk) {
      // Most lines are passed over (their reason or file has its samples): told from the line's
      // start, as the writer puts it, without parsing the record. Any other line (escapes in
      // those fields, a reason not seen yet, a line to keep) is parsed as the JSONL reader does.
      const m = HEAD.exec(line.toString("utf8", 0, Math.min(line.length, 256)));
      if (m !== null) {
        const files = byReason.get(`${m[1]}/${m[2]}`);
        if (files !== undefined && (files.size >= SAMPLES_PER_REASON || (files.get(fileOfSource(m[3]))?.length ?? 0) >= SAMPLES_PER_REASON)) {
          seen.records++;
          continue;
        }
      }
      for await (const batch of readJsonl(file, events, settings, one(line))) {
        for (const doc of batch) {
          seen.records++;
          if (take(doc.data)) break outer;
        }
      }
    }
  }
  const samples = new Map<string, Sample[]>();
  for (const [key, files] of byReason) {
    const lists = [...files.values()];
    const picked: Sample[] = [];
    for (let round = 0; picked.length < SAMPLES_PER_REASON && lists.some((l) => l.length > round); round++) {
      for (const l of lists) if (l[round] !== undefined && picked.length < SAMPLES_PER_REASON) picked.push(l[round]);
    }
    samples.set(key, picked);
  }
  return samples;
}

/** The start of a rejects line as the writer puts it: stage, reason and source, without escapes. */
const HEAD = /^\{"stage":"([^"\\]*)","reason":"([^"\\]*)","source":"([^"\\]*)"/;

async function* one(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** The lines of decoded chunks (without their newlines), as the lines each chunk completes. */
async function* linesOf(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let rest: Buffer[] = [];
  for await (const c of chunks) {
    const out: Buffer[] = [];
    let at = 0;
    for (let nl = c.indexOf(10); nl >= 0; nl = c.indexOf(10, at)) {
      out.push(rest.length > 0 ? Buffer.concat([...rest, c.subarray(at, nl)]) : c.subarray(at, nl));
      rest = [];
      at = nl + 1;
    }
    if (at < c.length) rest.push(c.subarray(at));
    if (out.length > 0) yield out;
  }
  if (rest.length > 0) yield [Buffer.concat(rest)];
}

/**
 * Read what a run folder holds: its stats, resolved recipe and sample rejects (from
 * `sampleLines` when given: the candidates the run's merge kept from its rejects, see
 * SampleCandidates; else from the rejects file).
 */
export async function collectRun(dir: string, sampleLines?: readonly string[]): Promise<RunData> {
  const statsPath = join(dir, '_stats.json');
  let stats: RunSummary;
  try {
    stats = JSON.parse(await readFile(statsPath, 'utf8')) as RunSummary;
  } catch (e) {
    throw new UsageError(`cannot read '${showPath(statsPath)}' (${errorText(e).split('\n')[0]}): give the output folder of a finished 'corpus-clean run'`);
  }
  stats.perFile ??= {};
  const recipePath = join(dir, '_recipe.resolved.yaml');
  const recipeText = existsSync(recipePath) ? await readFile(recipePath, 'utf8') : undefined;
  let textField: TextField | undefined;
  let name = dir.replace(/\/+$/, '').split('/').pop() ?? dir;
  if (recipeText !== undefined) {
    // Loaded here, not with the module: the run's workers load this module (exec/samples.ts) and
    // never a recipe (issue #16, twenty-fifth pass). yaml is CommonJS: its module.exports is the
    // default export, unbundled and in the bundle (whose import() of it has no named exports).
    const { parse: parseYaml } = ((await import('yaml')) as unknown as { default: typeof import('yaml') }).default;
    const r = parseYaml(recipeText) as { name?: string; text_field?: unknown } | null;
    textField = parseTextField(r?.text_field);
    if (typeof r?.name === 'string') name = r.name;
  }
  const rejectsFile = findRejects(dir, stats);
  const problems: string[] = [];
  const samples = rejectsFile ? await readSamples(rejectsFile, stats, textField, undefined, sampleLines, problems) : new Map<string, Sample[]>();
  let shardBytes = 0;
  for (const s of stats.shards ?? []) shardBytes += (await stat(inRunFolder(dir, s)).catch(() => ({ size: 0 }))).size;
  return { dir, name, stats, recipeText, samples, rejectsFile, rejectsBytes: rejectsFile ? (await stat(rejectsFile)).size : undefined, shardBytes, problems };
}
