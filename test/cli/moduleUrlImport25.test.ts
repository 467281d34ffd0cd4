import { mkdir, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleImports } from '../../src/cli/recipeModules.js';
import { tempDir } from '../helpers/run.js';

// New-user review 25 M-a: `import(new URL('./lib/x.mjs', import.meta.url))`, the standard ESM way
// to name a file beside the module, was not followed, so such a helper edited between a stop and a
// resume was used silently (mixed output, exit 0). It is now kept like `import('./lib/x.mjs')`.
// A `new URL(..., import.meta.url)` given to fs (a data file the module reads itself, N7) is not.
describe('moduleImports: import(new URL(..., import.meta.url))', () => {
  let dir: string;
  beforeAll(async () => {
    dir = realpathSync(await tempDir());
    await mkdir(join(dir, 'lib'));
    for (const h of ['lib/nu.mjs', 'lib/href.mjs', 'bare.mjs', 'data.txt']) await writeFile(join(dir, h), 'export const x = 1;\n');
    await writeFile(
      join(dir, 'mod.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "const a = await import(new URL('./lib/nu.mjs', import.meta.url));",
        'const b = await import( /* the helper */ new URL("lib/href.mjs",',
        '  import.meta.url).href);',
        'const c = await import(new URL(`bare.mjs`, import . meta . url));',
        // Not followed: data read with fs (N7), a URL with another scheme.
        "const d = readFileSync(new URL('./data.txt', import.meta.url), 'utf8');",
        "const e = await import(new URL('https://example.com/x.mjs', import.meta.url)).catch(() => undefined);",
      ].join('\n') + '\n',
    );
  });

  it('follows the three forms, not the data file nor another scheme', () => {
    expect(moduleImports(join(dir, 'mod.mjs'))).toEqual([join(dir, 'bare.mjs'), join(dir, 'lib/href.mjs'), join(dir, 'lib/nu.mjs')]);
  });
});
