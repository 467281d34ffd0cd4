import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe("Node's first Buffer made in C++ throws away no compiled stage code", () => {
  // Node makes such a Buffer (a zstd addon's output, v8.serialize, a child's output) as a plain
  // Uint8Array and sets its prototype: the first one takes V8's Uint8Array map off its stable
  // state, and each function compiled trusting that map (quality's tokeniser and signals read
  // Uint8Array tables) was thrown away and compiled again. src/core/bufferMap.ts makes that change
  // at load. The quality stage warms up in a process of its own, traced by V8; then one such Buffer
  // is made, and nothing of it may be marked for deoptimisation by that. TurboFan compiles on the
  // main thread here, so that what is compiled by then does not depend on the machine's load.
  it('quality, warmed up, keeps its optimised code across v8.serialize', () => {
    const script = `
      import v8 from 'node:v8';
      const { pipeline, fromRecords, collect, defaultRegistry } = await import('./dist/index.js');
      const words = 'the of and to in a is that for it as was with be by on not this are or from at which but have an they you were her one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your good some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us'.split(' ');
      let seed = 7;
      const next = (n) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
      const sentence = () => { const n = 5 + next(15); const w = []; for (let i = 0; i < n; i++) w.push(words[next(words.length)]); w[0] = w[0][0].toUpperCase() + w[0].slice(1); return w.join(' ') + (next(9) === 0 ? '?' : '.'); };
      const text = () => { const lines = []; for (let l = 3 + next(20); l > 0; l--) { const s = []; for (let k = 1 + next(4); k > 0; k--) s.push(sentence()); lines.push(s.join(' ')); } return lines.join('\\n'); };
      const records = Array.from({ length: 2500 }, () => ({ text: text() }));
      const stage = await defaultRegistry().create('quality', { preset: 'web-en' });
      for (let round = 0; round < 2; round++) await pipeline({ source: fromRecords(records), stages: [stage], sink: collect() });
      process.stdout.write('NATIVE BUFFER\\n');
      v8.serialize('x');
      process.stdout.write('MADE\\n');
    `;
    const out = execFileSync(process.execPath, ['--trace-opt', '--trace-deopt', '--no-concurrent-recompilation', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
    const [before, rest] = out.split('NATIVE BUFFER\n');
    expect(rest).toBeDefined();
    const during = rest.split('MADE\n')[0];
    // The test says something only if the stage's tokeniser was compiled by then.
    expect(before).toMatch(/completed compiling .*<JSFunction profileInto .*TURBOFAN/);
    expect(during.split('\n').filter((l) => l.includes('marking dependent code'))).toEqual([]);
  });
});
