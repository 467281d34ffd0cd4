import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleImports } from '../../src/cli/recipeModules.js';
import { tempDir } from '../helpers/run.js';

// Hostile review 25 C1c: forms of import the walk did not follow, so such a helper edited between
// a stop and a resume was used unseen: `require` by another name (what createRequire returns bound
// to `r`, an alias of it), and `require('./dir')` of a folder whose package.json names its "main".
describe('moduleImports: require by another name, and a folder with a package.json', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir, 'dirp/lib'), { recursive: true });
    await mkdir(join(dir, 'dirh'));
    for (const h of ['hR.cjs', 'hAlias.cjs', 'hAs.cjs', 'hMod.cjs', 'hCall.cjs', 'hHref.mjs', 'dirp/lib/util.js', 'dirh/index.js', 'dirp/index.js']) await writeFile(join(dir, h), 'module.exports = 1;\n');
    await writeFile(join(dir, 'dirp/package.json'), JSON.stringify({ name: 'dirp', main: 'lib/main' }));
    await writeFile(join(dir, 'dirp/lib/main.js'), "module.exports = require('./util.js');\n");
    await writeFile(
      join(dir, 'mod.mjs'),
      [
        "import { createRequire } from 'node:module';",
        "import { createRequire as cr } from 'node:module';",
        "import module from 'node:module';",
        'const r = createRequire(import.meta.url);',
        "const R = r('./hR.cjs');",
        'const req = r;',
        "const A = req('./hAlias.cjs');",
        'const q = cr(import.meta.url);',
        "const S = q('./hAs.cjs');",
        'const m = module.createRequire(import.meta.url);',
        "const M = m('./hMod.cjs');",
        "const C = createRequire(new URL('.', import.meta.url))('./hCall.cjs');",
        "const P = r('./dirp');",
        "const H = r('./dirh');",
        "const U = (await import(new URL('./hHref.mjs', import.meta.url).href)).default;",
        // Not require: a call of another function with a path.
        "const read = (p) => p; read('./hNot.cjs');",
        'export default {};',
      ].join('\n') + '\n',
    );
    await writeFile(join(dir, 'hNot.cjs'), 'module.exports = 1;\n');
  });

  it('follows them', () => {
    const want = ['hR.cjs', 'hAlias.cjs', 'hAs.cjs', 'hMod.cjs', 'hCall.cjs', 'hHref.mjs', 'dirp/package.json', 'dirp/lib/main.js', 'dirp/lib/util.js', 'dirh/index.js'];
    expect(moduleImports(join(dir, 'mod.mjs'))).toEqual(want.map((h) => join(dir, h)).sort());
  });
});
