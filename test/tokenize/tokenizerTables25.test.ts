import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBpeTables } from '../../src/tokenize/bpe.js';
import * as srcCompiled from '../../src/tokenize/compiled.js';
import { parseSentencePieceModel, PieceType } from '../../src/tokenize/sentencepiece-model.js';
import { SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { ROOT, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';

// tok25: the build compiles the bundled InternLM2 model's tables (scripts/tokenizer-tables.mjs ->
// dist/tokenize/<sha256>.bpe-tables) and every load of a model with those bytes reads them instead
// of parsing 92,544 pieces and deriving the merge table. These cases hold the compiled path to the
// ids of the parsed one and of the reference, and check that tables of other bytes, of another
// format or damaged are never used.

interface Case {
  text: string;
  ids: number[];
  special?: boolean;
}
const cases: Case[] = readFileSync(join(ROOT, 'fixtures/tokenizer/expected_ids.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Case);

/** The built modules (what the CLI runs). */
const dist = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(join(ROOT, 'dist', rel)).href)) as T;

/** `buf` (a .model file) with the type of the pieces in `types` (id -> type) replaced. */
function withTypes(buf: Buffer, types: ReadonlyMap<number, number>): Buffer {
  const varint = (b: Buffer, at: number): [number, number] => {
    let v = 0;
    for (let i = at, mul = 1; ; i++, mul *= 128) {
      v += (b[i] & 0x7f) * mul;
      if (b[i] < 0x80) return [v, i + 1];
    }
  };
  const enc = (v: number): number[] => {
    const o: number[] = [];
    do {
      const x = v % 128;
      v = Math.floor(v / 128);
      o.push(v > 0 ? x | 128 : x);
    } while (v > 0);
    return o;
  };
  const out: Buffer[] = [];
  let id = 0;
  for (let i = 0; i < buf.length; ) {
    const start = i;
    const [key, a] = varint(buf, i);
    const [len, body] = varint(buf, a);
    i = body + len;
    if (key !== 10) {
      out.push(buf.subarray(start, i));
      continue;
    }
    const type = types.get(id++);
    if (type === undefined) {
      out.push(buf.subarray(start, i));
      continue;
    }
    // the piece's fields without its type (key 24), then the new type
    const fields: Buffer[] = [];
    for (let j = body; j < i; ) {
      const [k, c] = varint(buf, j);
      const end = (k & 7) === 2 ? ((): number => { const [l, d] = varint(buf, c); return d + l; })() : (k & 7) === 5 ? c + 4 : varint(buf, c)[1];
      if (k !== 24) fields.push(buf.subarray(j, end));
      j = end;
    }
    fields.push(Buffer.from([24, type]));
    const msg = Buffer.concat(fields);
    out.push(Buffer.from([10, ...enc(msg.length)]), msg);
  }
  return Buffer.concat(out);
}

describe('compiled tokenizer tables (tok25)', () => {
  const bytes = readFileSync(TOKENIZER_MODEL);
  const model = parseSentencePieceModel(bytes);
  let distTok: typeof SentencePieceTokenizer;
  let distCompiled: typeof srcCompiled;
  beforeAll(async () => {
    distTok = (await dist<{ SentencePieceTokenizer: typeof SentencePieceTokenizer }>('tokenize/tokenizer.js')).SentencePieceTokenizer;
    distCompiled = await dist<typeof srcCompiled>('tokenize/compiled.js');
  });

  it('the build wrote tables for the bundled model, and they are the tables its pieces give', () => {
    const found = distCompiled.findTables(bytes);
    expect(found).not.toBeNull();
    const want = srcCompiled.fileOrder(buildBpeTables(model));
    const got = found!.tables;
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    for (const [k, v] of Object.entries(want)) {
      const g = got[k as keyof typeof got];
      if (ArrayBuffer.isView(v)) {
        // byte for byte (toEqual is slow on arrays of 500,000 ints)
        expect(Object.prototype.toString.call(g), k).toBe(Object.prototype.toString.call(v));
        const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        expect(bytesOf(g as ArrayBufferView).equals(bytesOf(v)), k).toBe(true);
      } else expect(g, k).toEqual(v);
    }
    expect(found!.lastPiece).toBe('[UNUSED_TOKEN_146]');
    expect(found!.model.trainer).toEqual(model.trainer);
    expect(found!.model.normalizer).toEqual({ ...model.normalizer, precompiledCharsmap: new Uint8Array(0) });
  });

  it('a tokenizer on the compiled tables gives the reference ids on every fixture text, cache on and off', () => {
    const tok = distTok.fromBytes(bytes);
    const bare = distTok.fromBytes(bytes, { cacheSize: 0 });
    for (const c of cases) {
      expect(tok.encode(c.text, { special: c.special === true })).toEqual(c.ids);
      expect(bare.encode(c.text, { special: c.special === true })).toEqual(c.ids);
    }
    expect([tok.vocabSize, tok.bosId, tok.eosId, tok.unkId, tok.tokenId('<|im_start|>')]).toEqual([92544, 1, 2, 0, 92543]);
    // the pieces, read only now, are the model's
    expect(tok.decode(tok.encode('Hello, 世界 👋\n'))).toBe('Hello, 世界 👋\n');
    expect(tok.idToPiece(65402)).toBe('\ufeff');
    expect(JSON.stringify(tok.model.pieces)).toBe(JSON.stringify(model.pieces));
  });

  it('tables of other bytes, of another format or damaged are not used; the model is parsed instead', async () => {
    const small = readFileSync(await smallTokenizer(3000));
    const dir = await tempDir();
    const digest = srcCompiled.modelDigest(small);
    const file = join(dir, srcCompiled.tablesFileName(digest));
    const good = srcCompiled.writeTables(parseSentencePieceModel(small), digest);
    writeFileSync(file, good);
    expect(srcCompiled.findTables(small, dir)).not.toBeNull();
    const parsed = new SentencePieceTokenizer(parseSentencePieceModel(small));
    const texts = cases.slice(0, 60).map((c) => c.text);
    const same = (): void => {
      const tok = SentencePieceTokenizer.fromBytes(small, { tablesDir: dir });
      for (const t of texts) expect(tok.encode(t)).toEqual(parsed.encode(t));
    };
    same();
    // another model's bytes: no file of its digest
    const other = Buffer.from(small);
    other[other.length - 1] ^= 1;
    expect(srcCompiled.findTables(other, dir)).toBeNull();
    // the file under another model's name: its header names another digest
    copyFileSync(file, join(dir, srcCompiled.tablesFileName(srcCompiled.modelDigest(other))));
    expect(srcCompiled.findTables(other, dir)).toBeNull();
    // another format
    const json = good.toString('latin1');
    writeFileSync(file, Buffer.from(json.replace(`"format":${srcCompiled.TABLES_FORMAT},`, `"format":${srcCompiled.TABLES_FORMAT + 1},`), 'latin1'));
    expect(srcCompiled.findTables(small, dir)).toBeNull();
    same();
    // cut short, or its header garbled
    writeFileSync(file, good.subarray(0, good.length - 100));
    expect(srcCompiled.findTables(small, dir)).toBeNull();
    same();
    writeFileSync(file, Buffer.concat([good.subarray(0, 20), Buffer.from('}'), good.subarray(21)]));
    expect(srcCompiled.findTables(small, dir)).toBeNull();
    same();
  });

  it('unused and user-defined pieces encode alike from compiled tables and from the model', async () => {
    const small = readFileSync(await smallTokenizer(3000));
    // every 7th merged piece unused (upstream splits it back at the end), every 11th user-defined
    const types = new Map<number, number>();
    for (let id = 300; id < 3000; id++) {
      if (id % 7 === 0) types.set(id, PieceType.unused);
      else if (id % 11 === 0) types.set(id, PieceType.userDefined);
    }
    const varied = withTypes(small, types);
    const m = parseSentencePieceModel(varied);
    expect(m.pieces.filter((p) => p.type === PieceType.unused).length).toBeGreaterThan(300);
    const dir = await tempDir();
    const digest = srcCompiled.modelDigest(varied);
    writeFileSync(join(dir, srcCompiled.tablesFileName(digest)), srcCompiled.writeTables(m, digest));
    const compiled = SentencePieceTokenizer.fromBytes(varied, { tablesDir: dir, cacheSize: 0 });
    const parsed = new SentencePieceTokenizer(m, { cacheSize: 0 });
    expect(srcCompiled.findTables(varied, dir)).not.toBeNull();
    for (const c of cases) expect(compiled.encode(c.text, { special: c.special === true })).toEqual(parsed.encode(c.text, { special: c.special === true }));
  });
});
