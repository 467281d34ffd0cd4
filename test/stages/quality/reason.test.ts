// The drop reason of the quality stage is the most telling failing rule (the rule set's
// `reason_order`, then file order), while attrs.quality.failed keeps every failing rule in file order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Doc } from '../../../src/core/doc.js';
import { makeDoc } from '../../../src/core/doc.js';
import { UsageError } from '../../../src/core/errors.js';
import type { StageContext } from '../../../src/core/stage.js';
import { emptyStageStats } from '../../../src/core/stats.js';
import { defaultRegistry } from '../../../src/stages/index.js';
import { loadPreset, parseRuleSet } from '../../../src/stages/quality/index.js';
import { reasonRanking } from '../../../src/stages/quality/ruleset.js';

async function one(text: string, options: Record<string, unknown>): Promise<{ reason: string | undefined; failed: string[] }> {
  const stage = await defaultRegistry().create('quality', options);
  let reason: string | undefined;
  const ctx: StageContext = { stats: emptyStageStats('quality'), textField: undefined, reject: (_d: Doc, r: string) => void (reason = r) };
  const doc = makeDoc({ text }, 't:1');
  async function* batches() {
    yield [doc];
  }
  for await (const _ of stage.run(batches(), ctx));
  return { reason, failed: (doc.attrs.quality as { failed: string[] }).failed };
}

// The 23-character Weibo post of the new-user finding F15 (ChineseWebText-style short post).
const SHORT_POST = '对团员来说，团员不需要和商家接触，不需要讨价还价等。';

describe('quality drop reason', () => {
  it('a 23-character post is zh_quality:min_chars, not zh_repetition:top_3gram; every failure stays in attrs.quality.failed', async () => {
    const r = await one(SHORT_POST, { preset: 'web-zh' });
    expect(r.reason).toBe('zh_quality:min_chars');
    expect(r.failed).toContain('zh_repetition:top_3gram');
    expect(r.failed).toContain('zh_quality:min_chars');
    // failed stays in file order: repetition rules come first in web-zh.yaml
    expect(r.failed.indexOf('zh_repetition:top_3gram')).toBeLessThan(r.failed.indexOf('zh_quality:min_chars'));
    // with the size rules turned off, the next failing rule in order gives the reason
    expect((await one(SHORT_POST, { preset: 'web-zh', skip: ['zh_quality:min_chars'] })).reason).toBe('zh_repetition:top_3gram');
  });

  it('a short repetitive English text is gopher_quality:min_words', async () => {
    const r = await one('buy now buy now buy now buy now cheap cheap.', { preset: 'web-en' });
    expect(r.failed[0]).toMatch(/^gopher_repetition:/);
    expect(r.reason).toBe('gopher_quality:min_words');
  });

  it('the preset order is documented in the YAML: size first (web-en), size then the CJK share (web-zh), then file order', () => {
    const en = loadPreset('web-en');
    expect(en.reasonOrder).toEqual(['gopher_quality:min_words', 'gopher_quality:max_words']);
    const enRank = reasonRanking(en);
    expect(enRank.slice(0, 3)).toEqual(['gopher_quality:min_words', 'gopher_quality:max_words', 'gopher_repetition:dup_para_frac']);
    expect(enRank.length).toBe(en.rules.length);
    const zh = loadPreset('web-zh');
    expect(reasonRanking(zh).slice(0, 4)).toEqual(['zh_quality:min_chars', 'zh_quality:max_chars', 'zh_quality:min_cjk_ratio', 'zh_repetition:dup_para_frac']);
  });

  const base = { name: 't', signals: {}, rules: [
    { code: 'a:first', signal: 'chars', min: 1000 },
    { code: 'b:second', signal: 'words', min: 1000 },
    { code: 'b:third', signal: 'lines', min: 1000 },
  ] };
  it('reason_order takes codes and groups; without it the order is the file order', () => {
    expect(reasonRanking(parseRuleSet(base))).toEqual(['a:first', 'b:second', 'b:third']);
    expect(reasonRanking(parseRuleSet({ ...base, reason_order: ['b:third'] }))).toEqual(['b:third', 'a:first', 'b:second']);
    expect(reasonRanking(parseRuleSet({ ...base, reason_order: ['b'] }))).toEqual(['b:second', 'b:third', 'a:first']);
    expect(() => parseRuleSet({ ...base, reason_order: ['c:nope'] })).toThrow(UsageError);
    expect(() => parseRuleSet({ ...base, reason_order: ['c:nope'] })).toThrow(/reason_order: 'c:nope' is neither a rule code nor a group/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'cc-reason-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('a custom rule set with reason_order is followed by the stage', async () => {
    const yaml = (order: string) => `name: t\nsignals: {}\n${order}rules:\n  - { code: "a:first", signal: chars, min: 1000 }\n  - { code: "b:second", signal: words, min: 1000 }\n`;
    writeFileSync(join(dir, 'plain.yaml'), yaml(''));
    writeFileSync(join(dir, 'ordered.yaml'), yaml('reason_order: ["b:second"]\n'));
    expect((await one('short text', { rules: join(dir, 'plain.yaml') })).reason).toBe('a:first');
    const r = await one('short text', { rules: join(dir, 'ordered.yaml') });
    expect(r.reason).toBe('b:second');
    expect(r.failed).toEqual(['a:first', 'b:second']);
  });

  it('stats.why: the reason with each other failing rule, one_line and no_c4_line, keys in the order first met', async () => {
    const rules = '  - { code: "a:first", signal: chars, min: 40 }\n  - { code: "b:second", signal: words, min: 8 }\n  - { code: "b:third", signal: lines, min: 3 }\n  - { code: "c:fourth", signal: c4_sentences, min: 1 }\n';
    const c4 = 'c4: { end_punctuation: ["."], require_terminal_punct: true, min_per_line: 1 }\n';
    writeFileSync(join(dir, 'why.yaml'), `name: t\nsignals: {}\n${c4}reason_order: ["b:third", "b"]\nrules:\n${rules}`);
    const stage = await defaultRegistry().create('quality', { rules: join(dir, 'why.yaml') });
    const stats = emptyStageStats('quality');
    const reasons: string[] = [];
    const ctx: StageContext = { stats, textField: undefined, reject: (_d: Doc, r: string) => void reasons.push(r) };
    const texts = [
      'no end', // every rule fails; one line; its line is removed
      'one two three four five six seven eight nine.\nten.\neleven.', // passes
      'short one.\nline two.', // a:first, b:second, b:third
      'a b c d e f g h i j k l m n o p q r s t u v w x y z', // a:first, b:third, c:fourth; one line, removed
      'x.\ny.\nz.\nw.', // a:first, b:second
    ];
    async function* batches() {
      yield texts.map((t, i) => makeDoc({ text: t }, `t:${i + 1}`));
    }
    for await (const _ of stage.run(batches(), ctx));
    expect(reasons).toEqual(['b:third', 'b:third', 'b:third', 'b:second']);
    expect(Object.entries(stats.why ?? {})).toEqual([
      ['b:third|also:a:first', 3],
      ['b:third|also:b:second', 2],
      ['b:third|also:c:fourth', 2],
      ['b:third|one_line', 2],
      ['b:third|no_c4_line', 2],
      ['b:second|also:a:first', 1],
    ]);
  });
});
