import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { JsonObject, TextField } from '../core/doc.js';
import { fileOfSource, parseTextField, textFieldOf } from '../core/doc.js';
import { UsageError } from '../core/errors.js';
import type { ReadEvents } from '../core/pipeline.js';
import type { RunStats } from '../core/stats.js';
import { readFiles } from '../io/readers/index.js';
import { cut } from './escape.js';
import { showPath } from '../core/fsname.js';

/** Sample records shown per drop reason. */
export const SAMPLES_PER_REASON = 3;
/** Characters of record text shown per sample. */
export const SAMPLE_CHARS = 600;

/** `_stats.json` of a run: the run stats and what `run` adds around them. */
export type RunSummary = RunStats & {
  command?: string;
  inputs?: string[];
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
};

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
}

/** The rejects file of a run folder, whatever its compression. */
export function findRejects(dir: string, stats: RunSummary): string | undefined {
  if (typeof stats.rejects === 'string' && existsSync(stats.rejects)) return stats.rejects;
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
export async function readSamples(file: string, stats: RunSummary, textField: TextField | undefined, seen: { records: number } = { records: 0 }): Promise<Map<string, Sample[]>> {
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
  outer: for await (const batch of readFiles([file], { format: 'jsonl' }).read(events)) {
    for (const doc of batch) {
      seen.records++;
      const r = doc.data;
      const key = `${r.stage}/${r.reason}`;
      let files = byReason.get(key);
      if (files === undefined) byReason.set(key, (files = new Map()));
      if (files.size >= SAMPLES_PER_REASON) continue;
      const source = String(r.source ?? '');
      const from = fileOfSource(source);
      const list = files.get(from) ?? [];
      if (list.length >= SAMPLES_PER_REASON) continue;
      list.push({ source, text: cut(textOf(r, textField), SAMPLE_CHARS), facts: factsOf(r, signalOfCode) });
      files.set(from, list);
      if (want.has(key) && !done.has(key) && complete(key, files)) {
        done.add(key);
        if (done.size >= want.size) break outer;
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

/** Read what a run folder holds: its stats, resolved recipe and sample rejects. */
export async function collectRun(dir: string): Promise<RunData> {
  const statsPath = join(dir, '_stats.json');
  let stats: RunSummary;
  try {
    stats = JSON.parse(await readFile(statsPath, 'utf8')) as RunSummary;
  } catch (e) {
    throw new UsageError(`cannot read '${showPath(statsPath)}' (${(e as Error).message.split('\n')[0]}): give the output folder of a finished 'corpus-clean run'`);
  }
  stats.perFile ??= {};
  const recipePath = join(dir, '_recipe.resolved.yaml');
  const recipeText = existsSync(recipePath) ? await readFile(recipePath, 'utf8') : undefined;
  let textField: TextField | undefined;
  let name = dir.replace(/\/+$/, '').split('/').pop() ?? dir;
  if (recipeText !== undefined) {
    const r = parseYaml(recipeText) as { name?: string; text_field?: unknown } | null;
    textField = parseTextField(r?.text_field);
    if (typeof r?.name === 'string') name = r.name;
  }
  const rejectsFile = findRejects(dir, stats);
  const samples = rejectsFile ? await readSamples(rejectsFile, stats, textField) : new Map<string, Sample[]>();
  let shardBytes = 0;
  for (const s of stats.shards ?? []) shardBytes += (await stat(s).catch(() => ({ size: 0 }))).size;
  return { dir, name, stats, recipeText, samples, rejectsFile, rejectsBytes: rejectsFile ? (await stat(rejectsFile)).size : undefined, shardBytes };
}
