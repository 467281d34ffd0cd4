import { table } from './own.js';
/**
 * A Data-Juicer config given as a recipe (`project_name`, `dataset_path`, `export_path`, `np`,
 * `process:`): the recipe is "Data-Juicer style", so say how its keys and the usual op names map
 * to ours rather than only "unknown key 'project_name'".
 */

/** Top-level keys of a Data-Juicer config, and where each goes here. */
const TOP: Record<string, string> = table({
  project_name: 'name:',
  dataset_path: 'input: (files, folders or globs; a list)',
  export_path: "the output folder: 'corpus-clean run RECIPE -o DIR' (default out/<name>/)",
  np: 'executor: {workers: N} (or --workers N)',
  text_keys: 'text_field: (a name, or a list tried in order)',
  process: 'stages: (a list of {stage: options})',
});

/** Data-Juicer ops with a counterpart here (thresholds are set per rule, e.g. quality's set:). */
const OPS: Record<string, string> = table({
  language_id_score_filter: 'langid {keep: [en], min_score: 0.8}',
  document_deduplicator: 'dedup {method: exact}',
  document_minhash_deduplicator: 'dedup {method: minhash}',
  document_simhash_deduplicator: 'dedup {method: minhash} (near-duplicates by MinHash, not SimHash)',
  fix_unicode_mapper: 'normalize',
  whitespace_normalization_mapper: 'normalize',
  punctuation_normalization_mapper: 'normalize',
  chinese_convert_mapper: 'normalize {chinese: t2s}',
  clean_html_mapper: 'extract',
  clean_email_mapper: 'pii',
  clean_ip_mapper: 'pii',
  flagged_words_filter: 'flagged-words',
  words_num_filter: 'quality (a preset: web-en, web-zh; rules by name under set:)',
  text_length_filter: 'quality',
  alphanumeric_filter: 'quality',
  special_characters_filter: 'quality',
  character_repetition_filter: 'quality',
  word_repetition_filter: 'quality',
  stopwords_filter: 'quality',
  average_line_length_filter: 'quality',
  maximum_line_length_filter: 'quality',
  remove_repeat_sentences_mapper: 'paragraphs (repeated paragraphs and lines across the corpus)',
});

/** The op's counterpart here, or undefined. */
export function dataJuicerOp(name: string): string | undefined {
  return Object.hasOwn(OPS, name) ? OPS[name] : undefined;
}

/**
 * When `raw` looks like a Data-Juicer config (two of its top-level keys, or `process:` without
 * `stages:`), the lines of a hint mapping its keys and ops to ours; else undefined.
 */
export function dataJuicerHint(raw: Record<string, unknown>): string[] | undefined {
  const keys = Object.keys(raw).filter((k) => Object.hasOwn(TOP, k));
  if (keys.length < 2 && !(keys.includes('process') && !('stages' in raw))) return undefined;
  const lines = ['this looks like a Data-Juicer config; a corpus-clean recipe has other keys:'];
  for (const k of keys) lines.push(`  ${k} -> ${TOP[k]}`);
  const ops = Array.isArray(raw.process) ? raw.process.map((p) => (typeof p === 'string' ? p : p !== null && typeof p === 'object' ? Object.keys(p)[0] : undefined)).filter((x): x is string => typeof x === 'string') : [];
  const mapped = [...new Set(ops)].map((op) => `  - ${op} -> ${dataJuicerOp(op) ?? 'no counterpart here'}`);
  if (mapped.length > 0) lines.push('ops:', ...mapped.slice(0, 20), ...(mapped.length > 20 ? [`  ... and ${mapped.length - 20} more`] : []));
  lines.push("see the recipe example in the README ('Recipes') and rules/recipes/sample.yaml");
  return lines;
}
