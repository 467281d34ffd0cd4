import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleImports } from '../../src/cli/recipeModules.js';
import { tempDir } from '../helpers/run.js';

// Hostile review 24 C1b: the files a stage module imports (kept by content in the plan since C1)
// were found only when named by a relative path in quotes right after the keyword: an absolute
// path, a file: URL, a template literal without `${...}` and a comment between `from` and the
// string were not followed, so such a helper edited after units finished resumed silently. A name
// computed at run time cannot be followed (the README says so); nor is a package's bare name.
describe('moduleImports: the import forms followed', () => {
  let dir: string;
  const helpers = ['hAbs.mjs', 'hUrl.mjs', 'hTpl.mjs', 'hCom.mjs', 'hLine.mjs', 'hReq.cjs', 'h sp.mjs', 'hDyn1.mjs', 'sub/deep.mjs'];
  beforeAll(async () => {
    dir = await tempDir();
    await mkdir(join(dir, 'sub'));
    for (const h of helpers) await writeFile(join(dir, h), 'export const x = 1;\n');
    await writeFile(
      join(dir, 'mod.mjs'),
      [
        "import { createRequire } from 'node:module';",
        `import { x as a } from '${join(dir, 'hAbs.mjs')}';`,
        `import { x as b } from '${pathToFileURL(join(dir, 'hUrl.mjs')).href}?v=2';`,
        "import { x as c } from /* a comment */ './hCom.mjs';",
        "export { x as d } from // a line comment",
        "  './hLine.mjs';",
        'const { x: e } = await import(`./hTpl.mjs`);',
        'const require = createRequire(import.meta.url);',
        'const f = require(`./hReq.cjs`);',
        "const g = await import('./h%20sp.mjs');",
        // Not followed: computed names, a package.
        'const n = 1;',
        'const { x: h } = await import(`./hDyn${n}.mjs`);',
        "import 'node:path';",
        "export * from './sub/deep.mjs';",
      ].join('\n') + '\n',
    );
  });

  it('follows absolute paths, file: URLs, template literals, %-escapes and comments before the string; not computed names', () => {
    const got = moduleImports(join(dir, 'mod.mjs'));
    expect(got).toEqual(['hAbs.mjs', 'hCom.mjs', 'hLine.mjs', 'hReq.cjs', 'hTpl.mjs', 'hUrl.mjs', 'h sp.mjs', 'sub/deep.mjs'].map((h) => join(dir, h)).sort());
  });
});
