/**
 * The main content of a page, found in one linear pass over the DOM (the default `main` method
 * of `htmlToText`).
 *
 * The scoring follows the published idea of Mozilla Readability (paragraphs score their
 * ancestors by length and commas, candidates are weighed by tag, class/id and link density, the
 * best one is joined by its good siblings, and link lists, forms and image galleries inside it
 * are cleaned out), written here for speed: every count Readability gets from repeated DOM
 * queries (text length, link text, paragraphs, images, list items, inputs) is summed for every
 * element in a single post-order walk, and the DOM is never changed; the article is written by
 * walking the chosen elements with a set of elements to leave out. Readability itself stays
 * available as `method: 'readability'`; bench/extract-choice.ts compares the two on real pages.
 */
import type { TextNode } from './text.js';
import { elementsToText } from './text.js';

/** A DOM element as this module reads it (linkedom's elements have these members). */
interface El extends TextNode {
  getAttribute(name: string): string | null;
}

/** What the walk sums for one element (its whole subtree, less the parts left out). */
interface Info {
  el: El;
  name: string;
  parent: Info | null;
  /** Letters and digits (not spaces) of its text, and of the text inside links. */
  chars: number;
  linkChars: number;
  commas: number;
  /** Text directly in this block (not inside a block child): scored like a paragraph. */
  ownChars: number;
  ownCommas: number;
  paras: number;
  imgs: number;
  lis: number;
  inputs: number;
  embeds: number;
  /** Table rows, cells, and header signs (th, thead, caption): to tell a data table. */
  rows: number;
  cells: number;
  heads: number;
  /** A block child (p, div, table, list, ...) somewhere inside: not read as one paragraph. */
  hasBlock: boolean;
  /** Class/id weight, -25..25 (+ tag weight once it is a candidate). */
  weight: number;
  /** Candidate score from the paragraphs inside it; NaN while it is not a candidate. */
  score: number;
}

const UNLIKELY =
  /-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|ad-break|agegate|pagination|pager|popup|yom-remote|cookie|newsletter|subscribe|share/i;
const MAYBE = /and|article|body|column|content|main|shadow/i;
const POSITIVE = /article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story/i;
const NEGATIVE =
  /-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget|cookie|newsletter|subscribe/i;
const UNLIKELY_ROLES = new Set(['menu', 'menubar', 'complementary', 'navigation', 'alert', 'alertdialog', 'dialog', 'banner', 'contentinfo', 'search']);
/** Never a part of the article (most are cut before parsing already; these are cut here). */
const DROP = new Set(['NAV', 'FOOTER', 'ASIDE', 'FORM', 'FIELDSET', 'BUTTON', 'SELECT', 'TEXTAREA', 'INPUT', 'OBJECT', 'EMBED', 'IFRAME', 'SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'HEAD', 'LINK', 'MENU', 'DIALOG']);
/** Elements that make their parent more than one paragraph (Readability's DIV_TO_P_ELEMS). */
const BLOCKS = new Set(['BLOCKQUOTE', 'DL', 'DIV', 'IMG', 'OL', 'P', 'PRE', 'TABLE', 'UL', 'SECTION', 'ARTICLE', 'MAIN', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'FIGURE', 'HEADER']);
/** Elements scored as paragraphs (a DIV or SECTION too when nothing block-level is inside). */
const SCORED = new Set(['P', 'PRE', 'TD', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'LI', 'DD']);
/** Inline elements: their text belongs to the block around them. */
const INLINE = new Set(['A', 'ABBR', 'B', 'BDI', 'BDO', 'BR', 'CITE', 'CODE', 'DATA', 'DFN', 'EM', 'FONT', 'I', 'KBD', 'MARK', 'Q', 'S', 'SAMP', 'SMALL', 'SPAN', 'STRONG', 'SUB', 'SUP', 'TIME', 'U', 'VAR', 'WBR', 'LABEL', 'IMG', 'PICTURE', 'SOURCE', 'INS', 'DEL', 'NOBR', 'TT', 'BIG', 'CENTER', 'STRIKE']);
/** Checked for link lists, forms and galleries before they are written (Readability's cleanConditionally). */
const CLEANED = new Set(['TABLE', 'UL', 'OL', 'DIV', 'SECTION', 'HEADER', 'DL']);

function tagWeight(name: string): number {
  switch (name) {
    case 'DIV':
      return 5;
    case 'PRE':
    case 'TD':
    case 'BLOCKQUOTE':
      return 3;
    case 'ADDRESS':
    case 'OL':
    case 'UL':
    case 'DL':
    case 'DD':
    case 'DT':
    case 'LI':
    case 'FORM':
      return -3;
    case 'H1':
    case 'H2':
    case 'H3':
    case 'H4':
    case 'H5':
    case 'H6':
    case 'TH':
      return -5;
    default:
      return 0;
  }
}

function classWeight(cls: string, id: string): number {
  let w = 0;
  if (cls !== '') {
    if (NEGATIVE.test(cls)) w -= 25;
    if (POSITIVE.test(cls)) w += 25;
  }
  if (id !== '') {
    if (NEGATIVE.test(id)) w -= 25;
    if (POSITIVE.test(id)) w += 25;
  }
  return w;
}

/** Letters/digits and commas of a text, in one pass. */
function measure(s: string, into: Info, inLink: boolean, own: Info): void {
  let chars = 0;
  let commas = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0xa0) continue;
    chars++;
    if (c === 0x2c || c === 0xff0c || c === 0x3001 || c === 0x60c || c === 0xfe50 || c === 0xfe10 || c === 0xfe11) commas++;
  }
  into.chars += chars;
  into.commas += commas;
  if (inLink) into.linkChars += chars;
  own.ownChars += chars;
  own.ownCommas += commas;
}

