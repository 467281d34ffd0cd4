import { table } from './own.js';
import { loadPreset } from '../stages/quality/ruleset.js';
/**
 * A Data-Juicer config given as a recipe (`project_name`, `dataset_path`, `export_path`, `np`,
 * `process:`): the recipe is "Data-Juicer style", so say how its keys and the usual op names map
 * to ours rather than only "unknown key 'project_name'".
 */

/** A value in YAML flow style, as a recipe would spell it: `{keep: [zh], min_score: 0.6}`. */
function flow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${k}: ${flow(x)}`).join(', ')}}`;
  if (typeof v === 'string') return /^[\w.\-/]+$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}

/** A stage with options: `langid {keep: [zh]}`, or the name alone when there are none. */
function stage(name: string, opts: Record<string, unknown>): string {
  const set = Object.entries(opts).filter(([, v]) => v !== undefined);
  return set.length === 0 ? name : `${name} ${flow(Object.fromEntries(set))}`;
}

type Params = Record<string, unknown>;

/** Top-level keys of a Data-Juicer config, and where each goes here, with the config's value. */
const TOP: Record<string, (v: unknown) => string> = table({
  project_name: (v) => `name: ${flow(v)}`,
  dataset_path: (v) => `input: ${flow(Array.isArray(v) ? v : [v])} (files, folders or globs; a list)`,
  export_path: () => "the output folder: 'corpus-clean run RECIPE -o DIR' (default out/<name>/)",
  np: (v) => `executor: {workers: ${flow(v)}} (or --workers ${flow(v)})`,
  text_keys: (v) => `text_field: ${flow(v)} (a name, or a list tried in order)`,
  process: () => 'stages: (a list of {stage: options})',
});

/** `set:` entries for a rule pair, `RULE=VALUE`, the upper one only when given. */
function bounds(minRule: string, min: unknown, maxRule: string, max: unknown): string[] {
  return [`${minRule}=${flow(min)}`, ...(max === undefined || max === null ? [] : [`${maxRule}=${flow(max)}`])];
}

/**
 * `quality` with only a preset's length rules (`minRule`, and `maxRule` when `max` is given): its
 * other rules skipped, by group where no rule of the group is kept (`zh_repetition`), else by code.
 */
function lengthOnly(preset: string, minRule: string, min: unknown, maxRule: string, max: unknown, unit: string): string {
  const kept = [minRule, ...(max === undefined || max === null ? [] : [maxRule])];
  const groups = new Map<string, string[]>();
  for (const { code } of loadPreset(preset).rules) {
    const g = code.slice(0, code.indexOf(':'));
    groups.set(g, [...(groups.get(g) ?? []), code]);
  }
  const skip: string[] = [];
  for (const [g, codes] of groups) {
    if (codes.some((c) => kept.includes(c))) skip.push(...codes.filter((c) => !kept.includes(c)));
    else skip.push(g);
  }
  return `${stage('quality', { preset, set: bounds(minRule, min, maxRule, max), skip })} (only ${preset}'s length ${kept.length === 1 ? 'rule' : 'rules'}, in ${unit}; without skip: every ${preset} rule)`;
}

const list = (v: unknown): unknown[] | undefined => (v === undefined || v === null || v === '' ? undefined : Array.isArray(v) ? v : [v]);

/**
 * Data-Juicer ops with a counterpart here, from the op's own parameters (Data-Juicer's defaults
 * where it gives none; thresholds of quality rules are set per rule, e.g. quality's set:).
 */
const OPS: Record<string, (p: Params) => string> = table({
  // Data-Juicer: lang '' keeps every language; min_score defaults to 0.8.
  language_id_score_filter: (p) => stage('langid', { keep: list(p.lang), min_score: p.min_score ?? 0.8 }),
  document_deduplicator: () => 'dedup {method: exact}',
  // Data-Juicer: jaccard_threshold 0.7 and window_size 5 by default.
  // Its tokenization (default space) says what window_size counts: characters map to char_ngram
  // (new-user review 8 #2: it was given as the word ngram).
  // Its shingles keep digits (our default reads each as 0, as datatrove): norm_numbers false, so
  // samples that differ only in their numbers stay apart as they did there (new-user review 8 #4).
  document_minhash_deduplicator: (p) => stage('dedup', { method: 'minhash', threshold: p.jaccard_threshold ?? 0.7, [p.tokenization === 'character' ? 'char_ngram' : 'ngram']: p.window_size, norm_numbers: false }),
  document_simhash_deduplicator: () => 'dedup {method: minhash} (near-duplicates by MinHash, not SimHash)',
  fix_unicode_mapper: () => 'normalize',
  whitespace_normalization_mapper: () => 'normalize',
  punctuation_normalization_mapper: () => 'normalize',
  // Data-Juicer's mode defaults to s2t.
  chinese_convert_mapper: (p) => {
    const mode = p.mode ?? 's2t';
    return ['t2s', 'tw2s', 'hk2s', 's2t'].includes(mode as string) ? stage('normalize', { chinese: mode }) : `normalize {chinese: t2s|tw2s|hk2s|s2t} (no mode ${flow(mode)} here)`;
  },
  clean_html_mapper: () => 'extract',
  clean_email_mapper: () => 'pii',
  clean_ip_mapper: () => 'pii',
  // Data-Juicer: lang en and max_ratio 0.045 by default; its ratio is hits per word.
  flagged_words_filter: (p) => {
    const zh = p.lang === 'zh';
    return stage('flagged-words', { [zh ? 'max_ratio_zh' : 'max_ratio_en']: p.max_ratio ?? 0.045 });
  },
  // Their bounds are rules of a preset, named with the config's values (new-user review 8 #2).
  // Data-Juicer: min 10, max unbounded by default.
  // Only the length rules: `quality` runs every rule of its preset, and the config asked for a
  // length filter alone (new-user review 9 #3: the whole web-zh set dropped 24 % more).
  words_num_filter: (p) => lengthOnly('web-en', 'gopher_quality:min_words', p.min_num ?? 10, 'gopher_quality:max_words', p.max_num, 'words'),
  text_length_filter: (p) => `${lengthOnly('web-zh', 'zh_quality:min_chars', p.min_len ?? 10, 'zh_quality:max_chars', p.max_len, 'non-space characters, where Data-Juicer counts every character')}; web-en counts words, gopher_quality:min_words/max_words`,
  alphanumeric_filter: () => 'quality',
  special_characters_filter: () => 'quality',
  character_repetition_filter: () => 'quality',
  word_repetition_filter: () => 'quality',
  stopwords_filter: () => 'quality',
  average_line_length_filter: () => 'quality',
  maximum_line_length_filter: () => 'quality',
  remove_repeat_sentences_mapper: () => 'paragraphs (repeated paragraphs and lines across the corpus)',
});

