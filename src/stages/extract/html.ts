import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { TextNode } from './text.js';
import { domToText } from './text.js';

/** How the main text is found. */
export type ExtractMethod = 'readability' | 'page';

/** Options of `htmlToText`. */
export interface HtmlToTextOptions {
  /**
   * `readability` (default): Mozilla Readability picks the article; `page`: the whole page less
   * its navigation, header, footer, asides, scripts and styles (faster, keeps more).
   */
  method?: ExtractMethod;
  /**
   * With `readability`: when the article holds less than this share of the page's letters (a
   * home page, a list of links, a profile page), the page text is used instead; default 0.35.
   */
  minArticleShare?: number;
}

/** What `htmlToText` found. */
export interface ExtractedText {
  text: string;
  /** The `<title>`, or '' when none. */
  title: string;
  /** `article` when Readability's article was used, `page` for the page text. */
  method: 'article' | 'page';
}

/**
 * Elements that are never main text, cut out of the HTML before it is parsed: most of a modern
 * page's bytes are scripts, styles and inline SVG, and not parsing them is most of the speed.
 * A lazy match ends at the first closing tag, so a nested `<nav>` leaves a stray end tag, which
 * the parser ignores.
 */
const NOT_TEXT = /<(script|style|noscript|template|svg|nav|footer|aside|iframe|select|button)\b[^>]*>[\s\S]*?<\/\1\s*>|<!--[\s\S]*?-->/gi;
/** The page title, and the page header (site name, menus) that the page text leaves out. */
const TITLE = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i;
const HEADER = /<header\b[^>]*>[\s\S]*?<\/header\s*>/gi;

/** Letters and digits (not spaces or punctuation) in a string: how much text a part holds. */
function weight(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x2f && !(c >= 0x3a && c <= 0x40) && !(c >= 0x5b && c <= 0x60) && !(c >= 0x7b && c <= 0xbf) && !(c >= 0x3000 && c <= 0x303f) && !(c >= 0xff00 && c <= 0xff0f)) n++;
  }
  return n;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
function titleOf(html: string): string {
  const m = TITLE.exec(html);
  if (m === null) return '';
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
  documentElement: TextNode;
}

function parse(html: string): DomDocument {
  return parseHTML(html).document as unknown as DomDocument;
}

/** The page text: everything but the elements that are never main text, and the page header. */
function pageText(stripped: string): string {
  const doc = parse(stripped.replace(HEADER, ' '));
  return domToText(doc.body ?? doc.documentElement);
}

/**
 * The main text of an HTML page as plain text with its lines (see `domToText`). Never throws
 * on bad HTML: the parser is forgiving, and a page with no article falls back to its page text.
 */
export function htmlToText(html: string, o: HtmlToTextOptions = {}): ExtractedText {
  const title = titleOf(html);
  const stripped = html.replace(NOT_TEXT, ' ');
  if ((o.method ?? 'readability') === 'page') return { text: pageText(stripped), title, method: 'page' };
  const doc = parse(stripped);
  const body = doc.body ?? doc.documentElement;
  const pageWeight = weight((body as unknown as { textContent: string | null }).textContent ?? '');
  let article: TextNode | null = null;
  try {
    // `serializer` hands back the element itself, so the article is not serialised and re-parsed.
    const r = new Readability(doc as never, { charThreshold: 100, serializer: (el: unknown) => el as string }).parse();
    article = (r?.content as unknown as TextNode | null | undefined) ?? null;
  } catch {
    article = null;
  }
  if (article !== null) {
    const text = domToText(article);
    if (text !== '' && weight(text) >= (o.minArticleShare ?? 0.35) * pageWeight) return { text, title, method: 'article' };
  }
  // Readability changed the document: parse again for the page text (rare, and cheap next to it).
  return { text: pageText(stripped), title, method: 'page' };
}
