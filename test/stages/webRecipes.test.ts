import { readFileSync } from 'node:fs';
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
      expect(r.stages.map((s) => s.stage)).toEqual(['normalize', 'langid', 'flagged-words', 'pii', 'quality', 'paragraphs', 'dedup', 'dedup']);
      expect(r.stages[2].options.fields).toEqual(['title']);
      expect(r.stages[5].options.unit).toBe('line');
    });
  }
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
