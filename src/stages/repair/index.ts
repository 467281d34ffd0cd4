export { repairStage, repairObject, repairOptions } from './repair.js';
export { loadSchema, parseSchemaObject, SCHEMA_DIR, SHIPPED_SCHEMAS, FIELD_TYPES, DERIVATIONS } from './schema.js';
export type { RecordSchema, FieldSpec, FieldType, Derivation } from './schema.js';
export { coerceValue } from './coerce.js';
export type { Coerced } from './coerce.js';
export { derive, charCount, lineCount, textId } from './derive.js';
