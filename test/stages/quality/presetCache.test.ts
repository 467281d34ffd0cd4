import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadRuleSet, PRESETS, presetPath } from '../../../src/stages/quality/index.js';
import { buildCharTable, charTableFile, charTableKey, charTableOf } from '../../../src/stages/quality/chars.js';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('quality presets parsed at build time (start-up without the YAML parser)', () => {
  it('the build holds every preset exactly as its YAML parses', () => {
    const built = JSON.parse(readFileSync(join(ROOT, 'dist/stages/quality/presets.json'), 'utf8')) as { file: string; yaml: string; json: unknown }[];
    for (const name of PRESETS) {
      const yaml = readFileSync(presetPath(name), 'utf8');
      const e = built.find((x) => x.file === `${name}.yaml`);
      expect(e?.yaml).toBe(yaml);
      expect(e?.json).toEqual(parse(yaml));
    }
  });

  it('the built stage loads both presets without loading yaml, with the same rules', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { loadPreset } = await import('./dist/stages/quality/ruleset.js');
      const sets = ['web-en', 'web-zh'].map((n) => loadPreset(n));
      const yamlLoaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/yaml/'));
      console.log(JSON.stringify({ yamlLoaded, sets }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }));
    expect(out.yamlLoaded).toBe(false);
    expect(out.sets[0]).toEqual(loadRuleSet(presetPath('web-en')));
    expect(out.sets[1]).toEqual(loadRuleSet(presetPath('web-zh')));
  });

  it('an edited rule set is read from its YAML, not from the build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-preset-'));
    try {
      const f = join(dir, 'mine.yaml');
      const yaml = readFileSync(presetPath('web-en'), 'utf8');
      const min = loadRuleSet(presetPath('web-en')).rules.find((r) => r.code === 'gopher_quality:min_words')!.min!;
      writeFileSync(f, yaml.replace(new RegExp(`(min_words[\\s\\S]*?min: )${min}`), `$1${min + 1}`));
      const script = `const { loadRuleSet } = await import('./dist/stages/quality/ruleset.js'); console.log(loadRuleSet(${JSON.stringify(f)}).rules.find((r) => r.code === 'gopher_quality:min_words').min);`;
      expect(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }))).toBe(min + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the character-class table written at build time (start-up without 65,536 regex tests)', () => {
  it('the build reads the table it wrote, and it is the one the regexes give', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const c = await import('./dist/stages/quality/chars.js');
      const file = readFileSync('./dist/stages/quality/char-class.bin');
      console.log(JSON.stringify({ used: c.charTableOf(file) !== undefined, same: Buffer.from(c.CHAR_CLASS).equals(Buffer.from(c.buildCharTable())) }));`;
    expect(JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' }))).toEqual({ used: true, same: true });
  });

  // The key names a version (CHAR_TABLE_VERSION), not a hash of the builder's source text (which
  // esbuild reprints in the bundled CLI): this test is what catches a builder edited without the
  // table built again (tsc alone, without scripts/char-classes.mjs).
  it('the built file is the table these sources make, under the key they give', () => {
    expect(charTableOf(readFileSync(join(ROOT, 'dist/stages/quality/char-class.bin')))).toEqual(buildCharTable());
  });

  it('a table made under another key or cut short is not used', () => {
    const table = buildCharTable();
    expect(charTableOf(charTableFile(table))).toEqual(table);
    // another ICU, or other code making the table: its classes may differ
    expect(charTableOf(charTableFile(table, charTableKey().replace(/icu \S+/, 'icu 0.0;')))).toBeUndefined();
    expect(charTableOf(charTableFile(table).subarray(0, 1000))).toBeUndefined();
    expect(charTableKey()).toContain(`unicode ${process.versions.unicode}`);
  });

  it('a table whose contents do not match its checksum is not used (hostile 19 F3, its sibling)', () => {
    const table = buildCharTable();
    for (const at of [128 + 0x41, 128 + 65535]) {
      const file = charTableFile(table);
      file[at] ^= 1;
      expect(charTableOf(file), `byte ${at}`).toBeUndefined();
    }
  });
});
