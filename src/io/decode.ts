import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

/** Compression of a byte stream, told by its first bytes (not its name, which may lie). */
export type Compression = 'none' | 'gzip' | 'zstd';

/** Sniff the compression from the first bytes of a stream. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** Read size for files: 1 MiB chunks measured fastest for line splitting. */
export const READ_CHUNK = 1 << 20;

async function* gunzip(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  const z = createGunzip({ chunkSize: 1 << 16 });
  // Feed the compressed bytes from a separate task so the decompressed output can be pulled.
  const feed = (async () => {
    try {
      if (!z.write(first)) await new Promise((r) => z.once('drain', r));
      for (;;) {
        const r = await rest.next();
        if (r.done) break;
        if (!z.write(r.value)) await new Promise((res) => z.once('drain', res));
      }
      z.end();
    } catch (e) {
      z.destroy(e as Error);
    }
  })();
  try {
    for await (const chunk of z) yield chunk as Buffer;
  } finally {
    await feed;
  }
}

async function* unzstd(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const d = new Decompress((chunk) => {
    if (chunk.length > 0) out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  });
  d.push(first);
  for (;;) {
    while (out.length > 0) yield out.shift()!;
    const r = await rest.next();
    if (r.done) break;
    d.push(r.value);
  }
  // fzstd throws "unexpected EOF" here when the last frame is incomplete.
  d.push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift()!;
}

/**
 * Decompressed chunks of a byte stream (plain, gzip or zstd, told by magic bytes).
 * A damaged or truncated stream yields what it could decode, then throws.
 */
export async function* decoded(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = chunks[Symbol.asyncIterator]();
  let first = await it.next();
  if (first.done) return;
  // Sniffing needs 4 bytes; a tiny first chunk (stdin) is topped up.
  let head = first.value;
  while (head.length < 4) {
    const more = await it.next();
    if (more.done) break;
    head = Buffer.concat([head, more.value]);
  }
  const kind = sniffCompression(head);
  if (kind === 'gzip') yield* gunzip(head, it);
  else if (kind === 'zstd') yield* unzstd(head, it);
  else {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
}

/** Decompressed chunks of a file, or of stdin for `-`. */
export function openDecoded(path: string): AsyncGenerator<Buffer> {
  const raw: AsyncIterable<Buffer> = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: READ_CHUNK });
  return decoded(raw);
}
