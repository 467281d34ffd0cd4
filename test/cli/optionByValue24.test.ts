import { describe, expect, it } from 'vitest';
import { parse, type Flag } from '../../src/cli/args.js';

// New-user review 23b C9: `dedup --mode exact` said only "unknown option '--mode'" (the option is
// --method, or --exact), where `run --compression` got "did you mean '--compress'?". An unknown
// option no flag's name is close to is now matched by the word given with it.

const FLAGS: Flag[] = [
  { name: 'method', type: 'string', arg: 'minhash|exact', help: '' },
  { name: 'exact', type: 'boolean', help: '' },
  { name: 'minhash', type: 'boolean', help: '' },
  { name: 'output', short: 'o', type: 'string', arg: 'FILE', help: '' },
];

const refusal = (argv: string[]): string => {
  try {
    parse('dedup', argv, FLAGS);
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('an unknown option, matched by its value', () => {
  it('names the flags that take the value, or are named by it', () => {
    expect(refusal(['--mode', 'exact', 'a.jsonl'])).toBe("dedup: unknown option '--mode'; did you mean '--method exact' or '--exact'?");
    expect(refusal(['--mode=minhash'])).toBe("dedup: unknown option '--mode'; did you mean '--method minhash' or '--minhash'?");
  });

  it('says nothing more for a value no flag takes, none at all, or a close name (that suggestion stands)', () => {
    expect(refusal(['--mode', 'fast'])).toBe("dedup: unknown option '--mode'");
    expect(refusal(['--mode'])).toBe("dedup: unknown option '--mode'");
    expect(refusal(['--mode', '-o', 'x'])).toBe("dedup: unknown option '--mode'");
    expect(refusal(['--methods', 'exact'])).toBe("dedup: unknown option '--methods'; did you mean '--method'?");
  });
});