const linkDensity = (i: Info): number => (i.chars === 0 ? 0 : i.linkChars / i.chars);

/** Why an element is left out before scoring: hidden, or by its name, class, id or role. */
function unlikely(e: El, name: string, inTableOrCode: boolean, byClass: boolean): boolean {
  if (DROP.has(name)) return true;
  if (e.getAttribute('hidden') !== null || e.getAttribute('aria-hidden') === 'true') return true;
  const style = e.getAttribute('style');
  if (style !== null && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style)) return true;
  const role = e.getAttribute('role');
  if (role !== null && UNLIKELY_ROLES.has(role.toLowerCase())) return true;
  if (!byClass || name === 'BODY' || name === 'A' || name === 'ARTICLE' || name === 'MAIN' || inTableOrCode) return false;
  const key = `${e.getAttribute('class') ?? ''} ${e.getAttribute('id') ?? ''}`;
  return key.length > 1 && UNLIKELY.test(key) && !MAYBE.test(key);
}

/** Add a paragraph's score to its ancestors: the parent in full, then 1/2, 1/6, 1/9, 1/12. */
function scoreUp(parent: Info | null, chars: number, commas: number, candidates: Info[]): void {
  const score = 1 + commas + Math.min(Math.floor(chars / 100), 3);
  let a = parent;
  for (let level = 0; a !== null && level < 5; level++, a = a.parent) {
    if (a.name === 'BODY' || a.name === 'HTML') break;
    if (Number.isNaN(a.score)) {
      a.score = tagWeight(a.name) + a.weight;
      candidates.push(a);
    }
    a.score += level === 0 ? score : level === 1 ? score / 2 : score / (level * 3);
  }
}

/** The main content of the page under `body`: the elements to write and those to leave out. */
export interface MainContent {
  roots: TextNode[];
  skip: Set<TextNode>;
}

/**
 * Find the main content under `body`, or null when no element holds scored paragraphs. Linear
 * in the size of the DOM and iterative (no recursion, whatever the nesting). `byClass` false:
 * elements are not left out for an unlikely class or id (the second try, as Readability does
 * when the first finds too little: a page may wrap its article in a `heroheader` block).
 */
