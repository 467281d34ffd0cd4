import type { Doc } from '../../core/doc.js';
import { getText } from '../../core/doc.js';
import { UsageError } from '../../core/errors.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage } from '../../core/stage.js';
import { count, emptySummary, observe, pairKeys } from '../../core/stats.js';
import type { LangIdBackend, LangResult } from './backend.js';
import { PENDING, UND } from './backend.js';
import { cascadeOver } from './cascade.js';
import { cld2Backend } from './cld2.js';
import { checkFastTextCanStart, lazyFastTextBackend } from './fasttext.js';
import { CHINESE_VARIETIES, toIso1, widenKeep } from './iso639.js';
import { modelText } from './modelText.js';
import { cut, proseOf } from './prose.js';
import type { ScriptCounts } from './script.js';
import { emptyCounts, hanScript, scanScripts } from './script.js';
import { showText } from '../../core/show.js';

/** Reason code: the backend's score for its best language is below `minScore`. */
export const LOW_SCORE = 'langid:low_score';
/** Reason code: fewer letters of prose than `minChars`, so no language can be judged (score 0, below `minScore`). */
export const TOO_SHORT = 'langid:too_short';
/** Reason code: the language is not in `keep`. */
export const NOT_KEPT = 'langid:not_kept';

/** The backends, the default first. */
export const LANGID_BACKENDS = ['cascade', 'cld2', 'fasttext', 'franc'] as const;
/** A backend name. */
export type LangIdBackendName = (typeof LANGID_BACKENDS)[number];

/** Options of the `langid` stage, with their defaults. */
export const langIdOptions: OptionsSpec = {
  backend: {
    type: 'string',
    default: 'cascade',
    values: LANGID_BACKENDS,
    shortcuts: true,
    doc:
      'cascade (CLD2, with fastText lid.176 asked only when CLD2 is unsure: 160+ languages, the most accurate), ' +
      'cld2 (CLD2 alone, fastest), fasttext (lid.176 alone, as datatrove; no compiled addon), or franc (pure JS, slow)',
  },
  keep: {
    type: 'string[]',
    default: null,
    nullable: true,
    doc: 'languages to keep (ISO 639-1 or 639-3 codes, e.g. zh,en); zh also keeps yue, wuu and the other Chinese varieties, no keeps nb and nn, unless --strict-codes; null keeps every language',
  },
  strictCodes: {
    type: 'boolean',
    default: false,
    doc: 'keep only the exact codes listed in keep (keep zh then drops text labelled yue or wuu)',
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
    // See bench/results/langid.md: the window the script counts and the models read.
    default: 1000,
    min: 1,
    nullable: true,
    doc: 'characters of the text read for the decision (the first ones); null = the whole text',
  },
  minChars: {
    type: 'integer',
    // 20: two words of a European language, ten Chinese characters.
    default: 20,
    min: 0,
    doc: 'letters of prose below which no model can judge (a Han, kana or Hangul character counts 2): lang_score 0, lang the script\'s guess (zh, ja, ko) or und, dropped as langid:too_short (datatrove and Data-Juicer have no such floor)',
  },
  shortByScript: {
    type: 'boolean',
    default: false,
    doc: "keep a text below min_chars whose Han, kana or Hangul decide its language (zh, ja, ko) when keep lists that language (lang_score stays 0), instead of dropping it as langid:too_short: for short Chinese posts, reviews and SFT turns ('封德华（1959—），上海嘉定人。'); other short texts are dropped still",
  },
};

/** Resolved options of the `langid` stage. */
export interface LangIdOptions {
  /** Default `cascade`. */
  backend: LangIdBackendName;
  /** Default null (keep all). */
  keep: string[] | null;
  /** Default false. */
  strictCodes?: boolean;
  /** Default 0.65. */
  minScore: number | null;
  /** Default 1000. */
  maxChars: number | null;
  /** Default 20. */
  minChars?: number;
  /** Default false: a text below minChars is too_short even when its CJK script decides its language. */
  shortByScript?: boolean;
}

/**
 * A Han text with at least this many Cantonese or Wu marks is shown to the model, which may
 * then call it yue or wuu; otherwise Han text is zh without a model call.
 */
export const DIALECT_MARKS = 2;
/**
 * The model must be this sure to call Han text yue or wuu rather than zh, unless it agrees with
 * a text where dialect marks are 3 or more and at least 1 in 20 of the Han characters.
 */
export const DIALECT_SURE = 0.9;

/**
 * A Han, kana or Hangul character weighs as much as this many other letters when deciding
 * whether the prose is CJK (a Chinese word is 1-2 characters, an English one about 5 letters).
 */
export const CJK_WEIGHT = 4;
/**
 * Japanese when kana are at least 1/5 of the Han and kana (Japanese prose: 30-60 %), unless
 * the Han include two or more Simplified forms Japanese does not use (a Chinese post with a
 * Japanese title or reading in it: 发售第一张单曲《远くまで》).
 */
