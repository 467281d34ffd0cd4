import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InternEvoWriter } from '../../src/export/internevo-writer.js';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// Hostile review 24 G4b: G4's journal (the lock of an output lists the shards its command begins,
// so that after a kill -9 only those are the killed command's) was not kept by export internevo's
// type folders: the next export took a user's part-00042.bin there for the killed export's
// unfinished shard and deleted it, without --overwrite, where the same export with no killed lock
// there refuses it ("already holds shards"). The export's writer now journals its shards in the
// type folder's lock as run's writers do.

let dir: string;
let tok: string;
const USER = 'the user\'s own file\n';
const records = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir();
  tok = await smallTokenizer();
  await writeFile(join(dir, 'in.jsonl'), records);
});

describe('export internevo killed with SIGKILL, then a user\'s part-00042.bin in its type folders (G4b)', () => {
  it('the killed export\'s lock lists the shards it began; the user\'s files are refused and kept; moved away, the export starts over', async () => {
    const args = ['-t', tok, '-o', 'yk', '--valid-fraction', '0.3', '-q'];
    await killHeldExport(dir, ['-', ...args], records, ['yk/train/en', 'yk/valid/en']);
    for (const side of ['train', 'valid']) {
      const lock = await readFile(join(dir, 'yk', side, 'en', '.corpus-clean.lock'), 'utf8');
      expect(lock).toContain('\nshards=listed\n');
      // Killed before its end, it had renamed no shard into place: it lists none (E-a, session 26).
      expect(lock).not.toContain('shard="');
      await writeFile(join(dir, 'yk', side, 'en', 'part-00042.bin'), USER);
    }
    const again = await runNode([CLI, 'export', 'internevo', 'in.jsonl', ...args], { cwd: dir });
    expect(again.code, again.stderr).toBe(2);
    expect(again.stderr).toContain('part-00042.bin');
    for (const side of ['train', 'valid']) {
      expect(await readFile(join(dir, 'yk', side, 'en', 'part-00042.bin'), 'utf8')).toBe(USER);
      // The killed export's temporary is removed all the same.
      expect((await readdir(join(dir, 'yk', side, 'en'))).filter((n) => n.includes('.tmp.'))).toEqual([]);
      await rename(join(dir, 'yk', side, 'en', 'part-00042.bin'), join(dir, `moved-${side}.bin`));
    }
    const after = await runNode([CLI, 'export', 'internevo', 'in.jsonl', ...args], { cwd: dir });
    expect(after.code, after.stderr).toBe(0);
    for (const side of ['train', 'valid']) expect((await readdir(join(dir, 'yk', side, 'en'))).filter((n) => n.endsWith('.bin')).sort()).toEqual(['part-00000.bin']);
  });

  it('the writer names each shard file (.bin.meta, then its .bin) to onShard just before renaming its temporary to it (E-a, session 26)', async () => {
    const out = join(dir, 'w');
    const seen: string[] = [];
    const writer = new InternEvoWriter({
      outDir: out,
      maxShardBytes: 40,
      onShard: (name) => {
        // Its temporary (.part-00000.PID.tmp.bin, .tmp.meta) is there; the final name is not yet.
        const stem = `.${basename(name).replace(/\.bin(\.meta)?$/, '')}.${process.pid}.tmp.${name.endsWith('.meta') ? 'meta' : 'bin'}`;
        seen.push(relative(out, name) + (existsSync(join(dirname(name), stem)) ? '' : ' (no temporary)') + (existsSync(name) ? ' (already there)' : ''));
      },
    });
    const doc = (i: number): never => ({ data: {}, attrs: { tokens: [1, 2, 3, i] }, source: `r${i}` }) as never;
    await writer.write([doc(1), doc(2), doc(3)]);
    // Nothing is named while the shards are only temporaries.
    expect(seen).toEqual([]);
    await writer.close();
    expect(seen).toEqual(['train/en/part-00000.bin.meta', 'train/en/part-00000.bin', 'train/en/part-00001.bin.meta', 'train/en/part-00001.bin', 'train/en/part-00002.bin.meta', 'train/en/part-00002.bin']);
  });
});
