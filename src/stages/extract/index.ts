export { extractStage, extractOptions, createExtract } from './extract.js';
export { htmlToText } from './html.js';
export type { ExtractMethod, ExtractedText, HtmlToTextOptions } from './html.js';
export { decodeHtml, charsetOfContentType } from './charset.js';
export type { DecodedHtml } from './charset.js';
export { domToText } from './text.js';
