import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// New-user review 25 L-6: `--type by-lang` after a kill -9 of a by-lang export left an empty
// train/en/ (InternEvo takes every folder under train/ for a data type), silently: the next
// by-lang export, given Chinese records only, removed the killed export's temporaries and lock
// there without a word and kept the folder, which a fresh export never makes.

let dir: string;
let killed: number;
let r: Awaited<ReturnType<typeof runNode>>;

beforeAll(async () => {
  dir = await tempDir();
  const tok = await smallTokenizer();
  const cn = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `这家店的外卖很好吃，第${i}次点了。` }));
  const en = Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` }));
  await writeFile(join(dir, 'cn.jsonl'), cn.join('\n') + '\n');
  killed = await killHeldExport(dir, ['-', '-t', tok, '-o', 'tb', '--type', 'by-lang', '-q'], cn.flatMap((c, i) => [c, en[i]]).join('\n') + '\n', ['tb/train/cn', 'tb/train/en']);
  r = await runNode([CLI, 'export', 'internevo', 'cn.jsonl', '-t', tok, '-o', 'tb', '--type', 'by-lang', '-q'], { cwd: dir });
}, 300_000);

describe('a by-lang export with no English record after a killed by-lang export (L-6)', () => {
  it('leaves no empty train/en/, and says the killed export\'s temporaries there went', async () => {
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(dir, 'tb/train/en'))).toBe(false);
    expect(await readdir(join(dir, 'tb/train'))).toEqual(['cn']);
    expect((await readdir(join(dir, 'tb/train/cn'))).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
    expect(r.stderr).toMatch(new RegExp(`note: 'tb/train/en': removed (its temporary|\\d+ temporaries) '\\.part-00000\\.${killed}\\.tmp\\.bin'.* of an export killed while writing it \\(PID ${killed}\\)`));
    expect(r.stderr).toMatch(new RegExp(`note: 'tb/train/cn': removed (its temporary|\\d+ temporaries) .* of an export killed while writing it \\(PID ${killed}\\)`));
  });
});
