import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildStableTable, cleanTable, DEFAULT_TEXT_CONFIG, STABLE_BLOCKS, stableTableFile, stableTableKey, stableTableOf, TextNormalizer, type TextNormalizeConfig } from '../../../src/stages/normalize/textNormalizer.js';
import { isFullwidthAlnum, isHSpace, isZeroWidth } from '../../../src/stages/normalize/tidy.js';
import { ROOT } from '../../helpers/run.js';

/**
 * Issue #16, twenty-fifth pass: the characters NFC and NFKC leave unchanged on their own are a
 * table made at build time (scripts/normalize-tables.mjs, dist/stages/normalize/unicode-stable.bin)
 * instead of ~60,000 normalize() calls in every process that builds a normaliser. The tables a
 * normaliser scans with must be the ones those calls gave.
 */

/** The clean-scan table as it was made before the built table: one normalize() call per character. */
function cleanTableByCalls(cfg: TextNormalizeConfig): Uint8Array {
  const t = new Uint8Array(0x10000);
  for (let c = 0x21; c < 0x7f; c++) t[c] = 1;
  if (cfg.entities) t[0x26] = 0;
  t[0x20] = t[0x09] = cfg.trailingSpace ? 2 : 1;
  t[0x0a] = cfg.maxBlankLines !== null ? 2 : 1;
  if (!cfg.newlines) t[0x0d] = cfg.controls ? 0 : 1;
  if (!cfg.controls) {
    for (let c = 0; c < 0x20; c++) if (c !== 0x0d && c !== 0x09 && c !== 0x0a) t[c] = 1;
    for (let c = 0x7f; c < 0xa0; c++) t[c] = 1;
  }
  const blocks: ReadonlyArray<readonly [number, number]> = cfg.unicode === 'none' ? [[0xa0, 0xffff]] : STABLE_BLOCKS;
  for (const [lo, hi] of blocks) {
    for (let c = lo; c <= hi; c++) {
      const ch = String.fromCharCode(c);
      if (cfg.unicode !== 'none' && ch.normalize(cfg.unicode) !== ch) continue;
      if (cfg.zeroWidth && isZeroWidth(c)) continue;
      if (cfg.fullwidth && isFullwidthAlnum(c)) continue;
      if (cfg.mojibake && c >= 0xc2 && c <= 0xf4) t[c] = 4;
      else t[c] = cfg.trailingSpace && isHSpace(c) ? 2 : 1;
    }
  }
  if (cfg.unicode !== 'none') for (let c = 0xd83c; c <= 0xd83e; c++) t[c] = 3;
  else t.fill(0, 0xd800, 0xe000);
  return t;
}

describe('the text normaliser\'s built table of stable characters', () => {
  it('is built by npm run build as the sources make it, under this process\'s key', () => {
    const built = readFileSync(join(ROOT, 'dist/stages/normalize/unicode-stable.bin'));
    expect(built.equals(stableTableFile(buildStableTable()))).toBe(true);
    expect(built.toString('latin1', 0, 128)).toContain(stableTableKey());
    expect(stableTableOf(built)).toBeDefined();
  });

  it('is refused when its key, size or contents are not right', () => {
    const file = stableTableFile(buildStableTable());
    expect(stableTableOf(file, stableTableKey().replace(/icu \S+/, 'icu 0.0'))).toBeUndefined();
    expect(stableTableOf(file.subarray(0, file.length - 1))).toBeUndefined();
    const damaged = Buffer.from(file);
    damaged[128 + 0x4e00] ^= 1;
    expect(stableTableOf(damaged)).toBeUndefined();
  });

  it('gives the clean-scan tables one normalize() call per character gave', () => {
    const d = DEFAULT_TEXT_CONFIG;
    const configs: TextNormalizeConfig[] = [
      { ...d },
      { ...d, unicode: 'NFKC' },
      { ...d, unicode: 'none' },
      { ...d, unicode: 'NFKC', fullwidth: true, entities: true, mojibake: false },
      { ...d, zeroWidth: false, controls: false, newlines: false, trailingSpace: false, maxBlankLines: null },
      // the normaliser's second table, for the Unicode step alone
      { ...d, mojibake: false, entities: false, fullwidth: false, controls: false, zeroWidth: false, trailingSpace: false, maxBlankLines: null, newlines: false },
      { ...d, unicode: 'NFKC', mojibake: false, entities: false, fullwidth: false, controls: false, zeroWidth: false, trailingSpace: false, maxBlankLines: null, newlines: false },
    ];
    for (const cfg of configs) expect(Buffer.from(cleanTable(cfg)).equals(Buffer.from(cleanTableByCalls(cfg))), JSON.stringify(cfg)).toBe(true);
  });

  it('says which emoji and pictographs (U+1F000-U+1FBFF) are stable as normalize() does', () => {
    for (const unicode of ['NFC', 'NFKC'] as const) {
      const tn = new TextNormalizer({ unicode });
      const wrong: string[] = [];
      for (let c = 0x1f000; c <= 0x1fbff; c++) {
        const ch = String.fromCodePoint(c);
        if (tn.isClean(ch) !== (ch.normalize(unicode) === ch)) wrong.push(c.toString(16));
      }
      expect(wrong, unicode).toEqual([]);
    }
  });
});
