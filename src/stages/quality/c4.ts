import * as chars from './chars.js';

const CHAR_CLASS = chars.CHAR_CLASS;
const SPACE = chars.SPACE;
const CJK = chars.CJK;
import type { TextProfile } from './profile.js';

/** Settings of the C4 line rules (datatrove `C4QualityFilter` defaults in the `web-en` preset). */
export interface C4Config {
  /** A kept line must end with one of these (C4: `. ? ! " '`). */
  endPunctuation: readonly string[];
  /** A line ending in `...` does not count as terminated (C4: true). */
  excludeEllipsis: boolean;
  /** Remove lines without terminal punctuation (C4: true; the FineWeb recipe turns it off). */
  requireTerminalPunct: boolean;
  /** `words`: white-space separated words per line (C4); `chars`: non-space characters (Chinese). */
  lineUnits: 'words' | 'chars';
  /** Minimum words (or characters) per kept line (C4: 3); 0 turns it off. */
  minPerLine: number;
  /** Lines with a white-space separated word longer than this are removed (C4: 1000); 0 = off. */
  maxWordLength: number;
  /**
   * For `maxWordLength`, each CJK character is a word of its own (default false, as in C4). Chinese
   * puts no spaces between words, so without this a fluent line over 1000 characters is one
   * "word" and the whole line is removed (the `web-zh` preset turns it on).
   */
  cjkWords: boolean;
  /** Strip Wikipedia citation marks `[1]`, `[edit]`, `[citation needed]` first (C4: true). */
  removeCitations: boolean;
  /** Remove lines mentioning javascript (C4: true). */
  javascript: boolean;
  /** Remove lines containing any of these (lower-cased) phrases (C4: cookie/terms-of-use phrases). */
  policy: readonly string[];
  /** Characters that end a sentence when followed by space or the end of the line. */
  sentenceEnds: string;
  /** Characters that end a sentence wherever they are (full-width `。！？`). */
  sentenceEndsAnywhere: string;
  /**
   * A `{` right after one of these characters is not a curly bracket for the C4 rule (Chinese
   * Wikipedia's `-{...}-` script-conversion markup); empty in C4.
   */
  curlyExemptAfter: string;
}

/** Why a line is removed, as counted in `ctx.stats.counters` (`c4_line_removed:<reason>`). */
export type C4LineReason = 'too_long_word' | 'no_terminal_punct' | 'too_few_words' | 'javascript' | 'policy';

/** What the C4 line pass found in one document. */
export interface C4Result {
  /** Lines looked at (`str.splitlines()`). */
  lines: number;
  /** Indices of kept lines: the first `nKept` entries (a buffer that may be longer). */
  kept: Int32Array;
  /** Kept lines. */
  nKept: number;
  /** Kept lines whose text changed (citations removed), by index. */
  changed: Map<number, string> | undefined;
  /** Removed lines by reason. */
  removed: Record<C4LineReason, number>;
  /** Sentences in kept lines. */
  sentences: number;
  loremIpsum: boolean;
  curlyBracket: boolean;
}

const CITATION = /\[\d*]|\[edit]|\[citation needed]/g;
const LOREM = 1;
const LOREM_ONLY = /^lorem ipsum$/i;
const JAVASCRIPT_ONLY = /^javascript$/i;
const JAVASCRIPT = 2;
const POLICY = 4;
let lineFlags = new Uint8Array(256);
/** The lines that reach the phrase checks, in order (`run`'s first pass). */
let reach = new Int32Array(256);
/**
 * Reaching lines closer than this (characters between them) are scanned for phrases in one
 * piece: each piece costs a slice and a call of the expression.
 */
const PHRASE_GAP = 256;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function charSet(s: string): Uint8Array {
  const t = new Uint8Array(65536);
  for (const ch of s) t[ch.charCodeAt(0)] = 1;
  return t;
}

/** `sentClass` bits: a sentence end before space or the line's end, one anywhere, a closer after one. */
const SENT_END = 1;
const SENT_END_ANY = 2;
const CLOSER = 4;

