import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// review-newuser5 #14: a GBK/GB18030 file got `invalid_utf8` on every line and no word about its
// encoding. The end of the run now names the charset the bytes read in and the iconv command.
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The `<p>` paragraphs of a charset fixture, as their raw bytes (GBK or Big5: ASCII-compatible). */
async function paragraphs(name: string): Promise<Buffer[]> {
  const b = await readFile(join(ROOT, 'fixtures/charset', name));
  const out: Buffer[] = [];
  for (let at = b.indexOf('<p>'); at !== -1; at = b.indexOf('<p>', at + 3)) out.push(b.subarray(at + 3, b.indexOf('</p>', at)));
  return out;
}

const jsonl = (texts: Buffer[]): Buffer => Buffer.concat(texts.flatMap((t) => [Buffer.from('{"text":"'), t, Buffer.from('"}\n')]));

describe('a file in a legacy charset is named, with the command that converts it', { timeout: 120_000 }, () => {
  it('GBK JSON Lines: the note names GB18030 and the iconv command, which makes it readable', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const gbk = await paragraphs('cn-gbk.html');
    expect(gbk).toHaveLength(3);
    await writeFile(join(dir, 'gbk.jsonl'), jsonl(gbk));
    const r = await runCli(['cat', 'gbk.jsonl', '-o', 'out.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('read 3 = written 0 + rejected 3 [read/invalid_utf8 3]');
    expect(r.stderr).toContain(
      'note: gbk.jsonl is not UTF-8 (3 of its 3 records are invalid_utf8): its bytes read as GB18030 (Chinese: GBK, GB2312) text; corpus-clean reads UTF-8 only: convert it first, e.g. iconv -f GB18030 -t UTF-8 gbk.jsonl > gbk.utf8.jsonl',
    );
    // What iconv would do, with the named charset: the file then reads whole.
    const utf8 = new TextDecoder('gb18030').decode(await readFile(join(dir, 'gbk.jsonl')));
    await writeFile(join(dir, 'gbk.utf8.jsonl'), utf8);
    const ok = await runCli(['cat', 'gbk.utf8.jsonl'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toContain('read 3 = written 3 + rejected 0');
    expect(ok.stdout).toContain('Debian');
  });

  it('a Big5 CSV, GBK on stdin, and a GBK file among UTF-8 ones (a per-file warning too)', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const big5 = await paragraphs('tw-big5.html');
    await writeFile(join(dir, 'tw.csv'), Buffer.concat([Buffer.from('id,text\n'), ...big5.flatMap((t, i) => [Buffer.from(`${i},"`), t, Buffer.from('"\n')])]));
    const csv = await runCli(['cat', 'tw.csv'], { cwd: dir });
    expect(csv.stderr).toMatch(/note: tw\.csv is not UTF-8 .*: its bytes read as Big5 \(Traditional Chinese\) text; .*iconv -f BIG5 -t UTF-8 tw\.csv > tw\.utf8\.csv/);
    const gbk = jsonl(await paragraphs('cn-gbk.html'));
    const stdin = await runCli(['cat'], { input: gbk, cwd: dir });
    expect(stdin.stderr).toContain("note: stdin is not UTF-8 (3 of its 3 records are invalid_utf8): its bytes read as GB18030 (Chinese: GBK, GB2312) text; corpus-clean reads UTF-8 only: put 'iconv -f GB18030 -t UTF-8' in the pipe before corpus-clean");
    await writeFile(join(dir, 'a.jsonl'), gbk);
    await writeFile(join(dir, 'b.jsonl'), '{"text":"plain UTF-8 text"}\n');
    const two = await runCli(['cat', 'a.jsonl', 'b.jsonl'], { cwd: dir });
    expect(two.stderr).toContain('warning: a.jsonl: none of its 3 records was written; 3 (100 %) rejected as read/invalid_utf8: the file is not UTF-8: its bytes read as GB18030 (Chinese: GBK, GB2312) text; convert it to UTF-8 first (iconv -f GB18030 -t UTF-8)');
    expect(two.stderr).toMatch(/note: a\.jsonl is not UTF-8/);
  });

  it('no charset is claimed for a UTF-8 file with a few stray bytes, or for bytes that read as nothing', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const lines = Array.from({ length: 10 }, (_, i) => Buffer.from(`{"text":"line ${i} of plain text"}\n`));
    lines.push(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x00, 0xc3, 0x22, 0x7d, 0x0a]));
    await writeFile(join(dir, 'mostly.jsonl'), Buffer.concat(lines));
    const r = await runCli(['cat', 'mostly.jsonl'], { cwd: dir });
    expect(r.stderr).toContain('[read/invalid_utf8 1]');
    expect(r.stderr).not.toMatch(/is not UTF-8|iconv/);
    await writeFile(join(dir, 'noise.jsonl'), Buffer.from([0x80, 0xfd, 0xff, 0x0a, 0xc0, 0xc1, 0xf5, 0x0a]));
    const n = await runCli(['cat', 'noise.jsonl'], { cwd: dir });
    expect(n.stderr).toContain('[read/invalid_utf8 2]');
    expect(n.stderr).not.toMatch(/iconv/);
  });
});
