import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../core/errors.js';
import { LIST_MAX, readSideFile } from '../../io/sideFile.js';
import type { C4Config } from './c4.js';
import type { SignalConfig } from './signals.js';
import { showText, errorText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';

/** One rule: a signal compared with a threshold. A document fails when `value < min` or `value > max`. */
export interface Rule {
  /** Stable reason code, `<group>:<name>` (`gopher_quality:min_words`). */
  code: string;
  /** Signal name in `doc.attrs.quality`. */
  signal: string;
  min?: number;
  max?: number;
  /** What the rule catches, in one line. */
  doc?: string;
}

/** A rule set: how to compute signals and which thresholds drop a document. */
export interface RuleSet {
  name: string;
  /** ISO 639-1 code of the language the rule set is made for. */
  language: string;
  description: string;
  signals: SignalConfig;
  /** C4 line rules; absent when the rule set has none. */
  c4?: C4Config;
  /** Rules in file order; `attrs.quality.failed` lists the failing ones in this order. */
  rules: Rule[];
  /**
   * Which failing rule names the drop reason: the rules these codes or groups name come first
   * (in this order; a group's rules in file order), then every other rule in file order.
   * Empty: file order.
   */
  reasonOrder: string[];
}

/** Presets shipped in `rules/quality/<name>.yaml`. */
export const PRESETS = ['web-en', 'web-zh'] as const;

/** Upper bounds of signals that are fractions (used by the score); the others are unbounded counts. */
export function isFraction(signal: string): boolean {
  return signal.endsWith('_ratio') || signal.endsWith('_frac');
}

const RULES_DIR = new URL('../../../rules/quality/', import.meta.url);

/** Path of a shipped preset's YAML file. */
export function presetPath(name: string): string {
  return fileURLToPath(new URL(`${name}.yaml`, RULES_DIR));
}

const cache = new Map<string, RuleSet>();

/** Load a shipped preset (cached). */
export function loadPreset(name: string): RuleSet {
  let r = cache.get(name);
  if (r === undefined) {
    r = loadRuleSet(presetPath(name));
    cache.set(name, r);
  }
  return structuredClone(r);
}

/**
 * The shipped presets as parsed by `npm run build` (scripts/quality-presets.mjs writes
 * dist/stages/quality/presets.json, each entry beside its YAML text), or null when absent.
 */
let built: { yaml: string; json: unknown }[] | null | undefined;

/**
 * A rule-set file's YAML text as data: the build's parse when the text is exactly that of a
 * shipped preset, else the YAML parser, loaded on first use (about 100 ms of start-up).
 */
function parseRuleText(text: string): unknown {
  if (built === undefined) {
    try {
      built = JSON.parse(readFileSync(new URL('./presets.json', import.meta.url), 'utf8')) as { yaml: string; json: unknown }[];
    } catch {
      built = null;
    }
  }
  const hit = built?.find((e) => e.yaml === text);
  if (hit !== undefined) return structuredClone(hit.json);
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

/** Read and check a rule-set YAML file. Errors name the file and the bad key. */
export function loadRuleSet(path: string): RuleSet {
  let raw: unknown;
  try {
    raw = parseRuleText(readSideFile(path, LIST_MAX, { pipes: true }).toString('utf8'));
  } catch (e) {
    throw new UsageError(`quality: cannot read rule set '${showPath(path)}': ${errorText(e)}`);
  }
  return parseRuleSet(raw, path);
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Check a parsed rule set (from YAML or code). */
export function parseRuleSet(raw: unknown, where = 'rule set'): RuleSet {
  const bad = (msg: string): never => {
    throw new UsageError(`quality: ${where}: ${msg}`);
  };
  if (!isObj(raw)) return bad('must be a mapping with name, signals and rules');
  const str = (o: Obj, k: string, d?: string): string => {
    const v = o[k] ?? d;
    if (typeof v !== 'string') return bad(`'${showText(k)}' must be a string`);
    return v;
  };
  const num = (o: Obj, k: string, d?: number): number => {
    const v = o[k] ?? d;
    if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`'${showText(k)}' must be a number`);
    return v;
  };
  const bool = (o: Obj, k: string, d: boolean): boolean => {
    const v = o[k] ?? d;
    if (typeof v !== 'boolean') return bad(`'${showText(k)}' must be true or false`);
    return v;
  };
  const strs = (o: Obj, k: string, d: string[] = []): string[] => {
    const v = o[k] ?? d;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return bad(`'${showText(k)}' must be a list of strings`);
    return v as string[];
  };
  const ints = (o: Obj, k: string): number[] => {
    const v = o[k] ?? [];
    if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x >= 1 && x <= 64)) return bad(`'${showText(k)}' must be a list of integers 1..64`);
    return v as number[];
  };
  const known = (o: Obj, keys: string[], what: string) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`unknown key '${showText(k)}' in ${what}; allowed: ${keys.join(', ')}`);
  };

  known(raw, ['name', 'language', 'description', 'signals', 'c4', 'rules', 'reason_order'], 'the rule set');
  const sig = raw.signals ?? {};
  if (!isObj(sig)) return bad(`'signals' must be a mapping`);
  known(sig, ['stop_words', 'top_ngrams', 'dup_ngrams', 'ngram_separator', 'terminal_punctuation', 'short_line_length', 'sentence_marks'], 'signals');
  const signals: SignalConfig = {
    stopWords: strs(sig, 'stop_words'),
    topNgrams: ints(sig, 'top_ngrams'),
    dupNgrams: ints(sig, 'dup_ngrams'),
    ngramSeparator: bool(sig, 'ngram_separator', true),
    terminalPunctuation: str(sig, 'terminal_punctuation', '.!?"\''),
    shortLineLength: num(sig, 'short_line_length', 30),
    sentenceMarks: str(sig, 'sentence_marks', ''),
  };
  for (const w of signals.stopWords) if (w.length === 0 || /\s/u.test(w)) bad(`stop word '${showText(w)}' must be one word`);

  let c4: C4Config | undefined;
  if (raw.c4 !== undefined) {
    const c = raw.c4;
    if (!isObj(c)) return bad(`'c4' must be a mapping`);
    known(
      c,
      ['end_punctuation', 'exclude_ellipsis', 'require_terminal_punct', 'line_units', 'min_per_line', 'max_word_length', 'cjk_words', 'remove_citations', 'javascript', 'policy', 'sentence_ends', 'sentence_ends_anywhere', 'curly_exempt_after'],
      'c4',
    );
    const units = str(c, 'line_units', 'words');
    if (units !== 'words' && units !== 'chars') bad(`c4.line_units must be 'words' or 'chars'`);
    c4 = {
      endPunctuation: strs(c, 'end_punctuation', ['.', '?', '!', '"', "'"]),
      excludeEllipsis: bool(c, 'exclude_ellipsis', true),
      requireTerminalPunct: bool(c, 'require_terminal_punct', true),
      lineUnits: units as 'words' | 'chars',
      minPerLine: num(c, 'min_per_line', 3),
      maxWordLength: num(c, 'max_word_length', 1000),
      cjkWords: bool(c, 'cjk_words', false),
      removeCitations: bool(c, 'remove_citations', true),
      javascript: bool(c, 'javascript', true),
      policy: strs(c, 'policy').map((p) => p.toLowerCase()),
      sentenceEnds: str(c, 'sentence_ends', '.!?'),
      sentenceEndsAnywhere: str(c, 'sentence_ends_anywhere', ''),
      curlyExemptAfter: str(c, 'curly_exempt_after', ''),
    };
  }

  const known_signals = signalNames(signals, c4 !== undefined);
  if (!Array.isArray(raw.rules) || raw.rules.length === 0) return bad(`'rules' must be a non-empty list`);
  const codes = new Set<string>();
  const rules: Rule[] = raw.rules.map((r, i) => {
    if (!isObj(r)) return bad(`rules[${i}] must be a mapping`);
    known(r, ['code', 'signal', 'min', 'max', 'doc'], `rules[${i}]`);
    const code = str(r, 'code');
    if (!/^[a-z0-9_]+:[a-z0-9_]+$/.test(code)) bad(`rules[${i}].code '${showText(code)}' must look like group:name (lower case)`);
    if (codes.has(code)) bad(`rule code '${showText(code)}' appears twice`);
    codes.add(code);
    const signal = str(r, 'signal');
    if (!known_signals.includes(signal)) bad(`rules[${i}] (${code}): unknown signal '${showText(signal)}'; known: ${known_signals.join(', ')}`);
    const rule: Rule = { code, signal };
    if (r.min !== undefined) rule.min = num(r, 'min');
    if (r.max !== undefined) rule.max = num(r, 'max');
    if ((rule.min === undefined) === (rule.max === undefined)) bad(`rules[${i}] (${code}) needs exactly one of min, max`);
    if (r.doc !== undefined) rule.doc = str(r, 'doc');
    return rule;
  });
  const reasonOrder = strs(raw, 'reason_order');
  for (const entry of reasonOrder) {
    if (!rules.some((r) => r.code === entry || groupOf(r.code) === entry)) bad(`reason_order: '${showText(entry)}' is neither a rule code nor a group of this rule set`);
  }
  return {
    name: str(raw, 'name'),
    language: str(raw, 'language', 'und'),
    description: str(raw, 'description', ''),
    signals,
    c4,
    rules,
    reasonOrder,
  };
}

