import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

/** Every file under `dir`, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

// New-user review 19 F3: `export internevo -o DIR/train/en` wrote DIR/train/en/train/en/ (with
// --type by-lang DIR/train/en/train/cn/ too): a train/ tree inside the folder the user named,
// which InternEvo pointed at DIR/train reads as type 'en' holding 'train/cn' paths.
describe('export internevo -o naming a train/ or train/TYPE/ folder', () => {
  it('writes the shards into the folder named, and refuses a --type that contradicts it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello world this is english"}\n{"text":"这是中文的句子，很好。"}\n');
    const ex = (...a: string[]) => runCli(['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '-q', ...a], { cwd: dir });
    let r = await ex('-o', 'd/train/en');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'd'))).toEqual(['train/en/part-00000.bin', 'train/en/part-00000.bin.meta']);
    expect(r.stderr).toContain('d/train/en/: 2 samples');
    r = await ex('-o', 'e/train/', '--type', 'by-lang');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'e'))).toEqual(['train/cn/part-00000.bin', 'train/cn/part-00000.bin.meta', 'train/en/part-00000.bin', 'train/en/part-00000.bin.meta']);
    r = await ex('-o', 'f/train/code', '--type', 'code');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'f'))).toEqual(['train/code/part-00000.bin', 'train/code/part-00000.bin.meta']);
    // A type folder named and another --type, or by-lang: refused before anything is made.
    r = await ex('-o', 'g/train/en', '--type', 'by-lang');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--type by-lang writes two (train/cn/ and train/en/): give the output root, -o 'g'");
    r = await ex('-o', 'g/train/en', '--type', 'cn');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("give -o 'g/train/cn', or the output root -o 'g' with --type");
    expect(existsSync(join(dir, 'g'))).toBe(false);
    // A folder in train/ named like no type stays the root, said in a note.
    r = await ex('-o', 'h/train/mine', '--type', 'en');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("note: -o 'h/train/mine' is taken as the output root, the shards go to 'h/train/mine/train/en/'; to write the type folder 'h/train/mine/' itself, add --type mine");
    expect(await files(join(dir, 'h'))).toEqual(['train/mine/train/en/part-00000.bin', 'train/mine/train/en/part-00000.bin.meta']);
    // A root of another name: as before.
    r = await ex('-o', 'tok', '--type', 'en');
    expect(r.code, r.stderr).toBe(0);
    expect(await files(join(dir, 'tok'))).toEqual(['train/en/part-00000.bin', 'train/en/part-00000.bin.meta']);
    await rm(dir, { recursive: true, force: true });
  });
});
