import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/run.js';

/** The README's library example is run as written (with the package name pointing at src/), so it cannot drift. */
describe('README', () => {
  it('library example runs and accounts for every record', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Library'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)![1];
    const file = join(ROOT, 'test/.readme-example.tmp.ts');
    await writeFile(file, code.replace("from 'corpus-clean'", "from '../src/index.js'"));
    const logs: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => logs.push(a.join(' '));
    try {
      await import(file);
    } finally {
      console.log = log;
      await rm(file);
      await rm(join(ROOT, 'out/example.jsonl.gz'), { force: true });
      await rm(join(ROOT, 'out/example.rejects.jsonl'), { force: true });
    }
    const m = /^read (\d+) = written (\d+) \+ rejected (\d+)$/.exec(logs[0])!;
    expect(m).not.toBeNull();
    expect(Number(m[1])).toBe(170);
    expect(Number(m[2]) + Number(m[3])).toBe(170);
    expect(Number(m[3])).toBeGreaterThan(0);
  });
});
