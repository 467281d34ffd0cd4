import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/run.js';

// New-user review 13 #3: the README's Performance section now opens with the quick form of
// bench/recipe.ts (`--copies 1 --rounds 1`, `--data DIR`). Every `npx tsx bench/NAME.ts ...` the
// README gives must name a bench that exists and flags it takes (`--data` is bench/data.ts's, for all).

describe('README bench commands', () => {
  it('name benches that exist, with flags they take', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const commands = [...readme.matchAll(/`npx tsx (bench\/[\w-]+\.ts)([^`]*)`/g)].map((m) => ({ file: m[1], args: m[2] }));
    expect(commands.map((c) => `${c.file}${c.args.replace(/\s+/g, ' ')}`)).toContain('bench/recipe.ts --copies 1 --rounds 1');
    for (const { file, args } of commands) {
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      const src = readFileSync(join(ROOT, file), 'utf8');
      for (const [, flag] of args.matchAll(/--([\w-]+)/g)) {
        if (flag === 'data') continue;
        expect(src.includes(`${flag}:`) || src.includes(`'${flag}':`) || src.includes(`'--${flag}'`), `${file} --${flag}`).toBe(true);
      }
    }
  });

  it('bench/recipe.ts --help prints its options, with or without the data folder (new-user review 14 #6)', () => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'bench/recipe.ts'), '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORPUS_CLEAN_DATA: '/nonexistent/data' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run build && npx tsx bench\/recipe.ts \[--data DIR\] \[--copies N\] \[--rounds N\] \[--before CLI\]/);
    expect(r.stdout).toContain('--copies N     copies of web/en + web/zh (34.3 MB each) to read (default 5: 171 MB); 1 is the quick form');
  });
});
