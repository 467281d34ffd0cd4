import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeDoc } from '../../src/core/doc.js';
import { pipeline } from '../../src/core/pipeline.js';
import { fromRecords } from '../../src/io/memory.js';
import { readFiles } from '../../src/io/readers/index.js';
import { JsonlWriter } from '../../src/io/writers/jsonl.js';
import { defaultRejectsCompression, RejectsWriter } from '../../src/io/writers/rejects.js';
import { zstdEncoder } from '../../src/io/zstdEncode.js';
import { openDecoded } from '../../src/io/decode.js';
import { drain, tempDir } from '../helpers/run.js';

const records = Array.from({ length: 25 }, (_, i) => ({ id: i, text: `记录 ${i} record with é and 😀 ` + 'x'.repeat(i * 10) }));

describe('JSONL writer', () => {
  for (const ext of ['.jsonl', '.jsonl.gz', '.jsonl.zst']) {
    it(`round-trips through ${ext} (written, then read back)`, async () => {
      const dir = await tempDir();
      const out = join(dir, 'out' + ext);
      const w = await JsonlWriter.create({ output: out });
      await w.write(records.slice(0, 10).map((r, i) => makeDoc(r, `m:${i}`)));
      await w.write(records.slice(10).map((r, i) => makeDoc(r, `m:${i}`)));
      await w.close();
      expect(w.shards).toEqual([out]);
      const back = await drain(readFiles([out]));
      expect(back.docs.map((d) => d.data)).toEqual(records);
      expect(back.fileErrors).toEqual([]);
    });
  }

  it('shards a folder by record count with exact boundaries and stable names', async () => {
    const dir = await tempDir();
    const w = await JsonlWriter.create({ output: dir + '/', shardRecords: 10, compression: 'gzip' });
    await w.write(records.slice(0, 7).map((r) => makeDoc(r, 'm')));
    await w.write(records.slice(7).map((r) => makeDoc(r, 'm')));
    await w.close();
    expect((await readdir(dir)).sort()).toEqual(['part-00000.jsonl.gz', 'part-00001.jsonl.gz', 'part-00002.jsonl.gz']);
    const counts = [];
    for (const f of w.shards) counts.push((await drain(readFiles([f]))).docs.length);
    expect(counts).toEqual([10, 10, 5]);
  });

  it('cuts shards by size record by record: never over the limit, the same whatever the batches', async () => {
    const dir = await tempDir();
    const docs = records.map((r) => makeDoc(r, 'm'));
    const shardsOf = async (sizes: number[], name: string): Promise<string[]> => {
      const w = await JsonlWriter.create({ output: join(dir, name) + '/', shardBytes: 600 });
      let i = 0;
      for (const n of sizes) {
        await w.write(docs.slice(i, i + n));
        i += n;
      }
      await w.close();
      return Promise.all(w.shards.map((f) => readFile(f, 'utf8')));
    };
    const one = await shardsOf([25], 'a');
    const many = await shardsOf([1, 3, 7, 2, 12], 'b');
    expect(many).toEqual(one);
    expect(one.length).toBeGreaterThan(3);
    for (const text of one) {
      const lines = text.trim().split('\n').length;
      expect(Buffer.byteLength(text) <= 600 || lines === 1).toBe(true);
    }
  });

  // The writer encodes each line into a byte buffer as it comes and sends a large batch out in
  // pieces: the bytes, and the shard cuts by size, must be those of the JSON lines themselves.
  it('writes a batch of several MB (lines over a MB, multibyte and astral text) byte for byte, cut by size where the lines say', async () => {
    const dir = await tempDir();
    const big = Array.from({ length: 40 }, (_, i) => ({ i, text: (i % 3 === 0 ? '字😀é' : 'ab').repeat(i % 7 === 0 ? 200_000 : 5_000 + i) }));
    const lines = big.map((r) => JSON.stringify(r) + '\n');
    const limit = 3 << 20;
    // The cuts, made independently: a shard takes lines while their bytes fit (an empty shard takes any line).
    const want: string[] = [];
    let cur = '';
    for (const l of lines) {
      if (cur !== '' && Buffer.byteLength(cur + l) > limit) {
        want.push(cur);
        cur = '';
      }
      cur += l;
    }
    want.push(cur);
    for (const [name, shardBytes] of [['whole', 0], ['cut', limit]] as const) {
      const w = await JsonlWriter.create({ output: join(dir, name) + '/', ...(shardBytes > 0 ? { shardBytes } : {}) });
      await w.write(big.map((r) => makeDoc(r, 'm')));
      await w.close();
      const got = await Promise.all(w.shards.map((f) => readFile(f)));
      expect(got.map((b) => b.length)).toEqual(shardBytes > 0 ? want.map((t) => Buffer.byteLength(t)) : [Buffer.byteLength(lines.join(''))]);
      expect(Buffer.concat(got).equals(Buffer.from(lines.join('')))).toBe(true);
    }
  });

  it('shards a file by size, inserting the shard number before the extension', async () => {
    const dir = await tempDir();
    const w = await JsonlWriter.create({ output: join(dir, 'clean.jsonl'), shardBytes: 1000 });
    await w.write(records.map((r) => makeDoc(r, 'm')));
    await w.write(records.map((r) => makeDoc(r, 'm')));
    await w.close();
    expect(w.shards.length).toBeGreaterThan(2);
    expect(w.shards).toEqual(w.shards.map((_, i) => join(dir, `clean-${String(i).padStart(5, '0')}.jsonl`)));
    const back = await drain(readFiles(w.shards));
    expect(back.docs).toHaveLength(50);
  });

  it('leaves no complete-looking shard when aborted, and keeps no temporary file', async () => {
    const dir = await tempDir();
    const w = await JsonlWriter.create({ output: join(dir, 'x.jsonl') });
    await w.write(records.map((r) => makeDoc(r, 'm')));
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([]);
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('puts the signals under attrs, or strips them', async () => {
    const dir = await tempDir();
    for (const strip of [false, true]) {
      const out = join(dir, `s${strip}.jsonl`);
      const w = await JsonlWriter.create({ output: out, stripAttrs: strip });
      const d = makeDoc({ text: 't', attrs: { old: 1 } }, 'm');
      d.attrs = { lang: 'en' };
      await w.write([d, makeDoc({ text: 'u' }, 'm')]);
      await w.close();
      const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      expect(lines).toEqual(strip ? [{ text: 't' }, { text: 'u' }] : [{ text: 't', attrs: { lang: 'en' } }, { text: 'u' }]);
    }
  });
});

describe('rejects writer in a pipeline', () => {
  it('keeps every rejected record with stage, reason, source and the record', async () => {
    const dir = await tempDir();
    const rejects = new RejectsWriter(join(dir, 'rejects.jsonl'));
    const w = await JsonlWriter.create({ output: join(dir, 'out.jsonl') });
    const stats = await pipeline({
      source: fromRecords([{ text: 'ok' }, { id: 2 }, { text: '   ' }, { text: 3 }], 'mem'),
      stages: [],
      sink: w,
      rejects,
      requireText: true,
    });
    expect(stats).toMatchObject({ read: 4, written: 1, rejected: 3 });
    const lines = (await readFile(join(dir, 'rejects.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { stage: 'read', reason: 'text_missing', source: 'mem:2', record: { id: 2 } },
      { stage: 'read', reason: 'text_empty', source: 'mem:3', record: { text: '   ' } },
      { stage: 'read', reason: 'text_not_string', source: 'mem:4', record: { text: 3 } },
    ]);
  });
});

describe('rejects writer: compression', () => {
  it('gzips a rejects file at level 1 (the gzip header says "fastest"), and it reads back', async () => {
    const dir = await tempDir();
    const out = join(dir, 'rejects.jsonl.gz');
    const w = new RejectsWriter(out);
    for (let i = 0; i < 50; i++) w.push({ stage: 'quality', reason: 'zh_quality:min_chars', source: `a.jsonl:${i}`, record: { text: `短 ${i}` } });
    await w.close();
    const gz = await readFile(out);
    // RFC 1952: byte 8 (XFL) is 4 when the compressor used its fastest algorithm, 0 at level 6
    expect([gz[0], gz[1], gz[8]]).toEqual([0x1f, 0x8b, 4]);
    const lines = gunzipSync(gz).toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(50);
    expect(JSON.parse(lines[49])).toEqual({ stage: 'quality', reason: 'zh_quality:min_chars', source: 'a.jsonl:49', record: { text: '短 49' } });
  });

  it('compresses a zstd rejects file at level 1 (the bytes zstd level 1 gives, not those of its default 3), and it reads back', async () => {
    const dir = await tempDir();
    const out = join(dir, 'rejects.jsonl.zst');
    const w = new RejectsWriter(out);
    let text = '';
    for (let i = 0; i < 2000; i++) {
      const r = { stage: 'quality', reason: i % 3 === 0 ? 'gopher_quality:min_words' : 'zh_quality:min_chars', source: `a.jsonl:${i}`, record: { text: `短 ${(i * 7919) % 1013} words ${i} ${'ab'.repeat(i % 17)}` } };
      w.push(r);
      text += JSON.stringify(r) + '\n';
    }
    await w.close();
    const zst = await readFile(out);
    const encode = await zstdEncoder();
    expect(Buffer.from(encode(Buffer.from(text), 3)).equals(zst)).toBe(false);
    expect(Buffer.from(encode(Buffer.from(text), 1)).equals(zst)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of openDecoded(out)) chunks.push(c);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(text);
  });

  it('gives compressed shards of either format zstd rejects by default, uncompressed shards uncompressed rejects', () => {
    expect(defaultRejectsCompression('gzip')).toBe('zstd');
    expect(defaultRejectsCompression('zstd')).toBe('zstd');
    expect(defaultRejectsCompression('none')).toBe('none');
    // Parquet shards' codecs (#16: their rejects were gzip, at twice the CPU of zstd level 1)
    expect(defaultRejectsCompression('snappy')).toBe('zstd');
    expect(defaultRejectsCompression('brotli')).toBe('zstd');
  });

  it('keeps zlib\'s default level for the shards', async () => {
    const dir = await tempDir();
    const w = await JsonlWriter.create({ output: join(dir, 'out.jsonl.gz') });
    await w.write(records.map((r, i) => makeDoc(r, `m:${i}`)));
    await w.close();
    expect((await readFile(join(dir, 'out.jsonl.gz')))[8]).toBe(0);
  });
});
