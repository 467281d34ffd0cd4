import { existsSync } from 'node:fs';
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// Hostile review 25 F1: after a kill -9 of an export into D/train/en, the user cleared the folder
// (`rm D/train/en/*` leaves the dot-files: the dead lock, whose journal lists the shards it began)
// and put back shards of their own under those names; an export into D/train/cn then removed the
// restored files the dead lock listed, as the killed export's. In a folder it does not write, an
// export now removes only the killed export's temporaries, and keeps final-named shards and the lock.

let dir: string;
let r: Awaited<ReturnType<typeof runNode>>;
let killed: number;
const USER = 'the user\'s own shard\n';

beforeAll(async () => {
  dir = await tempDir();
  const tok = await smallTokenizer();
  const en = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';
  await writeFile(join(dir, 'cn.jsonl'), Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `这家店的外卖很好吃，第${i}次点了。` })).join('\n') + '\n');
  killed = await killHeldExport(dir, ['-t', tok, '-o', 'tk', '--type', 'en', '-q'], en, ['tk/train/en']);
  // The dead lock lists part-00000.bin as renamed into place (as if killed while it published: since
  // E-a of session 26 a shard is journaled as it is renamed, not begun).
  await appendFile(join(dir, 'tk/train/en/.corpus-clean.lock'), 'shard="part-00000.bin"\nshard="part-00000.bin.meta"\n');
  // Renamed into place: its temporary is gone (a listed name whose temporary is there was not placed).
  await rm(join(dir, `tk/train/en/.part-00000.${killed}.tmp.bin`));
  // The user's restore: part-00000.bin is a name the dead lock lists; part-00001.bin is not.
  for (const f of ['part-00000.bin', 'part-00000.bin.meta', 'part-00001.bin', 'part-00001.bin.meta']) await writeFile(join(dir, 'tk/train/en', f), USER);
  r = await runNode([CLI, 'export', 'internevo', 'cn.jsonl', '--type', 'cn', '-t', tok, '-o', 'tk', '-q'], { cwd: dir });
}, 300_000);

describe('an export into D/train/cn beside train/en, killed and then restored by the user (F1)', () => {
  it('keeps every restored shard file and the dead lock, says they may be unfinished', async () => {
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(join(dir, 'tk/train/en/.corpus-clean.lock'), 'utf8')).toContain('shard="part-00000.bin"');
    expect((await readdir(join(dir, 'tk/train/en'))).sort()).toEqual(['.corpus-clean.lock', 'part-00000.bin', 'part-00000.bin.meta', 'part-00001.bin', 'part-00001.bin.meta']);
    for (const f of ['part-00000.bin', 'part-00001.bin']) expect(await readFile(join(dir, 'tk/train/en', f), 'utf8')).toBe(USER);
    expect(r.stderr).toContain(`note: 'tk/train/en', a type folder this export does not write, holds`);
    expect(r.stderr).toContain(`beside the lock of an export killed while writing it (PID ${killed}), named as`);
    expect(r.stderr).toContain(`it had put in place: they may be unfinished; export into it again (it starts over), or remove them`);
    expect(existsSync(join(dir, 'tk/train/cn/part-00000.bin'))).toBe(true);
  });
});
