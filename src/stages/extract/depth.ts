/**
 * A cap on how deep elements nest before the HTML reaches a parser.
 *
 * htmlparser2 (under our light tree and under linkedom) keeps its open elements in an array it
 * grows at the front, so each tag costs time in proportion to the depth: a page of 80,000 nested
 * `<div>`s (880 KB) took 5 s of CPU, 200,000 did not finish in 100 s, and the process could not
 * be stopped while it ran. Real pages nest a few dozen levels, rarely some hundreds. Tags opened
 * deeper than MAX_DEPTH are left out here, their text kept, in one linear pass (indexOf only).
 */

/** Elements nested deeper than this lose their tags (not their text). */
export const MAX_DEPTH = 1000;

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', 'keygen', 'command', 'basefont', 'frame', 'isindex']);

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isNameChar = (c: number): boolean => isLetter(c) || (c >= 48 && c <= 57) || c === 45 || c === 58 || c === 95;

/** `html` with the tags of elements nested deeper than `max` removed; the same string when none are. */
export function capDepth(html: string, max = MAX_DEPTH): string {
  // Fewer opening tags than the cap: nothing can be that deep (the common case, no copy).
  let opens = 0;
  for (let i = html.indexOf('<'); i !== -1 && opens <= max; i = html.indexOf('<', i + 1)) if (isLetter(html.charCodeAt(i + 1))) opens++;
  if (opens <= max) return html;
  const parts: string[] = [];
  let pos = 0;
  let depth = 0;
  let cut = false;
  for (let i = html.indexOf('<'); i !== -1; ) {
    const end = html.indexOf('>', i + 1);
    if (end === -1) break; // no tag can follow
    const closing = html.charCodeAt(i + 1) === 47;
    const start = closing ? i + 2 : i + 1;
    let j = start;
    while (j < end && isNameChar(html.charCodeAt(j))) j++;
    if (j > start && isLetter(html.charCodeAt(start))) {
      const name = html.slice(start, j).toLowerCase();
      if (!VOID.has(name) && html.charCodeAt(end - 1) !== 47) {
        const drop = closing ? depth > max : depth + 1 > max;
        depth = closing ? Math.max(0, depth - 1) : depth + 1;
        if (drop) {
          parts.push(html.slice(pos, i));
          pos = end + 1;
          cut = true;
        }
      }
    }
    i = html.indexOf('<', end + 1);
  }
  if (!cut) return html;
  parts.push(html.slice(pos));
  return parts.join('');
}
