import { createHash } from 'node:crypto';
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportRefused, moduleImports, readModuleImports } from '../../src/cli/recipeModules.js';
import { runCli, tempDir } from '../helpers/run.js';

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

// A file a module imports is read before the import (new-user review 24 N9): code up to 64 MiB,
// as a module; data (a JSON file imported with { type: 'json' }) up to 256 MiB, as a list, and
// only hashed (a 65 MiB JSON import was refused as code is).
describe('readModuleImports: the size a file a module imports may have', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
    // Sparse: their size says 65 MiB, with no block written.
    for (const f of ['big.json', 'big.mjs']) {
      await writeFile(join(dir, f), '');
      await truncate(join(dir, f), 65 << 20);
    }
    await writeFile(join(dir, 'data.mjs'), "import words from './big.json' with { type: 'json' };\nexport default words;\n");
    await writeFile(join(dir, 'code.mjs'), "export * from './big.mjs';\n");
  });

  it('data up to 256 MiB is hashed; code over 64 MiB is refused by name', () => {
    const zeros = createHash('sha256').update(Buffer.alloc(65 << 20)).digest('hex');
    expect(readModuleImports(join(dir, 'data.mjs'))).toEqual(new Map([[join(dir, 'big.json'), zeros]]));
    let e: unknown;
    try {
      readModuleImports(join(dir, 'code.mjs'));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ImportRefused);
    expect(e).toMatchObject({ path: join(dir, 'big.mjs'), message: 'it holds 65 MiB, more than the 64 MiB such a file may hold' });
  });
});

// The search for imports took time exponential in the comments after a keyword (C1b's first
// pattern: `// import // // ...` in a module hung the run at its start). The bound only ends a
// failure of this test; it asserts no timing.
describe('a module whose comments follow a keyword many times', { timeout: 300_000 }, () => {
  it('runs', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.jsonl'), JSON.stringify({ text: 'hello there' }) + '\n');
    await writeFile(
      join(dir, 'c.mjs'),
      `// import ${'// '.repeat(60)}\n/* from ${'*/ /* a '.repeat(60)}*/\nexport default { name: 'mine', summary: 'x', options: {}, create: () => ({ name: 'mine', async *run(b) { yield* b; } }) };\n`,
    );
    await writeFile(join(dir, 'r.yaml'), 'name: c\nstages:\n  - module: ./c.mjs\n');
    const r = await runCli(['run', 'r.yaml', '-i', 'a.jsonl', '-o', 'o', '-w', '1'], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
  });
});