export function findMain(body: TextNode, byClass = true): MainContent | null {
  const info = new Map<TextNode, Info>();
  const skip = new Set<TextNode>();
  const candidates: Info[] = [];
  const root: Info = newInfo(body as El, 'BODY', null);
  info.set(body, root);
  let cur = root;
  /** The nearest block element around the current position (gets the direct text). */
  const blocks: Info[] = [root];
  let links = 0;
  let tableOrCode = 0;

  const leave = (i: Info): void => {
    const p = i.parent!;
    const name = i.name;
    if (name === 'A') links--;
    if (name === 'TABLE' || name === 'CODE' || name === 'PRE') tableOrCode--;
    if (name === 'P') i.paras++;
    else if (name === 'IMG') i.imgs++;
    else if (name === 'LI') i.lis++;
    else if (name === 'INPUT') i.inputs++;
    else if (name === 'EMBED' || name === 'OBJECT' || name === 'IFRAME' || name === 'VIDEO') i.embeds++;
    else if (name === 'TR') i.rows++;
    else if (name === 'TD') i.cells++;
    else if (name === 'TH' || name === 'THEAD' || name === 'CAPTION') i.heads++;
    if (!INLINE.has(name)) {
      blocks.pop();
      // A paragraph: scored with all its text; a block with blocks inside: its direct text only.
      if (SCORED.has(name) || ((name === 'DIV' || name === 'SECTION' || name === 'ARTICLE') && !i.hasBlock)) {
        if (i.chars >= 25) scoreUp(p, i.chars, i.commas, candidates);
      } else if (i.ownChars >= 25) scoreUp(i, i.ownChars, i.ownCommas, candidates);
    }
    p.chars += i.chars;
    p.linkChars += i.linkChars;
    p.commas += i.commas;
    p.paras += i.paras;
    p.imgs += i.imgs;
    p.lis += i.lis;
    p.inputs += i.inputs;
    p.embeds += i.embeds;
    if (name !== 'TABLE') {
      p.rows += i.rows;
      p.cells += i.cells;
      p.heads += i.heads;
    }
    if (i.hasBlock || BLOCKS.has(name)) p.hasBlock = true;
  };

  let n = body.firstChild;
  while (n !== null) {
    let descend = false;
    if (n.nodeType === 3) {
      const v = n.nodeValue;
      if (v !== null && v.length > 0) measure(v, cur, links > 0, blocks[blocks.length - 1]);
    } else if (n.nodeType === 1) {
      const e = n as El;
      const name = e.nodeName.toUpperCase();
      if (unlikely(e, name, tableOrCode > 0, byClass)) skip.add(e);
      else {
        const i = newInfo(e, name, cur);
        info.set(e, i);
        if (name === 'A') links++;
        if (name === 'TABLE' || name === 'CODE' || name === 'PRE') tableOrCode++;
        if (!INLINE.has(name)) blocks.push(i);
        if (e.firstChild !== null) {
          cur = i;
          descend = true;
        } else leave(i);
      }
    }
    if (descend) {
      n = n.firstChild;
      continue;
    }
    while (n !== null && n.nextSibling === null) {
      n = n.parentNode;
      if (n === null || n === body) {
        n = null;
        break;
      }
      leave(cur);
      cur = cur.parent!;
    }
    if (n !== null) n = n.nextSibling;
  }

  if (candidates.length === 0) return null;
  let top = candidates[0];
  let best = -Infinity;
  for (const c of candidates) {
    c.score *= 1 - linkDensity(c);
    if (c.score > best) {
      best = c.score;
      top = c;
    }
  }
  // Three of the five best candidates under one ancestor: the article is that ancestor.
  const alternatives = candidates
    .filter((c) => c !== top && c.score >= 0.75 * top.score)
    .sort((a, b) => b.score - a.score)
    .slice(0, 4);
  if (alternatives.length >= 3) {
    // Each alternative's ancestors once (linear in the depth, whatever the nesting).
    const under = new Map<Info, number>();
    for (const alt of alternatives) for (let x = alt.parent; x !== null; x = x.parent) under.set(x, (under.get(x) ?? 0) + 1);
    for (let a = top.parent; a !== null && a.name !== 'BODY'; a = a.parent) {
      if ((under.get(a) ?? 0) >= 3) {
        top = a;
        break;
      }
    }
  }
  // Climb while the parent scores better (the article's text split over several blocks).
  let last = top.score;
  for (let p = top.parent; p !== null && p.name !== 'BODY'; p = p.parent) {
    if (Number.isNaN(p.score)) continue;
    if (p.score < last / 3) break;
    if (p.score > last) {
      top = p;
      break;
    }
    last = p.score;
  }
  // An only child says no more than its parent.
  while (top.parent !== null && top.parent.name !== 'BODY' && onlyChild(top.el, skip)) top = top.parent;

  // The top candidate and its good siblings.
  const roots: TextNode[] = [];
  const threshold = Math.max(10, (Number.isNaN(top.score) ? 0 : top.score) * 0.2);
  const parent = top.el.parentNode;
  const topClass = top.el.getAttribute('class') ?? '';
  if (parent === null || top.parent === null) roots.push(top.el);
  else {
    for (let s = parent.firstChild; s !== null; s = s.nextSibling) {
      if (s === top.el) {
        roots.push(s);
        continue;
      }
      const si = info.get(s);
      if (si === undefined) continue;
      const bonus = topClass !== '' && si.el.getAttribute('class') === topClass ? top.score * 0.2 : 0;
      if (!Number.isNaN(si.score) && si.score + bonus >= threshold) roots.push(s);
      else if (si.name === 'P') {
        const d = linkDensity(si);
        if ((si.chars > 80 && d < 0.25) || (si.chars > 0 && si.chars <= 80 && d === 0 && /\.( |$)/.test((s as unknown as { textContent: string }).textContent ?? ''))) roots.push(s);
      }
    }
  }
  // Inside the article: link lists, forms, galleries and negatively weighted blocks are left out.
  // (The map is in document order: a parent is seen before its children.)
  const inData = new Set<Info>();
  for (const [el, i] of info) {
    if ((i.parent !== null && inData.has(i.parent)) || (i.name === 'TABLE' && isDataTable(i))) {
      inData.add(i);
      continue;
    }
    if (!CLEANED.has(i.name) || i === top) continue;
    if (shouldClean(i)) skip.add(el);
  }
  return { roots, skip };
}

