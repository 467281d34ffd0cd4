/**
 * URL list files of the `url-filter` stage. One rule a line:
 *
 * - `example.com`: the host and every subdomain of it;
 * - `.example.com` or `*.example.com`: subdomains only (a suffix; `.bet` covers a whole TLD);
 * - `0.0.0.0 example.com`, `127.0.0.1 example.com`: hosts-file lines, as public blocklists publish them;
 * - `||example.com^`: adblock domain rules (other adblock syntax is skipped and counted);
 * - `re:<regex>`: a regular expression (RE2 syntax: no backreferences or lookaround) searched in
 *   the URL, case-insensitively;
 * - anything holding `/` or `*` otherwise: a glob found anywhere in the URL (`*` = any run of
 *   characters), case-insensitively.
 *
 * URLs come from the records, patterns from the user: nothing here may backtrack. Globs are
 * matched piece by piece with `indexOf` (the first place each piece fits is always a right one, so
 * nothing is retried); `re:` rules run on RE2JS, whose automaton is linear in the URL length.
 *
 * `#` and `!` start comment lines; blank lines are skipped.
 *
 * Hosts are compared in their ASCII form, as browsers and the WHATWG URL parser write them: an
 * internationalised name (`中国.com`, full-width letters, `。` for a dot) in a list or in a URL is
 * turned into its punycode (`xn--fiqs8s.com`), so either spelling of a host matches the other.
 */
import { LIST_MAX, readSideFile } from '../../io/sideFile.js';
import { domainToASCII } from 'node:url';
import { basename, extname } from 'node:path';
import { RE2JS } from 're2js';
import { UsageError } from '../../core/errors.js';
import { showText, errorText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';

/** One compiled list. */
export interface UrlList {
  name: string;
  /** Hosts matched with all their subdomains. */
  domains: Set<string>;
  /** Suffixes (without the leading dot) matched by proper subdomains only. */
  suffixes: Set<string>;
  /** Globs, each as its lower-cased pieces between `*`s. */
  globs: string[][];
  /** The `re:` rules as one linear-time expression, or null. */
  pattern: RE2JS | null;
  /** Rules read, and lines skipped as unsupported. */
  rules: number;
  skipped: number;
}

const HOSTS_PREFIX = /^(?:0\.0\.0\.0|127\.0\.0\.1|::1?|::)\s+/;
// Labels of letters, digits, '_' and '-', joined by dots (a label never holds a dot: linear).
const DOMAIN = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/**
 * Whether the pieces of a glob (split at `*`) occur in `s` in order, without overlapping: the
 * glob found anywhere in `s`. Taking the earliest place of each piece never loses a match, so
 * this is a handful of `indexOf` calls, with no backtracking.
 */
export function globFound(pieces: readonly string[], s: string): boolean {
  let at = 0;
  for (const p of pieces) {
    if (p === '') continue;
    const i = s.indexOf(p, at);
    if (i < 0) return false;
    at = i + p.length;
  }
  return true;
}

/** Parse the text of a list file. */
export function parseUrlList(name: string, text: string): UrlList {
  const list: UrlList = { name, domains: new Set(), suffixes: new Set(), globs: [], pattern: null, rules: 0, skipped: 0 };
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const hash = line.indexOf(' #');
    if (hash > 0) line = line.slice(0, hash).trim();
    if (line.startsWith('re:')) {
      const src = line.slice(3);
      try {
        RE2JS.compile(src);
      } catch (e) {
        throw new UsageError(
          `url-filter: list '${showText(name)}': bad regular expression '${showText(src)}': ${(e as Error).message} (re: rules use RE2 syntax, which runs in linear time: no backreferences or lookaround)`,
        );
      }
      patterns.push(`(?:${src})`);
      list.rules++;
      continue;
    }
    line = line.replace(HOSTS_PREFIX, '');
    if (line.startsWith('||') && line.endsWith('^')) line = line.slice(2, -1);
    const lower = line.toLowerCase().replace(/\.$/, '');
    if (lower.startsWith('*.') || (lower.startsWith('.') && !lower.includes('/'))) {
      const suffix = asciiHost(lower.replace(/^\*?\./, ''));
      if (DOMAIN.test(suffix)) {
        list.suffixes.add(suffix);
        list.rules++;
      } else list.skipped++;
      continue;
    }
    const host = asciiHost(lower).replace(/\.$/, '');
    if (DOMAIN.test(host)) {
      if (host !== 'localhost' && host !== '0.0.0.0') {
        list.domains.add(host);
        list.rules++;
      }
      continue;
    }
    if (line.includes('/') || line.includes('*')) {
      list.globs.push(line.toLowerCase().split('*'));
      list.rules++;
      continue;
    }
    list.skipped++;
  }
  if (patterns.length > 0) list.pattern = RE2JS.compile(patterns.join('|'), RE2JS.CASE_INSENSITIVE);
  return list;
}

/** Read a list file; its name is the file name without extension (`gambling.txt` → `gambling`). */
export function loadUrlList(path: string): UrlList {
  let text: string;
  try {
    text = readSideFile(path, LIST_MAX, { pipes: true }).toString('utf8');
  } catch (e) {
    throw new UsageError(`url-filter: cannot read list '${showPath(path)}': ${errorText(e)}`);
  }
  return parseUrlList(basename(path, extname(path)), text);
}

/**
 * The host of a URL, lower case, without port, user info or a trailing dot; `''` when there is
 * none. Accepts URLs without a scheme (`example.com/path`), as crawls sometimes store them.
 */
export function hostOf(url: string): string {
  let s = url.indexOf('://');
  s = s < 0 ? (url.startsWith('//') ? 2 : 0) : s + 3;
  let e = s;
  while (e < url.length) {
    const c = url.charCodeAt(e);
    if (c === 47 || c === 63 || c === 35 || c === 92) break;
    e++;
  }
  let host = url.slice(s, e);
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  const colon = host.indexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  host = asciiHost(host);
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

/**
 * A host (or a list line that may be one) with non-ASCII characters in its ASCII (punycode) form,
 * as `new URL()` gives it; anything else, or a name that is not a valid host, unchanged.
 */
function asciiHost(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 128) i++;
  if (i === s.length || s.includes('/') || s.includes('*')) return s; // a glob, not a host
  const a = domainToASCII(s);
  return a === '' ? s : a;
}

/**
 * The rule of `list` that matches, or null: `domain:<d>`, `suffix:<s>` or `pattern`. `lower` is
 * the URL in lower case (for the globs), computed once by the caller for all lists.
 */
export function matchUrl(list: UrlList, url: string, host: string, lower = url.toLowerCase()): string | null {
  if (host !== '') {
    if (list.domains.has(host)) return `domain:${host}`;
    let dot = host.indexOf('.');
    while (dot >= 0) {
      const parent = host.slice(dot + 1);
      if (list.domains.has(parent)) return `domain:${parent}`;
      if (list.suffixes.has(parent)) return `suffix:${parent}`;
      dot = host.indexOf('.', dot + 1);
    }
  }
  for (const g of list.globs) if (globFound(g, lower)) return 'pattern';
  if (list.pattern !== null && list.pattern.test(url)) return 'pattern';
  return null;
}
