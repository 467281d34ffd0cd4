/** The `paragraphs` stage: corpus-wide boilerplate paragraph/line removal. */
export { paragraphsStage, paragraphsOptions, createParagraphs, ParagraphCounter, TOO_SHORT } from './paragraphs.js';
export type { ParagraphsScope } from './paragraphs.js';
export { CountMinSketch } from './sketch.js';
