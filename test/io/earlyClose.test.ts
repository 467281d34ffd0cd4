import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readFiles } from '../../src/io/readers/index.js';

const nop = (): void => {};
const events = { read: nop, reject: nop, file: nop, fileError: nop };
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('a reader left before the end of its input', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  // New-user review 10 #20: --limit and export's sniff of the first records left the file handle
  // to the garbage collector (Node's "Closing file descriptor N on garbage collection").
  it.runIf(process.platform === 'linux')('closes its file now, plain or gzip, not at garbage collection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-early-'));
    dirs.push(dir);
    const line = JSON.stringify({ text: 'a line of text that is long enough '.repeat(8) }) + '\n';
    const body = line.repeat(Math.ceil((3 << 20) / line.length));
    await writeFile(join(dir, 'a.jsonl'), body);
    await writeFile(join(dir, 'b.jsonl.gz'), gzipSync(body, { level: 1 }));
    const row = 'one,"a field of text that is long enough to fill the file quickly enough"\n';
    await writeFile(join(dir, 'c.csv'), 'id,text\n' + row.repeat(Math.ceil((3 << 20) / row.length)));
    await writeFile(join(dir, 'd.json'), '[' + body.trimEnd().split('\n').join(',') + ']');
    for (const name of ['a.jsonl', 'b.jsonl.gz', 'c.csv', 'd.json']) {
      const before = openFds();
      for await (const batch of readFiles([join(dir, name)]).read(events)) {
        expect(batch.length).toBeGreaterThan(0);
        break;
      }
      expect(openFds(), name).toBe(before);
    }
  });
});
