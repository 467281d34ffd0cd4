import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/doc.js';
import { MinHashIndex, SetArena, Shingler, dedupOptions, jaccardSorted, minHashConfig, shingleSet } from '../../../src/stages/dedup/index.js';
import { resolveOptions } from '../../../src/core/options.js';
import { readJsonl, runDedup } from './helpers.js';

/** Jaccard similarity by the definition, with JS sets. */
function bruteJaccard(a: Iterable<number>, b: Iterable<number>): number {
  const x = new Set(a);
  const y = new Set(b);
  if (x.size === 0 && y.size === 0) return 1;
  let inter = 0;
  for (const v of x) if (y.has(v)) inter++;
  return inter / (x.size + y.size - inter);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int32s = fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 200 });
const small = fc.array(fc.integer({ min: -20, max: 20 }), { maxLength: 40 });

describe('exact verification sets', () => {
  it('shingleSet sorts and drops repeats; jaccardSorted equals the definition', () => {
    fc.assert(
      fc.property(fc.oneof(int32s, small), fc.oneof(int32s, small), (a, b) => {
        const sa = shingleSet(Int32Array.from(a));
        expect([...sa]).toEqual([...new Set(a)].sort((x, y) => x - y));
        expect(jaccardSorted(sa, shingleSet(Int32Array.from(b)))).toBeCloseTo(bruteJaccard(a, b), 12);
      }),
      { numRuns: 300 },
    );
  });

  it('SetArena returns what was added, through frees and compactions, at any chunk size', () => {
    // free: 0 none, 1 a middle one, 2 the one just added (a streaming duplicate: its space is
    // given back), 3 the one just added after a check made it a set
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(int32s, small), fc.integer({ min: 0, max: 3 })), { maxLength: 60 }), fc.constantFrom(1, 3, 8, 64, 1 << 18), (ops, chunkInts) => {
        const arena = new SetArena(chunkInts);
        const live = new Map<number, Int32Array>();
        ops.forEach(([values, free], i) => {
          arena.add(i, Int32Array.from(values));
          live.set(i, shingleSet(Int32Array.from(values)));
          if (free === 3) expect([...arena.get(i)]).toEqual([...live.get(i)!]);
          const victim = free === 1 && live.size > 1 ? [...live.keys()][Math.floor(live.size / 2)] : free >= 2 ? i : -1;
          if (victim >= 0) {
            arena.free(victim);
            live.delete(victim);
          }
          for (const [j, s] of live) expect([...arena.get(j)]).toEqual([...s]);
          expect(arena.liveBytes).toBeLessThanOrEqual(arena.bytes);
        });
        // what it holds stays within twice the live sets plus a chunk and the largest set
        const largest = Math.max(0, ...ops.map(([v]) => v.length));
        expect(arena.bytes).toBeLessThanOrEqual(2 * arena.liveBytes + 4 * (2 * chunkInts + largest) + 64);
      }),
      { numRuns: 300 },
    );
  });

  it('SetArena writes a set once: its chunks are never copied to grow (the array that doubled copied every set again)', () => {
    const arena = new SetArena(1 << 10);
    const chunks = (arena as unknown as { chunks: (Int32Array | undefined)[] }).chunks;
    arena.add(0, new Int32Array(700).fill(7));
    const first = chunks[0];
    for (let i = 1; i < 50; i++) arena.add(i, new Int32Array(700).fill(i));
    expect(chunks[0]).toBe(first);
    expect([...arena.get(0)]).toEqual([7]);
    expect(arena.bytes).toBeLessThan(50 * 1024 * 4 + 50 * 13 + 65536);
  });
});

