/** The `url-filter` stage: list files, host parsing and the stage factory. */
export { urlFilterStage, urlFilterOptions, createUrlFilter } from './urlFilter.js';
export { parseUrlList, loadUrlList, hostOf, matchUrl } from './lists.js';
export type { UrlList } from './lists.js';
