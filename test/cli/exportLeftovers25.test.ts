import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// New-user review 24 N12: a kill -9 of an export into D/train/en (standard input, --valid-records)
// left '.part-00000.PID.tmp.bin' (a name ending in .bin: InternEvo reads every .bin under
// train/) and the locks in train/en and valid/en; the next export, into train/cn, left them there
// for good. An export now settles a killed export's leftovers in the type folders of its root it
// does not write, what is provably the dead command's own (its temporaries, its lock, the shards
// its lock lists as begun), and says so; nothing else is touched.

let dir: string;
let r: Awaited<ReturnType<typeof runNode>>;
let killed: number;
const USER = 'the user\'s own file\n';

beforeAll(async () => {
  dir = await tempDir();
  const tok = await smallTokenizer();
  const en = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';
  await writeFile(join(dir, 'cn.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `这家店的外卖很好吃，第${i}次点了。` })).join('\n') + '\n');
  killed = await killHeldExport(dir, ['-t', tok, '-o', 'tk', '--valid-records', '5', '-q'], en, ['tk/train/en']);
  // A file of the user's put in train/en after the kill: not one the killed export began.
  await writeFile(join(dir, 'tk/train/en/part-00042.bin'), USER);
  // The lock of an older version (a PID only), killed: its shard file is not known to be its own;
  // in another folder only its temporary.
  await mkdir(join(dir, 'tk/train/code'));
  await writeFile(join(dir, 'tk/train/code/.corpus-clean.lock'), `${killed}\n`);
  await writeFile(join(dir, 'tk/train/code/part-00000.bin'), USER);
  await mkdir(join(dir, 'tk/train/ja'));
  await writeFile(join(dir, 'tk/train/ja/.corpus-clean.lock'), `${killed}\n`);
  await writeFile(join(dir, `tk/train/ja/.part-00000.${killed}.tmp.bin`), '');
  // Another command's folder under train/ (cat's: a killed one listing its JSONL shard; an older
  // version's PID-only lock beside a gzip shard): not the export's to settle, left as it is.
  await mkdir(join(dir, 'tk/train/foo'));
  await writeFile(join(dir, 'tk/train/foo/.corpus-clean.lock'), `${killed}\nshards=listed\nshard="part-00000.jsonl"\n`);
  await writeFile(join(dir, 'tk/train/foo/part-00000.jsonl'), USER);
  await mkdir(join(dir, 'tk/train/bar'));
  await writeFile(join(dir, 'tk/train/bar/.corpus-clean.lock'), `${killed}\n`);
  await writeFile(join(dir, 'tk/train/bar/part-00000.jsonl.gz'), USER);
  // A live holder's folder (this process): left alone.
  await mkdir(join(dir, 'tk/train/ar'));
  await writeFile(join(dir, 'tk/train/ar/.corpus-clean.lock'), `${process.pid}\n`);
  await writeFile(join(dir, `tk/train/ar/.part-00000.${killed}.tmp.bin`), '');
  r = await runNode([CLI, 'export', 'internevo', 'cn.jsonl', '--type', 'cn', '-t', tok, '-o', 'tk', '--valid-records', '5', '-q'], { cwd: dir });
}, 300_000);

describe('an export into D after a kill -9 of one into another type folder of D (N12)', () => {
  it('removes the killed export\'s temporary and locks in train/en and valid/en, and valid/en left empty; says so', async () => {
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(dir, 'tk/train/en'))).toEqual(['part-00042.bin']);
    expect(existsSync(join(dir, 'tk/valid/en'))).toBe(false);
    expect(r.stderr).toContain(`note: 'tk/train/en', a type folder this export does not write, held what an export killed while writing it (PID ${killed}) left there: removed its temporary '.part-00000.${killed}.tmp.bin' and its lock`);
    expect(r.stderr).toContain(`note: 'tk/valid/en', a type folder this export does not write, held what an export killed while writing it (PID ${killed}) left there: removed its lock and the folder, left empty`);
  });

  it('keeps the user\'s file, an older lock\'s shard file (said), a live export\'s folder and other commands\' folders', async () => {
    expect(await readFile(join(dir, 'tk/train/en/part-00042.bin'), 'utf8')).toBe(USER);
    expect((await readdir(join(dir, 'tk/train/code'))).sort()).toEqual(['.corpus-clean.lock', 'part-00000.bin']);
    expect(r.stderr).toContain(`'tk/train/code', a type folder this export does not write, holds 1 shard file beside the lock of an export killed while writing it (PID ${killed}), whose lock does not list the shards it put in place: they may be unfinished`);
    expect(existsSync(join(dir, 'tk/train/ja'))).toBe(false);
    expect((await readdir(join(dir, 'tk/train/ar'))).sort()).toEqual([`.corpus-clean.lock`, `.part-00000.${killed}.tmp.bin`]);
    expect(r.stderr).not.toContain('tk/train/ar');
    expect((await readdir(join(dir, 'tk/train/foo'))).sort()).toEqual(['.corpus-clean.lock', 'part-00000.jsonl']);
    expect((await readdir(join(dir, 'tk/train/bar'))).sort()).toEqual(['.corpus-clean.lock', 'part-00000.jsonl.gz']);
    expect(r.stderr).not.toMatch(/tk\/train\/(foo|bar)/);
  });
});
