import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, TOKENIZER_MODEL } from './run.js';

/**
 * A SentencePiece model made of the first `pieces` pieces of the bundled InternLM2 model (its
 * control pieces, the 256 byte pieces and the first merges) with the model's own trainer and
 * normalizer specs: a real .model file of the same format that loads in a few milliseconds, where
 * the whole model (92,544 pieces) costs each process that loads it about 0.9 CPU s.
 *
 * For tests of what export and tokenize do around the tokenizer (messages, folders, markers,
 * accounting) and that assert no token ids or counts: text the kept merges do not cover is
 * encoded byte by byte, and the InternLM2 chat tokens (ids 92538-92543) are not there. Tests of
 * the tokenizer itself use TOKENIZER_MODEL.
 */
export async function smallTokenizer(pieces = 3000): Promise<string> {
  const buf = await readFile(TOKENIZER_MODEL);
  const kept: Buffer[] = [];
  const rest: Buffer[] = [];
  let n = 0;
  for (let i = 0; i < buf.length; ) {
    const start = i;
    const [key, afterKey] = varint(buf, i);
    // ModelProto's top-level fields are all length-delimited (pieces 1, trainer_spec 2, normalizer_spec 3, ...).
    if ((key & 7) !== 2) throw new Error(`unexpected wire type ${key & 7} at byte ${start} of ${TOKENIZER_MODEL}`);
    const [len, body] = varint(buf, afterKey);
    i = body + len;
    if (key >> 3 !== 1) rest.push(buf.subarray(start, i));
    else if (n++ < pieces) kept.push(buf.subarray(start, i));
  }
  if (n <= pieces) throw new Error(`${TOKENIZER_MODEL} has ${n} pieces, not more than ${pieces}`);
  const path = join(await tempDir(), `internlm2-first-${pieces}.model`);
  await writeFile(path, Buffer.concat([...kept, ...rest]));
  return path;
}

function varint(b: Buffer, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (let i = at; i < b.length; i++) {
    v += (b[i] & 0x7f) * 2 ** shift;
    shift += 7;
    if (b[i] < 0x80) return [v, i + 1];
  }
  throw new Error('varint cut short');
}
