/**
 * PII detectors. Every scan is a linear pass by hand (no backtracking regular expression runs
 * over the whole text): e-mail addresses are grown outwards from each `@`, numbers are read as
 * digit groups and then classified, IPv4 addresses from dotted digit groups, IPv6 only around
 * colons. A candidate counts only when it passes its check: resident IDs their ISO 7064 check
 * digit and a real birth date, bank cards the Luhn sum and a card-network prefix, phone numbers
 * the numbering plan of their region.
 */
import { isIPv6 } from 'node:net';

/** Kinds of PII, in the order they are reported. */
export const PII_KINDS = ['email', 'phone', 'id', 'card', 'ip'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One finding: its kind, span [start, end) and, for phones, which plan matched. */
export interface Span {
  kind: PiiKind;
  start: number;
  end: number;
  /** e.g. `cn_mobile`, `cn_landline`, `hk`, `tw`, `e164`, `ipv4`, `ipv6`. */
  sub?: string;
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
/** Characters of an e-mail local part (RFC 5322 atext less the rare ones) and of a domain. */
const isLocal = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
const isDomain = (c: number): boolean => isAlnum(c) || c === 46 || c === 45;

/** A letter, mark or digit outside ASCII: what internationalised addresses (RFC 6530) add. */
const WIDE = /[\p{L}\p{M}\p{N}]/u;
/** Han, kana and Hangul: scripts written without spaces, so a run of them has no edge of its own. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
/** What may stand just before a non-ASCII local part: the start, a space, a bracket, a quote, a colon, a comma. */
const OPENS = new Set([...' \t\n\r\u00a0\u3000<([{"\'“‘「『《〈【（［：:，,；;/|']);
/**
 * Top-level domains written in Han, kana or Hangul that are delegated (IANA root zone). In
 * unspaced text the end of such a domain is known only by its TLD, so only these are accepted.
 */
const CJK_TLDS: readonly string[] = [
  '中国', '中國', '香港', '台湾', '台灣', '澳門', '澳门', '新加坡', '公司', '网络', '網絡', '网址', '网店', '网站', '在线', '商城',
  '商店', '商标', '广东', '佛山', '中文网', '企业', '娱乐', '游戏', '移动', '信息', '我爱你', '集团', '手机', '时尚', '微博', '八卦',
  '政务', '公益', '健康', '招聘', '慈善', '世界', '购物', '书籍', '机构', '组织机构', '联通', '点看', '大拿', '天主教', '广告',
  'コム', 'みんな', 'ストア', 'セール', 'ポイント', 'クラウド', 'ファッション', '한국', '닷컴', '닷넷', '삼성',
].sort((a, b) => b.length - a.length);

const isWide = (ch: string): boolean => ch.charCodeAt(0) > 127 && WIDE.test(ch);
const isCjk = (ch: string): boolean => CJK.test(ch);

/**
 * Where an internationalised local part ending at `asciiStart` (the start of its ASCII tail, or
 * `at`) begins, or -1 when it has none: letters outside ASCII are taken only as a whole run that
 * stands after a space, bracket, quote, colon or comma, and never when the run mixes Han/kana/
 * Hangul with ASCII (邀请到了debian-user@...: the prose ran into an ASCII address).
 */
function wideLocalStart(text: string, asciiStart: number, at: number): number {
  let s = asciiStart;
  let wide = false;
  while (s > 0 && at - s < 64) {
    const c = text.charCodeAt(s - 1);
    if (isLocal(c)) s--;
    else if (c > 127 && isWide(text[s - 1])) {
      s--;
      wide = true;
    } else break;
  }
  if (!wide) return -1;
  if (s > 0 && !OPENS.has(text[s - 1])) return -1;
  const local = text.slice(s, at);
  let cjk = false;
  let ascii = false;
  for (const ch of local) {
    if (isCjk(ch)) cjk = true;
    else if (ch.charCodeAt(0) < 128 && isAlnum(ch.charCodeAt(0))) ascii = true;
  }
  return cjk && ascii ? -1 : s;
}

/**
 * The end of the domain after `at` (exclusive), or -1. ASCII domains end where their characters
 * do; labels may also hold letters outside ASCII (例子.广告, mi-compañía.com, пошта.укр), but a
 * label that switches between Han/kana/Hangul and other letters ends the domain at the switch
 * (163.com编辑 is 163.com), and a Han/kana/Hangul top-level label must begin with a delegated
 * one (例子.中国我们 is 例子.中国).
 */
function domainEnd(text: string, at: number): number {
  let e = at + 1;
  let labelStart = e;
  let labelCjk: boolean | undefined;
  while (e < text.length && e - at < 255) {
    const c = text.charCodeAt(e);
    if (c === 46) {
      labelStart = e + 1;
      labelCjk = undefined;
      e++;
      continue;
    }
    let cjk: boolean;
    if (isDomain(c)) cjk = false;
    else if (c > 127 && isWide(text[e])) cjk = isCjk(text[e]);
    else break;
    if (c !== 45 && labelCjk !== undefined && labelCjk !== cjk) break;
    if (c !== 45) labelCjk ??= cjk;
    e++;
  }
  while (e > at + 1 && (text.charCodeAt(e - 1) === 46 || text.charCodeAt(e - 1) === 45)) e--;
  // The last dot of the domain, looked for between `at` and `e` only (at most 255 characters):
  // a search back to the start of the text for every '@' made texts of many '@' and no '.'
  // quadratic (review-hostile5 F2).
  let dot = e - 1;
  while (dot > at && text.charCodeAt(dot) !== 46) dot--;
  if (dot <= at + 1 || text.slice(at + 1, e).includes('..')) return -1;
  const tld = text.slice(dot + 1, e);
  if (/^[A-Za-z]{2,}$/.test(tld) || /^xn--[A-Za-z0-9-]{2,}$/i.test(tld)) return e;
  if (isCjk(tld[0])) {
    const t = CJK_TLDS.find((x) => tld.startsWith(x));
    return t === undefined ? -1 : dot + 1 + t.length;
  }
  // Other scripts are written with spaces (рф, укр, ελ): the label is the TLD when it is letters.
  return /^\p{L}[\p{L}\p{M}]+$/u.test(tld) && /[^\x00-\x7f]/.test(tld) ? e : -1;
}

/**
 * E-mail addresses: `local@domain.tld`, grown from each `@`. ASCII addresses as RFC 5322 writes
 * them (tld of 2+ letters); internationalised ones (RFC 6530: letters of any script in the local
 * part and the domain) under the limits of `wideLocalStart` and `domainEnd`, so that an ASCII
 * address inside unspaced Chinese keeps its own edges. sub `email_intl` marks those with a
 * character outside ASCII.
 */
export function findEmails(text: string, out: Span[]): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf('@', from);
    if (at < 0) return;
    from = at + 1;
    let s = at;
    while (s > 0 && isLocal(text.charCodeAt(s - 1)) && at - s < 64) s--;
    if (s > 0 && text.charCodeAt(s - 1) > 127) {
      const w = wideLocalStart(text, s, at);
      if (w >= 0) s = w;
    }
    while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 45)) s++;
    if (s === at) continue;
    const e = domainEnd(text, at);
    if (e < 0) continue;
    let intl = false;
    for (let i = s; i < e; i++) if (text.charCodeAt(i) > 127) intl = true;
    out.push({ kind: 'email', start: s, end: e, sub: intl ? 'email_intl' : 'email' });
    from = e;
  }
}

