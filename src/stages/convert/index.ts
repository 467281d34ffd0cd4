export { convertStage, convertOptions, createConvert } from './convert.js';
export { checkConversation } from './check.js';
export type { Checked, RepairKind } from './check.js';
export { ALPACA_NO_INPUT, detectFormat, isNoInput, readAlpaca, readShareGpt, readOpenAi, readXtuner, readText } from './read.js';
export type { AlpacaJoin, ReadResult } from './read.js';
export { toConversation, toMessages, flatten, textRecord, chatRecord } from './write.js';
export type { LossMode } from './write.js';
export { INPUT_FORMATS, OUTPUT_FORMATS, ROLE_NAMES } from './model.js';
export type { Msg, Role, Parsed, InputFormat, OutputFormat } from './model.js';
