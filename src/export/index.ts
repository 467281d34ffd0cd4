export { InternEvoWriter } from './internevo-writer.js';
export type { InternEvoShard, InternEvoWriterOptions } from './internevo-writer.js';
export { decodeNpy2D, encodeNpy, npyHeader, parseNpyHeader } from './npy.js';
export type { NpyHeader, NpyIntDtype } from './npy.js';
export { chatMessages, encodeChat, encodeSample, SampleError, tokensLine } from './sample.js';
export type { ChatMessage, SampleKind, SampleOptions } from './sample.js';
export { tokenize, tokenizeOptionsSpec, tokenizeStage } from './tokenize-stage.js';
export type { TokenizeOptions } from './tokenize-stage.js';
export { toXtunerV1, XTUNER_V1_ROLES } from './xtuner-v1.js';
