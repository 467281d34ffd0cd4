import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TextNormalizer, changeKinds, DEFAULT_TEXT_CONFIG } from '../../../src/stages/normalize/index.js';
import { HAS_SHARED, ROOT, SHARED } from '../../helpers/run.js';

const norm = (s: string, cfg = {}) => {
  const ch = { bits: 0 };
  const text = new TextNormalizer(cfg).normalize(s, ch);
  return { text, kinds: changeKinds(ch.bits) };
};

describe('TextNormalizer', () => {
  it('leaves clean text alone and says so', () => {
    for (const s of ['plain ascii text', '中文文本，没有问题。\n\n第二段', '']) {
      expect(norm(s)).toEqual({ text: s, kinds: [] });
      expect(new TextNormalizer().isClean(s)).toBe(true);
    }
    // Latin-1 letters are also mojibake lead bytes: the slow path runs, and changes nothing.
    expect(norm('café naïve Straße')).toEqual({ text: 'café naïve Straße', kinds: [] });
  });

  it('composes to NFC by default and NFKC on request', () => {
    expect(norm('e\u0301')).toEqual({ text: 'é', kinds: ['unicode'] });
    expect(norm('ﬁ，Ａ').text).toBe('ﬁ，Ａ');
    expect(norm('ﬁ，Ａ', { unicode: 'NFKC' }).text).toBe('fi,A');
    expect(norm('e\u0301', { unicode: 'none' }).text).toBe('e\u0301');
  });

  // Hostile review 20 F8: a lone surrogate went through normalize unchanged, and no UTF-8 encoder can write it.
  it('replaces a lone surrogate with U+FFFD under every form, and keeps pairs', () => {
    for (const unicode of ['NFC', 'NFKC', 'none'] as const) {
      expect(norm('lone \ud800 x', { unicode })).toEqual({ text: 'lone \ufffd x', kinds: ['lone_surrogates'] });
      expect(norm('\udc00a\ud83d', { unicode }).text).toBe('\ufffda\ufffd');
      expect(norm('ok \ud83d\ude00 \ud840\udc00', { unicode })).toEqual({ text: 'ok \ud83d\ude00 \ud840\udc00', kinds: [] });
      expect(new TextNormalizer({ unicode }).isClean('a\ud800')).toBe(false);
    }
  });

  it('turns CRLF and CR into LF', () => {
    expect(norm('a\r\nb\rc')).toEqual({ text: 'a\nb\nc', kinds: ['newlines'] });
  });

  it('removes control characters but keeps \\n and \\t', () => {
    expect(norm('a\u0000b\u0007c\td\ne\u0085f\u007f')).toEqual({ text: 'abc\td\nef', kinds: ['controls'] });
  });

  it('removes zero-width characters, keeping joiners inside emoji and Persian words', () => {
    expect(norm('zero\u200Bwidth\uFEFF soft\u00ADhyphen')).toEqual({ text: 'zerowidth softhyphen', kinds: ['zero_width'] });
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    expect(norm(family).text).toBe(family);
    const persian = 'می\u200Cخواهم';
    expect(norm(persian).text).toBe(persian);
    expect(norm('a\u200Cb').text).toBe('ab');
  });

  it('removes trailing spaces, tabs and ideographic spaces at line ends', () => {
    expect(norm('a \t\nb\u3000\nc  ')).toEqual({ text: 'a\nb\nc', kinds: ['trailing_space'] });
    expect(norm('  indented code\n\tkept').text).toBe('  indented code\n\tkept');
  });

  it('collapses runs of blank lines, keeping paragraphs', () => {
    expect(norm('p1\n\n\n\np2\n \n\n \np3')).toEqual({ text: 'p1\n\np2\n\np3', kinds: ['trailing_space', 'blank_lines'] });
    expect(norm('p1\n\n\n\np2', { maxBlankLines: 0 }).text).toBe('p1\np2');
    expect(norm('p1\n\n\n\np2', { maxBlankLines: null }).text).toBe('p1\n\n\n\np2');
  });

  it('decodes HTML entities only when asked, to a fixed point', () => {
    expect(norm('a &amp; b').text).toBe('a &amp; b');
    expect(norm('&lt;b&gt; caf&eacute; &#233; &#x4E2D; &#150; &bogus; &#0;', { entities: true }).text).toBe('<b> café é 中 – &bogus; &#0;');
    expect(norm('&amp;lt;', { entities: true }).text).toBe('<');
  });

  it('folds full-width letters and digits only, keeping Chinese punctuation', () => {
    expect(norm('ＡＢＣ１２３，：！（）', { fullwidth: true })).toEqual({ text: 'ABC123，：！（）', kinds: ['fullwidth'] });
  });

  it('repairs mojibake and then the rest in one call', () => {
    expect(norm('cafÃ© \r\n').text).toBe('café\n');
  });

  it('repairs mojibake that a later step of the pass completes, and only then runs again', () => {
    // A removed invisible character joins "Ã" and "©" after the pass's mojibake step found nothing:
    // the pass changed the text, so the repair is looked for again.
    expect(norm('caf\u00C3\u200B\u00A9 ok')).toEqual({ text: 'caf\u00E9 ok', kinds: ['mojibake', 'zero_width'] });
    // Real accented letters (two in a row: a lone one is clean) and nothing to change: no second
    // look, the text as it was.
    const tn = new TextNormalizer();
    const s = 'na\u00EFve caf\u00E9\u00E9 \u00C0 la carte';
    expect(tn.isClean(s)).toBe(false);
    expect(tn.normalize(s)).toBe(s);
  });

  it('removes zero-width characters as the global regex replace did, joiners kept in emoji, Indic and Arabic (property)', () => {
    const ZW = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
    const keep = (c: number, prev: number) =>
      c === 0x200d ? (prev >= 0xdc00 && prev <= 0xdfff) || prev === 0xfe0f || (prev >= 0x2600 && prev <= 0x27bf) || (prev >= 0x0900 && prev <= 0x0dff) : c === 0x200c && prev >= 0x0600 && prev <= 0x0dff;
    const reference = (s: string) => s.replace(ZW, (m: string, at: number) => ((m === '\u200C' || m === '\u200D') && at > 0 && keep(m.charCodeAt(0), s.charCodeAt(at - 1)) ? m : ''));
    const only = { ...DEFAULT_TEXT_CONFIG, unicode: 'none' as const, mojibake: false, controls: false, newlines: false, trailingSpace: false, maxBlankLines: null };
    const tn = new TextNormalizer(only);
    const pieces = fc.constantFrom('a', ' ', '\u200B', '\u200C', '\u200D', '\uFEFF', '\u00AD', '\u180E', '\u2060', '\u2066', '\u202A', '\u{1F468}', '\uFE0F', '\u2764', '\u0915', '\u094D', '\u0645', '\u06CC', '\u4E2D', 'x');
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 30 }).map((a) => a.join('')), (s) => {
        expect(tn.normalize(s)).toBe(reference(s));
      }),
      { numRuns: 3000 },
    );
    expect(tn.normalize('\uFEFFbook'.padEnd(5000, ' text'))).toBe('book'.padEnd(4999, ' text'));
  });

  it('is idempotent on arbitrary strings (property)', () => {
    const pieces = fc.constantFrom(
      'a', ' ', '\t', '\n', '\r', '\r\n', '\u0000', '\u0085', '\u200B', '\u200C', '\u200D', '\uFEFF', '\u3000', '\u00A0',
      'e', '\u0301', '\u0303', 'A', 'Ã', '©', '€', 'â', 'æ', '‰', 'ï¼', 'Œ', '&', 'amp;', '&lt;', '&#233;', '&amp;', 'Ｆ', '１',
      '，', '中', '文', 'ﬁ', '\u{1F600}', '\u1100', '\u1161', '\u11A8', 'ک', 'Ω', '\u2126', '\uD800',
    );
    const texts = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.array(pieces, { maxLength: 30 }).map((a) => a.join('')));
    const configs = [
      DEFAULT_TEXT_CONFIG,
      { ...DEFAULT_TEXT_CONFIG, unicode: 'NFKC' as const, entities: true, fullwidth: true },
      { ...DEFAULT_TEXT_CONFIG, maxBlankLines: 0, entities: true },
    ];
    for (const cfg of configs) {
      const tn = new TextNormalizer(cfg);
      fc.assert(
        fc.property(texts, (s) => {
          const once = tn.normalize(s);
          expect(tn.normalize(once)).toBe(once);
        }),
        { numRuns: Number(process.env.FC_RUNS ?? 3000) },
      );
    }
  });

  it('takes text with emoji, variation selectors and lone accented letters as clean', () => {
    const tn = new TextNormalizer();
    for (const s of ['great day \u{1F600}\u{1F44D}', 'I \u2764\uFE0F it', 'caf\u00E9 na\u00EFve Stra\u00DFe 3\u00D74', '\u{1F1FA}\u{1F1F8} \u{1F3FD}']) {
      expect(tn.isClean(s), s).toBe(true);
      expect(tn.normalize(s)).toBe(s);
    }
    // Not clean: a lead byte next to another non-ASCII character, a lone surrogate, a compatibility
    // character under NFKC.
    expect(tn.isClean('caf\u00C3\u00A9')).toBe(false);
    expect(tn.isClean('x\uD83Dy')).toBe(false);
    expect(new TextNormalizer({ unicode: 'NFKC' }).isClean('\u{1F100}')).toBe(false);
  });

  it('admits as clean only characters that no preceding character can combine with (Unicode data)', () => {
    for (const form of ['NFC', 'NFKC'] as const) {
      const nfd = form === 'NFC' ? 'NFD' : 'NFKD';
      // Every character that is not the first of some decomposition: only these can be the
      // second of a composition.
      const second = new Set<number>();
      for (let c = 0; c <= 0x10ffff; c++) {
        if (c >= 0xd800 && c <= 0xdfff) continue;
        const d = String.fromCodePoint(c).normalize('NFD');
        if (d.length > 1) for (const x of [...d].slice(1)) second.add(x.codePointAt(0)!);
      }
      // A starter (combining class 0): neither U+0345 (class 240) before it nor U+0334 (class 1)
      // after it is moved by canonical ordering.
      const starter = (x: string) => ('\u0345' + x).normalize('NFD') === '\u0345' + x && (x + '\u0334').normalize('NFD') === x + '\u0334';
      const tn = new TextNormalizer({ unicode: form });
      let admitted = 0;
      for (let c = 0x80; c <= 0x1fbff; c++) {
        if (c >= 0xd800 && c <= 0xdfff) continue;
        if (c > 0xffff && c < 0x1f000) continue;
        const x = String.fromCodePoint(c);
        if (!tn.isClean('a' + x + 'a')) continue;
        admitted++;
        const first = [...x.normalize(nfd)][0];
        expect(starter(first) && !second.has(first.codePointAt(0)!), `U+${c.toString(16)} under ${form}`).toBe(true);
        expect(('a' + x + 'a').normalize(form)).toBe('a' + x + 'a');
      }
      expect(admitted).toBeGreaterThan(40000);
    }
    // Two ideographic tone marks out of canonical order are put in order.
    expect(new TextNormalizer().normalize('\u302B\u302A')).toBe('\u302A\u302B');
  });

  it('never skips work the slow path would do (fast scan agrees with normalize)', () => {
    const tn = new TextNormalizer({ entities: true });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (s) => {
        if (tn.isClean(s)) expect(tn.normalize(s)).toBe(s);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('TextNormalizer on real web text', () => {
  /** Normalizes every record of the JSONL files in `dir` twice; returns how many it checked. */
  async function idempotentOn(dir: string): Promise<number> {
    const { readdirSync, readFileSync } = await import('node:fs');
    const tn = new TextNormalizer({ entities: true, fullwidth: true });
    let n = 0;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.jsonl'))) {
      for (const line of readFileSync(`${dir}/${f}`, 'utf8').split('\n')) {
        if (!line) continue;
        const r = JSON.parse(line);
        const t = r.text ?? r.content ?? r.raw_content;
        if (typeof t !== 'string') continue;
        const once = tn.normalize(t);
        if (once !== t) expect(tn.normalize(once), f).toBe(once);
        n++;
      }
    }
    return n;
  }
  it('is idempotent on every record of the committed real slices (web, Q&A, Weibo, Leipzig, licences)', async () => {
    let n = 0;
    for (const d of ['fixtures/quality', 'fixtures/normalize', 'fixtures/langid', 'fixtures/dedup']) n += await idempotentOn(`${ROOT}/${d}`);
    expect(n).toBeGreaterThan(300);
  });
  it.runIf(HAS_SHARED)('is idempotent on every English and Chinese web record', async () => {
    let n = 0;
    for (const lang of ['en', 'zh']) n += await idempotentOn(`${SHARED}/web/${lang}`);
    expect(n).toBeGreaterThan(89000);
  });
});
