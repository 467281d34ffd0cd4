import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';
import { killHeldExport } from '../helpers/heldExport.js';

// New-user review 25 E-a: after a kill -9 of an export, the next export deleted a user's
// part-NNNNN.bin when the dead lock listed that name, though the killed export had only
// temporaries (its shards are renamed into place at its end): its lock journaled each shard as
// it was begun. It now journals each file just before renaming it into place, so a file the
// killed export never placed is the user's (refused without --overwrite, as any foreign shard).
// The sibling for other commands' folder outputs (G4, `cat -o DIR/`): a listed shard whose
// temporary of the dead PID is still there was never placed either.

let dir: string;
let tok: string;
let killed: number;
const USER = 'the user\'s own file\n';
const records = Array.from({ length: 60 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir();
  tok = await smallTokenizer();
  await writeFile(join(dir, 'en.jsonl'), records);
  await writeFile(join(dir, 'cn.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `这家店的外卖很好吃，第${i}次点了。` })).join('\n') + '\n');
  killed = await killHeldExport(dir, ['-', '-t', tok, '-o', 'tk', '--type', 'en', '--valid-fraction', '0.3', '-q'], records, ['tk/train/en', 'tk/valid/en']);
  // Copied in after the kill, under the name of the shard the killed export had begun.
  for (const side of ['train', 'valid']) await writeFile(join(dir, 'tk', side, 'en', 'part-00000.bin'), USER);
}, 300_000);

describe('a user\'s part-00000.bin beside the lock of an export killed before it placed any shard (E-a)', () => {
  it('the dead lock lists no shard: the killed export had put none in place', async () => {
    for (const side of ['train', 'valid']) {
      const lock = await readFile(join(dir, 'tk', side, 'en', '.corpus-clean.lock'), 'utf8');
      expect(lock).toMatch(new RegExp(`^${killed}\\n`));
      expect(lock).toContain('\nshards=listed\n');
      expect(lock).not.toContain('shard="');
    }
  });

  it('the export into the same folders refuses the user\'s files (exit 2) and keeps them', async () => {
    const r = await runNode([CLI, 'export', 'internevo', 'en.jsonl', '-t', tok, '-o', 'tk', '--type', 'en', '--valid-fraction', '0.3', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`'tk/train/en' holds a shard file ('part-00000.bin') that the export killed while writing it (PID ${killed}) did not put there`);
    for (const side of ['train', 'valid']) expect(await readFile(join(dir, 'tk', side, 'en', 'part-00000.bin'), 'utf8')).toBe(USER);
  });

  it('an export into another type folder keeps them too, and settles the killed export\'s lock (it had placed nothing)', async () => {
    const r = await runNode([CLI, 'export', 'internevo', 'cn.jsonl', '-t', tok, '-o', 'tk', '--type', 'cn', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    for (const side of ['train', 'valid']) {
      expect(await readdir(join(dir, 'tk', side, 'en'))).toEqual(['part-00000.bin']);
      expect(await readFile(join(dir, 'tk', side, 'en', 'part-00000.bin'), 'utf8')).toBe(USER);
    }
    expect(r.stderr).not.toContain('may be unfinished');
  });
});

/** `cat - -o OUT/ --shard-records 5` given `text` on a standard input kept open: SIGKILLed once its first shard's temporary is there. */
async function killHeldCat(cwd: string, out: string, text: string): Promise<number> {
  const p = spawn(process.execPath, [CLI, 'cat', '-', '-o', `${out}/`, '--shard-records', '1000', '-q'], { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  let closed = false;
  const gone = new Promise<void>((res) => p.on('close', () => res()));
  void gone.then(() => (closed = true));
  p.stdin.write(text);
  const temp = new RegExp(`^\\.part-00000\\.jsonl\\.tmp-${p.pid}-`);
  while (!(await readdir(join(cwd, out)).catch(() => [] as string[])).some((n) => temp.test(n))) {
    if (closed) throw new Error(`cat ended before it was killed: ${stderr}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  p.kill('SIGKILL');
  await gone;
  return p.pid!;
}

describe('the sibling in a folder output: cat -o DIR/ killed while its first shard was a temporary (G4)', () => {
  it('a user\'s part-00000.jsonl copied in after the kill is refused, not removed as the killed command\'s', async () => {
    const pid = await killHeldCat(dir, 'co', records);
    expect(await readFile(join(dir, 'co', '.corpus-clean.lock'), 'utf8')).toContain('shard="part-00000.jsonl"');
    await writeFile(join(dir, 'co', 'part-00000.jsonl'), USER);
    const r = await runNode([CLI, 'cat', 'en.jsonl', '-o', 'co/', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`nor does the lock of the command killed while writing here (PID ${pid})`);
    expect(await readFile(join(dir, 'co', 'part-00000.jsonl'), 'utf8')).toBe(USER);
    // Its temporary is removed all the same; moved away, the rerun writes the folder.
    expect((await readdir(join(dir, 'co'))).filter((n) => n.includes('.tmp-'))).toEqual([]);
    await writeFile(join(dir, 'moved.jsonl'), await readFile(join(dir, 'co', 'part-00000.jsonl')));
    await import('node:fs/promises').then((fs) => fs.rm(join(dir, 'co', 'part-00000.jsonl')));
    const again = await runNode([CLI, 'cat', 'en.jsonl', '-o', 'co/', '-q'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(dir, 'co', '_SUCCESS'))).toBe(true);
  });
});

describe('a killed export\'s lock listing a file it was about to rename (killed between the journal line and the rename)', () => {
  it('a listed name whose temporary of the dead PID is still there is not its own: the user\'s file there is refused and kept', async () => {
    // A PID that is gone: a process that ran and ended.
    const gonePid = await new Promise<number>((res) => {
      const p = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
      p.on('close', () => res(p.pid!));
    });
    const td = join(dir, 'tw', 'train', 'en');
    await import('node:fs/promises').then((fs) => fs.mkdir(td, { recursive: true }));
    // Journaled part-00000.bin.meta (renamed: its temporary gone) and part-00000.bin (not yet: its temporary there).
    await writeFile(join(td, '.corpus-clean.lock'), `${gonePid}\nshards=listed\nshard="part-00000.bin.meta"\nshard="part-00000.bin"\n`);
    await writeFile(join(td, `.part-00000.${gonePid}.tmp.bin`), '');
    await writeFile(join(td, 'part-00000.bin.meta'), 'its meta\n');
    await writeFile(join(td, 'part-00000.bin'), USER);
    const r = await runNode([CLI, 'export', 'internevo', 'en.jsonl', '-t', tok, '-o', 'tw', '--type', 'en', '-q'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`holds a shard file ('part-00000.bin') that the export killed while writing it (PID ${gonePid}) did not put there`);
    expect(await readFile(join(td, 'part-00000.bin'), 'utf8')).toBe(USER);
  });
});