/** Resident ID check digit (GB 11643, ISO 7064 MOD 11-2) of the first 17 digits. */
export function idCheckDigit(first17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * w[i];
  return '10X98765432'[sum % 11];
}

/** An 18-character mainland resident ID: region code, a real birth date, check digit. */
export function isResidentId(id: string): boolean {
  if (!/^[1-9]\d{16}[\dXx]$/.test(id)) return false;
  const region = Number(id.slice(0, 2));
  if (region < 11 || region > 91) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > dim) return false;
  return idCheckDigit(id) === id[17].toUpperCase();
}

/** The Luhn check of a digit string. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let v = digits.charCodeAt(i) - 48;
    if (dbl) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** A bank card number: 16 to 19 digits, a network prefix (UnionPay 62, Visa 4, Mastercard 51-55/22-27, Amex 34/37 at 15, JCB 35), Luhn. */
export function isBankCard(d: string): boolean {
  const n = d.length;
  if (n < 15 || n > 19) return false;
  const p2 = Number(d.slice(0, 2));
  const p4 = Number(d.slice(0, 4));
  const ok =
    (n === 15 && (p2 === 34 || p2 === 37)) ||
    (n >= 16 && (p2 === 62 || d[0] === '4' || (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720) || p2 === 35));
  return ok && luhn(d);
}