/** A compiled C4 line filter. */
export class C4Lines {
  private readonly ends: readonly string[];
  private readonly endSet: Uint8Array;
  private readonly curlyExempt: Uint8Array;
  /** Per code unit: SENT_END, SENT_END_ANY and CLOSER bits (one lookup per character). */
  private readonly sentClass = new Uint8Array(65536);

  constructor(readonly config: C4Config) {
    this.ends = config.endPunctuation;
    this.endSet = charSet(config.endPunctuation.filter((e) => e.length === 1).join(''));
    this.curlyExempt = charSet(config.curlyExemptAfter);
    for (const ch of config.sentenceEnds) this.sentClass[ch.charCodeAt(0)] |= SENT_END;
    for (const ch of config.sentenceEndsAnywhere) this.sentClass[ch.charCodeAt(0)] |= SENT_END_ANY;
    for (const ch of '"\'”’」』）)]') this.sentClass[ch.charCodeAt(0)] |= CLOSER;
    // One case-insensitive scan of the whole text finds every phrase the line rules look for;
    // built once here, never per record.
    // No capture groups (they cost ~15 % of the scan): which phrase a match is, is told by
    // `kindOf`, which only matches are asked (a few hundred per 34 MB of web text).
    const alts = ['lorem ipsum'];
    if (config.javascript) alts.push('javascript');
    alts.push(...config.policy.map(escapeRe));
    this.phrases = new RegExp(alts.join('|'), 'gi');
    this.javascript = config.javascript;
    // No phrase spans a line (none holds a newline): a line's matches are then those of a scan
    // that starts at the line, so only the lines that reach the phrase checks need scanning.
    this.byLine = !config.policy.some((ph) => ph.includes('\n'));
  }

  private readonly byLine: boolean;

  private readonly phrases: RegExp;
  private readonly javascript: boolean;

  /**
   * LOREM, JAVASCRIPT or POLICY: the alternative of `phrases` that gave the match `s`. At a
   * position the first alternative that matches wins, so `s` is lorem ipsum's match exactly when
   * it reads "lorem ipsum" under the same case folding (non-unicode `i`), else javascript's when
   * it reads "javascript" (and that rule is on), else a policy phrase's.
   */
  private kindOf(s: string): number {
    return LOREM_ONLY.test(s) ? LOREM : this.javascript && JAVASCRIPT_ONLY.test(s) ? JAVASCRIPT : POLICY;
  }

  /**
   * Mark, per line, which phrases (lorem ipsum, javascript, policy) it holds: the lines
   * `reach[0, n)` (ascending), and maybe lines between them (never read). Each stretch of
   * reaching lines is scanned as a slice of the text; a match is the line's where it starts.
   * Without `byLine`, the whole text is scanned.
   */
  private flagLines(p: TextProfile, n: number): Uint8Array {
    if (lineFlags.length < p.nLines) lineFlags = new Uint8Array(Math.max(p.nLines, lineFlags.length * 2));
    const flags = lineFlags;
    const re = this.phrases;
    const text = p.text;
    let m: RegExpExecArray | null;
    if (!this.byLine) {
      flags.fill(0, 0, p.nLines);
      re.lastIndex = 0;
      let line = 0;
      while ((m = re.exec(text)) !== null) {
        const at = m.index;
        while (line + 1 < p.nLines && p.lineStart[line + 1] <= at) line++;
        flags[line] |= this.kindOf(m[0]);
      }
      return flags;
    }
    const ls = p.lineStart;
    const le = p.lineEnd;
    for (let k = 0; k < n; ) {
      const a = reach[k];
      let b = a;
      for (k++; k < n && ls[reach[k]] - le[b] <= PHRASE_GAP; k++) b = reach[k];
      flags.fill(0, a, b + 1);
      const from = ls[a];
      const to = le[b];
      const part = from === 0 && to === text.length ? text : text.slice(from, to);
      re.lastIndex = 0;
      let line = a;
      while ((m = re.exec(part)) !== null) {
        const at = m.index + from;
        while (line < b && ls[line + 1] <= at) line++;
        flags[line] |= this.kindOf(m[0]);
      }
    }
    return flags;
  }

