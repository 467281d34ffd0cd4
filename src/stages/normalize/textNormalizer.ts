import { decodeEntities } from './htmlEntities.js';
import { mayBeMojibake, repairMojibake } from './mojibake.js';
import { isFullwidthAlnum, isHSpace, isZeroWidth, tidy } from './tidy.js';
import type { TidyBits, TidySteps } from './tidy.js';
import { streamSafe } from '../../core/streamSafe.js';
import { readFileSync } from 'node:fs';
import { tableChecksum } from '../../core/tableChecksum.js';

/** Unicode normalisation form applied by the text normaliser. */
export type UnicodeForm = 'NFC' | 'NFKC' | 'none';

/** What the text normaliser does; see `normalize`'s options for the defaults. */
export interface TextNormalizeConfig {
  /** `NFC` (default), `NFKC` (also folds compatibility characters, including Chinese full-width punctuation) or `none`. */
  unicode: UnicodeForm;
  /** Repair UTF-8 mis-decoded as cp1252/Latin-1 where unambiguous (default true). */
  mojibake: boolean;
  /** Decode HTML character references (default false). */
  entities: boolean;
  /** Full-width ASCII letters and digits (Ａ, ０) to half-width; punctuation kept (default false). */
  fullwidth: boolean;
  /** Remove control characters other than `\n` and `\t` (default true). */
  controls: boolean;
  /** Remove zero-width and invisible format characters (default true). */
  zeroWidth: boolean;
  /** CRLF and CR to LF (default true). */
  newlines: boolean;
  /** Remove spaces and tabs at the end of lines (default true). */
  trailingSpace: boolean;
  /** Longest run of blank lines kept; longer runs are cut to it. `null` keeps all (default 1). */
  maxBlankLines: number | null;
}

/** The default configuration. */
export const DEFAULT_TEXT_CONFIG: Readonly<TextNormalizeConfig> = Object.freeze({
  unicode: 'NFC',
  mojibake: true,
  entities: false,
  fullwidth: false,
  controls: true,
  zeroWidth: true,
  newlines: true,
  trailingSpace: true,
  maxBlankLines: 1,
});

/** Kinds of change, as counter names (`text:<kind>` in the stage stats). */
export const CHANGE_KINDS = [
  'mojibake',
  'entities',
  'newlines',
  'controls',
  'zero_width',
  'fullwidth',
  'unicode',
  'trailing_space',
  'blank_lines',
  'mark_runs',
  'lone_surrogates',
] as const;
/** One kind of change made by the text normaliser. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

const BIT: Record<ChangeKind, number> = Object.fromEntries(CHANGE_KINDS.map((k, i) => [k, 1 << i])) as Record<ChangeKind, number>;
const TIDY_BITS: TidyBits = {
  newlines: BIT.newlines,
  controls: BIT.controls,
  zeroWidth: BIT.zero_width,
  fullwidth: BIT.fullwidth,
  trailingSpace: BIT.trailing_space,
  blankLines: BIT.blank_lines,
};

/**
 * Blocks whose characters, when unchanged by normalisation on their own, cannot combine with a
 * preceding character either, so a string made only of them is already normalised. Combining
 * marks (also the ideographic tone marks U+302A–U+302F, which canonical ordering moves among
 * themselves), Hangul jamo and kana voicing marks are outside them; astral characters have their
 * own table (ASTRAL_LO..ASTRAL_HI). A test checks every character they admit against the Unicode
 * data. Exported for the tests.
 */
export const STABLE_BLOCKS: ReadonlyArray<readonly [number, number]> = [
  [0x00a0, 0x02ff], [0x0370, 0x03ff], [0x0400, 0x0482], [0x048a, 0x052f], [0x1e00, 0x1fff],
  [0x2000, 0x20cf], [0x2100, 0x2bff], [0x2e80, 0x2fdf], [0x3000, 0x3029], [0x3030, 0x3098], [0x309b, 0x30ff],
  [0x3100, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xac00, 0xd7a3],
  [0xfe00, 0xfe0f], [0xfe30, 0xfe4f], [0xff00, 0xffef],
];

