import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/**
 * The lines of a JSONL file (plain or `.gz`) with their 1-based numbers, as the readers number
 * them for `source` (`file:line`). A trailing `\r` is removed.
 */
export async function* readLines(path: string): AsyncIterable<[line: number, text: string]> {
  let stream: NodeJS.ReadableStream = createReadStream(path, { highWaterMark: 1 << 20 });
  if (path.endsWith('.gz')) stream = stream.pipe(createGunzip());
  let rest: Buffer | null = null;
  let line = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf: Buffer = rest === null ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
      yield [++line, buf.toString('utf8', start, end)];
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
  }
  if (rest !== null && rest.length > 0) {
    const end = rest[rest.length - 1] === 13 ? rest.length - 1 : rest.length;
    yield [++line, rest.toString('utf8', 0, end)];
  }
}
