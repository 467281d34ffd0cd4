import { table } from '../../core/own.js';
import { createRequire } from 'node:module';
import type { Readability as ReadabilityClass } from '@mozilla/readability';
import type { parseHTML as ParseHTML } from 'linkedom';
import type { TextNode } from './text.js';
import { domToText } from './text.js';
import { mainText } from './main.js';
import { capDepth } from './depth.js';
import { parseLight } from './tree.js';

// linkedom and Readability are loaded on first use (their CommonJS builds, so `htmlToText` stays
// synchronous): about 170 ms of start-up that commands reading no HTML do not pay.
const load = createRequire(import.meta.url);
let parseHTMLFn: typeof ParseHTML | undefined;
let ReadabilityCtor: typeof ReadabilityClass | undefined;
function parseHTML(html: string): ReturnType<typeof ParseHTML> {
  parseHTMLFn ??= (load('linkedom') as { parseHTML: typeof ParseHTML }).parseHTML;
  return parseHTMLFn(html);
}
function readability(): typeof ReadabilityClass {
  return (ReadabilityCtor ??= (load('@mozilla/readability') as { Readability: typeof ReadabilityClass }).Readability);
}

/** How the main text is found. */
export type ExtractMethod = 'main' | 'readability' | 'page';

/** Options of `htmlToText`. */
export interface HtmlToTextOptions {
  /**
   * `main` (default): this project's one-pass main-content scorer (see `main.ts`), several times
   * faster than Readability; `readability`: Mozilla Readability picks the article (the default
   * before, kept for comparison); `page`: the whole page less its navigation, header, footer,
   * asides, scripts and styles (keeps more).
   */
  method?: ExtractMethod;
  /**
   * With `main` and `readability`: when the article holds less than this share of the page's letters (a
   * home page, a list of links, a profile page), the page text is used instead; default 0.35.
   */
  minArticleShare?: number;
}

/** What `htmlToText` found. */
export interface ExtractedText {
  text: string;
  /** The `<title>`, or '' when none. */
  title: string;
  /** `article` when the article found (by `main` or Readability) was used, `page` for the page text. */
  method: 'article' | 'page';
}

/** Elements that are never main text: cut out of the HTML before it is parsed (see `cut`). */
const NOT_TEXT_TAGS = ['script', 'style', 'noscript', 'template', 'svg', 'nav', 'footer', 'aside', 'iframe', 'select', 'button'];
const opener = (tags: readonly string[]): RegExp => new RegExp(`<(${tags.join('|')})\\b|<!--`, 'gi');
const NOT_TEXT = opener(NOT_TEXT_TAGS);
const NOT_TEXT_OR_HEADER = opener([...NOT_TEXT_TAGS, 'header']);
const CLOSERS: Record<string, RegExp> = table(Object.fromEntries([...NOT_TEXT_TAGS, 'header'].map((t) => [t, new RegExp(`</${t}\\s*>`, 'gi')])));
CLOSERS['!--'] = /-->/g;

/**
 * The HTML less the elements `open` finds, each up to its first closing tag: most of a modern
 * page's bytes are scripts, styles and inline SVG, and not parsing them is most of the speed.
 * Linear in the length of the page: an element that is never closed is left to the parser, and
 * its tag is not looked for again (a lazy regex to the closing tag would scan to the end of the
 * page once per unclosed element). A nested `<nav>` leaves a stray end tag, which parsers ignore.
 */
function cut(html: string, open: RegExp): string {
  const parts: string[] = [];
  const unclosed = new Set<string>();
  let pos = 0;
  open.lastIndex = 0;
  for (let m = open.exec(html); m !== null; m = open.exec(html)) {
    const tag = m[1] === undefined ? '!--' : m[1].toLowerCase();
    if (unclosed.has(tag)) continue;
    const close = CLOSERS[tag];
    close.lastIndex = open.lastIndex;
    const c = close.exec(html);
    if (c === null) {
      unclosed.add(tag);
      continue;
    }
    parts.push(html.slice(pos, m.index), ' ');
    pos = c.index + c[0].length;
    open.lastIndex = pos;
  }
  parts.push(html.slice(pos));
  return parts.join('');
}

const TITLE_OPEN = /<title\b/i;
const TITLE_CLOSE = /<\/title\s*>/gi;

/**
 * Readability's time grows much faster than the page's nesting depth (2,000 nested `<div>`s took
 * minutes), and broken pages with thousands of unclosed elements exist: deeper pages than this
 * go straight to the page text, which is linear.
 */
const MAX_READABILITY_DEPTH = 256;

