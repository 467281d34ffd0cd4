import fc from 'fast-check';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tidy } from '../../src/stages/normalize/tidy.js';
import { ROOT, runCli, runNode, tempDir } from '../helpers/run.js';

/*
 * Every regex applied to record text must run in time linear in the text. These tests feed
 * ~1 MB hostile records (long runs of one character followed by something that makes a
 * backtracking regex fail) through the built code in a child process with a generous bound:
 * linear code finishes in seconds, the quadratic regexes found by the hostile-user review took
 * about an hour on 1 MB. The bound is on work, not speed: it is many times what linear code needs
 * even on a loaded machine.
 */
const BOUND_MS = 240_000;
const MB = 1 << 20;

/** Hostile texts: a long run, then the character that makes a backtracking match fail. */
const hostile: Record<string, string> = {
  space_run_then_word_and_trailing_space: 'A page. ' + ' '.repeat(MB) + 'footer \nlast',
  tab_run_then_nul: '\t'.repeat(MB) + '\u0000 ',
  ideographic_space_run: 'x' + '\u3000'.repeat(MB / 2) + 'y \n',
  nbsp_run: 'x' + '\u00a0'.repeat(MB / 2) + 'y \n',
  digit_run_then_letter: '0'.repeat(MB) + 'x',
  dash_run: '-'.repeat(MB) + '\u0000a',
  word_spaces: 'ab '.repeat(MB / 3) + '!',
  dots: '.'.repeat(MB) + ' ',
  newlines_then_text: '\n'.repeat(MB / 4) + 'x \n',
  crlf_spaces: 'a \r\n'.repeat(MB / 4),
  han: '中'.repeat(MB / 2) + ' ',
  ampersands: '&amp;'.repeat(MB / 5) + '&',
  lt: '<'.repeat(MB) + 'a',
  mojibake: 'Ã'.repeat(MB / 2) + '©',
  hashes_bullets: '#'.repeat(MB / 2) + '\n• ' + '…'.repeat(1000),
  lorem: 'lorem '.repeat(MB / 6) + 'ipsu',
  curly: '{'.repeat(MB) + 'x',
  upper: 'A'.repeat(MB) + '1',
};

describe('the trailing-space step of tidy (the linear replacement of the trailing-space regex)', () => {
  const OLD = /[ \t\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+(?=\n|$)/g;
  const only = { newlines: false, controls: false, zeroWidth: false, fullwidth: false, trailingSpace: true, maxNewlines: Infinity };
  const bits = { newlines: 1, controls: 2, zeroWidth: 4, fullwidth: 8, trailingSpace: 16, blankLines: 32 };
  it('removes exactly what the old regex removed', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', 'a', '\u3000', '\u00a0', '\u200b', 'x') , maxLength: 40 }), (s) => {
        expect(tidy(s, only, bits, { bits: 0 })).toBe(s.replace(OLD, ''));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('linear time on 1 MB hostile records', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    const lines = Object.entries(hostile).map(([id, text]) => JSON.stringify({ id, text }));
    await writeFile(join(dir, 'hostile.jsonl'), lines.join('\n') + '\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the sample recipe (normalize, langid, quality, dedup) finishes and accounts for every record', async () => {
    const r = await runCli(['run', 'rules/recipes/sample.yaml', '-i', join(dir, 'hostile.jsonl'), '-o', join(dir, 'out'), '--max-reject-rate', '1', '--allow-empty', '-q'], { timeoutMs: BOUND_MS });
    expect(r.signal, 'killed after the bound: some regex is not linear').toBeUndefined();
    expect(r.code, r.stderr).toBe(0);
  }, BOUND_MS + 30_000);

  it('normalize with every option, the flagged-words stage and the Chinese quality preset finish', async () => {
    await mkdir(join(dir, 'r'), { recursive: true });
    const recipe = [
      'stages:',
      '  - normalize: { entities: true, fullwidth: true }',
      '  - quality: { preset: web-zh }',
      '  - flagged-words: {}',
    ].join('\n');
    await writeFile(join(dir, 'r/recipe.yaml'), recipe + '\n');
    const r = await runCli(['run', join(dir, 'r/recipe.yaml'), '-i', join(dir, 'hostile.jsonl'), '-o', join(dir, 'out2'), '--max-reject-rate', '1', '--allow-empty', '-q'], { timeoutMs: BOUND_MS });
    expect(r.signal, 'killed after the bound: some regex is not linear').toBeUndefined();
    expect(r.code, r.stderr).toBe(0);
  }, BOUND_MS + 30_000);

  it('repair coercion, the tokenizer normaliser and option-name parsing finish on hostile strings', async () => {
    const script = `
      const { coerceValue } = await import('./dist/stages/repair/coerce.js');
      const { makeNormalizer } = await import('./dist/tokenize/normalizer.js');
      const { camelCase } = await import('./dist/core/options.js');
      const { parseSize } = await import('./dist/core/recipe.js');
      const { readFileSync } = await import('node:fs');
      const texts = readFileSync(${JSON.stringify(join(dir, 'hostile.jsonl'))}, 'utf8').trim().split('\\n').map((l) => JSON.parse(l).text);
      const squeeze = makeNormalizer({ precompiledCharsmap: new Uint8Array(0), addDummyPrefix: true, removeExtraWhitespaces: true, escapeWhitespaces: true, name: 'identity' }, { treatWhitespaceAsSuffix: false });
      for (const t of texts) {
        coerceValue(t, 'number'); coerceValue(t, 'integer'); coerceValue(t, 'date'); coerceValue(t, 'boolean');
        squeeze(t + ' x');
        camelCase(t.slice(0, 200000));
        try { parseSize(t.slice(0, 200000)); } catch {}
      }
      console.log('done');
    `;
    const r = await runNode(['--input-type=module', '-e', script], { timeoutMs: BOUND_MS, cwd: ROOT });
    expect(r.signal, 'killed after the bound: some regex is not linear').toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('done');
  }, BOUND_MS + 30_000);
});
