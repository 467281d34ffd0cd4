import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { ROOT } from './helpers/run.js';

/** The public API is what src/index.ts lists; a change to it is deliberate (`UPDATE_GOLDEN=1 npm test`). */
describe('public API', () => {
  it('exports exactly the names in fixtures/api/exports.txt', async () => {
    const names = Object.keys(api).sort().join('\n') + '\n';
    const file = join(ROOT, 'fixtures/api/exports.txt');
    if (process.env.UPDATE_GOLDEN === '1') await writeFile(file, names);
    expect(existsSync(file)).toBe(true);
    expect(names).toBe(await readFile(file, 'utf8'));
  });

  it('the built-in registry builds every stage with its defaults, except those that need a file', async () => {
    const registry = api.defaultRegistry();
    expect(registry.names()).toEqual(['extract', 'normalize', 'repair', 'convert', 'langid', 'quality', 'flagged-words', 'pii', 'url-filter', 'paragraphs', 'dedup', 'tokenize']);
    for (const name of registry.names()) {
      if (name === 'tokenize' || name === 'url-filter') continue;
      const stage = await registry.create(name);
      expect(stage.name).toBe(name);
    }
  });
});
