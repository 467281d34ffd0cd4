#!/usr/bin/env node
/**
 * Lists every regex in src/ (literals and `new RegExp(...)`, from the TypeScript syntax tree) and,
 * when the `recheck` ReDoS checker is installed, checks each literal for super-linear
 * backtracking. Record text must only meet linear regexes (issue #10); `new RegExp` sources are
 * printed so that a reader checks them by hand (or adds them here).
 *
 *   npm install --no-save recheck@4.5.0 && node bench/regex-audit.mjs     # exit 1 if any is not safe
 *   node bench/regex-audit.mjs --list                                     # just the list
 *
 * recheck is not a dependency: it is a development check, run by hand before touching regexes.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const found = [];
function walk(d) {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) scan(p);
  }
}
function scan(p) {
  const src = ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
  const at = (n) => `${relative(ROOT, p)}:${src.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
  const visit = (n) => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const t = n.getText();
      const i = t.lastIndexOf('/');
      found.push({ at: at(n), source: t.slice(1, i), flags: t.slice(i + 1) });
    } else if (ts.isNewExpression(n) && n.expression.getText() === 'RegExp') {
      found.push({ at: at(n), dynamic: n.getText().replace(/\s+/g, ' ').slice(0, 160) });
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
}
walk(join(ROOT, 'src'));

let check = null;
if (!process.argv.includes('--list')) {
  try {
    ({ check } = await import('recheck'));
  } catch {
    console.error('recheck is not installed (npm install --no-save recheck@4.5.0); listing only');
  }
}
let bad = 0;
for (const r of found) {
  if (r.dynamic) {
    console.log(`dynamic  ${r.at}  ${r.dynamic}`);
    continue;
  }
  if (!check) {
    console.log(`literal  ${r.at}  /${r.source}/${r.flags}`);
    continue;
  }
  const res = await check(r.source, r.flags, { timeout: 10000 });
  if (res.status !== 'safe') bad++;
  console.log(`${res.status.padEnd(10)} ${r.at}  /${r.source}/${r.flags}${res.attack ? `  attack: ${res.attack.pattern}` : ''}`);
}
console.log(`${found.length} regexes, ${found.filter((r) => r.dynamic).length} dynamic${check ? `, ${bad} not safe` : ''}`);
process.exit(bad > 0 ? 1 : 0);
