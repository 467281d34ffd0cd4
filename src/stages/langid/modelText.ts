/** Line breaks end a fastText "line": a model reading past one would see only the first line. */
const LINE_BREAKS = /[\r\n\u2028\u2029\u0085]+/g;

/**
 * The text a model sees: at most `maxChars` UTF-16 units (never splitting a surrogate pair),
 * line breaks turned into spaces. The record itself is not changed. `maxChars` null = all.
 */
export function modelText(text: string, maxChars: number | null): string {
  let t = text;
  if (maxChars !== null && t.length > maxChars) {
    let end = maxChars;
    const c = t.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
    t = t.slice(0, end);
  }
  return t.replace(LINE_BREAKS, ' ');
}
