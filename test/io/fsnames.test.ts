import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsPath, nameFromBytes, showPath } from '../../src/core/fsname.js';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #10 (I3): files whose names are not UTF-8 are read, and named without loss: U+DCNN for
// each byte NN that does not decode (JSON shows `\udcNN`), `\xNN` in messages.

const bytesName = (...parts: (string | number)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from([p]))));

describe('file names that are not UTF-8', () => {
  it('nameFromBytes and fsPath give back every byte string, and UTF-8 names unchanged', () => {
    expect(nameFromBytes(Buffer.from('café/数据.jsonl'))).toBe('café/数据.jsonl');
    expect(fsPath('café/数据.jsonl')).toBe('café/数据.jsonl');
    expect(nameFromBytes(Buffer.from('a\uFFFDb'))).toBe('a\uFFFDb');
    const latin = bytesName('caf', 0xe9, '.jsonl');
    expect(nameFromBytes(latin)).toBe('caf\udce9.jsonl');
    expect(showPath(nameFromBytes(latin))).toBe('caf\\xe9.jsonl');
    // A surrogate pair (an emoji) is not an escaped byte.
    expect(fsPath('😀')).toBe('😀');
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.alloc(1 + (n % 9));
      for (let i = 0; i < b.length; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      const name = nameFromBytes(b);
      expect(Buffer.from(fsPath(name)).equals(b), b.toString('hex')).toBe(true);
    }
    // Different bytes give different names (no two files share one).
    expect(nameFromBytes(bytesName('caf', 0xe8))).not.toBe(nameFromBytes(bytesName('caf', 0xe9)));
  });

  it('cat, a stage command, a glob and a typed name read them; rejects and stats name them losslessly; run reads them too', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'in');
    await mkdir(sub);
    await writeFile(join(sub, 'ok.jsonl'), '{"text":"a"}\n');
    await writeFile(bytesName(`${sub}/caf`, 0xe9, '.jsonl'), '{"text":"b"}\n');
    await writeFile(bytesName(`${sub}/caf`, 0xe8, '.jsonl'), '{"text":"c"}\n{"text":"x","text":"y"}\n');
    // A folder whose own name is not UTF-8, holding a text file.
    await mkdir(bytesName(`${sub}/d`, 0xff));
    await writeFile(bytesName(`${sub}/d`, 0xff, '/t.txt'), 'plain text file');
    const rej = join(dir, 'rej.jsonl');
    const stats = join(dir, 'stats.json');
    const r = await runCli(['cat', sub, '--rejects', rej, '--stats', stats, '--max-reject-rate', '1']);
    expect(r.stderr).not.toMatch(/ENOENT|not valid UTF-8/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).text)).toEqual(['c', 'b', 'plain text file', 'a']);
    // Stderr names the bytes as \xNN.
    expect(r.stderr).toContain('in/caf\\xe8.jsonl: read 2 = written 1 + rejected 1');
    // The rejects file and the stats hold \udcNN escapes: plain ASCII JSON, the bytes recoverable.
    const rejText = await readFile(rej, 'utf8');
    expect(rejText).toContain('in/caf\\udce8.jsonl:2');
    const source = JSON.parse(rejText).source as string;
    expect(Buffer.from(fsPath(source.slice(0, source.lastIndexOf(':')))).equals(bytesName(`${sub}/caf`, 0xe8, '.jsonl'))).toBe(true);
    const st = JSON.parse(await readFile(stats, 'utf8')) as { perFile: Record<string, unknown>; inputs: string[] };
    expect(Object.keys(st.perFile)).toContain(`${sub}/d\udcff/t.txt`);
    expect(st.inputs).toContain(`${sub}/caf\udce9.jsonl`);

    // A stage command over the folder.
    const norm = await runCli(['normalize', sub, '--max-reject-rate', '1']);
    expect(norm.code).toBe(0);
    expect(norm.stdout.trim().split('\n')).toHaveLength(4);
    // A glob matching them.
    const glob = await runCli(['cat', `${sub}/caf*.jsonl`, '--max-reject-rate', '1']);
    expect(glob.code).toBe(0);
    expect(glob.stdout.trim().split('\n')).toHaveLength(2);
    // A typed name arrives with U+FFFD (Node reads argv as UTF-8): found when one file fits ...
    const typed = await runCli(['cat', join(sub, 'd\uFFFD', 't.txt')]);
    expect(typed.code).toBe(0);
    expect(JSON.parse(typed.stdout).text).toBe('plain text file');
    // ... and refused, naming the candidates, when several do.
    const two = await runCli(['cat', join(sub, 'caf\uFFFD.jsonl')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/not valid UTF-8 and could be any of .*caf\\xe8\.jsonl.*caf\\xe9\.jsonl/);
    // run plans and reads its tasks (threads, and per-file stats) by the same escaped names.
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    for (const w of ['1', '2']) {
      const out = join(dir, `out${w}`);
      const run = await runCli(['run', join(dir, 'r.yaml'), '-i', sub, '-o', out, '-w', w, '-q', '--max-reject-rate', '1']);
      expect(run.stderr).not.toMatch(/ENOENT|not UTF-8 yet/);
      expect(run.code).toBe(0);
      const back = await runCli(['cat', out, '-q']);
      expect(back.stdout.trim().split('\n').map((l) => JSON.parse(l).text).sort()).toEqual(['a', 'b', 'c', 'plain text file']);
      const rs = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as { perFile: Record<string, { read: number }> };
      expect(rs.perFile[`${sub}/caf\udce8.jsonl`].read).toBe(2);
    }
    await rm(dir, { recursive: true });
  });
});
