import { hasOwn, setOwn } from './own.js';
// Imported here, where every stage and the pipeline load it, before any of them is compiled.
import './bufferMap.js';
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

/** A text field: one name, or a list of names tried in order (`text,content,raw_content`). */
export type TextField = string | readonly string[];

/** A field that holds something: present and not null (a null field is as good as absent). */
function filled(data: JsonObject, f: string): boolean {
  return hasOwn(data, f) && data[f] !== null;
}

/**
 * A record's own text field, set by the reader when the inputs read together were written with
 * different text fields (run folders whose `text_field`s differ: io/readers/ownTextField.ts). It
 * takes the place of the command's list for that record, in every stage and writer. A symbol key:
 * never written with the record (JSON and Parquet writers see string keys only), and kept by a
 * spread copy (`{ ...data }`).
 */
export const OWN_TEXT_FIELD: unique symbol = Symbol('corpus-clean.ownTextField');

/** The record's own text field (see OWN_TEXT_FIELD), or undefined. */
export function ownTextFieldOf(data: JsonObject): TextField | undefined {
  return (data as { [OWN_TEXT_FIELD]?: TextField })[OWN_TEXT_FIELD];
}

/** Give a record its own text field (see OWN_TEXT_FIELD). */
export function setOwnTextField(data: JsonObject, field: TextField): void {
  (data as { [OWN_TEXT_FIELD]?: TextField })[OWN_TEXT_FIELD] = field;
}

/**
 * The name of the field holding the text of `data`: `field` when given (the first of a list that
 * is present and not null), else the first of `text`, `content` that is present and not null.
 * A record read with its own run's list (OWN_TEXT_FIELD) uses that list instead of `field`.
 * Returns `undefined` when none is (a null field is skipped like an absent one: Parquet and
 * union-schema outputs give every record every column, null where it had none).
 */
export function textFieldOf(data: JsonObject, field?: TextField): string | undefined {
  const own = (data as { [OWN_TEXT_FIELD]?: TextField })[OWN_TEXT_FIELD];
  if (own !== undefined) field = own;
  if (typeof field === 'string') return filled(data, field) ? field : undefined;
  for (const f of field ?? DEFAULT_TEXT_FIELDS) if (filled(data, f)) return f;
  return undefined;
}

/** A text-field setting read from a flag or a recipe: `a,b,c` (or a list) becomes a list tried in order. */
export function parseTextField(v: unknown): TextField | undefined {
  if (v === undefined || v === null) return undefined;
  const list = (Array.isArray(v) ? v : String(v).split(',')).map((x) => String(x).trim()).filter((x) => x !== '');
  if (list.length === 0) return undefined;
  return list.length === 1 ? list[0] : Object.freeze(list);
}

/** A text-field setting as people write it: `text,content,raw_content`. */
export function textFieldLabel(field: TextField | undefined): string {
  return field === undefined ? DEFAULT_TEXT_FIELDS.join(',') : typeof field === 'string' ? field : field.join(',');
}

/** The text of a record whose text field has been checked (see `requireText`). */
export function getText(doc: Doc, field?: TextField): string {
  const f = textFieldOf(doc.data, field);
  const v = f === undefined ? undefined : doc.data[f];
  return typeof v === 'string' ? v : '';
}

/** Replace the text of a record, in the field it was read from (the record is then changed: `recordChanged`). */
export function setText(doc: Doc, text: string, field?: TextField): void {
  recordChanged(doc);
  field = ownTextFieldOf(doc.data) ?? field;
  setOwn(doc.data, textFieldOf(doc.data, field) ?? (typeof field === 'string' ? field : field?.[0]) ?? 'text', text);
}

/**
 * Top-level fields a reader filled with the base64 of bytes that are not UTF-8 (a Parquet byte
 * column without a string annotation: DuckDB's BLOB): fine as a side field, but no text. The
 * check of the text field rejects a record whose text is such a field as `invalid_utf8`, as every
 * other reader does for bytes that are not UTF-8 (hostile review 9 F46: the base64 was written as
 * training text). Looked up only once a reader marked a record (`anyNotUtf8`).
 */
const notUtf8 = new WeakMap<JsonObject, readonly string[]>();
let marked = false;

/** Mark `fields` of `data` as holding the base64 of bytes that are not UTF-8. */
export function markNotUtf8(data: JsonObject, fields: readonly string[]): void {
  notUtf8.set(data, fields);
  marked = true;
}

/** Whether field `f` of `data` holds the base64 of bytes that are not UTF-8 (see `markNotUtf8`). */
export function isNotUtf8(data: JsonObject, f: string): boolean {
  return marked && notUtf8.get(data)?.includes(f) === true;
}

/**
 * Why a record's text is unusable, as a stable reason code, or `null` when it is a non-empty
 * string: `text_missing` (no field of the list present and non-null), `text_not_string` (the
 * first such field holds a number, object, ...), `text_empty`.
 */
