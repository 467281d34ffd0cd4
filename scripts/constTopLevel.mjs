// Used by scripts/bundle.mjs (the bundled CLI); tested by test/cli/bundle.test.ts.
import ts from 'typescript';

/**
 * esbuild prints every top-level `const`, `let` and `class` of a bundle as `var` (on purpose, no
 * option: esbuild FAQ "top-level var"). V8's optimising compiler folds a module's top-level
 * `const` into the code of its functions (the class bits, the lookup tables, their lengths); a
 * `var` it must load and check at every use: the quality stage's hot loops took ~1 G more
 * instructions over the 10 MB slice bundled (15.5 G against 14.4-14.7 unbundled). So each
 * top-level `var` statement whose names all have an initialiser and are never assigned anywhere
 * in the file (=, op=, ++/--, destructuring, for-in/of: found with TypeScript's parser; a name
 * assigned in any scope counts, so shadowing only keeps a `var`) is written `const` again. The
 * source had these as const/let/class, so no temporal-dead-zone error can come that the
 * unbundled modules would not give.
 */
export function constTopLevel(text) {
  const sf = ts.createSourceFile('chunk.js', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const assigned = new Set();
  const target = (n) => {
    if (ts.isIdentifier(n)) assigned.add(n.text);
    else if (ts.isParenthesizedExpression(n)) target(n.expression);
    else if (ts.isArrayLiteralExpression(n)) n.elements.forEach((e) => target(ts.isSpreadElement(e) ? e.expression : e));
    else if (ts.isObjectLiteralExpression(n)) {
      for (const p of n.properties) {
        if (ts.isShorthandPropertyAssignment(p)) assigned.add(p.name.text);
        else if (ts.isPropertyAssignment(p)) target(p.initializer);
        else if (ts.isSpreadAssignment(p)) target(p.expression);
      }
    } else if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken) target(n.left); // a default in a pattern
  };
  const visit = (n) => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) target(n.left);
    else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) target(n.operand);
    else if ((ts.isForInStatement(n) || ts.isForOfStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) target(n.initializer);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  let out = '';
  let at = 0;
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || (st.declarationList.flags & ts.NodeFlags.BlockScoped) !== 0) continue;
    if (!st.declarationList.declarations.every((d) => ts.isIdentifier(d.name) && d.initializer !== undefined && !assigned.has(d.name.text))) continue;
    const start = st.declarationList.getStart(sf);
    if (text.slice(start, start + 4) !== 'var ') throw new Error(`bundle.mjs: no 'var ' at ${start}`);
    out += text.slice(at, start) + 'const';
    at = start + 3;
  }
  return out + text.slice(at);
}