/**
 * The op's counterpart here, with the op's parameters carried over where they have one (its
 * other parameters named, to set by hand), or undefined for an op with none.
 */
export function dataJuicerOp(name: string, params: unknown = {}): string | undefined {
  if (!Object.hasOwn(OPS, name)) return undefined;
  const p: Params = params !== null && typeof params === 'object' && !Array.isArray(params) ? (params as Params) : {};
  const here = OPS[name](p);
  const CARRIED: Record<string, string[]> = table({
    language_id_score_filter: ['lang', 'min_score'],
    document_minhash_deduplicator: ['jaccard_threshold', 'window_size', 'tokenization'],
    words_num_filter: ['min_num', 'max_num'],
    text_length_filter: ['min_len', 'max_len'],
    chinese_convert_mapper: ['mode'],
    flagged_words_filter: ['lang', 'max_ratio'],
  });
  // A tokenization other than space or character (punctuation, sentencepiece) has no counterpart.
  const carried = (k: string): boolean => (CARRIED[name] ?? []).includes(k) && !(k === 'tokenization' && p.tokenization !== 'space' && p.tokenization !== 'character');
  const rest = Object.fromEntries(Object.entries(p).filter(([k]) => !carried(k)));
  return Object.keys(rest).length > 0 ? `${here} (your ${flow(rest)}: set by hand)` : here;
}

/** Data-Juicer's op names end so (`perplexity_filter`, `clean_links_mapper`, `document_deduplicator` ...). */
const DJ_OP_NAME = /^[a-z][a-z0-9_]*_(?:filter|mapper|deduplicator|selector|grouper|aggregator)$/;

/**
 * What an unknown stage name gets after it: the counterpart of a Data-Juicer op, or for a name
 * shaped like one that has none (new-user review 7 #19: `perplexity_filter` got "did you mean
 * 'flagged-words'?"), that it has none and how to add one; undefined for any other name.
 */
export function dataJuicerUnknown(name: string, params: unknown = {}): string | undefined {
  const op = dataJuicerOp(name, params);
  if (op !== undefined) return ` (a Data-Juicer op; here: ${op})`;
  if (!DJ_OP_NAME.test(name)) return undefined;
  return " (named like a Data-Juicer op; it has no counterpart here: leave it out, or add it as a stage of your own, '- module: ./my-stage.js', README 'Recipes')";
}

/**
 * When `raw` looks like a Data-Juicer config (two of its top-level keys, or `process:` without
 * `stages:`), the lines of a hint mapping its keys and ops to ours, with its own values; else undefined.
 */
export function dataJuicerHint(raw: Record<string, unknown>): string[] | undefined {
  const keys = Object.keys(raw).filter((k) => Object.hasOwn(TOP, k));
  if (keys.length < 2 && !(keys.includes('process') && !('stages' in raw))) return undefined;
  const lines = ['this looks like a Data-Juicer config; a corpus-clean recipe has other keys:'];
  for (const k of keys) lines.push(`  ${k} -> ${TOP[k](raw[k])}`);
  const ops: [string, unknown][] = [];
  const seen = new Set<string>();
  for (const p of Array.isArray(raw.process) ? raw.process : []) {
    const entry: [string, unknown] | undefined = typeof p === 'string' ? [p, {}] : p !== null && typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length > 0 ? Object.entries(p)[0] : undefined;
    if (entry === undefined) continue;
    const key = `${entry[0]} ${JSON.stringify(entry[1] ?? {})}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ops.push(entry);
  }
  const mapped = ops.map(([op, params]) => `  - ${op} -> ${dataJuicerOp(op, params) ?? 'no counterpart here'}`);
  if (mapped.length > 0) lines.push('ops:', ...mapped.slice(0, 20), ...(mapped.length > 20 ? [`  ... and ${mapped.length - 20} more`] : []));
  lines.push("see the recipe example in the README ('Recipes') and rules/recipes/sample.yaml");
  return lines;
}