/**
 * Astral code points held to the same rule (emoji and pictographs, U+1F000–U+1FBFF): the high
 * surrogates that start them, and the table of the code points themselves. Web text is full of
 * emoji; without this, a post with one smiley took the slow path (six scans and an NFC call).
 */
const ASTRAL_LO = 0x1f000;
const ASTRAL_HI = 0x1fbff;
const ASTRAL_LEAD_LO = 0xd83c;
const ASTRAL_LEAD_HI = 0xd83e;
const astralCache = new Map<UnicodeForm, Uint8Array>();

/** Bits of the stable table: the character is unchanged by NFC (by NFKC) on its own. */
const NFC_STABLE = 1;
const NFKC_STABLE = 2;
const FORM_BIT = { NFC: NFC_STABLE, NFKC: NFKC_STABLE } as const;

/** Entries of the stable table: the BMP's code units, then the astral code points ASTRAL_LO..ASTRAL_HI. */
const STABLE_SIZE = 0x10000 + ASTRAL_HI - ASTRAL_LO + 1;

/**
 * Which characters of STABLE_BLOCKS and of the astral table are unchanged by NFC and by NFKC on
 * their own (NFC_STABLE | NFKC_STABLE; 0 outside them), as `String.prototype.normalize` says:
 * ~60,000 characters, each normalised twice. Made by `npm run build` (scripts/normalize-tables.mjs)
 * into dist/stages/normalize/unicode-stable.bin, and read from there (`stableTable`): making it
 * cost ~25-100 ms of CPU in every process that built a normaliser (every `run` and worker; issue
 * #16, twenty-fifth pass).
 */
export function buildStableTable(): Uint8Array {
  const t = new Uint8Array(STABLE_SIZE);
  const bits = (ch: string): number => (ch.normalize('NFC') === ch ? NFC_STABLE : 0) | (ch.normalize('NFKC') === ch ? NFKC_STABLE : 0);
  for (const [lo, hi] of STABLE_BLOCKS) for (let c = lo; c <= hi; c++) t[c] = bits(String.fromCharCode(c));
  for (let c = ASTRAL_LO; c <= ASTRAL_HI; c++) t[0x10000 + c - ASTRAL_LO] = bits(String.fromCodePoint(c));
  return t;
}

/**
 * The version of the stable table's making: raise it when `buildStableTable`, STABLE_BLOCKS or
 * the astral range change. The key names it with this Node's ICU and Unicode versions (whose
 * normalisation data the table records); test/stages/normalize/stableTable25.test.ts fails when
 * the built file differs from what the sources make.
 */
export const STABLE_TABLE_VERSION = 1;

/** What the stable table depends on: the code that makes it, this Node's ICU and Unicode versions. */
export function stableTableKey(): string {
  return `corpus-clean normalize stable v${STABLE_TABLE_VERSION}; icu ${process.versions.icu}; unicode ${process.versions.unicode}`;
}

/** Bytes of the built file's header: the key and the table's checksum, padded with spaces. */
const STABLE_HEADER = 128;

const stableHead = (table: Uint8Array, key: string): string => `${key}; table ${tableChecksum([table])}`;

/** The built file's bytes for `table` (header, then the table). */
export function stableTableFile(table: Uint8Array, key = stableTableKey()): Buffer {
  const head = Buffer.alloc(STABLE_HEADER, 0x20);
  head.write(stableHead(table, key), 'latin1');
  return Buffer.concat([head, table]);
}

/** The table in a built file's bytes when its key is `key`, its size right and its checksum that of its contents; else undefined. */
export function stableTableOf(file: Buffer, key = stableTableKey()): Uint8Array | undefined {
  if (file.length !== STABLE_HEADER + STABLE_SIZE) return undefined;
  const table = new Uint8Array(file.buffer, file.byteOffset + STABLE_HEADER, STABLE_SIZE);
  if (file.toString('latin1', 0, STABLE_HEADER).trimEnd() !== stableHead(table, key)) return undefined;
  return table;
}

let stableLoaded: Uint8Array | undefined;