describe('dedup --minhash verification', () => {
  const licenses = readJsonl('fixtures/dedup/licenses.jsonl').map((r) => String(r.text));
  const shingler = new Shingler({ ngram: 5, charNgram: 3 });
  const setOf = (t: string): Int32Array => shingleSet(shingler.shingle(t));
  /** Copies of the long licence texts with words replaced at 0-12 %. */
  function edited(seed: number): JsonObject[] {
    const r = rng(seed);
    const out: JsonObject[] = [];
    for (const t of licenses.filter((x) => x.length > 1500)) {
      out.push({ text: t });
      for (let c = 0; c < 6; c++) {
        const rate = r() * 0.12;
        out.push({ text: t.split(' ').map((w) => (r() < rate ? `w${Math.floor(r() * 1e6)}` : w)).join(' ') });
      }
    }
    return out;
  }

  it("removes a record only when its exact Jaccard with the survivor reaches the threshold (verify 'exact')", async () => {
    for (const seed of [1, 2]) {
      const records = edited(seed);
      const text = (src: string): string => String(records[Number(src.split(':')[1]) - 1].text);
      for (const threshold of [0.72, 0.85]) {
        const { rejects } = await runDedup([{ name: 'e', records }], { keep: 'first', threshold });
        expect(rejects.length).toBeGreaterThan(5);
        for (const r of rejects) {
          expect(r.reason).toBe('dedup:minhash');
          const exact = jaccardSorted(setOf(text(r.source)), setOf(text(String(r.detail?.survivor))));
          expect(exact).toBeGreaterThanOrEqual(threshold);
          // The reported similarity is that exact value, rounded.
          expect(r.detail?.similarity).toBe(Math.round(exact * 1000) / 1000);
        }
      }
    }
  });

  it("keeps a copy whose signature estimate passes but whose exact Jaccard is just under the threshold", async () => {
    // Search deterministically for a copy with exact J in [0.66, 0.72) that verify 'signature' removes.
    const base = licenses.filter((x) => x.length > 3000)[0];
    const r = rng(11);
    let found: string | undefined;
    for (let tries = 0; tries < 400 && found === undefined; tries++) {
      const copy = base.split(' ').map((w) => (r() < 0.05 ? `w${Math.floor(r() * 1e6)}` : w)).join(' ');
      const j = jaccardSorted(setOf(base), setOf(copy));
      if (j < 0.66 || j >= 0.72) continue;
      const sig = await runDedup([{ name: 'p', records: [{ text: base }, { text: copy }] }], { keep: 'first', verify: 'signature' });
      if (sig.rejects.length === 1) found = copy;
    }
    expect(found).toBeDefined();
    const records = [{ text: base }, { text: found! }];
    const exact = await runDedup([{ name: 'p', records }], { keep: 'first' });
    expect(exact.rejects).toEqual([]);
    expect(exact.stats.stages[0].counters.candidates_unverified).toBeGreaterThanOrEqual(1);
    const none = await runDedup([{ name: 'p', records }], { keep: 'first', verify: 'none' });
    expect(none.rejects.map((x) => [x.source, x.reason, x.detail?.survivor])).toEqual([['p:2', 'dedup:minhash', 'p:1']]);
  });

  it('checks a candidate against the survivor, not the record it matched (no drifting chains)', async () => {
    // a -> b -> c: b is a close copy of a, c a close copy of b but farther from a.
    const a = licenses.filter((x) => x.length > 3000)[0];
    const words = a.split(' ');
    const r = rng(5);
    const edit = (ws: string[], rate: number): string[] => ws.map((w) => (r() < rate ? `w${Math.floor(r() * 1e6)}` : w));
    let chain: [string, string, string] | undefined;
    for (let tries = 0; tries < 200 && chain === undefined; tries++) {
      const b = edit(words, 0.02);
      const c = edit(b, 0.02);
      const [A, B, C] = [a, b.join(' '), c.join(' ')].map(setOf);
      if (jaccardSorted(B, C) >= 0.8 && jaccardSorted(A, B) >= 0.8 && jaccardSorted(A, C) < 0.72) chain = [a, b.join(' '), c.join(' ')];
    }
    // With 2 % edits twice, J(a, c) is usually above 0.72 too; the search finds a drift case.
    expect(chain).toBeDefined();
    const { rejects } = await runDedup([{ name: 'c', records: chain!.map((text) => ({ text })) }], { keep: 'first' });
    // b goes in favour of a; c, which matches b, is checked against a (the survivor) and stays.
    expect(rejects.map((x) => [x.source, x.detail?.survivor])).toEqual([['c:2', 'c:1']]);
  });

  it('decides the same with and without kept signatures (the streaming index keeps none)', () => {
    const config = minHashConfig(resolveOptions('dedup', dedupOptions, {}));
    const texts = edited(3).map((r) => String(r.text));
    const kept = new MinHashIndex(config);
    const streaming = new MinHashIndex(config, { streaming: true });
    const a = texts.map((t) => kept.visit(kept.sign(t)));
    const b = texts.map((t) => streaming.visit(streaming.sign(t)));
    expect(a.filter((v) => v.survivor >= 0).length).toBeGreaterThan(5);
    expect(b).toEqual(a);
    expect(streaming.bytes).toBeLessThan(kept.bytes);
    const i = streaming.sign(texts[0]);
    streaming.sign(texts[1]);
    expect(() => streaming.visit(i)).toThrow(/right after signing/);
  });
});
