import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

type Result = Awaited<ReturnType<typeof runCli>>;
const samples = async (bin: string): Promise<string[]> => (existsSync(bin) ? (await readFile(bin, 'utf8')).split('\n').slice(0, -1) : []);

// New-user review 24 N6: `export internevo ... --overwrite` without a hold-out, into a DIR whose
// valid/ holds an earlier --valid-fraction export's hold-out, replaced train/ and left valid/: every
// held-out sample was in train/ too, exit 0, silently. The --overwrite export replaces the whole
// export it overwrites: the marked hold-out goes with it; a user's file there refuses it; a valid/
// written on its own (--split valid, another input) is not touched.
describe('export internevo --overwrite over an earlier hold-out (N6)', () => {
  const d = { path: '' };
  const r: Record<string, Result> = {};
  const ex = (...a: string[]): string[] => ['export', 'internevo', '--tokenizer', TOKENIZER_MODEL, '--type', 'en', ...a];

  beforeAll(async () => {
    d.path = await tempDir();
    const jsonl = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${tag} record ${i}: a fox number ${i} jumps over ${i * 3} dogs.` })).join('\n') + '\n';
    await writeFile(join(d.path, 'in.jsonl'), jsonl(60, 'Train'));
    await writeFile(join(d.path, 'val.jsonl'), jsonl(10, 'Valid'));
    const run = async (k: string, a: string[]): Promise<void> => {
      r[k] = await runCli(a, { cwd: d.path });
    };
    // a: hold-out, then the same input again with --overwrite and no hold-out.
    await run('a1', ex('in.jsonl', '-o', 'a', '--valid-fraction', '0.25'));
    await run('a2', ex('in.jsonl', '-o', 'a', '--overwrite'));
    // b: as a, with a file of the user's put in the hold-out folder: refused, nothing changed.
    await run('b1', ex('in.jsonl', '-o', 'b', '--valid-fraction', '0.25'));
    await writeFile(join(d.path, 'b/valid/en/notes.txt'), 'mine\n');
    await run('b2', ex('in.jsonl', '-o', 'b', '--overwrite'));
    // c: a validation set of another input (--split valid), then train/ twice: valid/ stays.
    await run('c1', ex('val.jsonl', '-o', 'c', '--split', 'valid'));
    await run('c2', ex('in.jsonl', '-o', 'c'));
    await run('c3', ex('in.jsonl', '-o', 'c', '--overwrite'));
    // e: a hold-out replaced by --split valid --overwrite (no hold-out any more), then train/ --overwrite: valid/ stays.
    await run('e1', ex('in.jsonl', '-o', 'e', '--valid-fraction', '0.25'));
    await run('e2', ex('val.jsonl', '-o', 'e', '--split', 'valid', '--overwrite'));
    await run('e3', ex('in.jsonl', '-o', 'e', '--overwrite'));
  }, 300_000);

  it('removes the earlier hold-out once train/ is replaced, and says so', async () => {
    for (const k of ['a1', 'a2']) expect(r[k].code, r[k].stderr).toBe(0);
    const held = r.a1.stderr.match(/(\d+) of 60 samples held out/);
    expect(held, r.a1.stderr).not.toBeNull();
    expect(Number(held![1])).toBeGreaterThan(0);
    expect(await samples(join(d.path, 'a/train/en/part-00000.bin'))).toHaveLength(60);
    expect(existsSync(join(d.path, 'a/valid')), (await readdir(join(d.path, 'a'))).join(' ')).toBe(false);
    expect(r.a2.stderr).toMatch(/note: removed a\/valid\/en\/, the hold-out of the earlier export this one replaced/);
  });

  it('refuses, changing nothing, when the hold-out folder holds a file corpus-clean did not write', async () => {
    expect(r.b1.code, r.b1.stderr).toBe(0);
    expect(r.b2.code, r.b2.stderr).toBe(2);
    expect(r.b2.stderr).toMatch(/b\/valid\/en\/ also holds what corpus-clean did not write there: 'b\/valid\/en\/notes.txt'; remove b\/valid\/en\/ yourself, or add --valid-fraction/);
    expect(await readFile(join(d.path, 'b/valid/en/notes.txt'), 'utf8')).toBe('mine\n');
    const train = await samples(join(d.path, 'b/train/en/part-00000.bin'));
    const valid = await samples(join(d.path, 'b/valid/en/part-00000.bin'));
    expect(train.length + valid.length).toBe(60);
    expect(valid.length).toBeGreaterThan(0);
  });

  it('leaves a validation set written on its own (--split valid) as it is', async () => {
    for (const k of ['c1', 'c2', 'c3', 'e1', 'e2', 'e3']) expect(r[k].code, `${k}: ${r[k].stderr}`).toBe(0);
    expect(await samples(join(d.path, 'c/valid/en/part-00000.bin'))).toHaveLength(10);
    expect(await samples(join(d.path, 'e/valid/en/part-00000.bin'))).toHaveLength(10);
    expect(await samples(join(d.path, 'e/train/en/part-00000.bin'))).toHaveLength(60);
    for (const k of ['c3', 'e3']) expect(r[k].stderr).not.toMatch(/removed/);
  });
});