/** The stable table: the built file when it is there and its key matches this process, else made here. Read when first asked for. */
function stableTable(): Uint8Array {
  if (stableLoaded !== undefined) return stableLoaded;
  let file: Buffer | undefined;
  try {
    file = readFileSync(new URL('./unicode-stable.bin', import.meta.url));
  } catch {
    // not built (run from the sources, or a build without the script): made here
  }
  stableLoaded = (file !== undefined ? stableTableOf(file) : undefined) ?? buildStableTable();
  return stableLoaded;
}

/**
 * Per code point of U+1F000–U+1FBFF: 1 when it is unchanged by `unicode` on its own (the rule of
 * STABLE_BLOCKS; the other steps never touch astral characters). Indexed from ASTRAL_LO.
 */
function astralTable(unicode: UnicodeForm): Uint8Array {
  const cached = astralCache.get(unicode);
  if (cached) return cached;
  const t = new Uint8Array(ASTRAL_HI - ASTRAL_LO + 1);
  if (unicode === 'none') t.fill(1);
  else {
    const s = stableTable();
    const bit = FORM_BIT[unicode];
    for (let c = ASTRAL_LO; c <= ASTRAL_HI; c++) if ((s[0x10000 + c - ASTRAL_LO] & bit) !== 0) t[c - ASTRAL_LO] = 1;
  }
  astralCache.set(unicode, t);
  return t;
}

/**
 * Table values: 1 = never needs work under the configuration; 2 = whitespace whose fate depends on
 * what follows; 3 = the high surrogate of an astral character to look up in the astral table; 4 =
 * a Latin-1 letter that is also a UTF-8 lead byte read as cp1252 (é, ñ, ×): only mojibake when
 * next to another non-ASCII character, since a repaired run is at least two characters long; 0 =
 * needs the slow path.
 */
const SURROGATE_PAIR = 3;
const LONE_LEAD = 4;

const tableCache = new Map<string, Uint8Array>();

/** ES2024's well-formedness methods (Node 20 has them; the ES2023 lib does not declare them). */
type WellFormed = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * Per UTF-16 code unit, what a clean scan does with it under `cfg` (the values above). Built once
 * per configuration. Exported for the tests.
 */
export function cleanTable(cfg: TextNormalizeConfig): Uint8Array {
  const key = JSON.stringify(cfg);
  const cached = tableCache.get(key);
  if (cached) return cached;
  const t = new Uint8Array(0x10000);
  for (let c = 0x21; c < 0x7f; c++) t[c] = 1;
  if (cfg.entities) t[0x26] = 0;
  t[0x20] = t[0x09] = cfg.trailingSpace ? 2 : 1;
  t[0x0a] = cfg.maxBlankLines !== null ? 2 : 1;
  if (!cfg.newlines) t[0x0d] = cfg.controls ? 0 : 1;
  if (!cfg.controls) {
    for (let c = 0; c < 0x20; c++) if (c !== 0x0d && c !== 0x09 && c !== 0x0a) t[c] = 1;
    for (let c = 0x7f; c < 0xa0; c++) t[c] = 1;
  }
  const blocks: ReadonlyArray<readonly [number, number]> = cfg.unicode === 'none' ? [[0xa0, 0xffff]] : STABLE_BLOCKS;
  const stable = cfg.unicode === 'none' ? undefined : stableTable();
  const bit = cfg.unicode === 'none' ? 0 : FORM_BIT[cfg.unicode];
  for (const [lo, hi] of blocks) {
    for (let c = lo; c <= hi; c++) {
      if (stable !== undefined && (stable[c] & bit) === 0) continue;
      if (cfg.zeroWidth && isZeroWidth(c)) continue;
      if (cfg.fullwidth && isFullwidthAlnum(c)) continue;
      if (cfg.mojibake && c >= 0xc2 && c <= 0xf4) t[c] = LONE_LEAD;
      else t[c] = cfg.trailingSpace && isHSpace(c) ? 2 : 1;
    }
  }
  if (cfg.unicode !== 'none') for (let c = ASTRAL_LEAD_LO; c <= ASTRAL_LEAD_HI; c++) t[c] = SURROGATE_PAIR;
  // A surrogate may be a lone one (replaced by U+FFFD): the slow path looks, under every form.
  else t.fill(0, 0xd800, 0xe000);
  tableCache.set(key, t);
  return t;
}

