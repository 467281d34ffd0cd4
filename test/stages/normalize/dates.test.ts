import { describe, expect, it } from 'vitest';
import { toIsoDate } from '../../../src/stages/normalize/index.js';

describe('toIsoDate', () => {
  const cases: Array<[string | number, string]> = [
    ['2018-06-18T18:54:52Z', '2018-06-18T18:54:52Z'],
    ['2018-06-18T18: 54: 52Z', '2018-06-18T18:54:52Z'], // the typo in WanJuan-CC's Chinese README
    ['2018-06-18 18:54:52', '2018-06-18T18:54:52'],
    ['2018-06-18 18:54:52 +0800', '2018-06-18T18:54:52+08:00'],
    ['2018-06-18T18:54:52.123+00:00', '2018-06-18T18:54:52.123Z'],
    ['2018/6/8', '2018-06-08'],
    ['2018.06.18', '2018-06-18'],
    ['2018年6月18日', '2018-06-18'],
    ['2018年6月18日 18:54', '2018-06-18T18:54'],
    ['20180618', '2018-06-18'],
    ['18/06/2018', '2018-06-18'],
    ['06/18/2018', '2018-06-18'],
    ['Mon, 18 Jun 2018 18:54:52 GMT', '2018-06-18T18:54:52Z'],
    ['18 June 2018', '2018-06-18'],
    ['June 18, 2018', '2018-06-18'],
    ['Jun 18th 2018', '2018-06-18'],
    [1529347292, '2018-06-18T18:41:32Z'],
    [1529347292000, '2018-06-18T18:41:32Z'],
    [2018, '2018'], // a bare year, not 1970-01-01T00:33:38Z
  ];
  for (const [input, iso] of cases) {
    it(`${JSON.stringify(input)} → ${iso}`, () => {
      expect(toIsoDate(input)).toEqual({ iso });
      expect(toIsoDate(iso)).toEqual({ iso }); // idempotent
    });
  }
  it('refuses ambiguous and impossible dates', () => {
    expect(toIsoDate('05/06/2018')).toEqual({ problem: 'ambiguous' });
    expect(toIsoDate('2018-02-30')).toEqual({ problem: 'unparsed' });
    expect(toIsoDate('2018-13-01')).toEqual({ problem: 'unparsed' });
    expect(toIsoDate('yesterday')).toEqual({ problem: 'unparsed' });
    expect(toIsoDate('2018-06-18T25:00')).toEqual({ problem: 'unparsed' });
    expect(toIsoDate(42)).toEqual({ problem: 'unparsed' });
    expect(toIsoDate(12_000)).toEqual({ problem: 'unparsed' });
  });
});
