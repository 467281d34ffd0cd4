/**
 * HTML escaping for everything that reaches the report: record text, file names, reasons,
 * keys. The page also carries a Content-Security-Policy with no script source at all, so
 * something that slipped through escaping still could not run or fetch.
 */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape text for an HTML text node or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Cut a text to `max` characters (by code point), marking the cut. */
export function cut(text: string, max: number): string {
  const cps = Array.from(text);
  return cps.length <= max ? text : cps.slice(0, max).join('') + ` … [${cps.length - max} more characters]`;
}
