import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// Hostile review 25 F1b: after a kill -9 of an export into D/train/en and the user's restore of
// shards into it (the dead lock kept: `rm D/train/en/*` leaves the dot-files), the next export
// into D/train/en removed the files the dead lock listed, THEN refused the others (exit 2, a usage
// error that had deleted half the folder). It now decides first: refused, nothing removed.

let dir: string;
let tok: string;
let r: Awaited<ReturnType<typeof runNode>>;
let killed: number;
const USER = 'the user\'s own shard\n';
const RESTORED = ['part-00000.bin', 'part-00001.bin', 'part-00001.bin.meta'];

beforeAll(async () => {
  dir = await tempDir();
  tok = await smallTokenizer();
  const en = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';
  await writeFile(join(dir, 'en.jsonl'), en);
  killed = await killHeldExport(dir, ['-t', tok, '-o', 'tk', '--type', 'en', '-q'], en, ['tk/train/en']);
  // The dead lock lists part-00000.bin as renamed into place (as if killed while it published: since
  // E-a of session 26 a shard is journaled as it is renamed, not begun); part-00001.bin it does not.
  await appendFile(join(dir, 'tk/train/en/.corpus-clean.lock'), 'shard="part-00000.bin"\n');
  // Renamed into place: its temporary is gone (a listed name whose temporary is there was not placed).
  await rm(join(dir, `tk/train/en/.part-00000.${killed}.tmp.bin`));
  for (const f of RESTORED) await writeFile(join(dir, 'tk/train/en', f), USER);
  r = await runNode([CLI, 'export', 'internevo', 'en.jsonl', '--type', 'en', '-t', tok, '-o', 'tk', '-q'], { cwd: dir });
}, 300_000);

describe('an export into a type folder holding a killed export\'s lock and files it did not begin (F1b)', () => {
  it('refuses with exit 2 before removing anything: every restored file and the dead lock kept, only its temporary removed', async () => {
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`'tk/train/en' holds 2 shard files ('part-00001.bin', 'part-00001.bin.meta') that the export killed while writing it (PID ${killed}) did not put there`);
    expect(r.stderr).toContain('nothing but its temporaries was removed');
    const names = (await readdir(join(dir, 'tk/train/en'))).sort();
    expect(names).toEqual(['.corpus-clean.lock', ...RESTORED]);
    for (const f of RESTORED) expect(await readFile(join(dir, 'tk/train/en', f), 'utf8')).toBe(USER);
    expect(await readFile(join(dir, 'tk/train/en/.corpus-clean.lock'), 'utf8')).toMatch(new RegExp(`^${killed}\\n`));
  });

  it('with the unlisted files moved away, the export settles the killed one\'s and writes the folder', async () => {
    for (const f of ['part-00001.bin', 'part-00001.bin.meta']) await import('node:fs/promises').then((fs) => fs.rm(join(dir, 'tk/train/en', f)));
    const again = await runNode([CLI, 'export', 'internevo', 'en.jsonl', '--type', 'en', '-t', tok, '-o', 'tk', '-q'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(dir, 'tk/train/en/part-00000.bin'), 'utf8')).not.toBe(USER);
  });
});