/** True when the tree under `root` is deeper than `limit` (an iterative walk that stops early). */
function deeperThan(root: TextNode, limit: number): boolean {
  let depth = 0;
  let n = root.firstChild;
  if (n !== null) depth = 1;
  while (n !== null) {
    if (depth > limit) return true;
    if (n.firstChild !== null) {
      n = n.firstChild;
      depth++;
      continue;
    }
    while (n !== null && n.nextSibling === null) {
      n = n.parentNode;
      depth--;
      if (n === null || n === root) return false;
    }
    if (n !== null) n = n.nextSibling;
  }
  return false;
}

/** Letters and digits (not spaces or punctuation) in a string: how much text a part holds. */
function weight(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x2f && !(c >= 0x3a && c <= 0x40) && !(c >= 0x5b && c <= 0x60) && !(c >= 0x7b && c <= 0xbf) && !(c >= 0x3000 && c <= 0x303f) && !(c >= 0xff00 && c <= 0xff0f)) n++;
  }
  return n;
}

const ENTITIES: Record<string, string> = table({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' });
function titleOf(html: string): string {
  // Only the first <title>, found with linear scans (no lazy regex over the page).
  const o = TITLE_OPEN.exec(html);
  if (o === null) return '';
  const gt = html.indexOf('>', o.index);
  if (gt === -1) return '';
  TITLE_CLOSE.lastIndex = gt + 1;
  const c = TITLE_CLOSE.exec(html);
  if (c === null) return '';
  const m = [c[0], html.slice(gt + 1, c.index)];
  return m[1]
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === '#') {
        const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
      }
      return ENTITIES[e.toLowerCase()] ?? all;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

interface DomDocument {
  body: TextNode | null;
  documentElement: TextNode | null;
}

function parse(deep: string): DomDocument {
  const html = capDepth(deep);
  // linkedom makes a fragment (`<p>hi</p>`, common in an `html` field) the document element,
  // beside an empty body, and throws when the markup makes no element at all (`<`, a lone
  // doctype): such markup is parsed again inside <html><body>.
  try {
    const doc = parseHTML(html).document as unknown as DomDocument;
    if (doc.documentElement?.nodeName.toUpperCase() === 'HTML') return doc;
  } catch {
    // parsed again below
  }
  return parseHTML(`<html><body>${html}</body></html>`).document as unknown as DomDocument;
}

/** The page text: everything but the elements that are never main text, and the page header. */
function pageText(html: string): string {
  return domToText(parseLight(cut(html, NOT_TEXT_OR_HEADER)).body);
}

/** The weight (see `weight`) of all the text under `root`. */
function textWeight(root: TextNode): number {
  let w = 0;
  let n = root.firstChild;
  while (n !== null) {
    if (n.nodeType === 3) w += weight(n.nodeValue ?? '');
    else if (n.firstChild !== null) {
      n = n.firstChild;
      continue;
    }
    while (n !== null && n.nextSibling === null) {
      n = n.parentNode;
      if (n === root) n = null;
    }
    if (n !== null) n = n.nextSibling;
  }
  return w;
}

/**
 * The main text of an HTML page as plain text with its lines (see `domToText`). Never throws
 * on bad HTML: the parser is forgiving, and a page with no article falls back to its page text.
 */
export function htmlToText(html: string, o: HtmlToTextOptions = {}): ExtractedText {
  const title = titleOf(html);
  // linkedom throws on a document with no element at all.
  if (html.indexOf('<') === -1) return { text: html.replace(/[ \t\n\r\f\v]+/g, ' ').trim(), title, method: 'page' };
  const method = o.method ?? 'main';
  if (method === 'page') return { text: pageText(html), title, method: 'page' };
  const stripped = cut(html, NOT_TEXT);
  const share = o.minArticleShare ?? 0.35;
  if (method === 'main') {
    const body = parseLight(stripped).body;
    const pageWeight = textWeight(body);
    const text = mainText(body, (t) => t !== '' && weight(t) >= share * pageWeight);
    if (text !== null) return { text, title, method: 'article' };
    return { text: pageText(html), title, method: 'page' };
  }
  const doc = parse(stripped);
  const body = (doc.body ?? doc.documentElement)!;
  const pageWeight = weight((body as unknown as { textContent: string | null }).textContent ?? '');
  let article: TextNode | null = null;
  if (deeperThan(body, MAX_READABILITY_DEPTH)) return { text: pageText(html), title, method: 'page' };
  try {
    // `serializer` hands back the element itself, so the article is not serialised and re-parsed.
    const Readability = readability();
    const r = new Readability(doc as never, { charThreshold: 100, serializer: (el: unknown) => el as string }).parse();
    article = (r?.content as unknown as TextNode | null | undefined) ?? null;
  } catch {
    article = null;
  }
  if (article !== null) {
    const text = domToText(article);
    if (text !== '' && weight(text) >= share * pageWeight) return { text, title, method: 'article' };
  }
  // Readability changed the document: parse again for the page text (rare, and cheap next to it).
  return { text: pageText(html), title, method: 'page' };
}