  private endsWithTerminal(line: string, s: number, e: number): boolean {
    if (e <= s) return false;
    const last = line.charCodeAt(e - 1);
    let ok = this.endSet[last] === 1;
    if (!ok) {
      for (const p of this.ends) if (p.length > 1 && e - s >= p.length && line.startsWith(p, e - p.length)) ok = true;
    }
    if (ok && this.config.excludeEllipsis && e - s >= 3 && last === 46 && line.charCodeAt(e - 2) === 46 && line.charCodeAt(e - 3) === 46) return false;
    return ok;
  }

  /** Sentences in `line[s, e)`: runs of sentence-end marks that close a sentence; at least 1. */
  private sentences(line: string, s: number, e: number): number {
    const cls = this.sentClass;
    let n = 0;
    let i = s;
    while (i < e) {
      const k0 = cls[line.charCodeAt(i)] & (SENT_END | SENT_END_ANY);
      if (k0 !== 0) {
        const any = (k0 & SENT_END_ANY) !== 0;
        let j = i + 1;
        while (j < e && (cls[line.charCodeAt(j)] & (SENT_END | SENT_END_ANY)) !== 0) j++;
        let k = j;
        while (k < e && (cls[line.charCodeAt(k)] & CLOSER) !== 0) k++;
        if (any || k >= e || (CHAR_CLASS[line.charCodeAt(k)] & SPACE) !== 0) n++;
        i = k;
      } else i++;
    }
    return n > 0 ? n : 1;
  }

  /**
   * The result `run` fills on every call: its object, its `removed` counts and its `kept` buffer
   * (grown when a text keeps more lines) are made once, not per record (~300 bytes of garbage a
   * record, most of it a `kept` array made anew).
   */
  private readonly result: C4Result = {
    lines: 0,
    kept: new Int32Array(64),
    nKept: 0,
    changed: undefined,
    removed: { too_long_word: 0, no_terminal_punct: 0, too_few_words: 0, javascript: 0, policy: 0 },
    sentences: 0,
    loremIpsum: false,
    curlyBracket: false,
  };

