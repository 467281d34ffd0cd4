/**
 * The real HTML pages and the line comparison shared by bench/extract-choice.ts and
 * test/stages/extract/extract.test.ts: both judge the extractors on the same pages the same way.
 */
import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WARCParser } from 'warcio';
import { decodeHtml } from '../src/stages/extract/charset.js';

/** The decoded HTML of every `response` record of the `.warc.gz` files in `dir`, by file name. */
export async function warcHtmlPages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.warc.gz')).sort()) {
    for await (const r of new WARCParser(createReadStream(join(dir, f)))) {
      if (r.warcType !== 'response') {
        await r.skipFully();
        continue;
      }
      out.push(decodeHtml(await r.readFully(true), r.httpHeaders?.headers.get('content-type')).html);
    }
  }
  return out;
}

/** A text's non-empty lines, white space folded, with how often each occurs. */
export function textLines(t: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of t.split('\n')) {
    const k = l.replace(/\s+/g, ' ').trim();
    if (k !== '') m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** The share of `a`'s characters, line by line, that `b` holds too (1 for an empty `a`). */
export function lineShare(a: Map<string, number>, b: Map<string, number>): number {
  let tot = 0;
  let hit = 0;
  for (const [l, c] of a) {
    tot += l.length * c;
    hit += l.length * Math.min(c, b.get(l) ?? 0);
  }
  return tot === 0 ? 1 : hit / tot;
}