/** A mainland mobile number without country code: 1[3-9] and 9 more digits. */
const isCnMobile = (d: string): boolean => d.length === 11 && d[0] === '1' && d.charCodeAt(1) >= 51;

/**
 * Classify one number token (digits with single `-`/space separators and an optional leading
 * `+` or parenthesised area code). `groups` are the digit groups as written.
 */
function classifyNumber(raw: string, groups: string[], plus: boolean, paren: boolean): { kind: PiiKind; sub: string } | null {
  const d = groups.join('');
  const n = d.length;
  if (plus) {
    if (d.startsWith('86') && isCnMobile(d.slice(2))) return { kind: 'phone', sub: 'cn_mobile' };
    if (d.startsWith('852') && n === 11 && /[2-9]/.test(d[3])) return { kind: 'phone', sub: 'hk' };
    if (d.startsWith('853') && n === 11) return { kind: 'phone', sub: 'mo' };
    if (d.startsWith('886') && (n === 11 || n === 12)) return { kind: 'phone', sub: 'tw' };
    if (n >= 8 && n <= 15 && d[0] !== '0') return { kind: 'phone', sub: 'e164' };
    return null;
  }
  if (n === 18 && groups.length <= 3 && isResidentId(d)) return { kind: 'id', sub: 'cn_resident' };
  if (n >= 15 && n <= 19 && (groups.length === 1 || groups.every((g, i) => g.length === 4 || i === groups.length - 1 || (n === 15 && (g.length === 6 || g.length === 5)))) && isBankCard(d)) {
    return { kind: 'card', sub: 'card' };
  }
  if (isCnMobile(d) && (groups.length === 1 || (groups.length === 3 && groups[0].length === 3 && groups[1].length === 4))) return { kind: 'phone', sub: 'cn_mobile' };
  if (d.startsWith('86') && groups.length >= 2 && groups[0] === '86' && isCnMobile(d.slice(2))) return { kind: 'phone', sub: 'cn_mobile' };
  // Landline: area code 0xx or 0xxx written apart (a separator or parentheses), 7-8 digit number, optional extension.
  if (d[0] === '0' && groups.length >= 2 && (groups[0].length === 3 || groups[0].length === 4) && d[1] !== '0') {
    const local = groups.slice(1).join('');
    if ((local.length === 7 || local.length === 8) && local[0] !== '0' && local[0] !== '1') return { kind: 'phone', sub: 'cn_landline' };
  }
  // Service numbers 400/800-xxx-xxxx.
  if ((groups[0] === '400' || groups[0] === '800') && n === 10 && groups.length >= 2) return { kind: 'phone', sub: 'cn_service' };
  // Taiwan landline: a 2-digit area code 02-08 written apart, 7-8 digits not starting with 0 or 1
  // (02-2345-6789, (02)2345-6789, 07-331-2345).
  if (d[0] === '0' && groups.length >= 2 && groups[0].length === 2 && d.charCodeAt(1) >= 50 && d.charCodeAt(1) <= 56) {
    const local = groups.slice(1).join('');
    if ((local.length === 7 || local.length === 8) && local[0] !== '0' && local[0] !== '1') return { kind: 'phone', sub: 'tw' };
  }
  // Taiwan mobile 09xx-xxx-xxx.
  if (n === 10 && d.startsWith('09') && groups.length === 3 && groups[0].length === 4) return { kind: 'phone', sub: 'tw' };
  void raw;
  void paren;
  return null;
}

