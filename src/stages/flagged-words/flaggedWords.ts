/**
 * `flagged-words`: count terms of word lists (profanity, pornography, gambling, black-hat spam)
 * in each record, write the count and ratio to `attrs.flagged_words`, and drop records over a
 * threshold of their language. Chinese is matched by characters and its ratio is the share of
 * non-space characters covered by hits; English is matched by words and its ratio is hits per
 * word (as Data-Juicer's flagged_words_filter and C4's badwords filter count them).
 */
import type { Doc } from '../../core/doc.js';
import { getText } from '../../core/doc.js';
import { UsageError } from '../../core/errors.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count, emptySummary, observe } from '../../core/stats.js';
import type { WordList } from './lists.js';
import { BUILTIN_LISTS, builtinExceptions, builtinList, builtinTopicTerms, fileList } from './lists.js';
import { AhoCorasick, isWordTerm, isWordUnit } from './matcher.js';
import { showText } from '../../core/show.js';

/** Share of CJK characters above which a record without `attrs.lang` is judged as Chinese (as `quality` does). */
export const CJK_SHARE = 0.3;

export const flaggedWordsOptions: OptionsSpec = {
  lists: {
    type: 'string[]',
    default: [...BUILTIN_LISTS],
    values: BUILTIN_LISTS,
    doc: `built-in lists to use: ${BUILTIN_LISTS.join(', ')}`,
  },
  extraLists: { type: 'string[]', default: [], path: true, doc: 'more list files (one term per line, # comments, or a JSON array); named by file name' },
  fields: { type: 'string[]', default: [], doc: 'other fields (e.g. title) whose hits add to the count (not to the ratio)' },
  minCjkTermChars: { type: 'integer', default: 2, min: 1, doc: 'leave out terms with CJK characters shorter than this (single characters such as 性 hit ordinary words)' },
  topicTerms: {
    type: 'boolean',
    default: true,
    doc: 'terms that name a crime or vice (rules/flagged-words/topic.txt: 强奸, 色情, 代孕, rape, sex ...), and English-list terms in Chinese text (XXX is a placeholder there), make a record fail only together with another hit: news reports on such things',
  },
  exceptions: { type: 'boolean', default: true, doc: 'ignore hits inside ordinary words that contain a term (rules/flagged-words/exceptions.txt: 水乳交融, 他妈妈, ...)' },
  minHits: { type: 'integer', default: 2, min: 1, doc: 'the ratio rules apply only from this many hits (one mild word in a short review is not spam)' },
  maxRatioZh: { type: 'number', default: 0.01, min: 0, nullable: true, doc: 'Chinese: drop when hits cover more than this share of non-space characters' },
  maxCountZh: { type: 'integer', default: 2, min: 0, nullable: true, doc: 'Chinese: drop when there are more hits than this' },
  maxRatioEn: { type: 'number', default: 0.01, min: 0, nullable: true, doc: 'other languages: drop when hits per word exceed this' },
  maxCountEn: { type: 'integer', default: null, min: 0, nullable: true, doc: 'other languages: drop when there are more hits than this' },
  tagOnly: { type: 'boolean', default: false, doc: 'write the signals but drop nothing' },
};

/** Reject reasons, by language and measure. */
export const FLAGGED_REASONS = ['flagged_words:zh_ratio', 'flagged_words:zh_count', 'flagged_words:en_ratio', 'flagged_words:en_count'] as const;

/** How many distinct terms `attrs.flagged_words.terms` shows. */
const MAX_TERMS_SHOWN = 5;

/** Counts of one scan. */
interface Scan {
  hits: number;
  /** Hits of topic terms (and of the `weakList` in this scan): they count only beside another hit. */
  weak: number;
  /** A list whose hits are weak in this scan (-1: none). */
  weakList: number;
  covered: number;
  byList: Int32Array;
  terms: string[];
}

/** The terms of all lists merged into one automaton; each term remembers the first list that has it. */
export class FlaggedMatcher {
  readonly lists: readonly string[];
  private readonly ac: AhoCorasick;
  private readonly listOf: Int32Array;
  /** 1 for a topic term (counts only beside another hit). */
  private readonly topic: Uint8Array;

  /** True when some exception term exists (hits are then buffered and checked). */
  private readonly hasExceptions: boolean;
  private readonly buf: number[] = [];

