/** A JSON object as read from a record. */
export type JsonObject = Record<string, unknown>;

/**
 * One record flowing through a pipeline.
 *
 * `data` is the record as it will be written. Stages write their signals into `attrs`
 * (dolma's "attributes"); writers put them on the output record under the key `attrs`
 * unless asked to strip them. `source` is where the record came from, `file:line`.
 */
export interface Doc {
  /** The record itself; stages may change it. */
  data: JsonObject;
  /** `file:line` (1-based) for line formats, `file:[index]` for JSON arrays, `file:row` for CSV. */
  source: string;
  /** Signals written by stages, keyed by stage family (`attrs.quality.*`, `attrs.lang`, ...). */
  attrs: Record<string, unknown>;
}

/** Field names tried, in order, when no text field is given. */
export const DEFAULT_TEXT_FIELDS: readonly string[] = ['text', 'content'];

/**
 * The name of the field holding the text of `data`: `field` when given, else the first of
 * `text`, `content` that is present. Returns `undefined` when none is present.
 */
export function textFieldOf(data: JsonObject, field?: string): string | undefined {
  if (field !== undefined) return field in data ? field : undefined;
  for (const f of DEFAULT_TEXT_FIELDS) if (f in data) return f;
  return undefined;
}

/** The text of a record whose text field has been checked (see `requireText`). */
export function getText(doc: Doc, field?: string): string {
  const f = textFieldOf(doc.data, field);
  const v = f === undefined ? undefined : doc.data[f];
  return typeof v === 'string' ? v : '';
}

/** Replace the text of a record, in the field it was read from. */
export function setText(doc: Doc, text: string, field?: string): void {
  doc.data[textFieldOf(doc.data, field) ?? field ?? 'text'] = text;
}

/**
 * Why a record's text is unusable, as a stable reason code, or `null` when it is a non-empty
 * string: `text_missing`, `text_not_string`, `text_empty`.
 */
export function textProblem(data: JsonObject, field?: string): string | null {
  const f = textFieldOf(data, field);
  if (f === undefined) return 'text_missing';
  const v = data[f];
  if (typeof v !== 'string') return 'text_not_string';
  // A loop rather than `trim()`: no copy of every text just to test it.
  for (let i = 0; i < v.length; i++) if (!isTrimSpace(v.charCodeAt(i))) return null;
  return 'text_empty';
}

/** Whitespace as `String.prototype.trim` sees it. */
function isTrimSpace(c: number): boolean {
  return (
    c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/**
 * The record the readers make. Its `source` string and its `attrs` object are built only when
 * something asks for them: most records pass `cat` without either, and two fewer allocations
 * per record is measurable garbage-collection time on a billion-record corpus.
 */
class LazyDoc implements Doc {
  data: JsonObject;
  private readonly file: string;
  private readonly line: number;
  private src: string | undefined;
  /** @internal */
  a: Record<string, unknown> | undefined;

  constructor(data: JsonObject, file: string, line: number, source?: string) {
    this.data = data;
    this.file = file;
    this.line = line;
    this.src = source;
    this.a = undefined;
  }

  get source(): string {
    return (this.src ??= `${this.file}:${this.line}`);
  }

  set source(v: string) {
    this.src = v;
  }

  get attrs(): Record<string, unknown> {
    return (this.a ??= {});
  }

  set attrs(v: Record<string, unknown>) {
    this.a = v;
  }
}

/** Make a record from a parsed object and its `file:line` (or any source string). */
export function makeDoc(data: JsonObject, source: string): Doc {
  return new LazyDoc(data, source, 0, source);
}

/** Make a record whose source is `file:line`, built only when asked for. */
export function docAt(data: JsonObject, file: string, line: number): Doc {
  return new LazyDoc(data, file, line);
}

/** True when the record has at least one signal in `attrs` (without creating the object). */
export function hasAttrs(doc: Doc): boolean {
  const a = doc instanceof LazyDoc ? doc.a : doc.attrs;
  if (a === undefined) return false;
  for (const _ in a) return true;
  return false;
}
