/** A language-identification backend: one language and its score per text. */
export interface LangIdBackend {
  /** `fasttext` or `franc`. */
  readonly name: string;
  /**
   * Codes the backend can ever report (after mapping to ISO 639-1), or `undefined` when the
   * backend does not say. Used to reject a `keep` list that could never match.
   */
  readonly codes: ReadonlySet<string> | undefined;
  /** Identify a text already prepared by `modelText`. Writes into `out` to avoid allocating. */
  identify(text: string, out: LangResult): void;
  /**
   * For a backend whose model loads on first need: `identify` answers `PENDING` (score 0) for a
   * text that needs the model until the promise this returns has resolved; the stage then asks
   * again. A backend without it always answers.
   */
  ready?(): Promise<void>;
}

/** A backend's answer: `lang` is `und` with score 0 when the backend cannot tell. */
export interface LangResult {
  lang: string;
  score: number;
}

/** The code for "undetermined" (ISO 639-2). */
export const UND = 'und';

/**
 * `identify`'s answer when the text needs a model that has not loaded yet (see `ready`): never a
 * language, never written into a record.
 */
export const PENDING = '\u0000pending';
