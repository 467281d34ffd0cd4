/**
 * DOM to plain text, keeping the structure a reader sees: block elements start new lines,
 * paragraphs, headings, lists and tables are separated by a blank line, `<br>` is a line
 * break, each list item and each table row is a line (cells joined by ` | `), `<pre>` keeps its
 * lines and indentation. Scripts, styles, forms' controls and other non-text elements are
 * skipped. Works on any DOM with `nodeType`/`firstChild`/`nextSibling` (linkedom here).
 */

/** The few DOM members the walk needs. */
export interface TextNode {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  firstChild: TextNode | null;
  nextSibling: TextNode | null;
  previousSibling: TextNode | null;
  parentNode: TextNode | null;
}

const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'IFRAME', 'OBJECT', 'CANVAS', 'HEAD', 'SELECT', 'BUTTON', 'INPUT', 'TEXTAREA', 'MATH', 'AUDIO', 'VIDEO', 'MAP']);
/** Separated from what surrounds them by a blank line. */
const PARAGRAPH = new Set(['P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'PRE', 'BLOCKQUOTE', 'TABLE', 'UL', 'OL', 'DL', 'FIGURE', 'HR']);
/** On lines of their own. */
const BLOCK = new Set([
  'ADDRESS', 'ARTICLE', 'ASIDE', 'DETAILS', 'DIALOG', 'DD', 'DIV', 'DT', 'FIELDSET', 'FIGCAPTION', 'FOOTER', 'FORM', 'HEADER',
  'HGROUP', 'LI', 'MAIN', 'NAV', 'SECTION', 'TR', 'CAPTION', 'SUMMARY', 'THEAD', 'TBODY', 'TFOOT', 'LEGEND', 'BODY', 'HTML',
]);
const CELL = new Set(['TD', 'TH']);

/** Marks a newline inside `<pre>`, so the line clean-up at the end leaves it alone. */
const PRE_NL = '\uE000';
/** Break markers: a block edge (one line break), a paragraph edge (a blank line), a `<br>` (one more). */
const LINE = '\n';
const PARA = '\uE001';
const BR = '\uE002';
const BREAKS = /(\n|\uE001|\uE002)/;
const SPACES = /[ \t\n\r\f\v\u00a0]+/g;
const PRE_NEWLINES = /\r?\n/g;

/**
 * Walks a DOM subtree into text parts, without recursion (a page of 100,000 nested elements must
 * not overflow the stack); break markers are parts of their own.
 */
class Walker {
  parts: string[] = [];
  private pre = 0;

  /** `skip`: elements left out with everything inside them. */
  constructor(private readonly skip?: ReadonlySet<TextNode>) {}

  walk(root: TextNode): void {
    let n = root.firstChild;
    while (n !== null) {
      if (n.nodeType === 1 && this.skip?.has(n)) {
        // left out: go on with what follows it
      } else if (n.nodeType === 3) {
        const v = n.nodeValue ?? '';
        this.parts.push(this.pre > 0 ? v.replace(PRE_NEWLINES, PRE_NL) : v.replace(SPACES, ' '));
      } else if (n.nodeType === 1 && this.enter(n) && n.firstChild !== null) {
        n = n.firstChild;
        continue;
      } else if (n.nodeType === 1) this.leave(n);
      // Next: the sibling, else up through the parents, leaving each, to one with a sibling.
      while (n !== null && n.nextSibling === null) {
        n = n.parentNode;
        if (n === null || n === root) {
          n = null;
          break;
        }
        this.leave(n);
      }
      if (n !== null) n = n.nextSibling;
    }
  }

  /** Start an element; false when its content is not text (it is then not left either). */
  enter(e: TextNode): boolean {
    const name = e.nodeName.toUpperCase();
    if (SKIP.has(name)) return false;
    if (name === 'BR') {
      this.parts.push(this.pre > 0 ? PRE_NL : BR);
      return false;
    }
    if (CELL.has(name)) {
      let prev = e.previousSibling;
      while (prev !== null && prev.nodeType !== 1) prev = prev.previousSibling;
      if (prev !== null && CELL.has(prev.nodeName.toUpperCase())) this.parts.push(' | ');
      return true;
    }
    if (PARAGRAPH.has(name)) this.parts.push(PARA);
    else if (BLOCK.has(name)) this.parts.push(LINE);
    if (name === 'PRE') this.pre++;
    return true;
  }

  /** End an element that `enter` accepted (or one without children). */
  leave(e: TextNode): void {
    const name = e.nodeName.toUpperCase();
    if (SKIP.has(name) || name === 'BR' || CELL.has(name)) return;
    if (name === 'PRE') this.pre--;
    if (PARAGRAPH.has(name)) this.parts.push(PARA);
    else if (BLOCK.has(name)) this.parts.push(LINE);
  }
}

/**
 * The text of a DOM subtree (see the module comment): lines trimmed, at most one blank line in a
 * row, no blank lines at the ends.
 */
export function domToText(root: TextNode): string {
  if (root.nodeType === 3) return (root.nodeValue ?? '').replace(SPACES, ' ').trim();
  const w = new Walker();
  w.walk(root);
  return joinParts(w.parts);
}

/**
 * The text of several elements in turn, each with its own line breaks, leaving out the elements
 * in `skip` (and all inside them): how an article picked out of a page is written.
 */
export function elementsToText(roots: readonly TextNode[], skip?: ReadonlySet<TextNode>): string {
  const w = new Walker(skip);
  for (const r of roots) {
    if (r.nodeType === 3) w.parts.push((r.nodeValue ?? '').replace(SPACES, ' '));
    else if (r.nodeType === 1 && !skip?.has(r) && w.enter(r)) {
      w.walk(r);
      w.leave(r);
    }
  }
  return joinParts(w.parts);
}

function joinParts(parts: string[]): string {
  // Breaks between two lines of text merge: the strongest wins, and two <br> make a blank line.
  let out = '';
  let line = '';
  let brk = 0;
  const flush = (): void => {
    const t = line.trim();
    line = '';
    if (t === '') return;
    if (out !== '') out += brk >= 2 ? '\n\n' : '\n';
    out += t.includes(PRE_NL) ? t.split(PRE_NL).join('\n') : t;
    brk = 0;
  };
  for (const seg of parts.join('').split(BREAKS)) {
    if (seg === LINE) {
      flush();
      brk = Math.max(brk, 1);
    } else if (seg === PARA) {
      flush();
      brk = 2;
    } else if (seg === BR) {
      flush();
      brk = Math.min(2, brk + 1);
    } else line += seg;
  }
  flush();
  return out;
}
