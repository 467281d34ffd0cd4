import { table } from '../core/own.js';
/**
 * HTML escaping for everything that reaches the report: record text, file names, reasons,
 * keys. The page also carries a Content-Security-Policy with no script source at all, so
 * something that slipped through escaping still could not run or fetch.
 */
const ENTITIES: Record<string, string> = table({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' });

/** Escape text for an HTML text node or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * Cut a text to `max` characters (by code point, as `Array.from` counts them: a surrogate pair is
 * one, a lone surrogate one), marking the cut. Walks the text without an array of its characters
 * (a sample of a 100 KB record made 100,000 strings to keep 600).
 */
export function cut(text: string, max: number): string {
  const n = text.length;
  if (n <= max) return text;
  let i = 0;
  let kept = 0;
  while (i < n && kept < max) {
    i += pairAt(text, i, n) ? 2 : 1;
    kept++;
  }
  if (i >= n) return text;
  let rest = 0;
  for (let j = i; j < n; j += pairAt(text, j, n) ? 2 : 1) rest++;
  return text.slice(0, i) + ` … [${rest} more characters]`;
}

/** True when `text[i]` and `text[i + 1]` are a surrogate pair (one code point). */
function pairAt(text: string, i: number, n: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= n) return false;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}
