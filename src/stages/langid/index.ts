export type { LangIdBackend, LangResult } from './backend.js';
export { UND } from './backend.js';
export { fastTextBackend, loadLid176 } from './fasttext.js';
export { francBackend } from './franc.js';
export { fromFastTextLabel, fromFrancCode, iso1To3, toIso1 } from './iso639.js';
export type { LangIdOptions } from './langid.js';
export { LOW_SCORE, NOT_KEPT, langId, langIdOptions, langIdStage } from './langid.js';
export { modelText } from './modelText.js';
