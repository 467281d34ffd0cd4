import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleImports } from '../../src/cli/recipeModules.js';
import { tempDir } from '../helpers/run.js';

// Hostile review 25 C1c (the rest): `import(new URL('./x.mjs', import.meta.url))` was followed,
// but not the same URL given a name first and imported by it (`const u = new URL(...); await
// import(u)`, or `u.href`), nor a name given import.meta.resolve('./x.mjs'): such a helper edited
// between a stop and a resume was used unseen.
describe('moduleImports: a file URL imported by the name it was given', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    for (const h of ['hU.mjs', 'hHref.mjs', 'hRes.mjs', 'hData.txt']) await writeFile(join(dir, h), 'export const x = 1;\n');
    await writeFile(
      join(dir, 'mod.mjs'),
      [
        "const u = new URL('./hU.mjs', import.meta.url);",
        'const { x: a } = await import(u);',
        "let h = new URL('./hHref.mjs', import.meta.url);",
        'const { x: b } = await import(h.href);',
        "const r = import.meta.resolve('./hRes.mjs');",
        'const { x: c } = await import(r);',
        // A URL given to fs, not imported: a data file the module reads itself (not kept).
        "const d = new URL('./hData.txt', import.meta.url);",
        "const text = (await import('node:fs')).readFileSync(d, 'utf8');",
        'export default {};',
      ].join('\n') + '\n',
    );
  });

  it('follows them', () => {
    expect(moduleImports(join(dir, 'mod.mjs'))).toEqual(['hHref.mjs', 'hRes.mjs', 'hU.mjs'].map((h) => join(dir, h)));
  });
});
