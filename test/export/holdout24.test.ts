import { describe, expect, it } from 'vitest';
import type { Doc } from '../../src/core/doc.js';
import type { DocSink } from '../../src/core/pipeline.js';
import { HoldoutSink, loadHoldoutKey, parseFraction, type HoldoutKey, type HoldoutRule } from '../../src/export/holdout.js';

/** A sink that keeps the sources of what it was given, in order. */
function keep(): DocSink & { got: string[]; closed: boolean } {
  const s = {
    got: [] as string[],
    closed: false,
    write: async (b: Doc[]) => void s.got.push(...b.map((d) => d.source)),
    close: async () => void (s.closed = true),
    abort: async () => {},
  };
  return s;
}
const doc = (i: number, text: string): Doc => ({ data: { text }, source: `f:${i}`, attrs: {} }) as unknown as Doc;

/** Runs the records through a hold-out in batches of 3; returns each side's sources. */
async function split(docs: readonly Doc[], rule: HoldoutRule, key?: HoldoutKey): Promise<{ train: string[]; valid: string[] }> {
  const train = keep();
  const valid = keep();
  const sink = new HoldoutSink({ train, valid }, key ?? (await loadHoldoutKey()), rule);
  for (let i = 0; i < docs.length; i += 3) await sink.write(docs.slice(i, i + 3));
  await sink.close();
  expect(train.closed && valid.closed).toBe(true);
  expect(sink.counts).toEqual({ train: train.got.length, valid: valid.got.length });
  return { train: train.got, valid: valid.got };
}

/** A deterministic shuffle (xorshift), for orders other than the input's. */
function shuffled<T>(a: readonly T[], seed: number): T[] {
  const out = [...a];
  let x = seed;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// New-user review 23 B1: the hold-out's choice depends on the records' texts alone.
describe('HoldoutSink (B1)', () => {
  const docs = Array.from({ length: 300 }, (_, i) => doc(i, `document ${i} says ${i % 17} things about ${i * 31}`));

  it('--valid-records N: the N smallest keys, whatever the order; valid/ in input order; the rest in train/', async () => {
    const key = await loadHoldoutKey();
    const bySmallest = [...docs].sort((a, b) => (key(a, undefined) < key(b, undefined) ? -1 : 1)).map((d) => d.source);
    for (const n of [1, 7, 40, 299, 300, 500]) {
      const want = new Set(bySmallest.slice(0, n));
      const base = await split(docs, { records: n });
      expect(base.valid).toEqual(docs.map((d) => d.source).filter((s) => want.has(s)));
      expect(base.train.length + base.valid.length).toBe(docs.length);
      expect(base.train.filter((s) => want.has(s))).toEqual([]);
      for (const seed of [1, 2, 3]) {
        const order = shuffled(docs, seed * 7919 + n);
        const other = await split(order, { records: n });
        expect(other.valid, `n=${n} seed=${seed}`).toEqual(order.map((d) => d.source).filter((s) => want.has(s)));
      }
    }
  });

  it('--valid-records N: records of one key are held out together or not at all (fewer than N at a tie)', async () => {
    // Keys by hand: a, b (twice), c (three times), d.
    const recs = ['c', 'a', 'b', 'c', 'd', 'b', 'c'].map((t, i) => doc(i, t));
    const key: HoldoutKey = (d) => BigInt(String((d.data as { text: string }).text).charCodeAt(0));
    const valid = async (n: number, order: readonly Doc[] = recs): Promise<string[]> => (await split(order, { records: n }, key)).valid.sort();
    expect(await valid(1)).toEqual(['f:1']);
    expect(await valid(2)).toEqual(['f:1']); // a + both b would be 3
    expect(await valid(3)).toEqual(['f:1', 'f:2', 'f:5']);
    expect(await valid(5)).toEqual(['f:1', 'f:2', 'f:5']); // + the three c would be 6
    expect(await valid(6)).toEqual(['f:0', 'f:1', 'f:2', 'f:3', 'f:5', 'f:6']);
    for (const seed of [5, 6, 7]) expect(await valid(5, shuffled(recs, seed))).toEqual(['f:1', 'f:2', 'f:5']);
  });

  it('--valid-fraction F: about F, both sides in input order, a subset of a larger fraction, the same in any order', async () => {
    const small = await split(docs, { fraction: 0.1 });
    const large = await split(docs, { fraction: 0.3 });
    expect(small.valid.length).toBeGreaterThan(15);
    expect(small.valid.length).toBeLessThan(45);
    expect(small.valid.filter((s) => !large.valid.includes(s))).toEqual([]);
    const inOrder = (xs: string[]): boolean => xs.every((s, i) => i === 0 || Number(s.slice(2)) > Number(xs[i - 1].slice(2)));
    expect(inOrder(small.valid) && inOrder(small.train)).toBe(true);
    const other = await split(shuffled(docs, 11), { fraction: 0.1 });
    expect([...other.valid].sort()).toEqual([...small.valid].sort());
    // The key is the exact-dedup key: white space and NFC do not move a record to the other side.
    const twin = await split([doc(0, 'caf\u00e9   au  lait'), doc(1, ' cafe\u0301 au lait ')], { records: 1 });
    expect(twin.valid).toEqual([]);
  });

  it('parses a fraction strictly between 0 and 1', () => {
    expect(parseFraction('0.01')).toBe(0.01);
    expect(parseFraction('.5')).toBe(0.5);
    expect(parseFraction('1e-3')).toBe(0.001);
    expect(parseFraction('5%')).toBe(0.05);
    for (const bad of ['0', '1', '1.5', '-0.1', '', 'abc', '0.1.2', 'NaN', '100%']) expect(parseFraction(bad), bad).toBeUndefined();
  });
});