/**
 * Contact labels that may follow a number with no space in real pages (电话:0731-88151902E-mail:,
 * Fax: 03-5613699E-mail:), and an extension (02-2345-6789x12, 0912-345-678ext12: redacting a code
 * by mistake costs less than leaking a phone); any other letter right after a number makes it part of a code.
 */
const LABEL_AFTER = /^(?:e-?mail|mail|fax|tel|phone|mobile|cell|qq|wechat|weixin|web|www|http|url|add(?:ress)?|zip|postcode|x\d{1,6}(?!\d)|ext\.?\s?\d{1,6}(?!\d))(?![a-z])/i;

/**
 * Whether the character at `at` glues a number to what follows, the mirror of the left edge: a
 * digit, '_' or '@'; a letter (but a contact label, see LABEL_AFTER); '-', '.' or '_' before a
 * letter or digit (02-2345-6789-A1, 02-2345-6789.5); '/' before a letter (02-2345-6789/B). '/'
 * before a digit is a list of numbers (13800138000/13900139000); CJK and other punctuation may follow.
 */
function gluedAfter(text: string, at: number): boolean {
  if (at >= text.length) return false;
  const x = text.charCodeAt(at);
  if (isDigit(x) || x === 95 || x === 64) return true;
  if (isAlpha(x)) return !LABEL_AFTER.test(text.slice(at, at + 10));
  const y = at + 1 < text.length ? text.charCodeAt(at + 1) : 32;
  if (x === 45 || x === 46) return isAlnum(y);
  if (x === 47) return isAlpha(y);
  return false;
}

