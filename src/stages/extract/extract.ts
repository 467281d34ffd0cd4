import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import { isNotUtf8 } from '../../core/doc.js';
import { decodeHtml, declaredOf } from './charset.js';
import { htmlToText, type ExtractMethod } from './html.js';

/** Options of `extract`, with their defaults. */
export const extractOptions: OptionsSpec = {
  field: { type: 'string', default: 'html', doc: 'field holding the HTML' },
  to: { type: 'string', default: 'text', doc: 'field the extracted text is written to' },
  method: {
    type: 'string',
    default: 'main',
    values: ['main', 'readability', 'page'],
    doc: 'main: the article found by a one-pass main-content scorer (else the page text); readability: the article Mozilla Readability finds (slower, the earlier default); page: the page less navigation, header, footer, asides',
  },
  minArticleShare: { type: 'number', default: 0.35, min: 0, max: 1, doc: 'main, readability: use the page text when the article holds less than this share of its letters' },
  keepHtml: { type: 'boolean', default: false, doc: 'keep the HTML field beside the text (default: removed, it is most of the bytes)' },
  title: { type: 'boolean', default: true, doc: 'write the page <title> to the field `title` when the record has none' },
};

/**
 * Build the extract stage from resolved options: the HTML in `field` becomes plain text in `to`
 * (see `htmlToText`). Rejects: `extract:no_html` (the field is missing or not a string),
 * `extract:empty` (no text found), `extract:failed` (the parser or Readability threw). Counters `method:article` and `method:page` say how often
 * the article found was used and how often the page text.
 */
export function createExtract(options: Record<string, unknown>): Stage {
  const field = options.field as string;
  const to = options.to as string;
  const keepHtml = options.keepHtml as boolean;
  const withTitle = options.title as boolean;
  const o = { method: options.method as ExtractMethod, minArticleShare: options.minArticleShare as number };
  return docStage({
    name: 'extract',
    needsText: false,
    options,
    apply(doc, ctx) {
      const data = doc.data;
      const value = data[field];
      if (typeof value !== 'string') return 'extract:no_html';
      let html = value;
      // A Parquet byte column whose value is not UTF-8 holds the page's bytes in base64: they are
      // decoded by the page's charset, as for a .html file or a WARC page (hostile review 9 F53:
      // the base64 was extracted as the text).
      if (isNotUtf8(data, field)) {
        const decoded = decodeHtml(Buffer.from(html, 'base64'));
        html = decoded.html;
        if (data.charset === undefined) Object.assign(data, { charset: decoded.charset, ...declaredOf(decoded) });
      }
      let r;
      try {
        r = htmlToText(html, o);
      } catch (e) {
        ctx.reject(doc, 'extract:failed', { error: (e as Error).message });
        return;
      }
      if (!keepHtml && field !== to) delete data[field];
      if (r.text === '') return 'extract:empty';
      data[to] = r.text;
      if (withTitle && r.title !== '' && data.title === undefined) data.title = r.title;
      count(ctx.stats.counters, `method:${r.method}`);
    },
  });
}

/** `extract`: HTML to main text (a one-pass main-content scorer, or Readability, with a page-text fallback). */
export const extractStage: StageFactory = {
  name: 'extract',
  summary: 'HTML (an `html` field, or .html and WARC pages) to its main text: boilerplate removed, lines and tables kept',
  options: extractOptions,
  create: createExtract,
};