  /**
   * Run the C4 line rules over the lines of a profiled text. The result is this filter's own
   * object, valid until its next `run`: copy what is kept longer.
   */
  run(p: TextProfile): C4Result {
    const cfg = this.config;
    const text = p.text;
    const res = this.result;
    const removed = res.removed;
    removed.too_long_word = 0;
    removed.no_terminal_punct = 0;
    removed.too_few_words = 0;
    removed.javascript = 0;
    removed.policy = 0;
    if (res.kept.length < p.nLines) res.kept = new Int32Array(Math.max(p.nLines, res.kept.length * 2));
    const kept = res.kept;
    let nKept = 0;
    let changed: Map<number, string> | undefined;
    let sentences = 0;
    let lorem = false;
    let curly = false;
    // str.splitlines() has no final empty line for a text ending in "\n".
    let nLines = p.nLines;
    if (nLines > 0 && p.lineStart[nLines - 1] === text.length && text.length > 0) nLines--;
    if (text.length === 0) nLines = 0;
    // Only the checks a line reaches are computed, and a scan stops as soon as its answer is
    // known; the decisions are those of checking everything in C4's order.
    const maxWord = cfg.maxWordLength;
    const minUnits = cfg.minPerLine;
    const byWords = cfg.lineUnits === 'words';
    // The next '[' and '{' at or after the line looked at (-1: none left), found by indexOf as
    // the lines go on, not by reading every line's characters.
    let nextBracket = cfg.removeCitations ? text.indexOf('[') : -1;
    let nextCurly = text.indexOf('{');
    const T = CHAR_CLASS;
    if (reach.length < nLines) reach = new Int32Array(Math.max(nLines, reach.length * 2));
    let nReach = 0;
    for (let li = 0; li < nLines; li++) {
      const s0 = p.lineTrimStart[li];
      const e0 = p.lineTrimEnd[li];
      // a white-space separated word longer than maxWordLength needs a line at least that long
      if (maxWord > 0 && e0 - s0 > maxWord) {
        let longest = 0;
        let wl = 0;
        const breaks = cfg.cjkWords ? SPACE | CJK : SPACE;
        for (let i = s0; i < e0; i++) {
          if ((T[text.charCodeAt(i)] & breaks) !== 0) {
            if (wl > longest) longest = wl;
            wl = 0;
          } else wl++;
        }
        if (wl > longest) longest = wl;
        if (longest > maxWord) {
          removed.too_long_word++;
          continue;
        }
      }
      if (nextBracket >= 0 && nextBracket < s0) nextBracket = text.indexOf('[', s0);
      const hasBracket = nextBracket >= 0 && nextBracket < e0;
      let line = text;
      let s = s0;
      let e = e0;
      if (hasBracket) {
        const stripped = text.slice(s0, e0);
        CITATION.lastIndex = 0;
        const cleaned = stripped.replace(CITATION, '');
        if (cleaned !== stripped) {
          line = cleaned;
          s = 0;
          e = cleaned.length;
          (changed ??= new Map()).set(li, cleaned);
        }
      }
      if (cfg.requireTerminalPunct && !this.endsWithTerminal(line, s, e)) {
        removed.no_terminal_punct++;
        continue;
      }
      if (minUnits > 0) {
        // words (white-space separated) or non-space characters of the original line, counted
        // up to the minimum
        let units = 0;
        let prevSpace = true;
        for (let i = s0; i < e0 && units < minUnits; i++) {
          const space = (T[text.charCodeAt(i)] & SPACE) !== 0;
          if (!space && (prevSpace || !byWords)) units++;
          prevSpace = space;
        }
        if (units < minUnits) {
          removed.too_few_words++;
          continue;
        }
      }
      reach[nReach++] = li;
    }
    // The phrase checks, for the lines that reached them only: the expression scans those.
    const flags = this.flagLines(p, nReach);
    for (let r = 0; r < nReach; r++) {
      const li = reach[r];
      const s0 = p.lineTrimStart[li];
      const e0 = p.lineTrimEnd[li];
      const cleaned = changed?.get(li);
      const line = cleaned ?? text;
      const s = cleaned === undefined ? s0 : 0;
      const e = cleaned === undefined ? e0 : cleaned.length;
      // Phrases are looked up in the original line: a citation mark never splits one.
      const f = flags[li];
      if ((f & LOREM) !== 0) lorem = true;
      if ((f & JAVASCRIPT) !== 0) {
        removed.javascript++;
        continue;
      }
      if (nextCurly >= 0 && !curly) {
        if (nextCurly < s0) nextCurly = text.indexOf('{', s0);
        while (nextCurly >= 0 && nextCurly < e0) {
          if (nextCurly === s0 || this.curlyExempt[text.charCodeAt(nextCurly - 1)] !== 1) {
            curly = true;
            break;
          }
          nextCurly = text.indexOf('{', nextCurly + 1);
        }
      }
      if ((f & POLICY) !== 0) {
        removed.policy++;
        continue;
      }
      sentences += this.sentences(line, s, e);
      kept[nKept++] = li;
    }
    res.lines = nLines;
    res.nKept = nKept;
    res.changed = changed;
    res.sentences = sentences;
    res.loremIpsum = lorem;
    res.curlyBracket = curly;
    return res;
  }

  /** The text made of the kept lines (stripped, joined with `\n`), as C4 writes it. */
  keptText(p: TextProfile, r: C4Result): string {
    const parts: string[] = [];
    for (let k = 0; k < r.nKept; k++) {
      const li = r.kept[k];
      parts.push(r.changed?.get(li) ?? p.text.slice(p.lineTrimStart[li], p.lineTrimEnd[li]));
    }
    return parts.join('\n').trim();
  }
}
