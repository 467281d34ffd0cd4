/**
 * `url-filter`: drop records whose URL is on a block list (domain, subdomain suffix, or URL
 * pattern), unless an allow list has it; or, with `allow_only`, keep only URLs on allow lists.
 * The reason code names the list: `url_filter:<list>`.
 */
import type { Doc } from '../../core/doc.js';
import { UsageError } from '../../core/errors.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import type { UrlList } from './lists.js';
import { hostOf, loadUrlList, matchUrl } from './lists.js';
import { showText } from '../../core/show.js';

export const urlFilterOptions: OptionsSpec = {
  block: { type: 'string[]', default: [], path: true, doc: 'block-list files (domains, .suffixes, hosts-file lines, ||adblock^ domains, globs, re:regex); reason url_filter:<file name>' },
  allow: { type: 'string[]', default: [], path: true, doc: 'allow-list files in the same format; an allowed URL is never blocked' },
  allowOnly: { type: 'boolean', default: false, doc: 'keep only URLs on an allow list (others: url_filter:not_allowed)' },
  field: { type: 'string[]', default: ['url', 'metadata.url', 'meta.url'], doc: 'fields holding the URL, tried in order; a dotted path reaches into objects (default: url, then metadata.url as datatrove and Dolma write it, then meta.url as RedPajama and Data-Juicer do); when no record has one, the end of the run says so' },
  missing: { type: 'string', default: 'keep', values: ['keep', 'drop'], doc: 'records without a URL: keep them, or drop them as url_filter:no_url' },
};

/** The URL of a record at a dotted path, or undefined. */
function urlAt(data: Record<string, unknown>, path: readonly string[]): string | undefined {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Names of keys that may hold a URL (`url`, `source_url`, `WARC-Target-URI`), for the end-of-run warning. */
const URL_LIKE_KEY = /ur[li]/i;
/** At most this many distinct `url_key:<path>` counters per stage: keys come from records. */
const MAX_URL_KEYS = 8;

/**
 * A key (top level, or one object below it) of a record without a URL in the given fields that
 * looks like it holds one: a URL-like name and a non-empty string value. Undefined when none.
 */
function urlLikeKey(data: Record<string, unknown>): string | undefined {
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string') {
      if (v.length > 0 && URL_LIKE_KEY.test(k)) return k;
    } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === 'string' && v2.length > 0 && URL_LIKE_KEY.test(k2)) return `${k}.${k2}`;
    }
  }
  return undefined;
}

/** Build the stage from resolved options. */
export function createUrlFilter(options: Record<string, unknown>): Stage {
  const block: UrlList[] = (options.block as string[]).map(loadUrlList);
  const allow: UrlList[] = (options.allow as string[]).map(loadUrlList);
  const allowOnly = options.allowOnly === true;
  if (block.length === 0 && !allowOnly) throw new UsageError('url-filter: give at least one block list (block: [file]) or allow_only with allow lists');
  if (allowOnly && allow.length === 0) throw new UsageError('url-filter: allow_only needs at least one allow list');
  const names = new Set<string>();
  for (const l of [...block, ...allow]) {
    if (l.rules === 0) throw new UsageError(`url-filter: list '${showText(l.name)}' holds no usable rule`);
    if (names.has(l.name)) throw new UsageError(`url-filter: two lists are named '${showText(l.name)}'; reason codes name lists, so names must differ`);
    names.add(l.name);
  }
  for (const n of ['no_url', 'not_allowed']) if (names.has(n)) throw new UsageError(`url-filter: a list may not be named '${showText(n)}'`);
  const fields = options.field as string[];
  if (fields.length === 0) throw new UsageError('url-filter: field names no field');
  const paths = fields.map((f) => f.split('.'));
  const urlKeys = new Set<string>();
  const dropMissing = options.missing === 'drop';
  return docStage({
    name: 'url-filter',
    needsText: false,
    options: { ...options, lists: Object.fromEntries([...block, ...allow].map((l) => [l.name, { rules: l.rules, skipped: l.skipped }])) },
    apply(doc: Doc, ctx: StageContext) {
      let url: string | undefined;
      for (let i = 0; i < paths.length && url === undefined; i++) {
        url = urlAt(doc.data, paths[i]);
        // Where URLs were found, when more than one field is tried.
        if (url !== undefined && paths.length > 1) count(ctx.stats.counters, `url_at:${fields[i]}`);
      }
      if (url === undefined) {
        count(ctx.stats.counters, 'no_url');
        const key = urlLikeKey(doc.data);
        if (key !== undefined && (urlKeys.has(key) || urlKeys.size < MAX_URL_KEYS)) {
          urlKeys.add(key);
          count(ctx.stats.counters, `url_key:${key}`);
        }
        return dropMissing ? 'url_filter:no_url' : undefined;
      }
      const host = hostOf(url);
      const lower = url.toLowerCase();
      for (const l of allow) {
        const rule = matchUrl(l, url, host, lower);
        if (rule !== null) {
          count(ctx.stats.counters, `allowed:${l.name}`);
          return undefined;
        }
      }
      if (allowOnly) return 'url_filter:not_allowed';
      for (const l of block) {
        const rule = matchUrl(l, url, host, lower);
        if (rule !== null) {
          doc.attrs.url_filter = { list: l.name, rule };
          return `url_filter:${l.name}`;
        }
      }
      return undefined;
    },
  });
}

/** The `url-filter` stage factory. */
export const urlFilterStage: StageFactory = {
  name: 'url-filter',
  summary: 'drop records whose URL is on a block list (domains, suffixes, patterns) unless allowed; reasons name the list',
  options: urlFilterOptions,
  create: createUrlFilter,
};
