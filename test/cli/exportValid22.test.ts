import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

/** Every file under `dir`, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

// New-user review 22 A9: export internevo could not write InternEvo's validation folder
// (data.valid_folder: every .bin under it, one validation set per folder name): -o X/valid/cn/
// wrote X/valid/cn/train/cn/, -o X/valid/ wrote X/valid/train/cn/. --split valid writes
// DIR/valid/TYPE/, and a valid/ folder (or a TYPE folder in one) named as -o is where they go.
describe('export internevo: the valid split (A9)', () => {
  it('-o X/valid/TYPE/, -o X/valid/ and --split valid write valid/TYPE/; a contradicting --split is refused', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello world this is english"}\n{"text":"这是中文的句子，很好。"}\n');
    const ex = (...a: string[]) => runCli(['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '-q', ...a], { cwd: dir });
    let r = await ex('-o', 'tv/valid/cn/');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'tv'))).toEqual(['valid/cn/part-00000.bin', 'valid/cn/part-00000.bin.meta']);
    expect(r.stderr).toContain('tv/valid/cn/: 2 samples');
    r = await ex('-o', 'tv2/valid/', '--type', 'en');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'tv2'))).toEqual(['valid/en/part-00000.bin', 'valid/en/part-00000.bin.meta']);
    r = await ex('-o', 'tv3', '--split', 'valid', '--type', 'by-lang');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'tv3'))).toEqual(['valid/cn/part-00000.bin', 'valid/cn/part-00000.bin.meta', 'valid/en/part-00000.bin', 'valid/en/part-00000.bin.meta']);
    // The train split beside it, into the same root: both folders, as InternEvo's config names them.
    r = await ex('-o', 'tv3', '--type', 'by-lang');
    expect(r.code, r.stderr).toBe(0);
    expect((await files(join(dir, 'tv3'))).filter((f) => f.startsWith('train/'))).toEqual(['train/cn/part-00000.bin', 'train/cn/part-00000.bin.meta', 'train/en/part-00000.bin', 'train/en/part-00000.bin.meta']);
    // Contradictions and a bad --split: refused before anything is made.
    r = await ex('-o', 'g/valid/cn', '--split', 'train');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("names the type folder valid/cn/, but --split is 'train': give -o 'g/train/cn', or the output root -o 'g' with --split");
    r = await ex('-o', 'g/valid', '--split', 'train');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("names the valid/ folder, but --split is 'train'");
    r = await ex('-o', 'g', '--split', 'test');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--split must be train or valid");
    expect(existsSync(join(dir, 'g'))).toBe(false);
    r = await runCli(['export', 'xtuner-v1', 'in.jsonl', '--split', 'valid', '-o', 'x.jsonl'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--split is for export internevo');
  });
});
