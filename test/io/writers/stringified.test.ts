import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringifiedInto } from '../../../src/io/writers/stringified.js';

/** What stringifiedInto writes for the JSON text `text` (null: it cannot tell), after 3 bytes of something else. */
function written(text: string): string | null {
  const src = Buffer.from(text);
  const dst = Buffer.alloc(src.length + 3, 0x41);
  const end = stringifiedInto(src, dst, 3);
  if (end < 0) return null;
  expect(dst.toString('latin1', 0, 3)).toBe('AAA');
  return dst.toString('utf8', 3, end);
}

/** `JSON.stringify(JSON.parse(text))`: what a writer writes for the record read from `text`. */
const restringified = (text: string): string => JSON.stringify(JSON.parse(text));

/** A JSON text of `v` with spaces, tabs, CRs and line breaks between its tokens, as Python's json.dumps and pretty printers write. */
function spaced(v: unknown, gap: string): string {
  return JSON.stringify(v, null, gap.length > 0 ? 1 : 0)
    .replace(/\n */g, gap)
    .replace(/^/, gap);
}

describe('stringifiedInto: the bytes JSON.stringify writes for a text, taken from the text, or nothing', () => {
  it('any JSON value, written with any spaces between tokens: the same bytes as JSON.stringify(JSON.parse(text)), or it cannot tell', () => {
    const gaps = fc.constantFrom('', ' ', '\n', '\t', '\r\n  ', ' \t');
    fc.assert(
      fc.property(fc.jsonValue(), gaps, (v, gap) => {
        const text = spaced(v, gap);
        const got = written(text);
        if (got !== null) expect(got).toBe(restringified(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('texts written another way than JSON.stringify writes them (escapes, numbers, keys): the same bytes, or it cannot tell', () => {
    const token = fc.constantFrom(
      '"a"', '"\\/"', '"\\u00e9"', '"\\u00E9"', '"\\u001b"', '"\\u001B"', '"\\u000a"', '"\\n"', '"\\ud83d\\ude00"', '"\\ud800"', '"é😀"', '"\\\\"', '"\\""', '"\\b\\f\\r\\t"', '"\u2028"', '"\u007f"',
      '0', '-0', '1', '-1', '1.5', '1.50', '1e5', '1E5', '1e+21', '1e21', '0.1e1', '1e-7', '0.0000001', '123456789012345', '1234567890123456', '9007199254740993', '1e400', '-0.0', '2.5e-324',
      'true', 'false', 'null', '[]', '{}', '[1, "x"]',
    );
    const key = fc.constantFrom('"a"', '"b"', '"7"', '"01"', '"12345678901"', '""', '"\\u0061"', '"k\\"q"', '"__proto__"', '"attrs"');
    const text = fc.array(fc.tuple(key, token, fc.constantFrom('', ' ')), { maxLength: 6 }).map((kv) => {
      const seen = new Set<string>();
      const members = kv.filter(([k]) => !seen.has(JSON.parse(k)) && seen.add(JSON.parse(k)));
      return '{' + members.map(([k, t, s]) => `${k}:${s}${t}`).join(',' + (members.length % 2 ? ' ' : '')) + '}';
    });
    fc.assert(
      fc.property(text, (t) => {
        const got = written(t);
        if (got !== null) expect(got).toBe(restringified(t));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the lines of web corpora as they are written (Python json.dumps: ", " and ": ", escapes of control characters)', () => {
    const lines = [
      '{"id": "a1", "text": "Line one\\nline \\"two\\"\\t\\u001b end \\\\ 中文 😀", "meta": {"score": 0.87, "n": 12, "ok": true, "tags": ["x", null]}}',
      '{"text":"plain","url":"https://example.com/a?b=1"}',
      '{"text": "", "n": -3, "f": 1.25e-7, "big": 1e+21}',
      '{}',
      '{"a": [], "b": {}, "c": [[], [{}]]}',
    ];
    for (const l of lines) expect(written(l)).toBe(restringified(l));
  });

  it('cannot tell for what JSON.stringify writes otherwise: \\/, \\u of a printable character or in capitals, numbers not in their shortest form, keys of digits', () => {
    for (const t of ['{"a":"\\/"}', '{"a":"\\u00e9"}', '{"a":"\\u001B"}', '{"a":"\\u000a"}', '{"a":"\\ud800"}', '{"a":1.50}', '{"a":1E5}', '{"a":-0}', '{"a":1e400}', '{"a":0.0000001}', '{"b":1,"7":2}', '{"a":{"0":1}}']) {
      expect(written(t), t).toBeNull();
    }
    // A string value of digits is not a key: taken.
    expect(written('{"a": "7", "b": ["12"]}')).toBe('{"a":"7","b":["12"]}');
  });
});
