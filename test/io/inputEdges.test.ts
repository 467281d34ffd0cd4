import { readFile, writeFile } from 'node:fs/promises';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { ReadEvents } from '../../src/core/pipeline.js';
import type { FileError } from '../../src/core/stats.js';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readChunks, readFiles } from '../../src/io/readers/index.js';
import { fixFor } from '../../src/cli/report.js';
import { chunked, CLI, drain, ROOT, tempDir } from '../helpers/run.js';

// Inputs that are valid but unusual, from hostile review 8 (issue #10): each is read whole, or
// what is not read is named.

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b;
}

/** `n` JSON Lines records whose texts compress poorly (so a file of them passes the read chunks). */
function records(n: number): Buffer {
  let x = 12345;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    let t = '';
    for (let j = 0; j < 40; j++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      t += (x % 100000).toString(36) + ' ';
    }
    lines.push(JSON.stringify({ id: i, text: t }));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

describe('gzip followed by zero bytes (F26)', () => {
  const plain = records(50);
  const gz = gzipSync(plain);
  const texts = (d: Awaited<ReturnType<typeof drain>>): number => d.docs.length;

  it('zero padding after the last member is read as gzip reads it: every record, no error (it hung: exit 13)', async () => {
    for (const pad of [1, 8, 5000]) {
      const padded = Buffer.concat([gz, Buffer.alloc(pad)]);
      for (const size of [padded.length, gz.length, 7]) {
        const d = await drain(readChunks('p.jsonl.gz', chunked(padded, size), 'jsonl'));
        expect([pad, size, texts(d), d.fileErrors]).toEqual([pad, size, 50, []]);
      }
    }
    const two = Buffer.concat([gz, gz, Buffer.alloc(3)]);
    const d = await drain(readChunks('p.jsonl.gz', once(two), 'jsonl'));
    expect([texts(d), d.fileErrors]).toEqual([100, []]);
  }, 20000);

  it('bytes after the padding are named as not read; the records before are kept', async () => {
    for (const tail of [Buffer.from('hello'), gz]) {
      const d = await drain(readChunks('p.jsonl.gz', once(Buffer.concat([gz, Buffer.alloc(4), tail])), 'jsonl'));
      expect(texts(d)).toBe(50);
      expect(d.fileErrors).toHaveLength(1);
      expect(d.fileErrors[0].message).toMatch(new RegExp(`bytes from byte ${gz.length + 4} on .* are not read`));
    }
  }, 20000);

  it('a padded file read from disk, small and streamed (over a read chunk), and CSV', async () => {
    const dir = await tempDir();
    const big = records(20000);
    const bigGz = gzipSync(big);
    expect(bigGz.length).toBeGreaterThan(1 << 20);
    await writeFile(join(dir, 'a.jsonl.gz'), Buffer.concat([gz, Buffer.alloc(512)]));
    await writeFile(join(dir, 'b.jsonl.gz'), Buffer.concat([bigGz, Buffer.alloc(10240)]));
    await writeFile(join(dir, 'c.csv.gz'), Buffer.concat([gzipSync('id,text\n1,a\n2,b\n'), Buffer.alloc(20)]));
    const d = await drain(readFiles(['a.jsonl.gz', 'b.jsonl.gz', 'c.csv.gz'].map((f) => join(dir, f))));
    expect([texts(d), d.fileErrors]).toEqual([20052, []]);
  }, 30000);
});

describe('a .warc.gz followed by zero bytes (F26, WARC reader)', () => {
  it('is read whole, from a file and from a stream; bytes after the zeros are still damage', async () => {
    const warc = await readFile(join(ROOT, 'fixtures/warc/dolma-slice.warc.gz'));
    const dir = await tempDir();
    const file = join(dir, 'p.warc.gz');
    await writeFile(file, Buffer.concat([warc, Buffer.alloc(512)]));
    const want = (await drain(readChunks('w.warc.gz', once(warc), 'warc'))).docs.length;
    expect(want).toBeGreaterThan(0);
    const fromFile = await drain(readFiles([file]));
    const fromStream = await drain(readChunks('w.warc.gz', chunked(Buffer.concat([warc, Buffer.alloc(512)]), 100), 'warc'));
    const garbage = await drain(readChunks('w.warc.gz', once(Buffer.concat([warc, Buffer.alloc(100), Buffer.from('x')])), 'warc'));
    expect([fromFile.docs.length, fromFile.fileErrors, fromStream.docs.length, fromStream.fileErrors, garbage.docs.length, garbage.fileErrors.length]).toEqual([want, [], want, [], want, 1]);
  });
});

describe('JSON arrays back to back (F42)', () => {
  const read = (text: string, size: number, maxRawChars?: number) => drain(readChunks('all.json', chunked(Buffer.from(text), size), 'json', maxRawChars === undefined ? {} : { maxRawChars }));

  it('a second (and third, empty) array is read on, its elements numbered on', async () => {
    for (const size of [1, 5, 1 << 20]) {
      const d = await read('[{"text":"a"},{"text":"b"}]\n[]\n[{"text":"c"},\n {"text":"d"}][ ]', size);
      expect(d.docs.map((x) => [x.data.text, x.source])).toEqual([
        ['a', 'all.json:[0]'],
        ['b', 'all.json:[1]'],
        ['c', 'all.json:[2]'],
        ['d', 'all.json:[3]'],
      ]);
      expect([d.rejects, d.fileErrors, d.read]).toEqual([[], [], 4]);
    }
  });

  it('data after the array that is no array is one damaged_input reject holding it, with its size', async () => {
    const tail = '{"text":"e"}\n{"text":"f"}\n';
    for (const size of [3, 1 << 20]) {
      const d = await read(`[{"text":"a"}]\n${tail}`, size);
      expect(d.docs.map((x) => x.data.text)).toEqual(['a']);
      expect(d.rejects).toMatchObject([{ reason: 'damaged_input', source: 'all.json:[1]', raw: tail, detail: { bytes: tail.length } }]);
      expect(d.fileErrors).toMatchObject([{ rejected: true }]);
      expect(d.fileErrors[0].message).toMatch(/unexpected data after the array at byte 15/);
      expect(d.read).toBe(2);
      const cut = await read(`[{"text":"a"}]${'é'.repeat(20)}`, size, 9);
      expect(cut.rejects).toMatchObject([{ reason: 'damaged_input', raw: 'éééé', detail: { bytes: 40, raw_truncated: true } }]);
    }
  });
});

describe('zstd skippable frames (F27)', () => {
  const skippable = (n: number, content = Buffer.alloc(n, 7), magic = 0x184d2a50): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(magic, 0);
    h.writeUInt32LE(n, 4);
    return Buffer.concat([h, content]);
  };

  it('a .zst that begins with a skippable frame (what pzstd writes) is zstd, and skippable frames anywhere are skipped', async () => {
    const zst = await readFile(join(ROOT, 'fixtures/damaged/records.jsonl.zst'));
    const want = (await readFile(join(ROOT, 'fixtures/damaged/records.jsonl'))).toString().trimEnd().split('\n').length;
    const files = [
      Buffer.concat([skippable(4), zst]),
      Buffer.concat([skippable(0, undefined, 0x184d2a5f), zst, skippable(3), zst, skippable(10)]),
    ];
    for (const [i, f] of files.entries()) {
      for (const size of [f.length, 5]) {
        const d = await drain(readChunks('pz.jsonl.zst', chunked(f, size), 'jsonl'));
        expect([i, size, d.docs.length, d.rejects, d.fileErrors]).toEqual([i, size, want * (i + 1), [], []]);
      }
    }
    // From a file too (the name is no help: 'pz.jsonl'), and by `run`'s planner, which must not cut it into byte ranges.
    const dir = await tempDir();
    await writeFile(join(dir, 'pz.jsonl'), files[0]);
    const d = await drain(readFiles([join(dir, 'pz.jsonl')]));
    expect([d.docs.length, d.rejects, d.fileErrors]).toEqual([want, [], []]);
  });

  it('a skippable frame that declares more than the file holds is a cut file, not 4 GiB held in memory', async () => {
    const zst = await readFile(join(ROOT, 'fixtures/damaged/records.jsonl.zst'));
    const h = Buffer.alloc(8);
    h.writeUInt32LE(0x184d2a53, 0);
    h.writeUInt32LE(0xffffffff, 4);
    const d = await drain(readChunks('x.jsonl.zst', once(Buffer.concat([zst, h, Buffer.alloc(100)])), 'jsonl'));
    expect(d.docs.length).toBeGreaterThan(0);
    expect(d.fileErrors).toHaveLength(1);
    expect(d.fileErrors[0].message).toMatch(/inside a skippable frame at byte \d+ \(it declares 4294967295 bytes\)/);
  });
});

