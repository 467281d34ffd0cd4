import { franc } from 'franc';
import type { LangIdBackend, LangResult } from './backend.js';
import { UND } from './backend.js';
import { fromFrancCode } from './iso639.js';

/**
 * The franc backend: pure JavaScript trigram profiles for 187 languages (ISO 639-3 codes,
 * mapped to 639-1). franc has no calibrated confidence: its score is 1 when it names a
 * language and 0 when the text is too short to call (`und`, under 10 characters), so
 * `minScore` only drops the undetermined texts.
 */
export function francBackend(): LangIdBackend {
  return {
    name: 'franc',
    codes: undefined,
    identify(text: string, out: LangResult): void {
      const code = franc(text);
      if (code === UND) {
        out.lang = UND;
        out.score = 0;
      } else {
        out.lang = fromFrancCode(code);
        out.score = 1;
      }
    },
  };
}
