import { table } from '../../core/own.js';
import type { LangIdBackend, LangResult } from './backend.js';
import { PENDING, UND } from './backend.js';
import type { Cld2Result } from './cld2.js';
import { cld2Codes, cld2Detect, loadCld2 } from './cld2.js';
import { fastTextBackend } from './fasttext.js';
import { cut } from './prose.js';

/**
 * Languages CLD2 is not trusted on alone, because it confuses them with a neighbour that
 * fastText separates better on some texts (Bokmål/Nynorsk/Danish, the Serbo-Croatian
 * standards, Indonesian/Malay, Czech/Slovak, the Ibero-Romance languages).
 */
const CONFUSABLE: ReadonlySet<string> = new Set(['nb', 'nn', 'da', 'hr', 'sr', 'bs', 'id', 'ms', 'cs', 'sk', 'es', 'gl', 'ca', 'pt']);

/** CLD2 alone decides when it is reliable and gives the language at least this share (%). */
export const CLD2_SURE_PERCENT = 90;
/** When the two disagree, fastText wins at this probability or more. */
export const FASTTEXT_SURE = 0.9;
/** Characters of the text fastText reads when it is asked (the first ones). */
export const FASTTEXT_CHARS = 300;

/** lid.176 labels that name a macrolanguage CLD2 splits: read as the member CLD2 would say. */
const FT_AS_CLD2: Readonly<Record<string, string>> = table({ sh: 'hr' });

/**
 * The default backend: CLD2 on the text, and fastText lid.176 on its first 300 characters
 * only when CLD2 is not sure (unreliable, under 90 % of the text, or one of the confusable
 * languages). Agreement wins; on disagreement fastText wins when its probability is 0.9 or
 * more, else CLD2 when it called itself reliable, else fastText. Thresholds were chosen on the
 * even-numbered records of the Leipzig set and reported on the odd ones (bench/results/langid.md).
 * Score: the probability (fastText) or share (CLD2, 0-1) of the model whose label is taken;
 * the larger of the two when they agree.
 */
export async function cascadeBackend(): Promise<LangIdBackend> {
  return cascadeOver(await fastTextBackend());
}

/**
 * The cascade over `ft`, a fastText backend ready or loaded on first need
 * (`lazyFastTextBackend`): then a text CLD2 is unsure of is answered `PENDING` until `ready()`
 * has loaded it, and CLD2's sure answers need no model at all.
 */
export function cascadeOver(ft: LangIdBackend): LangIdBackend {
  const cld = loadCld2();
  const c: Cld2Result = { lang: UND, percent: 0, reliable: false };
  const f: LangResult = { lang: UND, score: 0 };
  const codes = cld2Codes(cld);
  for (const code of ft.codes ?? []) codes.add(FT_AS_CLD2[code] ?? code);
  return {
    name: 'cascade',
    codes,
    identify(text: string, out: LangResult): void {
      cld2Detect(cld, text, c);
      const cScore = c.percent / 100;
      if (c.lang !== UND && c.reliable && c.percent >= CLD2_SURE_PERCENT && !CONFUSABLE.has(c.lang)) {
        out.lang = c.lang;
        out.score = cScore;
        return;
      }
      ft.identify(cut(text, FASTTEXT_CHARS), f);
      if (f.lang === PENDING) {
        out.lang = PENDING;
        out.score = 0;
        return;
      }
      const fLang = FT_AS_CLD2[f.lang] ?? f.lang;
      if (fLang === c.lang) {
        out.lang = fLang;
        out.score = c.reliable && cScore > f.score ? cScore : f.score;
      } else if (c.lang === UND || f.score >= FASTTEXT_SURE || !c.reliable) {
        out.lang = fLang;
        out.score = f.score;
      } else {
        out.lang = c.lang;
        out.score = cScore;
      }
    },
    ...(ft.ready === undefined ? {} : { ready: () => ft.ready!() }),
  };
}
