/**
 * `pii`: find e-mail addresses, phone numbers (mainland mobile and landline, Hong Kong, Macau,
 * Taiwan, international E.164), mainland resident IDs (check digit verified), bank cards (Luhn)
 * and IP addresses; per kind tag them, replace them with a placeholder, or drop the record.
 */
import type { Doc } from '../../core/doc.js';
import { getText, setText } from '../../core/doc.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import { UsageError } from '../../core/errors.js';
import { hasOwn, setOwn } from '../../core/own.js';
import type { PiiKind } from './detect.js';
import { findPii, PII_KINDS } from './detect.js';

const ACTIONS = ['replace', 'tag', 'drop', 'off'] as const;
type Action = (typeof ACTIONS)[number];

/** Placeholders written by `replace`. */
export const PLACEHOLDERS: Readonly<Record<PiiKind, string>> = {
  email: '<EMAIL>',
  phone: '<PHONE>',
  id: '<ID>',
  card: '<CARD>',
  ip: '<IP>',
};

const action = (kind: string, what: string): OptionsSpec[string] => ({
  type: 'string',
  default: 'replace',
  values: ACTIONS,
  doc: `${what}: replace with ${PLACEHOLDERS[kind as PiiKind]}, tag (count and spans in attrs.pii), drop the record (pii:${kind}), or off`,
});

export const piiOptions: OptionsSpec = {
  email: action('email', 'e-mail addresses'),
  phone: action('phone', 'phone numbers (CN mobile/landline/400, HK, MO, TW, +E.164)'),
  id: action('id', 'mainland resident ID numbers (18 digits, check digit and birth date verified)'),
  card: action('card', 'bank card numbers (network prefix, Luhn)'),
  ip: action('ip', 'IPv4/IPv6 addresses'),
  skipPrivateIp: { type: 'boolean', default: true, doc: 'leave private, loopback and link-local IPs alone (127.0.0.1, 192.168.x.x, ::1, ...)' },
  maxSpans: { type: 'integer', default: 20, min: 0, doc: 'most spans listed in attrs.pii.spans for tagged kinds' },
  fields: {
    type: 'string[]',
    default: null,
    nullable: true,
    doc: "fields to scrub instead of the text field (every string inside them too: an SFT sample's instruction,input,output or conversations); attrs.pii then counts what was found, without spans; default null = the text field only",
  },
};

/**
 * Spans from UTF-16 offsets (JavaScript string indices) to Unicode code point offsets, as Python
 * and dolma's taggers count them: one pass up to the last span, spans sorted by start.
 */
function toCodePoints(text: string, spans: [string, number, number][]): [string, number, number][] {
  let unit = 0;
  let cp = 0;
  const at = (u: number): number => {
    while (unit < u) {
      const c = text.charCodeAt(unit);
      unit += c >= 0xd800 && c <= 0xdbff && unit + 1 < u + 1 ? 2 : 1;
      cp++;
    }
    return cp;
  };
  return spans.map(([k, a, b]) => {
    const s = at(a);
    return [k, s, s + (b - a) - countPairs(text, a, b)];
  });
}

function countPairs(text: string, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n++;
  }
  return n;
}

