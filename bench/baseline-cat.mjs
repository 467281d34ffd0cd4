// The bare Node loop that bench/io.ts measures `corpus-clean cat` against: read 1 MiB chunks,
// split lines, JSON.parse, JSON.stringify, write to stdout in batches. No checks, no accounting.
import { createReadStream } from 'node:fs';

const NL = 10;
let carry = null;
let out = '';
const flush = async () => {
  if (!process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
  out = '';
};
for await (let chunk of createReadStream(process.argv[2], { highWaterMark: 1 << 20 })) {
  if (carry) chunk = Buffer.concat([carry, chunk]);
  let pos = 0;
  for (;;) {
    const nl = chunk.indexOf(NL, pos);
    if (nl === -1) break;
    if (nl > pos) out += JSON.stringify(JSON.parse(chunk.toString('utf8', pos, nl))) + '\n';
    pos = nl + 1;
  }
  carry = pos < chunk.length ? chunk.subarray(pos) : null;
  await flush();
}
if (carry) out += JSON.stringify(JSON.parse(carry.toString('utf8'))) + '\n';
await flush();