const KANA_SHARE_DEN = 5;
const NOT_JA_MARKS = 2;

/** The counter keys `lang:<code>` and `by:<how>`, made once each (not a new string per record to look up). */
const COUNTER_KEY = pairKeys(':');

/** How a record's language was decided; `pending`: not yet, a model it needs has not loaded (see LangIdBackend.ready). */
type DecidedBy = 'script' | 'model' | 'short' | 'pending';

/**
 * Decide the language of one text. Script evidence first: CJK prose (Han, kana and Hangul
 * characters, weighted 4, outnumber the other letters) is ja when a fifth of its Han and kana
 * is kana, ko when Hangul outnumbers Han, else zh (yue or wuu only when dialect marks are
 * present and the model is sure), all without a model call. Other prose goes to the backend.
 * Below `minChars` no model is asked and the score is 0.
 */
function decide(
  prose: string,
  s: ScriptCounts,
  minChars: number,
  backend: LangIdBackend,
  dialectJudge: LangIdBackend | undefined,
  out: LangResult,
): DecidedBy {
  const cjk = s.han + s.kana + s.hangul;
  const rest = s.latin + s.other;
  const letters = 2 * cjk + rest;
  if (cjk > 0 && CJK_WEIGHT * cjk >= rest) {
    if (s.kana > 0 && KANA_SHARE_DEN * s.kana >= s.han + s.kana && s.notJa < NOT_JA_MARKS) out.lang = 'ja';
    else if (s.hangul > 0 && s.hangul >= s.han) out.lang = 'ko';
    else {
      out.lang = 'zh';
      if (s.dialect >= DIALECT_MARKS && dialectJudge !== undefined && letters >= minChars) {
        dialectJudge.identify(modelText(prose, null), out);
        if (out.lang === PENDING) return 'pending';
        const variety = out.lang !== 'zh' && CHINESE_VARIETIES.has(out.lang);
        // Overwhelming: the model is sure, or it agrees with a text dense in dialect marks.
        if (variety && (out.score >= DIALECT_SURE || (s.dialect >= 3 && 20 * s.dialect >= s.han))) {
          out.score = 1; // the script decided "Chinese"; the model only named the variety
          return 'model';
        }
        out.lang = 'zh';
      }
    }
    out.score = letters >= minChars ? 1 : 0;
    return letters >= minChars ? 'script' : 'short';
  }
  if (letters < minChars) {
    out.lang = cjk > 0 ? (s.kana > 0 ? 'ja' : s.hangul > s.han ? 'ko' : 'zh') : UND;
    out.score = 0;
    return 'short';
  }
  backend.identify(modelText(prose, null), out);
  if (out.lang === PENDING) return 'pending';
  // Script vetoes: a model that reads n-grams can call Latin text ja; without kana it is not.
  const l = out.lang;
  if ((l === 'ja' && s.kana === 0) || (l === 'ko' && s.hangul === 0) || (CHINESE_VARIETIES.has(l) && s.han === 0)) {
    out.lang = UND;
    out.score = 0;
  }
  return 'model';
}

/**
 * Build the stage from resolved options and ready backends. Writes `attrs.lang` (ISO 639-1
 * where one exists), `attrs.lang_score` and, for Chinese, `attrs.lang_script` (`Hans`|`Hant`);
 * drops with `langid:too_short` (below `minChars`: score 0) or `langid:low_score`, then `langid:not_kept`, all with detail `{lang, score}`.
 * Counts `lang:<code>` per record seen, how each was decided (`by:script`, `by:model`,
 * `by:short`) and summarises `lang_score`. `dialectJudge` (default: none) is the model asked
 * whether Han text with Cantonese or Wu marks is yue or wuu.
 */
