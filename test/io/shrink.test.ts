import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDecoded } from '../../src/io/decode.js';
import { InputDamage } from '../../src/io/ioFailure.js';
import { runCli, tempDir } from '../helpers/run.js';

describe('an input cut while it is read (hostile review 3 H2, cat)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('a file that shrinks between its first chunk and its end is named damage, not a quiet early end', async () => {
    const p = join(dir, 'big.jsonl');
    const line = JSON.stringify({ text: 'a line of text that repeats '.repeat(4) }) + '\n';
    await writeFile(p, line.repeat(Math.ceil((8 << 20) / line.length)));
    let got = 0;
    let err: unknown;
    try {
      for await (const b of openDecoded(p)) {
        if (got === 0) await truncate(p, 2 << 20);
        got += b.length;
      }
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputDamage);
    expect((err as Error).message).toMatch(/the file shrank while it was read \(\d+ bytes when it was opened, \d+ now; cut or rewritten by something else\?\): its bytes from byte \d+ on may mix two versions and were not read/);
    expect(got).toBeLessThan(8 << 20);
  });

  it('a whole file reads as before (no false alarm), through cat', async () => {
    const p = join(dir, 'ok.jsonl');
    const line = JSON.stringify({ text: 'another line of text' }) + '\n';
    await writeFile(p, line.repeat(Math.ceil((3 << 20) / line.length)));
    const out = join(dir, 'ok.out.jsonl');
    const r = await runCli(['cat', p, '-o', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(out, 'utf8')).toBe(await readFile(p, 'utf8'));
  });
});
