import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { ROOT, tempDir } from '../../helpers/run.js';
import { CASED_ASTRAL_LEADS, NOT_SIMPLE, Shingler, classTable, defaultUnitTables, lowerTable, unitTableFile, unitTableKey, unitTableOf } from '../../../src/stages/dedup/shingle.js';

const CLASS = classTable();
const LOWER = lowerTable();

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

describe('Shingler tables', () => {
  it('classes every code unit as the per-character regexes did', () => {
    const word = /[\p{L}\p{M}]/u;
    const digit = /\p{N}/u;
    const cjk = (c: number) => (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x3040 && c <= 0x30ff) || (c >= 0x31f0 && c <= 0x31ff) || c === 0x3005 || c === 0x3007;
    for (let c = 0; c < 65536; c++) {
      const s = String.fromCharCode(c);
      const want = c >= 0xd800 && c <= 0xdbff ? (c >= 0xd840 && c <= 0xd87f ? 4 : 5) : c >= 0xdc00 && c <= 0xdfff ? 6 : cjk(c) ? 3 : digit.test(s) ? 2 : word.test(s) ? 1 : 0;
      if (CLASS[c] !== want) expect(`U+${c.toString(16)} class ${CLASS[c]}`).toBe(`U+${c.toString(16)} class ${want}`);
    }
  });

  it('lowers every code unit as toLowerCase does, and says which it cannot lower alone', () => {
    for (let c = 0; c < 65536; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const s = String.fromCharCode(c);
      const low = s.toLowerCase();
      // In the middle of a word and at its end, as in a text.
      const simple = low.length === 1 && ('A' + s + 'a').toLowerCase() === 'a' + low + 'a' && ('A' + s).toLowerCase() === 'a' + low;
      if (LOWER[c] === NOT_SIMPLE) expect(simple && c !== 0xffff, `U+${c.toString(16)}`).toBe(false);
      else expect(String.fromCharCode(LOWER[c]), `U+${c.toString(16)}`).toBe(low);
    }
    for (let c = 0x10000; c <= 0x10ffff; c++) {
      const s = String.fromCodePoint(c);
      if (s.toLowerCase() !== s) expect(CASED_ASTRAL_LEADS, `U+${c.toString(16)}`).toContain(s.charCodeAt(0));
    }
  });

  it('shingles a text as the shingles of its toLowerCase (property)', () => {
    const pieces = fc.constantFrom('The', 'QUICK', 'brown', ' ', '  ', ',', 'İstanbul', 'ΟΔΟΣ', 'Σ', 'σ', 'ς', '中文', '\u{10400}', '\u{1F600}', 'ẞ', '42', 'Ǆ', '\uD801', 'x');
    const a = new Shingler({ ngram: 2, charNgram: 2 });
    const b = new Shingler({ ngram: 2, charNgram: 2 });
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }).map((x) => x.join('')), (t) => {
        const got = Array.from(a.shingle(t));
        expect(got).toEqual(Array.from(b.shingle(t.toLowerCase())));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the shingle unit table written at build time (start-up without three passes over 65,536 units)', () => {
  it('the build reads the table it wrote, and it is the one built here', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const s = await import('./dist/stages/dedup/shingle.js');
      const file = readFileSync('./dist/stages/dedup/shingle-units.bin');
      new s.Shingler({ ngram: 5, charNgram: 5 }).shingle('Some words to shingle here');
      const read = s.unitTableOf(file);
      const same = s.defaultUnitTables().every((t, i) => Buffer.from(read[i].buffer).equals(Buffer.from(t.buffer)));
      console.log(JSON.stringify({ used: read !== undefined, same }));`;
    expect(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' }))).toEqual({ used: true, same: true });
  });

  // The key names a version (UNIT_TABLE_VERSION), not a hash of the builders' source text (which
  // esbuild reprints in the bundled CLI): this test is what catches a builder edited without the
  // tables built again (tsc alone, without scripts/char-classes.mjs).
  it('the built file is the tables these sources make, under the key they give', () => {
    expect(unitTableOf(readFileSync(join(ROOT, 'dist/stages/dedup/shingle-units.bin')))).toEqual(defaultUnitTables());
  });

  it('a table made under another key or cut short is not used', () => {
    const table = defaultUnitTables();
    expect(unitTableOf(unitTableFile(table))).toEqual(table);
    expect(unitTableOf(unitTableFile(table, unitTableKey().replace(/icu \S+/, 'icu 0.0;')))).toBeUndefined();
    expect(unitTableOf(unitTableFile(table).subarray(0, 1000))).toBeUndefined();
    expect(unitTableKey()).toContain(`unicode ${process.versions.unicode}`);
  });

  // Hostile 19 F3 / new-user 19 F6: a file damaged with its size and key intact was used as it
  // was, and changed dedup decisions with no word; its checksum must catch it.
  it('a table whose contents do not match its checksum is not used', () => {
    const table = defaultUnitTables();
    for (const at of [256 + 0x41 * 4, 256 + 4 * 65536 + 0x7a * 4, 256 + 8 * 65536 - 1]) {
      const file = unitTableFile(table);
      file[at] ^= 1;
      expect(unitTableOf(file), `byte ${at}`).toBeUndefined();
    }
  });

  it('a build whose table file has a flipped byte builds the table and shingles as without the file', async () => {
    const dir = await tempDir();
    await cp('dist', join(dir, 'dist'), { recursive: true });
    const bin = join(dir, 'dist/stages/dedup/shingle-units.bin');
    const file = await readFile(bin);
    file[256 + 0x41 * 4] ^= 1; // 'A' in the table for a text as given (the one shingling lowers through)
    await writeFile(bin, file);
    const script = (root: string): string => `
      const s = await import(${JSON.stringify(`${root}/dist/stages/dedup/shingle.js`)});
      const sh = new s.Shingler({ ngram: 2, charNgram: 2 });
      console.log(JSON.stringify(Array.from(sh.shingle('A Big Apple And An Orange Are Both Fruit'))));`;
    const run = (root: string): number[] => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script(root)], { cwd: process.cwd(), encoding: 'utf8' }));
    const want = run(process.cwd());
    expect(want.length).toBeGreaterThan(0);
    expect(run(dir)).toEqual(want);
  });
});
