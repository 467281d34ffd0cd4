/**
 * A light HTML tree for reading text, built straight from htmlparser2's events.
 *
 * linkedom builds its DOM from the same events (so the tree has the same shape: the same
 * implied end tags, void elements, decoded entities), but every node of a full DOM costs; the
 * extractor only needs names, attributes, text and the links between nodes. Building this tree
 * measured 3-5x faster than linkedom's `parseHTML` on the real WARC pages (bench/formats.ts
 * shows the effect on `htmlToText`). Iterative throughout: any nesting depth is fine.
 */
import { createRequire } from 'node:module';
import type { Parser as ParserClass } from 'htmlparser2';
import type { TextNode } from './text.js';
import { capDepth } from './depth.js';

// htmlparser2 is loaded on first use (its CommonJS build, so parsing stays synchronous), like
// linkedom in html.ts: commands that read no HTML do not pay for it at start-up.
const load = createRequire(import.meta.url);
let ParserCtor: typeof ParserClass | undefined;

/** A node of the light tree: an element (1), a text (3) or the document (9). */
export class LightNode implements TextNode {
  firstChild: LightNode | null = null;
  lastChild: LightNode | null = null;
  nextSibling: LightNode | null = null;
  previousSibling: LightNode | null = null;
  parentNode: LightNode | null = null;

  constructor(
    readonly nodeType: number,
    /** Upper-case tag name for elements, `#text`, `#document`. */
    readonly nodeName: string,
    public nodeValue: string | null,
    private readonly attribs: Record<string, string> | null,
  ) {}

  getAttribute(name: string): string | null {
    return this.attribs?.[name] ?? null;
  }

  append(child: LightNode): void {
    child.parentNode = this;
    if (this.lastChild === null) this.firstChild = child;
    else {
      this.lastChild.nextSibling = child;
      child.previousSibling = this.lastChild;
    }
    this.lastChild = child;
  }

  /** All the text inside, in order (iterative). */
  get textContent(): string {
    if (this.nodeType === 3) return this.nodeValue ?? '';
    const out: string[] = [];
    let n = this.firstChild;
    while (n !== null) {
      if (n.nodeType === 3) out.push(n.nodeValue ?? '');
      else if (n.firstChild !== null) {
        n = n.firstChild;
        continue;
      }
      while (n !== null && n.nextSibling === null) {
        n = n.parentNode;
        if (n === this) n = null;
      }
      if (n !== null) n = n.nextSibling;
    }
    return out.join('');
  }
}

/** The parsed page: the document node and its `<body>` (the document when there is none). */
export interface LightDocument {
  document: LightNode;
  body: LightNode;
}

/** Parse HTML into a light tree. Never throws: htmlparser2 reads any input. */
export function parseLight(html: string): LightDocument {
  const document = new LightNode(9, '#document', null, null);
  let node = document;
  let body: LightNode | null = null;
  ParserCtor ??= (load('htmlparser2') as { Parser: typeof ParserClass }).Parser;
  const parser = new ParserCtor(
    {
      onopentag(name, attribs) {
        const upper = name.toUpperCase();
        const el = new LightNode(1, upper, null, attribs);
        node.append(el);
        node = el;
        if (body === null && upper === 'BODY') body = el;
      },
      ontext(text) {
        // htmlparser2 may hand a run of text in pieces (at entities): one node per run.
        const last = node.lastChild;
        if (last !== null && last.nodeType === 3) last.nodeValue += text;
        else node.append(new LightNode(3, '#text', text, null));
      },
      onclosetag() {
        if (node.parentNode !== null) node = node.parentNode;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(capDepth(html));
  parser.end();
  return { document, body: body ?? document };
}
