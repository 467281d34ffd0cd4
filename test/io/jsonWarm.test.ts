import { describe, expect, it } from 'vitest';
import { unrunBlocks } from '../helpers/coverage.js';

/**
 * Blocks the reader's warm-up may leave unrun: what `parseRecord` never asks for (`exactNeeded`
 * without `keyColons`' answer; a string outside every object or array, which a record cannot
 * have), and a too deep record's reject.
 */
const PARSE_MAY_STAY_COLD = [
  'io/json.js exactNeeded: return inexactNumberIn(text);',
  'io/json.js duplicateKey: : null',
  // a record nested past MAX_DEPTH: a reject, and 1,000 calls of indexOf to reach (tooDeep's own branches are warmed)
  "io/readers/jsonl.js parseRecord: return new Unfit('too_deep', text, { limit: MAX_DEPTH });",
];

/** `warmParse` alone, under V8 block coverage. */
const PARSE = `
const { warmParse } = await import(dist + '/io/readers/jsonl.js');
warmParse();
`;

describe('the JSON reader warm-up', () => {
  it('takes every branch of parseRecord and the scans it calls', async () => {
    const r = await unrunBlocks(PARSE, '(io/json|io/readers/jsonl)\\.js$', ['parseRecord', 'tooDeep', 'keyColons', 'tokenEnd', 'hasLongExponent', 'scanParsed', 'exactNeeded', 'unsafeNumber', 'duplicateKey', 'stringEnd', 'keyAt']);
    expect(r.stderr).toBe('');
    expect(r.blocks.filter((b) => !PARSE_MAY_STAY_COLD.includes(b))).toEqual([]);
  });
});

/** `warmStringified` alone, under V8 block coverage. */
const STRINGIFIED = `
const { warmStringified } = await import(dist + '/io/writers/stringified.js');
warmStringified();
`;

describe('the JSONL writer warm-up', () => {
  it('takes every branch of stringifiedInto and its helpers', async () => {
    const r = await unrunBlocks(STRINGIFIED, '(io/writers/stringified)\\.js$', ['stringifiedInto', 'shortEscape', 'controlEscape', 'hex', 'canonicalNumber', 'indexOf', 'digitsOnly', 'isSpace']);
    expect(r.stderr).toBe('');
    expect(r.blocks).toEqual([]);
  });
});