export function textProblem(data: JsonObject, field?: TextField): string | null {
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
  private line: number;
  private src: string | undefined;
  /** @internal */
  a: Record<string, unknown> | undefined;
  /** @internal The signals as JSON text, parsed when first asked for (`docWithAttrsText`). */
  t: string | undefined;
  /** @internal What to throw when `t` does not read as an object. */
  bad: ((why: string) => Error) | undefined;
  /** @internal `data` as the UTF-8 bytes of the JSON text it was read from, `j[js, je)`, while no stage changed it (see `setRecordJson`). */
  j: Buffer | undefined;
  /** @internal */
  js: number;
  /** @internal */
  je: number;

  constructor(data: JsonObject, file: string, line: number, source?: string) {
    this.data = data;
    this.file = file;
    this.line = line;
    this.src = source;
    this.a = undefined;
    this.t = undefined;
    this.bad = undefined;
    this.j = undefined;
    this.js = 0;
    this.je = 0;
  }

  get source(): string {
    return (this.src ??= `${this.file}:${this.line}`);
  }

  set source(v: string) {
    this.src = v;
    this.line = 0;
  }

  /** The input file, without building the `file:line` string when it is known apart. */
  fileName(): string {
    return this.line > 0 ? this.file : fileOfSource(this.source);
  }

  get attrs(): Record<string, unknown> {
    // An input record's own `attrs` object (signals of an earlier command, from any reader:
    // JSONL, Parquet, CSV) is where new signals join it, never replaced by an empty one.
    if (this.a === undefined && this.t !== undefined) this.a = this.parseText(this.t);
    if (this.a === undefined) {
      const own = this.data.attrs;
      this.a = own !== null && typeof own === 'object' && !Array.isArray(own) ? (own as Record<string, unknown>) : {};
    }
    return this.a;
  }

  set attrs(v: Record<string, unknown>) {
    this.a = v;
    this.t = undefined;
  }

  private parseText(t: string): Record<string, unknown> {
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw this.bad!(`signals of ${this.source} do not read: ${(e as Error).message}`);
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw this.bad!(`signals of ${this.source} are not an object`);
    this.t = undefined;
    return v as Record<string, unknown>;
  }
}

/** Make a record from a parsed object and its `file:line` (or any source string). */
export function makeDoc(data: JsonObject, source: string): Doc {
  return new LazyDoc(data, source, 0, source);
}

/**
 * A new record made from `from` by a stage of one's own: a record it splits, rewrites or builds
 * anew. It keeps what the accounting needs, `from`'s `source` (its file is counted under it: a
 * record made by `{...doc}` has none, as `source` is not an own field of the records readers make,
 * and the run ends in a MISMATCH), and a copy of `from`'s signals (`attrs`: changing one record's
 * does not change the other's); `data` is the given object, or a shallow copy of `from.data`. The
 * record read with its own run's text field (OWN_TEXT_FIELD) keeps it. Pass each record it makes
 * on in `run`'s batches, or drop it with `ctx.reject` as any other.
 */
export function deriveDoc(from: Doc, data?: JsonObject): Doc {
  const d = data ?? { ...from.data };
  const own = ownTextFieldOf(from.data);
  if (own !== undefined && ownTextFieldOf(d) === undefined) setOwnTextField(d, own);
  const out = new LazyDoc(d, from.source, 0, from.source);
  if (hasAttrs(from)) out.a = { ...from.attrs };
  const st = deriveState();
  st.rootOf.set(out, st.rootOf.get(from) ?? from);
  st.derived = true;
  return out;
}

/**
 * What `deriveDoc` keeps for `MadeRecords`: the record read each record it made comes from
 * (through any chain of derivations), and whether it was called at all in this thread (before
 * that no record can be a made one). Kept on `globalThis` under a registered symbol: a stage
 * module imports `deriveDoc` from its own copy of corpus-clean (its install, the unbundled
 * build), not the CLI's, and both must see the same. Made at first use (the bundle's shared
 * chunk does no work at load).
 */
interface DeriveState {
  rootOf: WeakMap<Doc, Doc>;
  derived: boolean;
}
const DERIVE_STATE = Symbol.for('corpus-clean.deriveDoc');
type WithDeriveState = { [DERIVE_STATE]?: DeriveState };
function deriveState(): DeriveState {
  return ((globalThis as WithDeriveState)[DERIVE_STATE] ??= { rootOf: new WeakMap(), derived: false });
}

/**
 * Tells, of the records that reach the output or the rejects, those a stage made: a record is
 * made when another of the same record read (itself, or one `deriveDoc` made from it) came out
 * before it. One record split into three by a stage of one's own comes out as the record read and
 * two made, so that read + made = written + rejected holds, file by file. Only records made with
 * `deriveDoc` are known (a record built by hand with the source copied is not: MISMATCH, as before).
 */
export class MadeRecords {
  /** The records read whose record (or one made from it) came out. */
  private readonly out = new WeakSet<Doc>();
  /** The records that came out: one coming out twice is not made, it is counted twice (a MISMATCH, as it should be). */
  private readonly seen = new WeakSet<Doc>();

