import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dominantNotes, dominantRules } from '../../src/cli/dominant.js';
import type { RunStats } from '../../src/core/stats.js';
import { emptyRunStats, emptyStageStats } from '../../src/core/stats.js';
import { HAS_SHARED, ROOT, SHARED, runCli, tempDir } from '../helpers/run.js';

// #15: when one rule removes most of a kind of text (C4's line rule on Wikipedia articles stored
// as one line each), the end of the run names the rule, what else is true of those records and
// how to keep them; the README explains what the peers do.

const WIKI = join(ROOT, 'fixtures/dominant/wiki_one_line.jsonl');
const GUARDIAN = join(ROOT, 'fixtures/quality/en_guardian.jsonl');
const SKIP = 'c4:min_sentences,fineweb:line_punct_ratio';

describe('a dominating quality rule is named at the end of the run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  }, 120_000);

  it('quality on one-line Wikipedia articles: the rule, the facts, the flags that keep them', async () => {
    const stats = join(dir, 'q.stats.json');
    const r = await runCli(['quality', '--preset', 'web-en', WIKI, '-o', join(dir, 'q.jsonl'), '--stats', stats]);
    expect(r.code).toBe(1); // nothing written
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('read 12 = written 0 + rejected 12 [quality/c4:min_sentences 10, quality/gopher_quality:alpha_words 2]');
    expect(r.stderr).toContain('note: one rule dominated quality: c4:min_sentences dropped 10 of the 12 records it judged (83.3 %); 10 of them are a single line of text; the C4 line rules keep no line of 10');
    expect(r.stderr).toContain('10 also fail fineweb:line_punct_ratio');
    expect(r.stderr).toContain('C4 and datatrove drop such texts too, Data-Juicer has no such rule: see README "When one rule dominates"');
    expect(r.stderr).toContain(`keep them with --skip ${SKIP} (in a recipe's quality stage: skip: [c4:min_sentences, fineweb:line_punct_ratio])`);
    // Said once: the generic "most records were rejected as" note gives way to it.
    expect(r.stderr).not.toContain('most records were rejected as quality/c4:min_sentences');
    expect(r.stderr).toContain('error: nothing was written');
    const s = JSON.parse(await readFile(stats, 'utf8'));
    const q = s.stages.find((x: { stage: string }) => x.stage === 'quality');
    expect(q.why).toMatchObject({ 'c4:min_sentences|also:fineweb:line_punct_ratio': 10, 'c4:min_sentences|one_line': 10, 'c4:min_sentences|no_c4_line': 10 });
    expect(Object.keys(q.counters).join()).not.toContain('|');
  }, 120_000);

  it('the advice keeps them: --skip as printed writes the 10 articles, and nothing dominates any more', async () => {
    const r = await runCli(['quality', '--preset', 'web-en', WIKI, '--skip', SKIP, '-o', join(dir, 'k.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('read 12 = written 10 + rejected 2 [quality/gopher_quality:alpha_words 2]');
    expect(r.stderr).not.toContain('dominated');
    // Leaving out the named rule alone moves the drop to the next line rule: why the note names both.
    const one = await runCli(['quality', '--preset', 'web-en', WIKI, '--skip', 'c4:min_sentences', '-o', join(dir, 'one.jsonl'), '--allow-empty']);
    expect(one.stderr).toContain('quality/fineweb:line_punct_ratio 10');
  }, 120_000);

  it('run with a recipe: the note gives the recipe form; the per-file warning names the same rules', async () => {
    const recipe = join(dir, 'wiki.yaml');
    await writeFile(recipe, `name: wiki\ninput: [${WIKI}, ${GUARDIAN}]\nstages:\n  - quality:\n      preset: web-en\n`);
    const r = await runCli(['run', recipe, '-o', join(dir, 'run'), '--workers', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: one rule dominated quality: c4:min_sentences dropped 10 of the 15 records it judged (66.7 %)');
    expect(r.stderr).toContain("keep them with skip: [c4:min_sentences, fineweb:line_punct_ratio] in the recipe's quality stage");
    expect(r.stderr).toContain(`warning: ${WIKI}: none of its 12 records was written; 10 (83.3 %) rejected as quality/c4:min_sentences`);
    expect(r.stderr).toContain('quality skip: [c4:min_sentences, fineweb:line_punct_ratio] (in this run, of the 10 records dropped as c4:min_sentences, 10 also fail fineweb:line_punct_ratio); line rules drop text stored without line breaks: README "When one rule dominates"');
    // Merged over 2 workers the same.
    const r2 = await runCli(['run', recipe, '-o', join(dir, 'run2'), '--workers', '2', '--task-size', '20KB']);
    expect(r2.stderr).toContain("keep them with skip: [c4:min_sentences, fineweb:line_punct_ratio] in the recipe's quality stage");
    const s = JSON.parse(await readFile(join(dir, 'run2', '_stats.json'), 'utf8'));
    expect(s.stages[0].why['c4:min_sentences|also:fineweb:line_punct_ratio']).toBe(10);
  }, 120_000);

  it('no note when no rule takes more than half', async () => {
    const r = await runCli(['quality', '--preset', 'web-en', join(ROOT, 'fixtures/quality/en_c4_demo.jsonl'), GUARDIAN, '-o', join(dir, 'n.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('dominated');
  }, 120_000);

  it.runIf(HAS_SHARED)('the shared sample: 26 of the 30 wiki_demo articles', async () => {
    const r = await runCli(['quality', '--preset', 'web-en', join(SHARED, 'web/en/wiki_demo_llamafactory.jsonl'), '-o', join(dir, 'w.jsonl'), '--allow-empty']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: one rule dominated quality: c4:min_sentences dropped 26 of the 30 records it judged (86.7 %); 26 of them are a single line of text; the C4 line rules keep no line of 26');
    expect(r.stderr).toContain('26 also fail fineweb:line_punct_ratio');
    expect(r.stderr).toContain(`--skip ${SKIP}`);
    const kept = await runCli(['quality', '--preset', 'web-en', join(SHARED, 'web/en/wiki_demo_llamafactory.jsonl'), '--skip', SKIP, '-o', join(dir, 'w2.jsonl')]);
    expect(kept.stderr).toContain('read 30 = written 26 + rejected 4');
  }, 120_000);
});

describe('dominantRules', () => {
  function stats(inQ: number, dropped: Record<string, number>, why: Record<string, number> = {}): RunStats {
    const s = emptyRunStats(['quality']);
    s.stages = [{ ...emptyStageStats('quality'), in: inQ, dropped, why }];
    return s;
  }
  it('more than half and at least 10 records', () => {
    expect(dominantRules(stats(20, { 'c4:min_sentences': 11 }))).toHaveLength(1);
    expect(dominantRules(stats(20, { 'c4:min_sentences': 10 }))).toHaveLength(0); // half is not more than half
    expect(dominantRules(stats(12, { 'c4:min_sentences': 9 }))).toHaveLength(0); // too few to say
  });
  it('names only the co-failing rules most of them fail; quality:low_score points at drop_below_score', () => {
    const s = stats(20, { 'gopher_quality:min_words': 12 }, { 'gopher_quality:min_words|also:c4:min_sentences': 7, 'gopher_quality:min_words|also:fineweb:list_ratio': 6 });
    const n = dominantNotes(s, 'quality');
    expect(n[1]).toContain('--skip gopher_quality:min_words,c4:min_sentences (');
    expect(n[0]).not.toContain('C4 and datatrove');
    expect(dominantNotes(stats(20, { 'quality:low_score': 15 }), 'run')[1]).toBe('lower drop_below_score to keep more');
  });
  it('a single rule can be relaxed with --set', () => {
    expect(dominantNotes(stats(20, { 'gopher_quality:alpha_words': 15 }), 'quality')[1]).toContain('--skip gopher_quality:alpha_words (in a recipe');
    expect(dominantNotes(stats(20, { 'gopher_quality:alpha_words': 15 }), 'quality')[1]).toContain('or relax it with --set gopher_quality:alpha_words=VALUE');
  });
});
