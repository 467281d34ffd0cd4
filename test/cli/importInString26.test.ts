import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleImports, readModuleImports } from '../../src/cli/recipeModules.js';
import { tempDir } from '../helpers/run.js';

// New-user review 25 L-1: the files a stage module imports were looked for in its whole text, so
// a string that held import-like text was taken for an import: a module whose help text said
// `node -e "import('/dev/stdin')"` was refused ("a file it imports, '/dev/stdin': it is a
// character device"), and an existing file named in a string or a comment was kept as imported.
// Only code is searched now: strings, template literals and comments are not.
describe('moduleImports: import-like text in strings and comments is not an import', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    for (const h of ['used.mjs', 'inString.mjs', 'inComment.mjs', 'inTemplate.mjs', 'afterRegex.mjs', 'afterDivision.mjs', 'escaped.mjs', 'inSub.mjs', 'afterUrl.mjs']) await writeFile(join(dir, h), 'export const x = 1;\n');
    await writeFile(
      join(dir, 'help.mjs'),
      [
        'const help = "to test, run: node -e \\"import(\'/dev/stdin\')\\"";',
        "const also = 'see require(\"./inString.mjs\") and import \\'./inString.mjs\\'';",
        '// import { x } from \'./inComment.mjs\';',
        "/* await import('./inComment.mjs') */",
        'const tpl = `an example: import x from "./inTemplate.mjs"`;',
        "import { x } from './used.mjs';",
        // A regular expression holding a quote, then an import on the same line.
        "const re = /['\"]/g; import { x as a } from './afterRegex.mjs';",
        // A division, then a string holding a quote, then an import.
        "const half = 10 / 2, q = \"'\"; const { x: b } = await import('./afterDivision.mjs');",
        // The string's value, not its raw text: ./escaped.mjs.
        "const { x: c } = await import('./escaped\\x2emjs');",
        // Code inside a template literal's ${...} is code.
        'const s = `${(await import(\'./inSub.mjs\')).x}`;',
        // A URL in a string has a `//` that starts no comment.
        "const home = 'https://example.org/'; import { x as d } from './afterUrl.mjs';",
        "export default { name: 'help', summary: help, options: {}, create: () => ({ name: 'help', async *run(b) { yield* b; } }) };",
      ].join('\n') + '\n',
    );
  });

  it('keeps the imports in code only', () => {
    expect(moduleImports(join(dir, 'help.mjs'))).toEqual(['afterDivision.mjs', 'afterRegex.mjs', 'afterUrl.mjs', 'escaped.mjs', 'inSub.mjs', 'used.mjs'].map((h) => join(dir, h)));
  });

  it('does not refuse a module whose string names a device', () => {
    const got = readModuleImports(join(dir, 'help.mjs'));
    expect([...got.keys()].sort()).toEqual(['afterDivision.mjs', 'afterRegex.mjs', 'afterUrl.mjs', 'escaped.mjs', 'inSub.mjs', 'used.mjs'].map((h) => join(dir, h)));
  });
});