/** The group of a rule code: `gopher_quality` for `gopher_quality:min_words`. */
function groupOf(code: string): string {
  return code.slice(0, code.indexOf(':'));
}

/**
 * The rule codes of a rule set in drop-reason order: first the rules `reasonOrder` names (a
 * group's rules in file order), then the others in file order. Skipped rules are left out.
 */
export function reasonRanking(set: Pick<RuleSet, 'rules' | 'reasonOrder'>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (code: string) => {
    if (!seen.has(code)) {
      seen.add(code);
      out.push(code);
    }
  };
  for (const entry of set.reasonOrder) for (const r of set.rules) if (r.code === entry || groupOf(r.code) === entry) add(r.code);
  for (const r of set.rules) add(r.code);
  return out;
}

/** Every signal a rule set with these settings computes. */
export function signalNames(signals: SignalConfig, withC4: boolean): string[] {
  const names = [
    'length', 'chars', 'cjk_chars', 'cjk_ratio', 'letter_ratio', 'digit_ratio', 'punct_ratio', 'control_chars', 'pinyin_brackets', 'pinyin_bracket_ratio',
    'tokens', 'words', 'cjk_word_ratio', 'mean_word_length', 'hash_ratio', 'ellipsis_ratio', 'alpha_words_ratio', 'stop_words',
    'lines', 'bullet_lines_ratio', 'end_ellipsis_lines_ratio',
    'paragraphs', 'dup_para_frac', 'dup_para_char_frac', 'dup_line_frac', 'dup_line_char_frac',
    ...signals.topNgrams.map((n) => `top_${n}gram_frac`),
    ...signals.dupNgrams.map((n) => `dup_${n}gram_frac`),
    'line_punct_ratio', 'sentence_line_ratio', 'short_line_ratio', 'code_line_ratio', 'char_dup_ratio', 'list_ratio',
  ];
  if (withC4) names.push('c4_lines', 'c4_lines_removed', 'c4_sentences', 'c4_lorem_ipsum', 'c4_curly_bracket');
  return names;
}

/**
 * Apply threshold overrides `code=value` (`value` a number, or `null`/`off` to turn the rule off)
 * and drop skipped rules (`skip` holds codes or group names such as `c4`). Codes not in the rule
 * set are returned so the caller can report the ones no rule set knows.
 */
export function adjustRules(set: RuleSet, overrides: ReadonlyMap<string, number | null>, skip: readonly string[]): { rules: RuleSet; unknown: string[] } {
  const unknown = [...overrides.keys()].filter((c) => !set.rules.some((r) => r.code === c));
  const rules: Rule[] = [];
  for (const r of set.rules) {
    const group = r.code.slice(0, r.code.indexOf(':'));
    if (skip.includes(r.code) || skip.includes(group)) continue;
    if (overrides.has(r.code)) {
      const v = overrides.get(r.code)!;
      if (v === null) continue;
      if (r.min !== undefined) rules.push({ ...r, min: v });
      else rules.push({ ...r, max: v });
    } else rules.push(r);
  }
  return { rules: { ...set, rules }, unknown };
}
