/** The `flagged-words` stage: word lists, the Aho-Corasick matcher and the stage factory. */
export { flaggedWordsStage, flaggedWordsOptions, createFlaggedWords, FlaggedMatcher, FLAGGED_REASONS } from './flaggedWords.js';
export { AhoCorasick } from './matcher.js';
export { BUILTIN_LISTS, builtinList, fileList, parseList } from './lists.js';
export type { WordList } from './lists.js';
