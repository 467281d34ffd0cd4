import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { notOwnSideFile } from '../../src/io/writers/ownSideFile.js';
import { runCli, runCliAll, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Hostile review 13 H8: small things each said nothing or the wrong thing.
describe('options and names that cannot mean what they say', () => {
  it("export xtuner-v1 refuses internevo's options (--type, --max-shard-size, --meta-dtype) instead of dropping them", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello"}\n');
    const [type, two] = await runCliAll(
      [
        ['export', 'xtuner-v1', 'in.jsonl', '--type', 'by-lang', '-o', 'xv.jsonl'],
        ['export', 'xtuner-v1', 'in.jsonl', '--max-shard-size', '1KB', '--meta-dtype', '<i4', '-o', 'xv.jsonl'],
      ],
      { cwd: dir },
    );
    expect([type.code, type.stderr]).toEqual([2, `corpus-clean: export xtuner-v1: --type is for export internevo (its type folders and .bin shards); xtuner-v1 writes {"content"} JSONL to one file or folder (see 'corpus-clean export --help')\n`]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('export xtuner-v1: --max-shard-size, --meta-dtype are for export internevo');
    expect(existsSync(join(dir, 'xv.jsonl'))).toBe(false);
  });

  it("'-' (stdout) where a folder is needed is refused, not made a folder named '-': export internevo -o, dedup-disk --work", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello"}\n');
    const [ex, dd] = await runCliAll(
      [
        ['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '-o', '-'],
        ['dedup-disk', 'in.jsonl', '--work', '-', '-o', 'dd.jsonl'],
      ],
      { cwd: dir },
    );
    expect([ex.code, ex.stderr]).toEqual([2, "corpus-clean: export internevo: -o - would be stdout, but its output is a folder (shards go to DIR/train/TYPE/): name a folder (./- for one named '-')\n"]);
    expect([dd.code, dd.stderr]).toEqual([2, "corpus-clean: --work - would be stdout, but a folder is needed here: name a folder (./- for one named '-')\n"]);
    expect(existsSync(join(dir, '-'))).toBe(false);
  });

  it('a compressed rejects file that cannot be decompressed is said to be damaged, not "not a reject"', async () => {
    const dir = await tempDir();
    const whole = gzipSync(Buffer.from('{"stage":"read","reason":"json_parse","source":"in.jsonl:4","raw":"not json"}\n'.repeat(20)));
    await writeFile(join(dir, 'cut.jsonl.gz'), whole.subarray(0, 30));
    expect(await notOwnSideFile(join(dir, 'cut.jsonl.gz'), 'rejects')).toMatch(/^it cannot be read as gzip \(.+: damaged or cut short\?\), so whether corpus-clean wrote it cannot be told$/);
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello"}\n');
    const r = await runCli(['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'cut.jsonl.gz'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rejects file 'cut.jsonl.gz' already exists and it cannot be read as gzip (");
  });

  it('task without --phase or --unit says which is missing', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello"}\n');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    const plan = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'R', '-q'], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const [phase, unit] = await runCliAll(
      [
        ['task', 'R'],
        ['task', 'R', '--phase', '0'],
      ],
      { cwd: dir },
    );
    expect(phase.code).toBe(2);
    expect(phase.stderr).toMatch(/^corpus-clean: task: --phase is required \(0 to \d+, the phases of its _plan\.json\); 'corpus-clean status R' lists the units not done\n$/);
    expect([unit.code, unit.stderr]).toEqual([2, "corpus-clean: task: --unit is required (a unit of that phase); 'corpus-clean status R' lists the units not done\n"]);
  });
});
