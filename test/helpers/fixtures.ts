import { checkOutputs } from '../../src/io/outputs.js';

/**
 * Small inputs and checks that several test files share (one place, so that they stay the same
 * where the tests mean the same thing).
 */

/**
 * `n` JSON Lines records numbered from `from`, every third one (the first, the fourth ...) not
 * JSON: a third rejected as read/json, over the default --max-reject-rate 0.1 (exit 1).
 */
export const everyThirdBad = (from: number, n: number): string => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? `{bad json ${from + i}` : JSON.stringify({ text: `record ${from + i} with words` }))).join('\n') + '\n';

/** Five good records ('record number I is here'), then, with `bad`, a line that is not JSON. */
export const fiveRecords = (bad: boolean): string => Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i} is here` })).join('\n') + (bad ? '\nnot json\n' : '\n');

type OutputsPlan = Parameters<typeof checkOutputs>[0];

/**
 * The usage error checkOutputs throws for `plan` over `base` (the inputs, output and roots the
 * test file's commands have; a file output, --overwrite given), or '' when it accepts it.
 */
export async function outputsRefusal(base: Pick<OutputsPlan, 'inputs' | 'output' | 'roots'>, plan: Partial<OutputsPlan>): Promise<string> {
  try {
    await checkOutputs({ ...base, folder: false, sharded: false, overwrite: true, ...plan });
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}