  /**
   * `exceptions` are ordinary words that contain a flagged term (水乳交融 holds 乳交, 他妈妈 holds
   * 他妈): they are matched too, and a flagged hit lying inside an exception hit is not counted.
   */
  constructor(lists: readonly WordList[], minCjkTermChars = 2, exceptions: readonly string[] = [], topicTerms: readonly string[] = []) {
    this.lists = lists.map((l) => l.name);
    const index = new Map<string, number>();
    const terms: string[] = [];
    const listOf: number[] = [];
    for (const raw of exceptions) {
      const t = raw.toLowerCase();
      if (t === '' || index.has(t)) continue;
      index.set(t, terms.length);
      terms.push(t);
      listOf.push(-1);
    }
    this.hasExceptions = terms.length > 0;
    lists.forEach((l, li) => {
      for (const raw of l.terms) {
        const t = raw.toLowerCase();
        if (!isWordTerm(t) && [...t].length < minCjkTermChars) continue;
        if (index.has(t)) continue;
        index.set(t, terms.length);
        terms.push(t);
        listOf.push(li);
      }
    });
    this.ac = new AhoCorasick(terms);
    this.listOf = Int32Array.from(listOf);
    this.topic = new Uint8Array(terms.length);
    for (const raw of topicTerms) {
      const i = index.get(raw.toLowerCase());
      if (i !== undefined && listOf[i] >= 0) this.topic[i] = 1;
    }
  }

  /** Number of flagged terms (exceptions not counted). */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.listOf.length; i++) if (this.listOf[i] >= 0) n++;
    return n;
  }

  /** Scan one text, adding to `acc`. Overlapping hits count once; covered counts code units under any hit. */
  scan(text: string, acc: Scan): void {
    if (this.hasExceptions) {
      // Buffer the hits (term, start, end), then drop flagged hits inside an exception hit.
      const buf = this.buf;
      buf.length = 0;
      this.ac.scan(text, (t, start, end) => {
        buf.push(t, start, end);
      });
      if (buf.length === 0) return;
      const ex: number[] = [];
      for (let i = 0; i < buf.length; i += 3) if (this.listOf[buf[i]] < 0) ex.push(buf[i + 1], buf[i + 2]);
      let lastEnd = 0;
      for (let i = 0; i < buf.length; i += 3) {
        const t = buf[i];
        if (this.listOf[t] < 0) continue;
        const start = buf[i + 1];
        const end = buf[i + 2];
        let inside = false;
        for (let k = 0; k < ex.length && !inside; k += 2) if (ex[k] <= start && end <= ex[k + 1]) inside = true;
        if (inside) continue;
        lastEnd = this.count(t, start, end, lastEnd, acc);
      }
      return;
    }
    let lastEnd = 0;
    this.ac.scan(text, (t, start, end) => {
      lastEnd = this.count(t, start, end, lastEnd, acc);
    });
  }

  /** Count one flagged hit; returns the new end of the covered run. */
  private count(t: number, start: number, end: number, lastEnd: number, acc: Scan): number {
    const listOf = this.listOf;
    const terms = this.ac.terms;
    if (start >= lastEnd) {
      acc.hits++;
      if (this.topic[t] === 1 || listOf[t] === acc.weakList) acc.weak++;
      acc.byList[listOf[t]]++;
      acc.covered += end - start;
      if (acc.terms.length < MAX_TERMS_SHOWN && !acc.terms.includes(terms[t])) acc.terms.push(terms[t]);
    } else if (end > lastEnd) acc.covered += end - lastEnd;
    return end > lastEnd ? end : lastEnd;
  }

  newScan(): Scan {
    return { hits: 0, weak: 0, weakList: -1, byList: new Int32Array(this.lists.length), covered: 0, terms: [] };
  }
}

/** Non-space code units, CJK code units and words of a text, in one pass. */
function measure(text: string): { nonSpace: number; cjk: number; words: number } {
  let nonSpace = 0;
  let cjk = 0;
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === 0x3000 || c === 0xa0) {
      inWord = false;
      continue;
    }
    nonSpace++;
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff)) {
      cjk++;
      inWord = false;
    } else if (isWordUnit(c)) {
      if (!inWord) words++;
      inWord = true;
    } else inWord = false;
  }
  return { nonSpace, cjk, words };
}

