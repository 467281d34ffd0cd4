import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { parseSize, resolveRecipe } from '../../src/core/recipe.js';
import { StageRegistry } from '../../src/core/registry.js';
import { docStage } from '../../src/core/stage.js';

const registry = new StageRegistry([
  {
    name: 'length',
    summary: 'test stage',
    options: {
      minChars: { type: 'integer', default: 10, doc: 'minimum characters', min: 0 },
      mode: { type: 'string', default: 'drop', doc: 'what to do', values: ['drop', 'tag'] },
      langs: { type: 'string[]', default: null, doc: 'languages', nullable: true },
    },
    create: (o) => docStage({ name: 'length', options: o, apply: () => undefined }),
  },
]);

describe('recipes', () => {
  it('accepts Data-Juicer style one-key maps, bare names and snake_case options, filling defaults', () => {
    const r = resolveRecipe({ input: 'x.jsonl', stages: [{ length: { min_chars: 5 } }, 'length', { stage: 'length', mode: 'tag' }], output: { shard_size: '1MB' } }, registry);
    expect(r.input).toEqual(['x.jsonl']);
    expect(r.stages).toEqual([
      { stage: 'length', options: { minChars: 5, mode: 'drop', langs: null } },
      { stage: 'length', options: { minChars: 10, mode: 'drop', langs: null } },
      { stage: 'length', options: { minChars: 10, mode: 'tag', langs: null } },
    ]);
    expect(r.output).toEqual({ compression: 'gzip', stripAttrs: false, shardBytes: 1_000_000 });
    expect(r.maxRejectRate).toBe(0.1);
  });

  it('names the allowed values when a stage, option or value is wrong', () => {
    expect(() => resolveRecipe({ stages: ['lenght'] }, registry)).toThrow(/recipe: stages\[0\]: unknown stage 'lenght'; did you mean 'length'\?; known stages: length/);
    expect(() => resolveRecipe({ stages: [{ length: { min_char: 1 } }] }, registry)).toThrow(/recipe: stages\[0\] \(length\): unknown option 'min_char'; did you mean 'min_chars'\?; allowed: min_chars, mode, langs/);
    expect(() => resolveRecipe({ stages: [{ length: { mode: 'keep' } }] }, registry)).toThrow(/must be one of drop, tag; got 'keep'/);
    expect(() => resolveRecipe({ stages: [{ length: { min_chars: -1 } }] }, registry)).toThrow(/>= 0/);
    // Hostile review 6 F19: YAML's .nan and .inf were shown as "got null".
    expect(() => resolveRecipe({ stages: [{ length: { min_chars: NaN } }] }, registry)).toThrow(/min_chars' must be a whole number in plain digits, got NaN \(\.nan\)$/);
    expect(() => resolveRecipe({ stages: [{ length: { min_chars: -Infinity } }] }, registry)).toThrow(/got -infinity \(-\.inf\)$/);
    expect(() => resolveRecipe({ max_reject_rate: Infinity, stages: ['length'] }, registry)).toThrow(/max_reject_rate must be a number between 0 and 1; got infinity \(\.inf\)$/);
    expect(() => resolveRecipe({ stages: [], outptu: {} }, registry)).toThrow(UsageError);
  });

  it('parses sizes', () => {
    expect(parseSize('256MB')).toBe(256e6);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize(4096)).toBe(4096);
    expect(() => parseSize('lots')).toThrow(UsageError);
  });

  // Follow13's note on hostile review 13: a recipe file `r\n.yaml` named the run "r\n"; the
  // resolved recipe written beside the run said `name: "r\n"`, which its own rerun refused.
  it('a default name (the file name) with a control character gets _ in its place; a name given so is refused', () => {
    expect(resolveRecipe({ stages: ['length'] }, registry, 'r\n\u2028x\u0085').name).toBe('r__x_');
    expect(resolveRecipe({ stages: ['length'] }, registry, 'plain-name.v2').name).toBe('plain-name.v2');
    expect(() => resolveRecipe({ name: 'r\n', stages: ['length'] }, registry, 'r')).toThrow(/name "r\\n" holds a control character/);
  });
});

