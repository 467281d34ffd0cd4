import { describe, expect, it } from 'vitest';
import { flagHelp, parse } from '../../src/cli/args.js';
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

  // New-user review 8 #3: option help ran to 430 characters a line.
  it('option help is wrapped to the width, under its own column', () => {
    const help = flagHelp([{ name: 'limit', type: 'string', arg: 'N', help: 'read only the first N records of the inputs in input order (every record counts: good, bad or blank) (default: all)' }], 60);
    const lines = help.split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines[1]).toMatch(/^ {17}\S/);
    expect(help.replace(/\n +/g, ' ')).toBe("      --limit N  read only the first N records of the inputs in input order (every record counts: good, bad or blank) (default: all)");
  });
});

// Hostile review 10 F45: a single-value option given twice silently took the last value.
describe('a single-value option given twice', () => {
  const LIST = [...FLAGS, { name: 'input', short: 'i', type: 'string' as const, multiple: true, help: '' }, { name: 'quiet', short: 'q', type: 'boolean' as const, help: '' }];
  it('is a usage error naming the option and both values, short and long forms alike', () => {
    expect(message(['--limit', '5', '--limit', '7'])).toBe("cat: option '--limit' is given twice ('5', then '7'); it takes one value: give it once");
    expect(message(['-o', 'a.jsonl', '--output=b.jsonl'])).toBe("cat: option '--output' (-o) is given twice ('a.jsonl', then 'b.jsonl'); it takes one value: give it once");
    expect(message(['-o', 'a.jsonl', '-o', 'a.jsonl'])).toContain("is given twice ('a.jsonl', then 'a.jsonl')");
  });
  it('a list in one value (A,B,...) given twice: the message shows the one value that keeps both', () => {
    const flags = [{ name: 'block', type: 'string' as const, arg: 'A,B,...', help: '' }];
    expect(() => parse('url-filter', ['--block', 'a.txt', '--block', 'b.txt'], flags)).toThrow("url-filter: option '--block' is given twice ('a.txt', then 'b.txt'); it takes one comma-separated list: --block 'a.txt,b.txt'");
  });
  it('a list option repeats, and a switch may be given twice', () => {
    const p = parse('run', ['-i', 'a', '--input', 'b', '-q', '-q', '-o', 'x/'], LIST);
    expect(p.values.input).toEqual(['a', 'b']);
    expect(p.values.quiet).toBe(true);
  });
});

