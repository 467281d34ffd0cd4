import { table } from '../../core/own.js';
/**
 * Dates in common written forms rewritten to ISO 8601. Only unambiguous forms are rewritten:
 * `05/06/2018` (day and month both ≤ 12) is left alone and reported as ambiguous.
 */

const MONTHS: Readonly<Record<string, number>> = table({
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10,
  nov: 11, november: 11, dec: 12, december: 12,
});

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

function zone(z: string | undefined): string | null {
  if (z === undefined || z === '') return '';
  const u = z.toUpperCase();
  if (u === 'Z' || u === 'UTC' || u === 'GMT' || u === 'UT') return 'Z';
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z);
  if (!m) return null;
  if (Number(m[2]) > 14 || Number(m[3]) > 59) return null;
  return m[2] === '00' && m[3] === '00' ? 'Z' : `${m[1]}${m[2]}:${m[3]}`;
}

function build(y: number, mo: number, d: number, h?: string, mi?: string, s?: string, frac?: string, z?: string): string | null {
  if (!validDate(y, mo, d)) return null;
  let out = `${pad(y, 4)}-${pad(mo)}-${pad(d)}`;
  if (h === undefined) return out;
  const hh = Number(h);
  const mm = Number(mi);
  if (hh > 23 || mm > 59 || (s !== undefined && Number(s) > 60)) return null;
  const tz = zone(z);
  if (tz === null) return null;
  out += `T${pad(hh)}:${pad(mm)}` + (s !== undefined ? `:${pad(Number(s))}` : '') + (s !== undefined && frac ? `.${frac}` : '') + tz;
  return out;
}

const TIME = String.raw`(?:[T\s]+(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?`;
const YMD = new RegExp(String.raw`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})` + TIME + '$', 'i');
const YMD_ZH = new RegExp(String.raw`^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]` + TIME + '$', 'i');
const DMY_OR_MDY = new RegExp(String.raw`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})` + TIME + '$', 'i');
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/;
// "Mon, 18 Jun 2018 18:54:52 GMT", "18 June 2018", "18 Jun 2018 18:54 +0800"
const D_MON_Y = new RegExp(String.raw`^(?:[A-Za-z]{3,9},?\s+)?(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})` + TIME + '$', 'i');
// "June 18, 2018", "Jun 18 2018 18:54:52", "Monday, June 18, 2018"
const MON_D_Y = new RegExp(String.raw`^(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})` + TIME + '$', 'i');

/** Outcome of `toIsoDate`: the ISO text, or why it was not rewritten. */
export type DateResult = { iso: string } | { problem: 'ambiguous' | 'unparsed' };

/**
 * Rewrite a date to ISO 8601: `2018-06-18`, or `2018-06-18T18:54:52Z` when a time is given
 * (no zone in the input gives a local time without zone; `+0800` becomes `+08:00`, `GMT`/`UTC`/
 * `+00:00` become `Z`). A whole number from 1000 to 9999 is a year (`"2018"`); numbers from 1e8
 * are Unix times (seconds, or milliseconds when ≥ 1e11), UTC; smaller ones are not rewritten.
 * ISO input comes out unchanged apart from that zone spelling, so the rewrite is idempotent.
 */
export function toIsoDate(value: string | number): DateResult {
  if (typeof value === 'number') {
    // A bare year (2018) is not a Unix time in 1970; neither is any number before 1973.
    if (Number.isInteger(value) && value >= 1000 && value <= 9999) return { iso: String(value) };
    if (!Number.isFinite(value) || value < 1e8) return { problem: 'unparsed' };
    const ms = value >= 1e11 ? value : value * 1000;
    const d = new Date(ms);
    if (Number.isNaN(d.getTime()) || d.getUTCFullYear() > 9999) return { problem: 'unparsed' };
    return { iso: d.toISOString().replace('.000Z', 'Z') };
  }
  const s = value.trim();
  if (/^\d{4}$/.test(s)) return { iso: s };
  let m = YMD.exec(s) ?? YMD_ZH.exec(s);
  if (m) return wrap(build(+m[1], +m[2], +m[3], m[4], m[5], m[6], m[7], m[8]));
  m = COMPACT.exec(s);
  if (m) return wrap(build(+m[1], +m[2], +m[3], m[4], m[5], m[6], undefined, m[7]));
  m = DMY_OR_MDY.exec(s);
  if (m) {
    const a = +m[1];
    const b = +m[2];
    if (a <= 12 && b <= 12 && a !== b) return { problem: 'ambiguous' };
    const [day, month] = a > 12 ? [a, b] : b > 12 ? [b, a] : [a, b];
    return wrap(build(+m[3], month, day, m[4], m[5], m[6], m[7], m[8]));
  }
  m = D_MON_Y.exec(s);
  if (m && MONTHS[m[2].toLowerCase()]) return wrap(build(+m[3], MONTHS[m[2].toLowerCase()], +m[1], m[4], m[5], m[6], m[7], m[8]));
  m = MON_D_Y.exec(s);
  if (m && MONTHS[m[1].toLowerCase()]) return wrap(build(+m[3], MONTHS[m[1].toLowerCase()], +m[2], m[4], m[5], m[6], m[7], m[8]));
  return { problem: 'unparsed' };
}

function wrap(iso: string | null): DateResult {
  return iso === null ? { problem: 'unparsed' } : { iso };
}
