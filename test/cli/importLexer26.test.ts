import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { moduleImports } from '../../src/cli/recipeModules.js';
import { tempDir } from '../helpers/run.js';

// New-user review 26 I-1: the import walk's lexer took a division for a regular expression after a
// postfix `++`/`--` (`i++ / 2`), and a regular expression for a division after the `)` of
// `if (...)`, `for (...)`, `while (...)`: the imports on that line (with a backtick in the misread
// part, every one up to the next backtick) were not kept, so an edit to them between a stop and a
// resume was used unseen (mixed output, exit 0).
const CASES: [string, string][] = [
  ['postInc', "let i = 1; const half = i++ / 2; const { x } = await import('./postInc.h.mjs');"],
  ['postDec', "let n = 4; const q = n-- / 2; const { x } = await import('./postDec.h.mjs');"],
  ['ifRegex', "const s = 'a'; if (s) /'/.test(s) && (await import('./ifRegex.h.mjs'));"],
  ['forRegex', "for (const s of ['a']) /'/.test(s) && (await import('./forRegex.h.mjs'));"],
  ['forAwaitRegex', "for await (const s of ['a']) /'/.test(s) && (await import('./forAwaitRegex.h.mjs'));"],
  ['whileRegex', "let k = 0; while (k++ < 1) /'/.test('a') && (await import('./whileRegex.h.mjs'));"],
  // Across lines: the misread regex's end met the real one's backtick, which opened a template literal.
  ['acrossLines', "let calls = 0; const avg = calls++ / 2, tick = /`/g;\nimport { x } from './acrossLines.h.mjs';\nimport { x as y } from './acrossLines2.h.mjs';"],
  // What was right stays right: a division after a call's `)`, a name, `]`, a number, a template literal.
  ['callDiv', "const f = () => 4; const h = f() / 2, q = \"'\"; import { x } from './callDiv.h.mjs';"],
  ['ifCallDiv', "const f = () => 4; if (f() / 2 > 1) { const q = \"'\"; } import { x } from './ifCallDiv.h.mjs';"],
  ['nestedDiv', "const a = [4]; if ((a[0]) / 2) a[0]++; const q = \"'\"; import { x } from './nestedDiv.h.mjs';"],
  ['elemDiv', "const arr = [4]; const h = arr[0] / 2, q = \"'\"; import { x } from './elemDiv.h.mjs';"],
  ['numDiv', "const h = 10 / 2 / 1, q = \"'\"; import { x } from './numDiv.h.mjs';"],
  ['tplDiv', "const n = 4; const h = `${n}` / 2, q = \"'\"; import { x } from './tplDiv.h.mjs';"],
  ['preInc', "let i = 1; const h = ++i / 2, q = \"'\"; import { x } from './preInc.h.mjs';"],
  ['returnRegex', "function t() { return /'/; } import { x } from './returnRegex.h.mjs';"],
  ['notRegex', "const b = !/'/.test('a'); import { x } from './notRegex.h.mjs';"],
  // Hostile review 26 I1: a keyword after `.` (or `?.`) is a property's name, and a value ends there.
  ['propReturn', "const o = { return: 4 }; const y = o.return / 2; const s = '/'; const H = await import('./propReturn.h.mjs');"],
  ['propTypeof', "const o = { typeof: 4 }; const y = o?.typeof / 2; const s = '/'; const H = await import('./propTypeof.h.mjs');"],
];

describe('moduleImports: a division and a regular expression told apart', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await tempDir();
    for (const [name, src] of CASES) {
      await writeFile(join(dir, `${name}.mjs`), src + '\n');
      for (const m of src.matchAll(/'\.\/([A-Za-z0-9]+\.h\.mjs)'/g)) await writeFile(join(dir, m[1]), 'export const x = 1;\n');
    }
  });

  for (const [name, src] of CASES) {
    it(`${name}: ${src.split('\n')[0].slice(0, 60)}`, () => {
      const want = [...src.matchAll(/'\.\/([A-Za-z0-9]+\.h\.mjs)'/g)].map((m) => join(dir, m[1])).sort();
      expect(moduleImports(join(dir, `${name}.mjs`))).toEqual(want);
    });
  }
});