/**
 * A compiled text normaliser. `normalize(s)` applies, in this order: mojibake repair, HTML
 * entities, newlines, control and zero-width removal, full-width letters and digits, Unicode
 * normalisation, trailing spaces, blank-line runs. The order makes one pass idempotent for the
 * cheap steps; when a pass changed the text through a step that can expose new work (mojibake,
 * entities, Unicode composition), it is repeated until the text is stable (at most 4 passes).
 *
 * A quick scan with a per-character table skips all work on text that is already clean, which
 * is most text: `String.prototype.normalize` is only called when some character could change.
 */
export class TextNormalizer {
  readonly config: Readonly<TextNormalizeConfig>;
  private readonly table: Uint8Array;
  private readonly maxNewlines: number;
  private readonly allSteps: TidySteps;
  private readonly beforeUnicode: TidySteps;
  private readonly afterUnicode: TidySteps;
  private readonly acc = { bits: 0 };
  private readonly unicodeTable: Uint8Array | null;
  private readonly astral: Uint8Array;

  constructor(config: Partial<TextNormalizeConfig> = {}) {
    this.config = Object.freeze({ ...DEFAULT_TEXT_CONFIG, ...config });
    const cfg = this.config;
    this.table = cleanTable(cfg);
    this.astral = astralTable(cfg.unicode);
    this.maxNewlines = cfg.maxBlankLines === null ? Infinity : cfg.maxBlankLines + 1;
    const { newlines, controls, zeroWidth, fullwidth, trailingSpace } = cfg;
    this.allSteps = { newlines, controls, zeroWidth, fullwidth, trailingSpace, maxNewlines: this.maxNewlines };
    this.beforeUnicode = { ...this.allSteps, trailingSpace: false, maxNewlines: Infinity };
    this.afterUnicode = { newlines: false, controls: false, zeroWidth: false, fullwidth: false, trailingSpace, maxNewlines: this.maxNewlines };
    this.unicodeTable =
      cfg.unicode === 'none'
        ? null
        : cleanTable({ ...DEFAULT_TEXT_CONFIG, unicode: cfg.unicode, mojibake: false, entities: false, fullwidth: false, controls: false, zeroWidth: false, trailingSpace: false, maxBlankLines: null, newlines: false });
  }