export function langIdStage(options: LangIdOptions, backend: LangIdBackend, dialectJudge?: LangIdBackend): Stage {
  if (options.keep !== null) {
    const bad = options.keep.find((c) => !/^[a-z]{2,3}$/i.test(c));
    if (bad !== undefined) throw new UsageError(`langid: option 'keep': '${showText(bad)}' is not an ISO 639 code (two or three letters, e.g. zh,en)`);
    // An empty list would drop every record as langid:not_kept (new-user review 9 #11: Data-Juicer's
    // `lang: ''` means any language, judged by the score alone).
    if (options.keep.length === 0) throw new UsageError("langid: option 'keep' is an empty list, which keeps no language (every record would be langid:not_kept); leave keep out (or null) to keep every language and judge by min_score alone, as Data-Juicer's lang: '' does");
  }
  const strict = options.strictCodes === true;
  const listed = options.keep === null ? null : [...new Set(options.keep.map(toIso1))];
  if (listed !== null && backend.codes !== undefined) {
    const never = listed.filter((c) => !backend.codes!.has(c) && (strict || !(c === 'no' && backend.codes!.has('nb'))));
    if (never.length > 0) {
      throw new UsageError(`langid: option 'keep': the ${backend.name} backend never reports ${never.join(', ')}`);
    }
  }
  const keep = listed === null ? null : strict ? new Set(listed) : widenKeep(listed);
  const minScore = options.minScore;
  const maxChars = options.maxChars;
  const minChars = options.minChars ?? 20;
  const shortByScript = options.shortByScript === true;
  const resolved = { ...options, strictCodes: strict, minChars, keep: listed };
  return {
    name: 'langid',
    // Its signals go into attrs, never into the record: rejects may write a record as read.
    keepsRecords: true,
    needsText: true,
    options: Object.freeze(resolved),
    async *run(batches, ctx) {
      const counters = ctx.stats.counters;
      const scores = (ctx.stats.summaries.lang_score ??= emptySummary());
      const r: LangResult = { lang: '', score: 0 };
      const s: ScriptCounts = emptyCounts();
      for await (const batch of batches) {
        const out: Doc[] = [];
        for (const doc of batch) {
          const text = getText(doc, ctx.textField);
          let prose = proseOf(text, maxChars);
          s.han = s.kana = s.hangul = s.latin = s.other = s.hans = s.hant = s.dialect = s.notJa = 0;
          scanScripts(prose, 0, prose.length, s);
          if (2 * (s.han + s.kana + s.hangul) + s.latin + s.other < minChars && prose.length < text.length && prose !== text) {
            // Nothing but markup and code: judge the text as it is rather than call it too short.
            prose = cut(text, maxChars ?? text.length);
            s.han = s.kana = s.hangul = s.latin = s.other = s.hans = s.hant = s.dialect = s.notJa = 0;
            scanScripts(prose, 0, prose.length, s);
          }
          let by = decide(prose, s, minChars, backend, dialectJudge, r);
          if (by === 'pending') {
            // The first text that needs fastText: load it (once), then decide again.
            await Promise.all([backend.ready?.(), dialectJudge?.ready?.()]);
            by = decide(prose, s, minChars, backend, dialectJudge, r);
            if (by === 'pending') throw new Error(`langid: the ${backend.name} backend still had no model after it loaded`);
          }
          const lang = r.lang;
          const score = r.score;
          doc.attrs.lang = lang;
          doc.attrs.lang_score = score;
          if (CHINESE_VARIETIES.has(lang)) doc.attrs.lang_script = hanScript(s);
          count(counters, COUNTER_KEY('lang', lang));
          count(counters, COUNTER_KEY('by', by));
          observe(scores, score);
          // A short text whose CJK script decided its language (decide's first branch) passes the
          // score check with shortByScript; the keep check still applies.
          const scriptSays = by === 'short' && shortByScript && s.han + s.kana + s.hangul > 0 && CJK_WEIGHT * (s.han + s.kana + s.hangul) >= s.latin + s.other;
          if (minScore !== null && score < minScore && !scriptSays) ctx.reject(doc, by === 'short' ? TOO_SHORT : LOW_SCORE, { lang, score });
          else if (keep !== null && !keep.has(lang)) ctx.reject(doc, NOT_KEPT, { lang, score });
          else out.push(doc);
        }
        if (out.length > 0) yield out;
      }
    },
  };
}

/** The backend named by the option, and the model that judges Cantonese/Wu marks for it. */
export async function loadBackend(name: LangIdBackendName): Promise<{ backend: LangIdBackend; dialectJudge?: LangIdBackend }> {
  switch (name) {
    case 'cascade': {
      // fastText loads when a text first needs it (lazyFastTextBackend); whether it can start is checked now.
      checkFastTextCanStart();
      const ft = lazyFastTextBackend();
      return { backend: cascadeOver(ft), dialectJudge: ft };
    }
    case 'cld2':
      return { backend: cld2Backend() };
    case 'fasttext': {
      checkFastTextCanStart();
      const ft = lazyFastTextBackend();
      return { backend: ft, dialectJudge: ft };
    }
    case 'franc':
      return { backend: (await import('./franc.js')).francBackend() };
  }
}

/**
 * The `langid` stage factory: script rules for Chinese, Japanese and Korean, then a model for
 * the rest: the CLD2 + fastText cascade (default), CLD2, fastText lid.176 or franc. Options:
 * `backend` (default `cascade`), `keep` (default null = all), `strictCodes` (default false),
 * `minScore` (default 0.65), `maxChars` (default 1000), `minChars` (default 20). Models load
 * once per process: CLD2 in `create`, fastText lid.176 when a text first needs it (create checks
 * that its WebAssembly can start).
 */
export const langId: StageFactory = {
  name: 'langid',
  summary: 'identify the language (script rules for zh/ja/ko, then CLD2 + fastText); tag attrs.lang, keep chosen languages',
  options: langIdOptions,
  async create(o) {
    const options = o as unknown as LangIdOptions;
    const { backend, dialectJudge } = await loadBackend(options.backend);
    return langIdStage(options, backend, dialectJudge);
  },
};
