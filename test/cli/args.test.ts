import { describe, expect, it } from 'vitest';
import { parse } from '../../src/cli/args.js';
import { UsageError } from '../../src/core/errors.js';

const FLAGS = [
  { name: 'limit', type: 'string' as const, arg: 'N', help: '' },
  { name: 'output', short: 'o', type: 'string' as const, arg: 'PATH', help: '' },
];

function message(argv: string[]): string {
  try {
    parse('cat', argv, FLAGS);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('parsed');
}

describe('argument parse errors', () => {
  // Hostile review 6 F19: node's three-line message reached the user as one line with \x0a escapes.
  it('a value that starts with a dash: one line that says how to give it', () => {
    expect(message(['--limit', '-1'])).toBe("cat: option '--limit' needs a value, and the word after it, '-1', starts with a dash: if that is the value, write '--limit=-1'");
    expect(message(['-o', '-x'])).toBe("cat: option '-o' needs a value, and the word after it, '-x', starts with a dash: if that is the value, write '--output=-x'");
    for (const m of [message(['--limit', '-1']), message(['--nope'])]) expect(m).not.toContain('\n');
  });
});