  /** Whether some record may be a made one (`deriveDoc` was called): else `made` need not be asked. */
  static possible(): boolean {
    return (globalThis as WithDeriveState)[DERIVE_STATE]?.derived === true;
  }

  /** True when `doc`, coming out now, is a made record (see above). */
  made(doc: Doc): boolean {
    if (doc === null || typeof doc !== 'object' || this.seen.has(doc)) return false;
    this.seen.add(doc);
    const root = deriveState().rootOf.get(doc) ?? doc;
    if (this.out.has(root)) return true;
    this.out.add(root);
    return false;
  }
}

/** Make a record whose source is `file:line`, built only when asked for. */
export function docAt(data: JsonObject, file: string, line: number): Doc {
  return new LazyDoc(data, file, line);
}

/**
 * A record whose signals are JSON text (`JSON.stringify` of a non-empty object, as a spill keeps
 * them), parsed only when a stage or writer asks for `attrs`: records dropped before that (exact
 * duplicates, in the phase after the one that wrote the signals) never parse them, and
 * `attrsText` gives the text back to be written as it is. `bad` makes the error thrown when the
 * text turns out not to be an object's JSON.
 */
export function docWithAttrsText(data: JsonObject, source: string, attrs: string, bad: (why: string) => Error): Doc {
  const d = new LazyDoc(data, source, 0, source);
  d.t = attrs;
  d.bad = bad;
  return d;
}

/**
 * Remember `buf[start, end)`, the UTF-8 bytes of the JSON text `doc.data` was parsed from, as the
 * record's serialisation, for the rejects of stages that leave records as they are
 * (`Stage.keepsRecords`) or say which they changed (`Stage.marksChanged`, `recordChanged`): such a
 * reject writes those bytes as they are. Only for a text that is one JSON object parsing to exactly
 * `doc.data` (no number texts kept: io/json.ts `exactNumbers`; no repeated key; no CR, which would
 * end a line for a reader deciding line ends on a file's first one): a spill's line
 * (`JSON.stringify` of the record), a JSONL input line. `buf` must not be written again while the
 * record lives (the JSONL reader gives a copy of what it read). Not kept for a record with an
 * `attrs` object of its own: stages write their signals into it (`Doc.attrs`), so the record
 * changes without a stage saying so.
 */
export function setRecordJson(doc: Doc, buf: Buffer, start: number, end: number): void {
  if (!(doc instanceof LazyDoc)) return;
  const a = doc.data.attrs;
  if (a !== undefined && a !== null && typeof a === 'object') return;
  doc.j = buf;
  doc.js = start;
  doc.je = end;
}

/** Give `to` the JSON text `setRecordJson` gave `from`, if any. */
export function copyRecordJson(from: Doc, to: Doc): void {
  if (from instanceof LazyDoc && from.j !== undefined) setRecordJson(to, from.j, from.js, from.je);
}

/** Let go of the text `setRecordJson` gave the record. */
export function forgetJson(doc: Doc): void {
  if (doc instanceof LazyDoc) doc.j = undefined;
}

/**
 * Say that a stage changed `doc.data` (a field set, removed or rewritten): its rejects then
 * serialise the record as it is now, not the text it was read from (`setRecordJson`). `setText`
 * says it. A stage that declares `Stage.marksChanged` calls it for every record it changes.
 */
export function recordChanged(doc: Doc): void {
  if (doc instanceof LazyDoc) doc.j = undefined;
}

/** The UTF-8 bytes `setRecordJson` gave the record (a view, not a copy), or undefined. */
export function recordJsonOf(doc: Doc): Buffer | undefined {
  return doc instanceof LazyDoc && doc.j !== undefined ? doc.j.subarray(doc.js, doc.je) : undefined;
}

/** The JSON text of a record's signals when nothing has asked for them since `docWithAttrsText`, else undefined. */
export function attrsText(doc: Doc): string | undefined {
  return doc instanceof LazyDoc && doc.a === undefined ? doc.t : undefined;
}

/** True when the record has at least one signal in `attrs` (without creating the object). */
export function hasAttrs(doc: Doc): boolean {
  if (doc instanceof LazyDoc && doc.a === undefined && doc.t !== undefined) return true;
  const a = doc instanceof LazyDoc ? doc.a : doc.attrs;
  if (a === undefined) return false;
  for (const _ in a) return true;
  return false;
}

/** The file part of a `file:line` (or `file:[index]`) source. */
export function fileOfSource(source: string): string {
  // Records made in code may have no source at all.
  if (typeof source !== 'string') return '(no source)';
  const i = source.lastIndexOf(':');
  return i > 0 ? source.slice(0, i) : source;
}

/** The input file a record came from (for per-file accounting). */
export function sourceFile(doc: Doc): string {
  return doc instanceof LazyDoc ? doc.fileName() : fileOfSource(doc.source);
}

/** A key that likely holds a record's text (`raw_content`, `body`, `document` ...). */
export const TEXT_LIKE_KEY = /text|content|body|raw|document|passage/i;
