/**
 * URL list files of the `url-filter` stage. One rule a line:
 *
 * - `example.com`: the host and every subdomain of it;
 * - `.example.com` or `*.example.com`: subdomains only (a suffix; `.bet` covers a whole TLD);
 * - `0.0.0.0 example.com`, `127.0.0.1 example.com`: hosts-file lines, as public blocklists publish them;
 * - `||example.com^`: adblock domain rules (other adblock syntax is skipped and counted);
 * - `re:<regex>`: a JavaScript regular expression tested on the whole URL;
 * - anything holding `/` or `*` otherwise: a glob on the whole URL (`*` = any run of characters).
 *
 * `#` and `!` start comment lines; blank lines are skipped.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { UsageError } from '../../core/errors.js';

/** One compiled list. */
export interface UrlList {
  name: string;
  /** Hosts matched with all their subdomains. */
  domains: Set<string>;
  /** Suffixes (without the leading dot) matched by proper subdomains only. */
  suffixes: Set<string>;
  /** Whole-URL patterns, as one regular expression, or null. */
  pattern: RegExp | null;
  /** Rules read, and lines skipped as unsupported. */
  rules: number;
  skipped: number;
}

const HOSTS_PREFIX = /^(?:0\.0\.0\.0|127\.0\.0\.1|::1?|::)\s+/;
// Labels of letters, digits, '_' and '-', joined by dots (a label never holds a dot: linear).
const DOMAIN = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

function globToRegex(glob: string): string {
  return glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*');
}

/** Parse the text of a list file. */
export function parseUrlList(name: string, text: string): UrlList {
  const list: UrlList = { name, domains: new Set(), suffixes: new Set(), pattern: null, rules: 0, skipped: 0 };
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const hash = line.indexOf(' #');
    if (hash > 0) line = line.slice(0, hash).trim();
    if (line.startsWith('re:')) {
      const src = line.slice(3);
      try {
        new RegExp(src);
      } catch (e) {
        throw new UsageError(`url-filter: list '${name}': bad regular expression '${src}': ${(e as Error).message}`);
      }
      patterns.push(`(?:${src})`);
      list.rules++;
      continue;
    }
    line = line.replace(HOSTS_PREFIX, '');
    if (line.startsWith('||') && line.endsWith('^')) line = line.slice(2, -1);
    const lower = line.toLowerCase().replace(/\.$/, '');
    if (lower.startsWith('*.') || (lower.startsWith('.') && !lower.includes('/'))) {
      const suffix = lower.replace(/^\*?\./, '');
      if (DOMAIN.test(suffix)) {
        list.suffixes.add(suffix);
        list.rules++;
      } else list.skipped++;
      continue;
    }
    if (DOMAIN.test(lower)) {
      if (lower !== 'localhost' && lower !== '0.0.0.0') {
        list.domains.add(lower);
        list.rules++;
      }
      continue;
    }
    if (line.includes('/') || line.includes('*')) {
      patterns.push(`(?:${globToRegex(line)})`);
      list.rules++;
      continue;
    }
    list.skipped++;
  }
  if (patterns.length > 0) list.pattern = new RegExp(patterns.join('|'), 'i');
  return list;
}

/** Read a list file; its name is the file name without extension (`gambling.txt` → `gambling`). */
export function loadUrlList(path: string): UrlList {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`url-filter: cannot read list '${path}': ${(e as Error).message}`);
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
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

/** The rule of `list` that matches, or null: `domain:<d>`, `suffix:<s>` or `pattern`. */
export function matchUrl(list: UrlList, url: string, host: string): string | null {
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
  if (list.pattern !== null && list.pattern.test(url)) return 'pattern';
  return null;
}
