import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveRecipe } from '../../src/core/recipe.js';
import { defaultRegistry } from '../../src/stages/index.js';
import { ROOT } from '../helpers/run.js';

describe('web recipes', () => {
  for (const name of ['web-zh', 'web-en']) {
    it(`${name} resolves: every stage and option is known, the new stages in order`, () => {
      const raw = parse(readFileSync(join(ROOT, `rules/recipes/${name}.yaml`), 'utf8')) as unknown;
      const r = resolveRecipe(raw, defaultRegistry(), name);
      expect(r.stages.map((s) => s.stage)).toEqual(['normalize', 'langid', 'flagged-words', 'pii', 'quality', 'dedup', 'paragraphs', 'dedup']);
      expect(r.stages[2].options.fields).toEqual(['title']);
      expect(r.stages[6].options.unit).toBe('line');
    });
  }
});

// New-user review 22 A2: copies of a document counted toward the min_occurrences of its lines
// (paragraphs before the exact dedup). In every bundled recipe, exact copies go first.
describe('bundled recipes: an exact dedup before paragraphs', () => {
  it('every recipe with paragraphs removes exact duplicates before it, and MinHash comes after it', () => {
    const dir = join(ROOT, 'rules/recipes');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      const r = resolveRecipe(parse(readFileSync(join(dir, f), 'utf8')) as unknown, defaultRegistry(), f);
      const at = r.stages.findIndex((s) => s.stage === 'paragraphs');
      if (at < 0) continue;
      const exact = r.stages.findIndex((s) => s.stage === 'dedup' && s.options.method === 'exact');
      const minhash = r.stages.findIndex((s) => s.stage === 'dedup' && s.options.method === 'minhash');
      expect(exact, `${f}: exact dedup`).toBeGreaterThanOrEqual(0);
      expect(exact, `${f}: exact dedup before paragraphs`).toBeLessThan(at);
      expect(minhash, `${f}: MinHash after paragraphs (boilerplate would make pages of one site look alike)`).toBeGreaterThan(at);
    }
  });
});

describe('list files in a recipe', () => {
  it('url-filter block/allow lists and flagged-words extra lists are taken from the recipe folder', () => {
    const raw = { stages: [{ 'url-filter': { block: ['lists/gambling.txt'], allow: ['ok.txt'] } }, { 'flagged-words': { extra_lists: ['mine.txt'] } }] };
    const r = resolveRecipe(raw, defaultRegistry(), 'x', { baseDir: '/data/recipes' });
    expect(r.stages[0].options.block).toEqual(['/data/recipes/lists/gambling.txt']);
    expect(r.stages[0].options.allow).toEqual(['/data/recipes/ok.txt']);
    expect(r.stages[1].options.extraLists).toEqual(['/data/recipes/mine.txt']);
  });
});

// New-user review 9 #6: web-zh.yaml's comment said `--text-field raw_content`, which reads every
// other file's `text` as missing (24,731 of 24,837 records lost). A list replaces the default, so
// the shipped recipes' comments name lists that keep it.
describe('--text-field in the shipped recipes\' comments', () => {
  it('keeps the default fields text,content', () => {
    const dir = join(ROOT, 'rules/recipes');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/--text-field ([\w,]+)/g)) expect(m[1].split(','), `${f}: ${m[0]}`).toEqual(expect.arrayContaining(['text', 'content']));
    }
  });
});
