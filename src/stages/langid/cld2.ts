import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { LangIdBackend, LangResult } from './backend.js';
import { UND } from './backend.js';
import { fromCld2Code } from './iso639.js';

/** What the native `detect` of the `cld` package returns (the parts read here). */
interface Cld2Raw {
  reliable: boolean;
  languages: { code: string; percent: number }[];
}

/** The synchronous entry point of the addon: text, isPlainText, four hints, bestEffort. */
type Cld2Detect = (text: string, plain: boolean, lang: string, enc: string, tld: string, http: string, best: boolean) => Cld2Raw;

/** CLD2's answer for one text: its top language (ISO 639-1 as this project reports it). */
export interface Cld2Result {
  /** `und` when CLD2 finds no language. */
  lang: string;
  /** The share of the text's letters in that language, 0-100. */
  percent: number;
  /** CLD2's own "reliable" flag: enough text, and a clear margin over the second language. */
  reliable: boolean;
}

interface Cld2Native {
  detect: Cld2Detect;
  LANGUAGES: Record<string, string>;
  DETECTED_LANGUAGES: string[];
}

let native: Cld2Native | undefined;

/**
 * The CLD2 addon of the `cld` package (Apache-2.0), loaded once per process. The addon's own
 * synchronous `detect` is called directly: the package's wrapper is async (a promise and a
 * thread-pool hop per text) and checks its options on every call.
 */
export function loadCld2(): Cld2Native {
  if (native !== undefined) return native;
  const require = createRequire(import.meta.url);
  let path: string;
  try {
    path = join(dirname(require.resolve('cld/package.json')), 'build', 'Release', 'cld.node');
    native = require(path) as Cld2Native;
  } catch (e) {
    throw new UsageError(
      'langid: the CLD2 addon (npm package cld) is not built: ' +
        (e instanceof Error ? e.message.split('\n')[0] : String(e)) +
        ". It builds at install with node-gyp and needs python3, make and a C++ compiler (npm leaves the optional package out when its build fails): install them and run 'npm install' again, " +
        "or use '--backend fasttext', which needs no compiler",
    );
  }
  return native;
}

/** Run CLD2 on plain text; writes into `out`. */
export function cld2Detect(cld: Cld2Native, text: string, out: Cld2Result): void {
  const r = cld.detect(text, true, '', '', '', '', false);
  const top = r.languages[0];
  if (top === undefined) {
    out.lang = UND;
    out.percent = 0;
    out.reliable = false;
  } else {
    out.lang = fromCld2Code(top.code);
    out.percent = top.percent;
    out.reliable = r.reliable;
  }
}

/** Every code CLD2 can report, mapped as `fromCld2Code` maps them. */
export function cld2Codes(cld: Cld2Native): Set<string> {
  const detected = new Set(cld.DETECTED_LANGUAGES);
  const out = new Set<string>();
  for (const [name, code] of Object.entries(cld.LANGUAGES)) if (detected.has(name)) out.add(fromCld2Code(code));
  return out;
}

/**
 * The CLD2 backend alone (`--backend cld2`): the fastest, 160 languages, including the
 * southern African ones lid.176 lacks. The score is the share of the text CLD2 gives the
 * language (0-1), halved when CLD2 itself calls the answer unreliable.
 */
export function cld2Backend(): LangIdBackend {
  const cld = loadCld2();
  const r: Cld2Result = { lang: UND, percent: 0, reliable: false };
  return {
    name: 'cld2',
    codes: cld2Codes(cld),
    identify(text: string, out: LangResult): void {
      cld2Detect(cld, text, r);
      out.lang = r.lang;
      out.score = r.lang === UND ? 0 : r.reliable ? r.percent / 100 : r.percent / 200;
    },
  };
}
