import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRAME_BYTES, zstdEncoder } from '../../../src/io/zstdEncode.js';
import { unzstd } from '../../../src/io/zstd.js';
import { readFiles } from '../../../src/io/readers/index.js';
import { ParquetShardWriter } from '../../../src/io/writers/parquet.js';
import { SchemaHolder } from '../../../src/io/writers/parquetSchema.js';
import { makeDoc } from '../../../src/core/doc.js';
import { drain, runCli, tempDir } from '../../helpers/run.js';

/** Decode with our reader (frame checksums verified). */
async function decode(data: Uint8Array): Promise<Buffer> {
  const buf = Buffer.from(data);
  const rest = (async function* () {})();
  const out: Buffer[] = [];
  for await (const c of unzstd(buf, rest)) out.push(c);
  return Buffer.concat(out);
}

/** Text of `n` bytes that compresses like prose, not like a run of one byte. */
function prose(n: number): string {
  const words = ['数据', 'clean', 'corpus', '训练', 'the', 'shard', '句子。', 'record', 'of', '中文'];
  const parts: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < n; i++) {
    const w = words[(i * 7919) % words.length] + (i % 13 === 0 ? '\n' : ' ');
    parts.push(w);
    bytes += Buffer.byteLength(w);
  }
  return parts.join('');
}

const SYSTEM_ZSTD = existsSync('/usr/bin/zstd');

describe('zstd output in bounded frames (the codec aborts with OOM on one call over ~4.5 MB)', () => {
  it('encodes 12 MB as several frames that decode to the same bytes, deterministically', async () => {
    const encode = await zstdEncoder();
    const data = Buffer.from(prose(12 * 1024 * 1024));
    const z = encode(data);
    expect(Buffer.compare(await decode(z), data)).toBe(0);
    expect(Buffer.compare(Buffer.from(encode(data)), Buffer.from(z))).toBe(0);
    // the codec is still usable after a large input (it used to be dead after the first OOM)
    expect(Buffer.from(await decode(encode(Buffer.from('after')))).toString()).toBe('after');
    expect(data.length).toBeGreaterThan(FRAME_BYTES * 11);
  });

  it('cat: a 6 MB record into .jsonl.zst is written and reads back (was: OOM, exit 1)', async () => {
    const dir = await tempDir();
    const line = JSON.stringify({ id: 'big', text: prose(6 * 1024 * 1024) });
    await writeFile(join(dir, 'big.jsonl'), line + '\n');
    const r = await runCli(['cat', join(dir, 'big.jsonl'), '-o', join(dir, 'big.jsonl.zst'), '-q']);
    expect(r.stderr).not.toMatch(/OOM|undefined/);
    expect(r.code).toBe(0);
    const back = await runCli(['cat', join(dir, 'big.jsonl.zst'), '-q']);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(line + '\n');
    if (SYSTEM_ZSTD) expect(execFileSync('/usr/bin/zstd', ['-dc', join(dir, 'big.jsonl.zst')], { maxBuffer: 64 << 20 }).toString()).toBe(line + '\n');
  });

  it('cat: 20,000 rejects (over 5 MB in one block) into a .zst rejects file are all kept', async () => {
    const dir = await tempDir();
    const rows = Array.from({ length: 20000 }, (_, i) => JSON.stringify({ raw_content: `第${i}条 ` + prose(300) }));
    await writeFile(join(dir, 'in.jsonl'), rows.join('\n') + '\n');
    const r = await runCli(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'out.jsonl'), '--rejects', join(dir, 'rej.jsonl.zst'), '--allow-empty', '--max-reject-rate', '1', '-q']);
    expect(r.stderr).not.toMatch(/OOM|undefined/);
    expect(r.code).toBe(0);
    const rejects = (await decode(readFileSync(join(dir, 'rej.jsonl.zst')))).toString().split('\n').filter(Boolean);
    expect(rejects).toHaveLength(20000);
    expect(JSON.parse(rejects[19999]).reason).toMatch(/text_missing/);
  });

  it('reads frames shorter than 18 bytes (tiny files; the last frame of a cut block)', async () => {
    const encode = await zstdEncoder();
    for (const text of ['', 'a', 'after', 'hi\n', '0123456789']) expect((await decode(encode(Buffer.from(text)))).toString()).toBe(text);
    const dir = await tempDir();
    // as the zstd CLI writes 'hi\n' (with a content checksum): was reported as a damaged frame
    await writeFile(join(dir, 'h.txt.zst'), Buffer.from('28b52ffd045819000068690a343d5092', 'hex'));
    const r = await runCli(['cat', join(dir, 'h.txt.zst'), '-q']);
    expect(r.stderr).not.toMatch(/error|damaged/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).text).toBe('hi\n');
  });

  it('Parquet with zstd columns: a 6 MB text value round-trips', async () => {
    const dir = await tempDir();
    const text = prose(6 * 1024 * 1024);
    const schema = new SchemaHolder();
    const w = await ParquetShardWriter.create({ output: join(dir, 'big.parquet'), schema, compression: 'zstd', stripAttrs: true });
    const { parquetSchemaStage } = await import('../../../src/io/writers/parquetSchema.js');
    const { pipeline } = await import('../../../src/core/pipeline.js');
    await pipeline({
      source: {
        async *read(ev) {
          ev.read(1, 0);
          yield [makeDoc({ id: 1, text }, 'mem:1')];
        },
      },
      stages: [parquetSchemaStage(schema, 1000, true)],
      sink: w,
      rejects: { push: () => {}, close: async () => {}, abort: async () => {} },
    });
    const back = await drain(readFiles([join(dir, 'big.parquet')]));
    expect(back.docs).toHaveLength(1);
    expect(back.docs[0].data.text).toBe(text);
  });
});