describe('an input rewritten in place while it is read (F33)', () => {
  /** Read `file`, calling `during` once after the first batch (the file is being read then). */
  async function readWhile(file: string, during: () => void): Promise<{ texts: string[]; rejects: string[]; errors: FileError[] }> {
    const out = { texts: [] as string[], rejects: [] as string[], errors: [] as FileError[] };
    const events: ReadEvents = { read() {}, reject: (r) => void out.rejects.push(r.reason), file() {}, fileError: (e) => void out.errors.push(e) };
    let first = true;
    for await (const batch of readFiles([file]).read(events)) {
      out.texts.push(...batch.map((d) => String(d.data.text)));
      if (first) during();
      first = false;
    }
    return out;
  }

  it('a rewrite of the same size (a shell >, same inode) is named as damage, exit 1; nothing of the new version is read', async () => {
    const dir = await tempDir();
    const old = records(15000);
    const now = Buffer.from(old.toString().replaceAll(' ', '_'));
    expect([old.length > 2 << 20, now.length]).toEqual([true, old.length]);
    for (const [name, bytes, rewrite] of [
      ['x.jsonl', old, now],
      ['x.jsonl.gz', gzipSync(old, { level: 0 }), gzipSync(now, { level: 0 })],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, bytes);
      // (A gzip's bytes wait for its CRC, at its end, up to this limit: records come out before the end only past it.)
      process.env.CORPUS_CLEAN_HOLD_UNCHECKED = String(1 << 20);
      const r = await readWhile(file, () => writeFileSync(file, rewrite)).finally(() => delete process.env.CORPUS_CLEAN_HOLD_UNCHECKED);
      expect(r.texts.length).toBeGreaterThan(0);
      expect(r.texts.length).toBeLessThan(15000);
      expect(r.texts.filter((t) => t.includes('_'))).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0].message).toMatch(/the file was changed while it was read \(modified at .*: its bytes from byte \d+ on may mix two versions and were not read/);
    }
    // Rewritten once it was read whole: no mix, no damage (commit 633de65's case).
    const file = join(dir, 'y.jsonl');
    await writeFile(file, old);
    let done = false;
    const events: ReadEvents = { read() {}, reject() {}, file() {}, fileError: () => void (done = true) };
    const it = readFiles([file]).read(events)[Symbol.asyncIterator]();
    let n = 0;
    for (let r = await it.next(); !r.done; r = await it.next()) n += r.value.length;
    writeFileSync(file, now);
    expect([n, done]).toEqual([15000, false]);
  }, 30000);

  /** A WARC response record whose page says `word` (Content-Lengths the same for every word of one length). */
  function warcPage(i: number, word: string): Buffer {
    const body = Buffer.from(`<html><head><title>p${i}</title></head><body><p>${word} ${i} ${'text '.repeat(200)}</p></body></html>`);
    const http = Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const head = `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/${i}\r\nWARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:${i}>\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ${http.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), http, Buffer.from('\r\n\r\n')]);
  }

  it('the WARC reader too (plain and .warc.gz): the same damage, nothing of the new version read (it mixed 1,534 old and 1,466 new pages, exit 0)', async () => {
    const dir = await tempDir();
    const warc = (word: string, gz: boolean): Buffer => Buffer.concat(Array.from({ length: gz ? 8000 : 3000 }, (_, i) => (gz ? gzipSync(warcPage(i, word)) : warcPage(i, word))));
    for (const gz of [false, true]) {
      const old = warc('OLDVERSION', gz);
      const now = warc('NEWVERSION', gz);
      expect(old.length).toBeGreaterThan(2 << 19);
      const file = join(dir, gz ? 'x.warc.gz' : 'x.warc');
      await writeFile(file, old);
      const r = await readWhile(file, () => writeFileSync(file, now));
      expect(r.texts.length).toBeGreaterThan(0);
      expect(r.texts.length).toBeLessThan(gz ? 8000 : 3000);
      expect(r.texts.filter((t) => t.includes('NEWVERSION'))).toEqual([]);
      expect(r.rejects).toEqual([]);
      expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/the file (was changed|shrank) while it was read \(.*: its bytes from byte \d+ on may mix two versions and were not read; read it again once it is complete$/)]);
      expect(r.errors[0].recordsBefore).toBeGreaterThanOrEqual(r.texts.length);
    }
  }, 60000);

  it('the Parquet reader too: the rows read after the change are not handed on (it read 10,000 old and 50,000 new rows)', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const dir = await tempDir();
    // Uncompressed and the same length: the new file's row groups sit where the old footer says.
    const parquet = (word: string): Buffer => Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'text', data: Array.from({ length: 20000 }, (_, i) => `${word} ${i}`), type: 'STRING' }], rowGroupSize: 2000, codec: 'UNCOMPRESSED' }));
    const old = parquet('OLDVERSION');
    const now = parquet('NEWVERSION');
    expect(now.length).toBe(old.length);
    const file = join(dir, 'x.parquet');
    await writeFile(file, old);
    // The same size: the modification time tells the rewrite.
    const r = await readWhile(file, () => writeFileSync(file, now));
    expect(r.texts.length).toBeGreaterThan(0);
    expect(r.texts.length).toBeLessThan(20000);
    expect(r.texts.filter((t) => t.includes('NEWVERSION'))).toEqual([]);
    expect(r.rejects).toEqual([]);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^the file was changed while it was read \(modified at .*: its bytes from byte \d+ on may mix two versions and were not read; read it again once it is complete$/)]);
    expect(r.errors[0].recordsBefore).toBe(r.texts.length);
  }, 60000);
});

describe('what counts as bad input for --max-reject-rate', () => {
  it("a WARC's non-HTML responses and redirects are rejects but not bad input; damaged records are (new-user review 10 #1)", async () => {
    const { badInput } = await import('../../src/cli/report.js');
    const { emptyRunStats } = await import('../../src/core/stats.js');
    const s = emptyRunStats([]);
    s.input.dropped = { warc_not_html: 4, warc_http_status: 1, extract_empty: 2, warc_damaged: 1, json_parse: 2 };
    expect(badInput(s)).toBe(3);
  });
});

describe('a Parquet text column of bytes that are not UTF-8 (hostile review 9 F46)', () => {
  it('is an invalid_utf8 reject with the bytes as raw_base64, not base64 as training text; a side column stays base64', async () => {
    const { pipeline } = await import('../../src/core/pipeline.js');
    const file = join(ROOT, 'fixtures/parquet/blob-text.parquet');
    const written: unknown[] = [];
    const rejects: Record<string, unknown>[] = [];
    const stats = await pipeline({
      source: readFiles([file]),
      stages: [],
      requireText: true,
      sink: { write: (b) => void written.push(...b.map((d) => d.data)), close: async () => {}, abort: async () => {} },
      rejects: { push: (r) => void rejects.push(r as unknown as Record<string, unknown>), close: async () => {}, abort: async () => {} },
    });
    expect(written).toEqual([{ text: 'blob text', side: '//4=', id: 1 }]);
    expect(rejects).toMatchObject([{ stage: 'read', reason: 'invalid_utf8', source: `${file}:2`, raw_base64: Buffer.from('c4e3bac3cac0bde7', 'hex').toString('base64'), detail: { field: 'text' } }]);
    expect(stats.perFile[file].encodings).toEqual({ gb18030: 1 });
  });
});

describe('a file_too_large reject says its raw is cut (F41)', () => {
  it('raw_truncated and bytes_read beside the first 4,096 bytes, cut on a character', async () => {
    const text = 'a' + 'é'.repeat(3000);
    const d = await drain(readChunks('big.txt', chunked(Buffer.from(text), 1000), 'txt', { maxLineBytes: 5000 }));
    expect(d.rejects).toMatchObject([{ reason: 'file_too_large', raw: 'a' + 'é'.repeat(2047), detail: { limit: 5000, raw_truncated: true } }]);
    expect(d.rejects[0].detail!.bytes_read).toBeGreaterThan(5000);
  });
});

describe('CORPUS_CLEAN_HOLD_UNCHECKED (F28)', () => {
  it('a bad value is a usage error at the start (exit 2), not damage of each input; sizes are taken', async () => {
    const { holdLimit } = await import('../../src/io/holdback.js');
    const { UsageError } = await import('../../src/core/errors.js');
    const saved = process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
    try {
      process.env.CORPUS_CLEAN_HOLD_UNCHECKED = '64MiB';
      expect(holdLimit()).toBe(64 << 20);
      process.env.CORPUS_CLEAN_HOLD_UNCHECKED = '1 MB';
      expect(holdLimit()).toBe(1e6);
      process.env.CORPUS_CLEAN_HOLD_UNCHECKED = 'lots';
      // (The CLI calls holdLimit() before a command runs: a UsageError is exit 2.)
      expect(() => holdLimit()).toThrow(UsageError);
    } finally {
      if (saved === undefined) delete process.env.CORPUS_CLEAN_HOLD_UNCHECKED;
      else process.env.CORPUS_CLEAN_HOLD_UNCHECKED = saved;
    }
  });
});

describe("'-' beside another name of stdin's file (F31)", () => {
  it('is a usage error, not every record read twice', async () => {
    const file = join(ROOT, 'fixtures/damaged/records.jsonl');
    const fd = openSync(file, 'r');
    try {
      const r = spawnSync(process.execPath, [CLI, 'cat', '-', '/dev/stdin', '--format', 'jsonl', '-o', '/dev/null'], { stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([2, "corpus-clean: input '/dev/stdin' is the file on stdin, which '-' reads too: it would be read twice; give one of them\n"]);
    } finally {
      closeSync(fd);
    }
  });
});

describe('a CRLF inside a quoted CSV field (F43)', () => {
  it('is kept as CRLF (and an LF as LF), at any chunk size', async () => {
    const csv = Buffer.from('id,text\r\n1,"a\r\nb"\r\n2,"c\rd"\r\n3,"e\nf"\r\n');
    for (const size of [1, 3, csv.length]) {
      const d = await drain(readChunks('x.csv', chunked(csv, size), 'csv'));
      expect(d.docs.map((x) => x.data.text)).toEqual(['a\r\nb', 'c\rd', 'e\nf']);
    }
  });
});

describe('a Parquet row group damaged in two places (hostile review 9 F49)', () => {
  it('is a parquet_row_group reject, not an unhandled rejection that ends the process', async () => {
    const d = await drain(readFiles([join(ROOT, 'fixtures/parquet/footer-two-damages.parquet')]));
    expect(d.rejects.map((r) => r.reason)).toEqual(['parquet_row_group', 'parquet_row_group', 'parquet_row_group']);
    expect(d.fileErrors[0].message).toMatch(/a column chunk names column 'm\.key_value\.key', which the schema does not have/);
    // Let any rejection left behind surface before the test ends.
    await new Promise((r) => setTimeout(r, 100));
  });
});

// New-user review 10 #14: a dataset cloned without Git LFS holds 3-line pointers named like the
// data; they were a broken Parquet footer or json_parse rejects, every hint about damage or format.
describe('a Git LFS pointer given as input', () => {
  it('is one lfs_pointer reject and an error naming git lfs pull, whatever its extension', async () => {
    const dir = await tempDir();
    const pointer = 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1239310\n';
    const names = ['train-00001-of-00002.parquet', 'part2.jsonl.gz', 'part3.jsonl'];
    for (const n of names) await writeFile(join(dir, n), pointer);
    await writeFile(join(dir, 'ok.jsonl'), '{"text":"version https://git-lfs.github.com/spec/v1"}\n');
    const d = await drain(readFiles([...names, 'ok.jsonl'].map((n) => join(dir, n))));
    expect(d.docs.length).toBe(1);
    expect(d.read).toBe(4);
    expect(d.rejects.map((r) => [r.reason, r.source, r.raw, r.detail])).toEqual(names.map((n) => ['lfs_pointer', `${join(dir, n)}:1`, pointer, { size: 1239310 }]));
    expect(d.fileErrors.map((e) => [e.file, e.rejected])).toEqual(names.map((n) => [join(dir, n), true]));
    expect(d.fileErrors[0].message).toMatch(/^a Git LFS pointer, not the data \(of 1239310 bytes\).*run 'git lfs pull'/);
    expect(fixFor('read/lfs_pointer', [], undefined)).toMatch(/Git LFS pointer.*git lfs pull/);
  });
});

describe("a Parquet row group whose row count is lost or wrong (hostile review 9 F50)", () => {
  it('is damage, its rows counted as rejected, never read 0 in silence', async () => {
    const good = await readFile(join(ROOT, 'fixtures/parquet/dolma-zstd.parquet'));
    const bad = Buffer.from(good);
    bad.fill(0, 3206, 3210); // the row group's num_rows (thrift STOP bytes end its struct before it)
    const d = await drain(readChunks('dz0.parquet', once(bad), 'parquet'));
    expect([d.docs.length, d.read, d.rejects.map((r) => r.reason)]).toEqual([0, 3, ['parquet_row_group', 'parquet_row_group', 'parquet_row_group']]);
    expect(d.fileErrors[0].message).toMatch(/its row count in the footer is missing or damaged/);
    const intact = await drain(readChunks('dz.parquet', once(good), 'parquet'));
    expect([intact.docs.length, intact.fileErrors]).toEqual([3, []]);
  });
});
