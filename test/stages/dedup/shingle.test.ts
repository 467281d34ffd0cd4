import { describe, expect, it } from 'vitest';
import { Shingler } from '../../../src/stages/dedup/shingle.js';

const sh = new Shingler({ ngram: 3, charNgram: 2 });
const shingles = (t: string): number[] => Array.from(sh.shingle(t));

describe('Shingler', () => {
  it('makes word n-grams, ignoring case, punctuation and spacing', () => {
    expect(shingles('The quick brown fox jumps')).toHaveLength(3);
    expect(shingles('the QUICK, brown —  fox jumps!')).toEqual(shingles('The quick brown fox jumps'));
  });

  it('hashes every digit as 0 (datatrove norm_numbers)', () => {
    expect(shingles('version 1.2 released 2024')).toEqual(shingles('version 7.9 released 1999'));
    expect(shingles('version 1.2 released 2024')).not.toEqual(shingles('version 12 released 2024'));
  });

  it('is order sensitive inside a shingle', () => {
    expect(shingles('a b c')).not.toEqual(shingles('c b a'));
  });

  it('uses character n-grams for Chinese and Japanese', () => {
    expect(shingles('我们今天去公园')).toHaveLength(6); // 7 characters, bigrams
    expect(sh.lastCjkTokens).toBe(7);
    expect(shingles('我们，今天。去公园！')).toEqual(shingles('我们今天去公园'));
    expect(shingles('ひらがなカタカナ')).toHaveLength(7);
  });

  it('treats a Latin word inside Chinese as one token of the character stream', () => {
    shingles('我们使用 Linux 系统');
    expect(sh.lastTokens).toBe(7);
    expect(sh.lastCjkTokens).toBe(6);
    expect(shingles('我们使用 Linux 系统')).toHaveLength(6);
  });

  it('uses word n-grams when most tokens are words, even with some Han characters', () => {
    shingles('the word 中 appears in this English sentence');
    expect(sh.lastCjkTokens).toBe(1);
    expect(shingles('the word 中 appears in this English sentence')).toHaveLength(6);
  });

  it('reads supplementary-plane Han characters as one character', () => {
    shingles('𠀀𠀁𠀂');
    expect(sh.lastTokens).toBe(3);
    expect(sh.lastCjkTokens).toBe(3);
  });

  it('gives one shingle to a text shorter than n, one of its characters to a text without words, none to an empty one', () => {
    expect(shingles('hello world')).toHaveLength(1);
    expect(shingles('... !!! ---')).toHaveLength(1);
    expect(shingles(' ... !!!\n ---')).toEqual(shingles('... !!! ---'));
    expect(shingles('... !!! --')).not.toEqual(shingles('... !!! ---'));
    expect(shingles('')).toHaveLength(0);
    expect(shingles(' \n\t　')).toHaveLength(0);
  });
});
