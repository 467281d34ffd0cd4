import { join } from 'node:path';
import { ROOT, runNode } from './run.js';

/**
 * Run `setup` (ES module code that may `await import(dist + '/...js')`, `dist` being the built
 * dist folder) in a child Node under V8's precise block coverage, and list the blocks of the
 * named `functions` that never ran, in the built files whose URL matches `files` (a regular
 * expression source whose first group names the file). Each entry: `file.js function: the block's
 * first characters` (white space collapsed), or `file.js function: (never called)`. The warm-up
 * tests use it to show that no branch of a hot loop is left without type feedback.
 */
export async function unrunBlocks(setup: string, files: string, functions: readonly string[]): Promise<{ blocks: string[]; stderr: string }> {
  const script = `
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
const dist = process.argv[1];
const s = new Session();
s.connect();
await s.post('Profiler.enable');
await s.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
${setup}
const { result } = await s.post('Profiler.takePreciseCoverage');
const hot = new Set(${JSON.stringify(functions)});
const fileRe = new RegExp(${JSON.stringify(files)});
const out = [];
for (const sc of result) {
  const m = fileRe.exec(sc.url);
  if (!m) continue;
  const src = readFileSync(new URL(sc.url), 'utf8');
  for (const f of sc.functions) {
    if (!hot.has(f.functionName)) continue;
    const name = m[1] + '.js ' + f.functionName + ': ';
    if (f.ranges[0].count === 0) { out.push(name + '(never called)'); continue; }
    for (const r of f.ranges) if (r.count === 0) out.push(name + src.slice(r.startOffset, r.endOffset).replace(/\\s+/g, ' ').trim().slice(0, 80));
  }
}
console.log(JSON.stringify(out));
`;
  const r = await runNode(['--input-type=module', '-e', script, join(ROOT, 'dist')]);
  return { blocks: JSON.parse(r.stdout) as string[], stderr: r.stderr };
}