/** Phone numbers, resident IDs and bank cards: read number tokens left to right and classify each. */
export function findNumbers(text: string, out: Span[]): void {
  const n = text.length;
  let i = 0;
  /** The end of the last number found (a '/' there may start the next one). */
  let lastEnd = -1;
  while (i < n) {
    const c = text.charCodeAt(i);
    const startsNumber = isDigit(c) || ((c === 43 || c === 40 || c === 0xff08) && i + 1 < n && isDigit(text.charCodeAt(i + 1)));
    if (!startsNumber) {
      i++;
      continue;
    }
    const start = i;
    // A number glued to letters, digits, a decimal point, '_', '-' or '/' on the left is not a
    // token start; '/' is let through right after a number just found (电话(021)38568888/400-820-6666).
    const prev = start > 0 ? text.charCodeAt(start - 1) : 32;
    // A '+' (country code) right after a digit starts a new number: Weibo/CLUE text has its spaces
    // removed, so numbers touch (热线12308+86-10-59913991: new-user review 9 #13).
    const glued = !(c === 43 && isDigit(prev)) && (isAlnum(prev) || prev === 46 || prev === 95 || prev === 45 || (prev === 47 && lastEnd !== start - 1));
    const plus = c === 43;
    let paren = false;
    if (c === 43) i++;
    const groups: string[] = [];
    const ends: number[] = [];
    let g = i;
    if (c === 40 || c === 0xff08) {
      // (0755) 8888 8888 or (0755)88888888
      let j = i + 1;
      while (j < n && isDigit(text.charCodeAt(j))) j++;
      const close = text.charCodeAt(j);
      if ((close === 41 || close === 0xff09) && j - i - 1 >= 2 && j - i - 1 <= 4) {
        groups.push(text.slice(i + 1, j));
        ends.push(j + 1);
        paren = true;
        i = j + 1;
        if (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 45) i++;
        g = i;
        if (!isDigit(text.charCodeAt(i))) {
          i = start + 1;
          continue;
        }
      } else {
        i = start + 1;
        continue;
      }
    }
    for (;;) {
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const x = text.charCodeAt(i);
      // X/x closes an 18-character resident ID.
      if ((x === 88 || x === 120) && i - g === 17 && groups.length === 0) {
        i++;
        groups.push(text.slice(g, i));
        ends.push(i);
        break;
      }
      groups.push(text.slice(g, i));
      ends.push(i);
      if ((x === 45 || x === 32) && i + 1 < n && isDigit(text.charCodeAt(i + 1)) && groups.length < 6) {
        i++;
        g = i;
        continue;
      }
      break;
    }
    const end = i;
    if (!glued && !gluedAfter(text, end)) {
      const k = classifyNumber(text.slice(start, end), groups, plus, paren);
      if (k !== null) {
        out.push({ kind: k.kind, start, end, sub: k.sub });
        lastEnd = end;
        continue;
      }
      // A run of separated groups may hold a number followed by another one: retry with fewer
      // groups. After a space the rest is another number (0310-3202000 0310-3202111); after a
      // hyphen it is part of this token, so the prefix counts only as a mainland landline or
      // service number with a 1-5 digit extension (010-84183311-3389), and the span takes it.
      let found = false;
      for (let m = groups.length - 1; m >= 1 && !found; m--) {
        const j = ends[m - 1];
        const k2 = classifyNumber(text.slice(start, j), groups.slice(0, m), plus, paren);
        if (k2 === null) continue;
        if (text.charCodeAt(j) === 45) {
          const extension = m === groups.length - 1 && groups[m].length <= 5 && (k2.sub === 'cn_landline' || k2.sub === 'cn_service');
          if (!extension) break;
          out.push({ kind: k2.kind, start, end, sub: k2.sub });
          i = end;
        } else {
          out.push({ kind: k2.kind, start, end: j, sub: k2.sub });
          i = j;
        }
        lastEnd = i;
        found = true;
      }
      if (found) continue;
    }
    // Skip the rest of a glued token so its tail is not read as a new number.
    while (i < n && (isAlnum(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
    if (i === start) i++;
  }
}

/** Private, loopback, link-local and unspecified IPv4 addresses: not anybody's address. */
function isPrivateV4(p: number[]): boolean {
  return p[0] === 10 || p[0] === 127 || p[0] === 0 || (p[0] === 169 && p[1] === 254) || (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168) || p[0] >= 224 ||
    // documentation ranges (RFC 5737)
    (p[0] === 192 && p[1] === 0 && p[2] === 2) || (p[0] === 198 && p[1] === 51 && p[2] === 100) || (p[0] === 203 && p[1] === 0 && p[2] === 113);
}

/**
 * The words just before a dotted quad that make it an address even when all its parts are small
 * (a section or version number otherwise): IP, DNS, ping, host, gateway, server, 地址, 网关,
 * 服务器, 主机, then at most a colon or equals sign and a verb (为, 是, 设为, 改为 ...). A word in between ("服务器版本
 * 1.2.3.4") makes it a version again.
 */
const IP_CONTEXT = /(?:(?:^|[^a-z])(?:ip(?:v4)?|dns|ping|host|gateway|(?:name)?server|resolver)(?:\s*address)?|地址|网关|服务器|主机|解析)\s*[:：=]?\s*(?:设为|设置为|改为|填|用|为|是)?\s*[:：]?\s*$/i;

/** IPv4 dotted quads (each part 0-255, no leading zeros, not part of a longer dotted number). */
export function findIPv4(text: string, out: Span[], skipPrivate: boolean): void {
  let from = 0;
  for (;;) {
    const dot = text.indexOf('.', from);
    if (dot < 0) return;
    from = dot + 1;
    let s = dot;
    while (s > 0 && isDigit(text.charCodeAt(s - 1)) && dot - s < 4) s--;
    if (s === dot || dot - s > 3) continue;
    const prev = s > 0 ? text.charCodeAt(s - 1) : 32;
    if (isAlnum(prev) || prev === 46) continue;
    const parts: number[] = [];
    let i = s;
    let okParts = true;
    for (let k = 0; k < 4; k++) {
      const g = i;
      while (i < text.length && isDigit(text.charCodeAt(i)) && i - g < 4) i++;
      const len = i - g;
      if (len === 0 || len > 3 || (len > 1 && text.charCodeAt(g) === 48)) {
        okParts = false;
        break;
      }
      parts.push(Number(text.slice(g, i)));
      if (k < 3) {
        if (text.charCodeAt(i) !== 46) {
          okParts = false;
          break;
        }
        i++;
      }
    }
    if (!okParts || parts.some((p) => p > 255)) continue;
    const next = i < text.length ? text.charCodeAt(i) : 32;
    if (isAlnum(next) || (next === 46 && isDigit(text.charCodeAt(i + 1)))) {
      from = i;
      continue;
    }
    from = i;
    // Section and version numbers (12.1.1.1, 6.2.4.3): every part small. Such a quad is taken
    // as an address only right after a word that says so ("DNS 8.8.8.8", "IP：1.12.3.4").
    if (parts.every((p) => p < 32) && !IP_CONTEXT.test(text.slice(Math.max(0, s - 24), s))) continue;
    if (skipPrivate && isPrivateV4(parts)) continue;
    out.push({ kind: 'ip', start: s, end: i, sub: 'ipv4' });
  }
}

const isHex = (c: number): boolean => isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/** IPv6 addresses: hex groups and colons around each `:`, checked with node's parser; at least 3 groups. */
export function findIPv6(text: string, out: Span[], skipPrivate: boolean): void {
  let from = 0;
  for (;;) {
    const colon = text.indexOf(':', from);
    if (colon < 0) return;
    let s = colon;
    while (s > 0 && (isHex(text.charCodeAt(s - 1)) || text.charCodeAt(s - 1) === 58) && colon - s < 40) s--;
    let e = colon;
    while (e < text.length && (isHex(text.charCodeAt(e)) || text.charCodeAt(e) === 58 || text.charCodeAt(e) === 46) && e - s < 46) e++;
    from = e + 1;
    while (e > colon && text.charCodeAt(e - 1) === 46) e--;
    const prev = s > 0 ? text.charCodeAt(s - 1) : 32;
    const next = e < text.length ? text.charCodeAt(e) : 32;
    if (isAlnum(prev) || isAlnum(next) || prev === 95 || next === 95) continue;
    const cand = text.slice(s, e);
    const groups = cand.split(':').filter((x) => x.length > 0);
    if (groups.length < 3 || !isIPv6(cand)) continue;
    const low = cand.toLowerCase();
    if (skipPrivate && (low === '::1' || low.startsWith('fe80:') || low.startsWith('2001:db8:') || low.startsWith('2001:0db8:') || low.startsWith('fc') || low.startsWith('fd') || low.startsWith('::ffff:127.'))) continue;
    out.push({ kind: 'ip', start: s, end: e, sub: 'ipv6' });
  }
}

/** Every finding in `text`, sorted by start; overlapping findings keep the earlier (longer on ties). */
export function findPii(text: string, kinds: ReadonlySet<PiiKind>, skipPrivateIp = true): Span[] {
  const out: Span[] = [];
  if (kinds.has('email') && text.includes('@')) findEmails(text, out);
  if (kinds.has('phone') || kinds.has('id') || kinds.has('card')) {
    const nums: Span[] = [];
    findNumbers(text, nums);
    for (const s of nums) if (kinds.has(s.kind)) out.push(s);
  }
  if (kinds.has('ip')) {
    findIPv4(text, out, skipPrivateIp);
    if (text.includes('::') || /[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:/i.test(text)) findIPv6(text, out, skipPrivateIp);
  }
  if (out.length <= 1) return out;
  out.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  let lastEnd = -1;
  for (const s of out) {
    if (s.start >= lastEnd) {
      kept.push(s);
      lastEnd = s.end;
    }
  }
  return kept;
}
