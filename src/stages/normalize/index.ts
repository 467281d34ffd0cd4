export { normalizeStage, normalizeOptions, createNormalize } from './normalize.js';
export { TextNormalizer, DEFAULT_TEXT_CONFIG, CHANGE_KINDS, changeKinds } from './textNormalizer.js';
export type { TextNormalizeConfig, UnicodeForm, ChangeKind } from './textNormalizer.js';
export { repairMojibake, mayBeMojibake } from './mojibake.js';
export { decodeEntities, NAMED_ENTITIES } from './htmlEntities.js';
export { toIsoDate } from './dates.js';
export type { DateResult } from './dates.js';
export { coerceRecord, normalizeDateField } from './recordFormat.js';
export { encodeCp1252, decodeCp1252, cp1252Byte, cp1252Char, CP1252_HIGH } from './cp1252.js';
