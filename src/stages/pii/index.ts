/** The `pii` stage: detectors and the stage factory. */
export { piiStage, piiOptions, createPii, PLACEHOLDERS } from './pii.js';
export { findPii, findEmails, findNumbers, findIPv4, findIPv6, isResidentId, idCheckDigit, isBankCard, luhn, PII_KINDS } from './detect.js';
export type { PiiKind, Span } from './detect.js';
