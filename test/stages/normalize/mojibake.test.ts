import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCp1252, encodeCp1252, mayBeMojibake, repairMojibake, TextNormalizer, changeKinds } from '../../../src/stages/normalize/index.js';
import { HAS_SHARED, SHARED } from '../../helpers/run.js';

/** Mojibake repairs over a JSONL file of {text} records: the repaired texts. */
function repairedIn(file: string | URL): string[] {
  const repaired: string[] = [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l) continue;
    const r = repairMojibake(JSON.parse(l).text as string);
    if (r.runs > 0) repaired.push(r.text);
  }
  return repaired;
}

interface Row {
  how: 'cp1252' | 'latin1' | 'cp1252_twice' | 'cp1252_lossy' | 'clean';
  original: string;
  mojibake: string;
  source: string;
}
// Built by fixtures/normalize/build_mojibake.py with Python's codecs from real zh/en text.
const rows: Row[] = readFileSync(new URL('../../../fixtures/normalize/mojibake.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
const tn = new TextNormalizer();

describe('mojibake repair on real text', () => {
  it('has every kind of case in the fixture', () => {
    const kinds = new Set(rows.map((r) => r.how));
    expect([...kinds].sort()).toEqual(['clean', 'cp1252', 'cp1252_lossy', 'cp1252_twice', 'latin1']);
  });

  for (const how of ['cp1252', 'latin1', 'cp1252_twice'] as const) {
    it(`restores text mis-decoded as ${how}`, () => {
      const cases = rows.filter((r) => r.how === how);
      expect(cases.length).toBeGreaterThan(5);
      for (const r of cases) {
        const ch = { bits: 0 };
        expect(tn.normalize(r.mojibake, ch), r.source).toBe(tn.normalize(r.original));
        expect(changeKinds(ch.bits)).toContain('mojibake');
      }
    });
  }

  it('never invents characters when bytes were lost (U+FFFD): only intact runs are repaired', () => {
    const cases = rows.filter((r) => r.how === 'cp1252_lossy');
    expect(cases.length).toBeGreaterThan(0);
    for (const r of cases) {
      const out = repairMojibake(r.mojibake).text;
      expect(out).toContain('\uFFFD');
      const allowed = new Set([...r.original, ...r.mojibake]);
      for (const c of out) expect(allowed.has(c), `${r.source}: ${c}`).toBe(true);
    }
  });

  it('leaves real Latin-1 text (French, German, Spanish, ...) alone', () => {
    const cases = rows.filter((r) => r.how === 'clean');
    expect(cases.length).toBeGreaterThan(10);
    for (const r of cases) expect(repairMojibake(r.original)).toEqual({ text: r.original, runs: 0 });
  });

  it('finds the real mojibake in a Leipzig slice (3 sentences per language + the 5 with mojibake) and nothing else', () => {
    const repaired = repairedIn(new URL('../../../fixtures/normalize/leipzig_slice.jsonl', import.meta.url));
    expect(repaired.length).toBe(5);
    expect(repaired.join(' ')).toMatch(/Für Menschen/);
    expect(repaired.join(' ')).toMatch(/különböző/);
  });

  it.runIf(HAS_SHARED)('finds the real mojibake in all the Leipzig langid sentences and nothing else', () => {
    const repaired = repairedIn(`${SHARED}/langid/langid_leipzig_lingua.jsonl`);
    // 14,939 sentences in 75 languages; five carry mojibake in the source data itself.
    expect(repaired.length).toBe(5);
    expect(repaired.join(' ')).toMatch(/Für Menschen/);
    expect(repaired.join(' ')).toMatch(/különböző/);
  });

  it('leaves real text with an accented capital before closing punctuation alone, and still repairs the mojibake beside it', () => {
    for (const s of ['Le journal titrait «CAFÉ» et “ADIÓS” hier', '”JA, JAG ÄR HÄR PÅ”', 'die »BLÖD«-Zeitung', '«IRMÃ»']) {
      expect(repairMojibake(s)).toEqual({ text: s, runs: 0 });
    }
    expect(repairMojibake('Ã© cafÃ© and «ÉTÉ»').text).toBe('é café and «ÉTÉ»');
    expect(repairMojibake('A különbözÅ‘ fellépÅ‘k').text).toBe('A különböző fellépők');
  });

  it('cp1252 table: the undefined bytes fall back to Latin-1 and round-trip', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    expect(encodeCp1252(decodeCp1252(all))).toEqual(all);
    expect(decodeCp1252(new Uint8Array([0x80, 0x81, 0x9f]))).toBe('€\u0081Ÿ');
    expect(encodeCp1252('中')).toBeNull();
  });

  it('does not touch a lone accented letter or mixed runs', () => {
    for (const s of ['Ã', 'NÃO', 'é»', 'Ã©è', '©2024']) expect(repairMojibake(s).runs).toBe(0);
  });

  it('says a text cannot hold mojibake when its lead bytes stand alone, and is never wrong about it (property)', () => {
    for (const s of ['café', 'naïve Straße', '3×4 ñ', 'é', 'Ã', '']) expect(mayBeMojibake(s), s).toBe(false);
    for (const s of ['cafÃ©', 'Ã\u00A0x', 'x©Ã']) expect(mayBeMojibake(s), s).toBe(true);
    const pieces = fc.constantFrom('a', ' ', 'Ã', '©', 'é', 'â', '€', '™', 'Å', '‘', '中', '\u0081', '\u00A0', 'ï', '¼', '\uD83D', 'x');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 20 }).map((a) => a.join('')), (s) => {
        if (!mayBeMojibake(s)) expect(repairMojibake(s)).toEqual({ text: s, runs: 0 });
      }),
      { numRuns: 5000 },
    );
  });
});