/**
 * A table of data, not of layout (Readability's rule, from the sums): header cells or a
 * caption, or 10+ rows, or more than 4 columns, or more than 10 cells. The rows and cells of a
 * table inside it are not its own.
 */
function isDataTable(i: Info): boolean {
  if (i.el.getAttribute('role') === 'presentation') return false;
  if (i.heads > 0 || i.el.getAttribute('summary') !== null) return true;
  const cols = i.rows === 0 ? 0 : i.cells / i.rows;
  return i.rows >= 10 || cols > 4 || i.cells > 10;
}

function onlyChild(e: TextNode, skip: Set<TextNode>): boolean {
  const p = e.parentNode;
  if (p === null) return false;
  for (let s = p.firstChild; s !== null; s = s.nextSibling) {
    if (s === e || skip.has(s)) continue;
    if (s.nodeType === 1) return false;
    if (s.nodeType === 3 && (s.nodeValue ?? '').trim() !== '') return false;
  }
  return true;
}

/** Readability's conditional cleaning, from the sums of the walk. */
function shouldClean(i: Info): boolean {
  const weight = i.weight;
  const score = Number.isNaN(i.score) ? 0 : i.score;
  if (weight + score < 0) return true;
  if (i.commas >= 10) return false;
  const isList = i.name === 'UL' || i.name === 'OL' || i.name === 'DL';
  const d = linkDensity(i);
  const lis = i.lis - 100;
  if (i.imgs > 1 && i.paras / i.imgs < 0.5) return true;
  if (!isList && lis > i.paras) return true;
  if (i.inputs > Math.floor(i.paras / 3)) return true;
  if (!isList && i.chars < 25 && (i.imgs === 0 || i.imgs > 2)) return true;
  if (!isList && weight < 25 && d > 0.2) return true;
  if (weight >= 25 && d > 0.5) return true;
  if ((i.embeds === 1 && i.chars < 75) || i.embeds > 1) return true;
  return false;
}

function newInfo(el: El, name: string, parent: Info | null): Info {
  let weight = 0;
  if (name !== 'BODY') {
    const cls = el.getAttribute('class') ?? '';
    const id = el.getAttribute('id') ?? '';
    if (cls !== '' || id !== '') weight = classWeight(cls, id);
  }
  return { el, name, parent, chars: 0, linkChars: 0, commas: 0, ownChars: 0, ownCommas: 0, paras: 0, imgs: 0, lis: 0, inputs: 0, embeds: 0, rows: 0, cells: 0, heads: 0, hasBlock: false, weight, score: NaN };
}

/**
 * The article text, or null when there is none (see `findMain`). `enough` says whether a text
 * is article enough; when the first try's is not, the second try (no class/id rule) is taken if
 * it is.
 */
export function mainText(body: TextNode, enough: (text: string) => boolean): string | null {
  const m = findMain(body);
  const first = m === null ? null : elementsToText(m.roots, m.skip);
  if (first !== null && enough(first)) return first;
  const m2 = findMain(body, false);
  const second = m2 === null ? null : elementsToText(m2.roots, m2.skip);
  return second !== null && enough(second) ? second : null;
}