/** Build the stage from resolved options. */
export function createPii(options: Record<string, unknown>): Stage {
  const actions = new Map<PiiKind, Action>();
  for (const k of PII_KINDS) actions.set(k, options[k] as Action);
  const active = new Set(PII_KINDS.filter((k) => actions.get(k) !== 'off'));
  const skipPrivate = options.skipPrivateIp as boolean;
  const maxSpans = options.maxSpans as number;
  const fields = (options.fields as string[] | null | undefined) ?? null;
  if (fields !== null && fields.length === 0) throw new UsageError("pii: option 'fields' is an empty list; leave it out (null) to scrub the text field");
  if (fields !== null) {
    // The fields of a record (an SFT sample's own, before it is turned into text: new-user review
    // 10 #4), every string in them: replaced kinds rewritten in place, a drop kind drops the record.
    return docStage({
      name: 'pii',
      needsText: false,
      options: { ...options },
      apply(doc: Doc, ctx: StageContext) {
        if (active.size === 0) return undefined;
        const counters = ctx.stats.counters;
        const found: Record<string, number> = {};
        let changed = false;
        const scrub = (v: unknown): unknown => {
          if (typeof v === 'string') {
            const spans = findPii(v, active, skipPrivate);
            if (spans.length === 0) return v;
            let out = '';
            let last = 0;
            for (const sp of spans) {
              found[sp.kind] = (found[sp.kind] ?? 0) + 1;
              count(counters, `found:${sp.kind}`);
              if (actions.get(sp.kind) !== 'replace') continue;
              out += v.slice(last, sp.start) + PLACEHOLDERS[sp.kind];
              last = sp.end;
              count(counters, `replaced:${sp.kind}`);
            }
            if (last === 0) return v;
            changed = true;
            return out + v.slice(last);
          }
          if (Array.isArray(v)) return v.map(scrub);
          if (v !== null && typeof v === 'object') {
            const o: Record<string, unknown> = {};
            for (const k of Object.keys(v)) setOwn(o, k, scrub((v as Record<string, unknown>)[k]));
            return o;
          }
          return v;
        };
        const next = new Map<string, unknown>();
        for (const f of fields) if (hasOwn(doc.data, f)) next.set(f, scrub(doc.data[f]));
        if (Object.keys(found).length === 0) return undefined;
        for (const k of Object.keys(found)) count(counters, `records:${k}`);
        doc.attrs.pii = found;
        for (const k of PII_KINDS) if (found[k] !== undefined && actions.get(k) === 'drop') return `pii:${k}`;
        if (changed) {
          for (const [f, v] of next) setOwn(doc.data, f, v);
          count(counters, 'records_changed');
        }
        return undefined;
      },
    });
  }
  return docStage({
    name: 'pii',
    options: { ...options },
    apply(doc: Doc, ctx: StageContext) {
      if (active.size === 0) return undefined;
      const text = getText(doc, ctx.textField);
      const spans = findPii(text, active, skipPrivate);
      if (spans.length === 0) return undefined;
      const counters = ctx.stats.counters;
      const found: Record<string, number> = {};
      for (const s of spans) {
        found[s.kind] = (found[s.kind] ?? 0) + 1;
        count(counters, `found:${s.kind}`);
      }
      for (const k of Object.keys(found)) count(counters, `records:${k}`);
      for (const k of PII_KINDS) if (found[k] !== undefined && actions.get(k) === 'drop') {
        doc.attrs.pii = found;
        return `pii:${k}`;
      }
      // Rebuild the text once, replacing the spans of `replace` kinds; tagged spans are given in
      // the coordinates of the text as written out.
      let outText = '';
      let last = 0;
      let changed = false;
      const tagged: [string, number, number][] = [];
      for (const s of spans) {
        const a = actions.get(s.kind);
        if (a === 'replace') {
          outText += text.slice(last, s.start) + PLACEHOLDERS[s.kind];
          last = s.end;
          changed = true;
          count(counters, `replaced:${s.kind}`);
        } else if (a === 'tag' && tagged.length < maxSpans) {
          const at = outText.length + (s.start - last);
          tagged.push([s.kind, at, at + (s.end - s.start)]);
        }
      }
      const finalText = changed ? outText + text.slice(last) : text;
      const result: Record<string, unknown> = { ...found };
      if (tagged.length > 0) result.spans = toCodePoints(finalText, tagged);
      doc.attrs.pii = result;
      if (changed) {
        setText(doc, finalText, ctx.textField);
        count(counters, 'records_changed');
      }
      return undefined;
    },
  });
}

/** The `pii` stage factory. */
export const piiStage: StageFactory = {
  name: 'pii',
  summary: 'find e-mails, phone numbers (CN/HK/TW/E.164), resident IDs (checksum), bank cards (Luhn), IPs; per kind replace (<EMAIL> ...), tag or drop',
  options: piiOptions,
  create: createPii,
};
