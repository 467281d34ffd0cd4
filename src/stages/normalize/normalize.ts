import type { JsonObject } from '../../core/doc.js';
import { recordChanged, textFieldOf, textProblem } from '../../core/doc.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import { loadSchema } from '../repair/schema.js';
import type { RecordSchema } from '../repair/schema.js';
import { coerceRecord, normalizeDateField } from './recordFormat.js';
import type { TextNormalizeConfig, UnicodeForm } from './textNormalizer.js';
import { CHANGE_KINDS, TextNormalizer } from './textNormalizer.js';
import type { ChineseMode } from './chinese.js';
import { CHINESE_MODES, chineseConverter } from './chinese.js';
import { hasOwn, setOwn } from '../../core/own.js';

/** Options of `normalize`, with their defaults. */
export const normalizeOptions: OptionsSpec = {
  fields: {
    type: 'string[]',
    default: null,
    nullable: true,
    doc: 'fields to normalise (strings inside arrays/objects too); default null = the text field only',
  },
  unicode: { type: 'string', default: 'NFC', values: ['NFC', 'NFKC', 'none'], doc: 'Unicode normalisation form (NFKC also folds full-width punctuation)' },
  mojibake: { type: 'boolean', default: true, doc: 'repair UTF-8 mis-decoded as cp1252/Latin-1 where unambiguous' },
  entities: { type: 'boolean', default: false, doc: 'decode HTML character references (&amp; &#233; ...)' },
  fullwidth: { type: 'boolean', default: false, doc: 'full-width ASCII letters and digits to half-width (punctuation kept)' },
  controls: { type: 'boolean', default: true, doc: 'remove control characters except \\n and \\t' },
  zeroWidth: { type: 'boolean', default: true, doc: 'remove zero-width and invisible format characters' },
  newlines: { type: 'boolean', default: true, doc: 'CRLF and CR to LF' },
  trailingSpace: { type: 'boolean', default: true, doc: 'remove spaces and tabs at line ends' },
  maxBlankLines: { type: 'integer', default: 1, min: 0, nullable: true, doc: 'longest run of blank lines kept; null keeps all' },
  schema: { type: 'string', default: null, nullable: true, path: true, doc: 'schema whose number/boolean/date fields are coerced (name or path)' },
  dateFields: { type: 'string[]', default: null, nullable: true, doc: 'fields whose dates are rewritten to ISO 8601' },
  chinese: {
    type: 'string',
    default: 'none',
    values: CHINESE_MODES,
    doc: 'Chinese script conversion (OpenCC): t2s, tw2s (Taiwan, with phrases), hk2s to Simplified; s2t to Traditional; none (default)',
  },
};

function normalizeDeep(v: unknown, tn: Pick<TextNormalizer, 'normalize'>, ch: { bits: number }): unknown {
  if (typeof v === 'string') return tn.normalize(v, ch);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = normalizeDeep(v[i], tn, ch);
    return v;
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as JsonObject;
    for (const k of Object.keys(o)) o[k] = normalizeDeep(o[k], tn, ch);
  }
  return v;
}

/**
 * Build the normalize stage from resolved options. Counters: `text:<kind>` per string changed by
 * that kind of change (kinds in `CHANGE_KINDS`), `records_changed`, plus the record-format
 * counters of `coerceRecord`.
 */
export function createNormalize(options: Record<string, unknown>): Stage {
  const config: TextNormalizeConfig = {
    unicode: options.unicode as UnicodeForm,
    mojibake: options.mojibake as boolean,
    entities: options.entities as boolean,
    fullwidth: options.fullwidth as boolean,
    controls: options.controls as boolean,
    zeroWidth: options.zeroWidth as boolean,
    newlines: options.newlines as boolean,
    trailingSpace: options.trailingSpace as boolean,
    maxBlankLines: options.maxBlankLines as number | null,
  };
  const base = new TextNormalizer(config);
  const zh = chineseConverter(options.chinese as ChineseMode);
  // Chinese conversion runs after the other normalisations, on the same strings; it is counted as `text:chinese`.
  const tn: Pick<TextNormalizer, 'normalize'> =
    zh === null
      ? base
      : {
          normalize(s: string, ch: { bits: number }): string {
            const out = base.normalize(s, ch);
            const conv = zh(out);
            if (conv !== out) zhChanged++;
            return conv;
          },
        };
  let zhChanged = 0;
  const fields = options.fields as string[] | null;
  const schema: RecordSchema | null = options.schema === null ? null : loadSchema(options.schema as string);
  const dateFields = (options.dateFields as string[] | null) ?? [];
  const ch = { bits: 0 };
  const record = (bits: number, ctx: StageContext): void => {
    if (bits === 0) return;
    count(ctx.stats.counters, 'records_changed');
    for (let i = 0; i < CHANGE_KINDS.length; i++) if (bits & (1 << i)) count(ctx.stats.counters, `text:${CHANGE_KINDS[i]}`);
  };
  // Fields, types and dates are changed in place, deep: a record is said to be changed whenever
  // one of them is asked for; the text field alone, only when its text changed.
  const changesAll = fields !== null || schema !== null || dateFields.length > 0;
  return docStage({
    name: 'normalize',
    needsText: fields === null,
    options,
    marksChanged: true,
    apply(doc, ctx) {
      const data = doc.data;
      ch.bits = 0;
      // A text made only of what normalize removes (NULs, control and zero-width characters):
      // emptied, it is no document; rejected with a reason instead of written as "".
      const hadText = textProblem(data, ctx.textField) === null;
      if (fields === null) {
        const f = textFieldOf(data, ctx.textField);
        const was = f === undefined ? undefined : data[f];
        if (typeof was === 'string') {
          const now = tn.normalize(was, ch);
          if (now !== was) {
            data[f!] = now;
            recordChanged(doc);
          }
        }
      } else {
        for (const f of fields) if (hasOwn(data, f)) setOwn(data, f, normalizeDeep(data[f], tn, ch));
      }
      record(ch.bits, ctx);
      if (zhChanged > 0) {
        count(ctx.stats.counters, 'text:chinese', zhChanged);
        zhChanged = 0;
      }
      if (changesAll) recordChanged(doc);
      if (schema !== null) coerceRecord(data, schema, ctx.stats.counters);
      for (const f of dateFields) normalizeDateField(data, f, ctx.stats.counters);
      if (hadText && textProblem(data, ctx.textField) === 'text_empty') return 'text_empty';
      return undefined;
    },
  });
}

/**
 * `normalize`: Unicode NFC (or NFKC), mojibake repair, control and zero-width removal, LF
 * newlines, no trailing spaces, blank-line runs cut to `maxBlankLines` (1), and optionally HTML
 * entities and full-width letters/digits; record format: schema-typed numbers, booleans and
 * dates. Idempotent. Defaults are in `normalizeOptions`.
 */
export const normalizeStage: StageFactory = {
  name: 'normalize',
  summary: 'Unicode NFC, mojibake repair, invisible characters, newlines, whitespace, dates and types',
  options: normalizeOptions,
  create: createNormalize,
};
