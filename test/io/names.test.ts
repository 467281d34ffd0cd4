import { describe, expect, it } from 'vitest';
import { shardPattern, splitExtensions } from '../../src/io/outputs.js';

describe('shard names of a file output', () => {
  it('cut the name before its run of extensions, as the regex it replaces did', () => {
    const old = (n: string): [string, string] => {
      const m = /^(.*?)((?:\.[A-Za-z0-9]+)*)$/.exec(n)!;
      return [m[1], m[2]];
    };
    const names = ['out.jsonl', 'data.v2.jsonl.gz', 'x..jsonl', '.jsonl', 'plain', 'a.b-c.jsonl', 'a.', 'é.jsonl', 'a.jsonl.', '...', ''];
    for (let i = 0; i < 500; i++) names.push(Array.from({ length: 1 + (i % 12) }, (_, k) => 'a.-_é1'[(i * 7 + k * 3) % 6]).join(''));
    for (const n of names) expect(splitExtensions(n), n).toEqual(old(n));
    expect(shardPattern('/x/out.jsonl.gz').test('out-00012.jsonl.gz')).toBe(true);
    expect(shardPattern('/x/out.jsonl.gz').test('out-12.jsonl.gz')).toBe(false);
  });
  it('a long name made of extensions is one backwards scan (the regex was quadratic on it)', () => {
    expect(splitExtensions(`${'a.'.repeat(100000)}jsonl`)).toEqual(['a', `${'.a'.repeat(99999)}.jsonl`]);
    const n = `${'a.'.repeat(100000)}-`;
    expect(splitExtensions(n)).toEqual([n, '']);
  });
});