/** Build the stage from resolved options. */
export function createFlaggedWords(options: Record<string, unknown>): Stage {
  const lists: WordList[] = (options.lists as string[]).map(builtinList);
  for (const p of options.extraLists as string[]) lists.push(fileList(p));
  const names = new Set<string>();
  for (const l of lists) {
    if (names.has(l.name)) throw new UsageError(`flagged-words: two lists are named '${showText(l.name)}'`);
    names.add(l.name);
  }
  const exceptions = options.exceptions === true ? builtinExceptions() : [];
  const topicTerms = options.topicTerms === true;
  const matcher = new FlaggedMatcher(lists, options.minCjkTermChars as number, exceptions, topicTerms ? builtinTopicTerms() : []);
  // In Chinese text, the English list's hits are weak too: Latin words there are placeholders (祝XXX生日快乐), names and loanwords.
  const enList = topicTerms ? lists.findIndex((l) => l.name === 'ldnoobw-en') : -1;
  if (matcher.size === 0) throw new UsageError('flagged-words: the lists hold no terms');
  const fields = options.fields as string[];
  const maxRatioZh = options.maxRatioZh as number | null;
  const maxCountZh = options.maxCountZh as number | null;
  const maxRatioEn = options.maxRatioEn as number | null;
  const maxCountEn = options.maxCountEn as number | null;
  const tagOnly = options.tagOnly === true;
  const minHits = options.minHits as number;

  return docStage({
    name: 'flagged-words',
    options: { ...options },
    apply(doc: Doc, ctx: StageContext) {
      const text = getText(doc, ctx.textField);
      const m = measure(text);
      const lang = doc.attrs.lang;
      const zh = typeof lang === 'string' ? lang === 'zh' : m.nonSpace > 0 && m.cjk / m.nonSpace >= CJK_SHARE;
      const acc = matcher.newScan();
      if (zh) acc.weakList = enList;
      matcher.scan(text, acc);
      const textHits = acc.hits;
      const covered = acc.covered;
      for (const f of fields) {
        const v = doc.data[f];
        if (typeof v === 'string' && v.length > 0) matcher.scan(v, acc);
      }
      const ratio = zh ? (m.nonSpace > 0 ? covered / m.nonSpace : 0) : m.words > 0 ? textHits / m.words : 0;
      const byList: Record<string, number> = {};
      for (let i = 0; i < acc.byList.length; i++) if (acc.byList[i] > 0) byList[matcher.lists[i]] = acc.byList[i];
      doc.attrs.flagged_words = { lang: zh ? 'zh' : 'en', count: acc.hits, ratio, lists: byList, terms: acc.terms, ...(acc.weak > 0 ? { weak: acc.weak } : {}) };
      const stats = ctx.stats;
      observe((stats.summaries['flagged_ratio'] ??= emptySummary()), ratio);
      if (acc.hits > 0) {
        count(stats.counters, 'records_with_hits');
        for (const name of Object.keys(byList)) count(stats.counters, `list:${name}`);
      }
      if (tagOnly) return undefined;
      // Only weak hits (topic terms): a report about the thing, not the thing.
      if (acc.weak === acc.hits) {
        if (acc.hits > 0) count(stats.counters, 'topic_only_kept');
        return undefined;
      }
      if (zh) {
        if (maxRatioZh !== null && acc.hits >= minHits && ratio > maxRatioZh) return 'flagged_words:zh_ratio';
        if (maxCountZh !== null && acc.hits > maxCountZh) return 'flagged_words:zh_count';
      } else {
        if (maxRatioEn !== null && acc.hits >= minHits && ratio > maxRatioEn) return 'flagged_words:en_ratio';
        if (maxCountEn !== null && acc.hits > maxCountEn) return 'flagged_words:en_count';
      }
      return undefined;
    },
  });
}

/** The `flagged-words` stage factory. */
export const flaggedWordsStage: StageFactory = {
  name: 'flagged-words',
  summary: 'count profanity, porn, gambling and spam terms (LDNOOBW en/zh + Chinese lexicons + your lists); drop over a per-language ratio or count',
  options: flaggedWordsOptions,
  create: createFlaggedWords,
};
