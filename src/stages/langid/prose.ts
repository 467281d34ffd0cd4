/**
 * The prose of a text: what is left for language ID once URLs, e-mail addresses, HTML tags and
 * lines of code are set aside. A Chinese tutorial whose shell commands and links outnumber its
 * sentences is still Chinese; the decision follows the sentences, not the markup.
 */

// An address starts where its run of [\w.+-] starts (the lookbehind): tried at every position of a
// long run, it rescanned the run each time, quadratic in the run (issue #10: linear regexes only).
const URL_LIKE = /\b(?:https?|ftp):\/\/[^\s<>"'）】」]+|\bwww\.[^\s<>"'）】」]+|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const TAG = /<\/?[A-Za-z][^<>\n]{0,200}>/g;
const FENCE = /```[\s\S]*?(?:```|$)/g;

/** ASCII symbols that are frequent in code and rare in prose. */
const CODE_SYMBOL = (() => {
  const t = new Uint8Array(128);
  for (const ch of '{}()[]<>;=$#\\|&*_`^~/') t[ch.charCodeAt(0)] = 1;
  return t;
})();

/**
 * True when a line looks like code or program output rather than prose: no character past ASCII
 * (a line with Chinese in it is prose, comments included), at least 8 non-space characters,
 * and one in ten of them a code symbol (`{}()[]<>;=$#\|&*_` and the like) or one in four not a
 * letter (listings, tables of numbers, paths), or a shell prompt (`$ `, `# `) at its start.
 */
export function isCodeLine(text: string, start: number, end: number): boolean {
  let symbols = 0;
  let nonLetters = 0;
  let nonSpace = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return false;
    if (c > 0x20) {
      nonSpace++;
      symbols += CODE_SYMBOL[c];
      if ((c | 0x20) < 0x61 || (c | 0x20) > 0x7a) nonLetters++;
    }
  }
  if (nonSpace < 8) return false;
  if (symbols * 10 >= nonSpace || nonLetters * 4 >= nonSpace) return true;
  const c0 = text.charCodeAt(start);
  return (c0 === 0x24 || c0 === 0x23) && text.charCodeAt(start + 1) === 0x20;
}

/**
 * The prose of `text` (at most its first `window` UTF-16 units are read; null = all): URLs,
 * e-mail addresses, HTML tags and fenced code blocks replaced by a space, lines that look like
 * code (`isCodeLine`) dropped when the text has more than one line. Returns the text itself,
 * cut to the window, when there is nothing to remove, so most records allocate nothing more.
 */
export function proseOf(text: string, window: number | null): string {
  let t = window !== null && text.length > window ? cut(text, window) : text;
  if (t.indexOf('://') >= 0 || t.indexOf('www.') >= 0 || t.indexOf('@') >= 0) t = t.replace(URL_LIKE, ' ');
  if (t.indexOf('<') >= 0) t = t.replace(TAG, ' ');
  if (t.indexOf('```') >= 0) t = t.replace(FENCE, ' ');
  if (t.indexOf('\n') < 0) return t;
  // First look for a code line; most texts have none and are returned as they are.
  let start = 0;
  let found = -1;
  while (start <= t.length && found < 0) {
    let end = t.indexOf('\n', start);
    if (end < 0) end = t.length;
    if (isCodeLine(t, start, end)) found = start;
    start = end + 1;
  }
  if (found < 0) return t;
  let out = found > 0 ? t.slice(0, found - 1) : '';
  start = found;
  while (start <= t.length) {
    let end = t.indexOf('\n', start);
    if (end < 0) end = t.length;
    if (!isCodeLine(t, start, end)) out += (out === '' ? '' : '\n') + t.slice(start, end);
    start = end + 1;
  }
  return out;
}

/** The first `n` UTF-16 units of `text`, not splitting a surrogate pair. */
export function cut(text: string, n: number): string {
  if (text.length <= n) return text;
  let end = n;
  const c = text.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return text.slice(0, end);
}