  /** True when `normalize(s)` would return `s` unchanged; a single cheap scan. */
  isClean(s: string): boolean {
    const t = this.table;
    const n = s.length;
    const maxNl = this.maxNewlines;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      const f = t[c];
      if (f === 1) {
        nl = 0;
        continue;
      }
      if (f === 0) return false;
      if (f === SURROGATE_PAIR) {
        if (!this.astralStable(c, s.charCodeAt(i + 1))) return false;
        i++;
        nl = 0;
        continue;
      }
      if (f === LONE_LEAD) {
        if ((i > 0 && s.charCodeAt(i - 1) >= 0x80) || (i + 1 < n && s.charCodeAt(i + 1) >= 0x80)) return false;
        nl = 0;
        continue;
      }
      if (c === 10) {
        if (++nl > maxNl) return false;
        continue;
      }
      // Horizontal whitespace: dirty when it ends a line.
      if (i + 1 === n || s.charCodeAt(i + 1) === 10) return false;
      nl = 0;
    }
    return true;
  }

  /**
   * Normalise `s`. `changes` receives a bit per kind of change made (see `CHANGE_KINDS`), so the
   * caller can count them; pass nothing when counts are not wanted.
   */
  normalize(s: string, changes?: { bits: number }): string {
    if (this.isClean(s)) return s;
    let bits = 0;
    let cur = s;
    for (let round = 0; round < 4; round++) {
      const r = this.pass(cur);
      bits |= r.bits;
      cur = r.text;
      // The steps after mojibake and entities are stable in one pass (their order sees to it),
      // but a later step can complete a mojibake sequence or an entity — a removed invisible
      // character (`&\uFEFFamp;`), a trailing NBSP (`Ã©\u00A0` at a line end), an NFKC fold —
      // and a decoded entity can be mojibake itself. Run again only when one would fire.
      if (!this.wouldRepairAgain(cur)) break;
    }
    this.noMojibake = undefined;
    if (changes) changes.bits |= bits;
    return cur;
  }

  /**
   * The text the last `pass` found no mojibake to repair in (after its repairs), or undefined:
   * when the pass's later steps left it as it was, `wouldRepairAgain` knows the answer without
   * a second scan (most texts that are not clean: an accented letter, nothing to change).
   */
  private noMojibake: string | undefined;

  private wouldRepairAgain(s: string): boolean {
    const cfg = this.config;
    if (cfg.mojibake && s !== this.noMojibake && mayBeMojibake(s) && repairMojibake(s).runs > 0) return true;
    return cfg.entities && s.indexOf('&') >= 0 && decodeEntities(s).count > 0;
  }

  /** Whether the high surrogate `hi` and the code unit `lo` after it make a character of the astral table. */
  private astralStable(hi: number, lo: number): boolean {
    if (!(lo >= 0xdc00 && lo <= 0xdfff)) return false;
    return this.astral[((hi - 0xd800) << 10) + (lo - 0xdc00) + 0x10000 - ASTRAL_LO] === 1;
  }

  private unicodeStable(s: string): boolean {
    const t = this.unicodeTable!;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const f = t[c];
      if (f === 0) return false;
      if (f === SURROGATE_PAIR) {
        if (!this.astralStable(c, s.charCodeAt(i + 1))) return false;
        i++;
      }
    }
    return true;
  }

  private pass(input: string): { text: string; bits: number } {
    const cfg = this.config;
    let s = input;
    let bits = 0;
    // A lone UTF-16 surrogate (half of an astral character, cut off) is no character and has no
    // UTF-8 bytes: U+FFFD in its place, as ftfy's fix_surrogates and every UTF-8 encoder do.
    if (!(s as WellFormed).isWellFormed()) {
      s = (s as WellFormed).toWellFormed();
      bits |= BIT.lone_surrogates;
    }
    // Repeat before any removal step runs: a soft hyphen (U+00AD) may be byte 0xAD of the
    // next layer of double mojibake.
    this.noMojibake = undefined;
    for (let k = 0; cfg.mojibake; k++) {
      if (!mayBeMojibake(s)) {
        this.noMojibake = s;
        break;
      }
      if (k === 3) break;
      const r = repairMojibake(s);
      if (r.runs === 0) {
        this.noMojibake = s;
        break;
      }
      s = r.text;
      bits |= BIT.mojibake;
    }
    if (cfg.entities) {
      const r = decodeEntities(s);
      if (r.count > 0) {
        s = r.text;
        bits |= BIT.entities;
      }
    }
    // The character-level steps in one scan (tidy), or two around Unicode normalisation when it
    // has something to do: a text of characters stable on their own stays stable when some are
    // removed, CR becomes LF or full-width letters become ASCII.
    const acc = this.acc;
    acc.bits = 0;
    if (cfg.unicode === 'none' || this.unicodeStable(s)) {
      s = tidy(s, this.allSteps, TIDY_BITS, acc);
    } else {
      s = tidy(s, this.beforeUnicode, TIDY_BITS, acc);
      if (!this.unicodeStable(s)) {
        // Stream-Safe first (UAX #15): a run of over 30 combining marks, which canonical ordering
        // sorts in time quadratic in its length, is cut by a CGJ (counted as `text:mark_runs`).
        const safe = streamSafe(s, cfg.unicode === 'NFKC');
        const t = safe.normalize(cfg.unicode);
        if (safe !== s) acc.bits |= BIT.mark_runs;
        if (t !== safe) acc.bits |= BIT.unicode;
        s = t;
      }
      s = tidy(s, this.afterUnicode, TIDY_BITS, acc);
    }
    bits |= acc.bits;
    return { text: s, bits };
  }
}

/** The change kinds set in a bit mask from `TextNormalizer.normalize`. */
export function changeKinds(bits: number): ChangeKind[] {
  return CHANGE_KINDS.filter((k) => (bits & BIT[k]) !== 0);
}
