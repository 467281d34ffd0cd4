import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDoc } from '../../src/core/doc.js';
import type { JsonObject } from '../../src/core/doc.js';
import { pipeline } from '../../src/core/pipeline.js';
import type { Reject } from '../../src/core/stage.js';
import { fromRecords } from '../../src/io/memory.js';
import { InternEvoWriter } from '../../src/export/internevo-writer.js';
import { decodeNpy2D, encodeNpy, npyHeader, parseNpyHeader } from '../../src/export/npy.js';
import { encodeSample, SampleError, tokensLine } from '../../src/export/sample.js';
import { tokenize, tokenizeStage } from '../../src/export/tokenize-stage.js';
import { toXtunerV1 } from '../../src/export/xtuner-v1.js';
import { SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { resolveOptions } from '../../src/core/options.js';
import { TOKENIZER_MODEL } from '../helpers/run.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const modelPath = TOKENIZER_MODEL;
const fixtures = path.resolve(repoRoot, 'fixtures/internevo');
const tok = SentencePieceTokenizer.loadSync(modelPath);
const scratch = mkdtempSync(path.join(tmpdir(), 'internevo-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const inputs: JsonObject[] = readFileSync(path.join(fixtures, 'input.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as JsonObject);

describe('.npy encoder', () => {
  it('writes the header numpy writes, padded to 64 bytes', () => {
    const h = npyHeader(2, 2, '<i4');
    expect(h.length).toBe(128);
    expect(h.subarray(0, 10)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]));
    // numpy 1.24 (Debian 12): the 59-character dict, 58 spaces, a newline.
    expect(h.toString('latin1', 10)).toBe(`{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }${' '.repeat(58)}\n`);
  });
  it('matches the int32 example of internlm-formats.md byte for byte', () => {
    const b = encodeNpy([0, 26, 174, 9], 2, '<i4');
    expect(b.length).toBe(144);
    expect(b.subarray(128).toString('hex')).toBe('000000001a000000ae00000009000000');
  });
  it('reads back what it writes, header included', () => {
    const cells = [0, 26, 174, 9, 2 ** 40, 123456];
    const b = encodeNpy(cells, 2);
    expect(parseNpyHeader(b)).toEqual({ major: 1, minor: 0, descr: '<i8', fortranOrder: false, shape: [3, 2], dataOffset: 128 });
    expect(decodeNpy2D(b)).toEqual([[0, 26], [174, 9], [2 ** 40, 123456]]);
  });
  it('parses the reference np.save files of the fixtures', () => {
    const meta = readFileSync(path.join(fixtures, 'expected/train/en/part-00000.bin.meta'));
    const h = parseNpyHeader(meta);
    expect(h).toMatchObject({ major: 1, minor: 0, descr: '<i8', fortranOrder: false, dataOffset: 128 });
    expect(h.shape[1]).toBe(2);
    const rows = decodeNpy2D(meta);
    const bin = readFileSync(path.join(fixtures, 'expected/train/en/part-00000.bin'), 'latin1');
    expect(rows[0][0]).toBe(0);
    for (const [off, n] of rows) {
      const line = bin.slice(off, bin.indexOf('\n', off));
      expect((JSON.parse(line) as { tokens: number[] }).tokens).toHaveLength(n);
    }
  });
});

describe('samples', () => {
  it('writes lines as Python json.dumps does', () => {
    expect(tokensLine([1, -92543, 2])).toBe('{"tokens": [1, -92543, 2]}\n');
    expect(tokensLine([])).toBe('{"tokens": []}\n');
  });
  it('builds the InternLM2 chat sample of internlm-formats.md, masks included', () => {
    const ids = encodeSample(
      { messages: [{ role: 'user', content: "Hello! What's your name?" }, { role: 'assistant', content: 'My name is InternLM2!' }] },
      tok,
    );
    expect(tokensLine(ids)).toBe(
      '{"tokens": [1, -92543, -1008, -364, -9843, -346, -3716, -725, -829, -963, -345, -92542, -364, -92543, -525, -11353, -364, 5211, 963, 505, 4576, 11146, 314, 346, 92542, 364]}\n',
    );
    expect(tokensLine(ids).length).toBe(174);
  });
  it('builds pretraining samples as BOS + text + EOS', () => {
    expect(encodeSample({ text: "Hello! What's your name?" }, tok)).toEqual([1, 9843, 346, 3716, 725, 829, 963, 345, 2]);
    expect(encodeSample({ content: 'Hello' }, tok, { eos: false })).toEqual([1, 9843]);
  });
  it('masks system and user, trains assistant turns, honours loss flags', () => {
    const ids = encodeSample(
      {
        conversation: [
          { system: 'S', input: 'Q1', output: 'A1' },
          { input: 'Q2', output: 'A2', output_with_loss: false },
        ],
      },
      tok,
    );
    const text = (sign: number): string => tok.decode(ids.filter((x, i) => i > 0 && Math.sign(x) === sign));
    expect(text(1)).toBe('A1<|im_end|>\n');
    expect(text(-1)).toBe('<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\n<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\nA2<|im_end|>\n');
    expect(ids[0]).toBe(1);
  });
  it('gives reasons for records that cannot be samples', () => {
    const reason = (r: JsonObject): string => {
      try {
        encodeSample(r, tok);
        return 'ok';
      } catch (e) {
        return e instanceof SampleError ? e.reason : 'throw';
      }
    };
    expect(reason({ id: 1 })).toBe('no_text');
    expect(reason({ messages: [] })).toBe('bad_messages');
    expect(reason({ messages: [{ role: 'user' }] })).toBe('bad_messages');
    expect(reason({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y', loss: 'False' }] })).toBe('no_target');
    // Hostile review 7 F19: whitespace only was exported as tokens, a lone surrogate as U+FFFD's bytes.
    expect(reason({ text: ' \n\u3000 ' })).toBe('text_empty');
    expect(reason({ text: 'a\ud800b' })).toBe('lone_surrogate');
    expect(reason({ messages: [{ role: 'user', content: 'q\udc00' }, { role: 'assistant', content: 'a' }] })).toBe('lone_surrogate');
    expect(reason({ text: ' a ' })).toBe('ok');
    // Hostile review 8 F22: XTuner v1's JSONL got the lone surrogate and the white space (text and
    // chat turns); an answer of two spaces was trained as a target in both forms.
    const v1 = (r: JsonObject): string => {
      try {
        toXtunerV1(r);
        return 'ok';
      } catch (e) {
        return e instanceof SampleError ? e.reason : 'throw';
      }
    };
    const turns = (u: string, a: string): JsonObject => ({ messages: [{ role: 'user', content: u }, { role: 'assistant', content: a }] });
    for (const f of [reason, v1]) {
      expect([f({ text: 'a\ud800b lone' }), f({ text: '   ' }), f({ text: '\n\t\u3000' }), f({ text: 'ok text' })]).toEqual(['lone_surrogate', 'text_empty', 'text_empty', 'ok']);
      expect([f(turns('hi \ud800', 'ok')), f(turns('   ', '  ')), f(turns('q', ' ')), f(turns('q', 'a'))]).toEqual(['lone_surrogate', 'empty_turn', 'empty_turn', 'ok']);
      expect(f({ messages: [{ role: 'pretrain', content: 'x\udfff' }] })).toBe('lone_surrogate');
      // Hostile review 20 F8: XTuner v1's JSONL got a NUL (`normalize` removes it; an export does not).
      expect([f({ text: 'nul \u0000 y' }), f(turns('q', 'a\u0000')), f({ messages: [{ role: 'pretrain', content: '\u0000x' }] })]).toEqual(['nul_character', 'nul_character', 'nul_character']);
    }
  });
  // New-user review 6 #3: OpenAI fine-tuning's `weight: 0` (do not train on this answer) was
  // ignored, so the answer was trained.
  it("reads OpenAI's weight: 0 as no loss on that answer, and refuses a weight it cannot express", () => {
    const chat = (w: unknown, extra: JsonObject = {}): JsonObject => ({ messages: [{ role: 'user', content: 'Q1' }, { role: 'assistant', content: 'Bad.', weight: w, ...extra }, { role: 'user', content: 'Q2' }, { role: 'assistant', content: 'Good.' }] });
    const masked = (r: JsonObject): string => tok.decode(encodeSample(r, tok).filter((t) => t > 0));
    expect(masked(chat(0))).not.toContain('Bad.');
    expect(masked(chat(0))).toContain('Good.');
    expect(masked(chat(1))).toContain('Bad.');
    const reason = (r: JsonObject): string => {
      try {
        encodeSample(r, tok);
        return 'ok';
      } catch (e) {
        return e instanceof SampleError ? e.reason : 'throw';
      }
    };
    expect(reason(chat(0.5))).toBe('bad_messages');
    expect(reason(chat(0, { loss: true }))).toBe('bad_messages');
    expect(reason({ messages: [{ role: 'user', content: 'Q', weight: 0 }, { role: 'assistant', content: 'A', weight: 0 }] })).toBe('no_target');
  });
});

describe('InternEvo shards, byte-exact against the Python reference', () => {
  it('writes the same .bin and .bin.meta files and rejects the same lines', async () => {
    const out = path.join(scratch, 'exact');
    const rejects: Reject[] = [];
    const writer = new InternEvoWriter({ outDir: out, type: 'en', maxShardBytes: 4096 });
    const stats = await pipeline({
      source: fromRecords(inputs, 'input.jsonl', 4),
      stages: [tokenizeStage({ tokenizer: null, format: 'internevo', kind: 'auto', minLength: 8, eos: true, specialInText: false }, tok)],
      sink: writer,
      rejects: { push: (r) => rejects.push(r), close: async () => {}, abort: async () => {} },
    });
    const expectedDir = path.join(fixtures, 'expected/train/en');
    const files = readdirSync(expectedDir).sort();
    expect(readdirSync(path.join(out, 'train/en')).sort()).toEqual(files);
    for (const f of files) {
      expect(readFileSync(path.join(out, 'train/en', f)).equals(readFileSync(path.join(expectedDir, f))), f).toBe(true);
    }
    const expectedRejects = readFileSync(path.join(fixtures, 'expected/rejects.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(rejects.map((r) => ({ line: Number(r.source.split(':')[1]), reason: r.reason }))).toEqual(expectedRejects);
    expect(stats.written + stats.rejected).toBe(inputs.length);
    expect(writer.shards.map((s) => path.basename(s.path))).toEqual(files.filter((f) => f.endsWith('.bin')));
  });
  it('accepts records without attrs.tokens when given a tokenizer', async () => {
    const out = path.join(scratch, 'direct');
    const w = new InternEvoWriter({ outDir: out, type: 'cn', tokenizer: tok });
    await w.write([makeDoc({ text: 'Hello' }, 'm:1'), makeDoc({ text: '你好' }, 'm:2')]);
    await w.close();
    const bin = readFileSync(path.join(out, 'train/cn/part-00000.bin'), 'latin1');
    expect(bin).toBe(tokensLine([1, 9843, 2]) + tokensLine([1, ...tok.encode('你好'), 2]));
    expect(decodeNpy2D(readFileSync(path.join(out, 'train/cn/part-00000.bin.meta')))).toEqual([
      [0, 3],
      [tokensLine([1, 9843, 2]).length, tok.encode('你好').length + 2],
    ]);
  });
  // New-user review 10 #3: a record the writer's tokenizer cannot read threw a bare SampleError
  // ("the record has no text") out of pipeline(); the message now names the stage that rejects it.
  it('a record that cannot be a sample names the tokenize stage', async () => {
    const w = new InternEvoWriter({ outDir: path.join(scratch, 'notext'), type: 'cn', tokenizer: tok });
    await expect(w.write([makeDoc({ raw_content: 'x' }, 'm:1')])).rejects.toThrow(/cannot be a sample \(no_text: .*put a 'tokenize' stage before the writer/);
    await w.abort();
  });
  it('never writes an empty shard, and leaves nothing on abort', async () => {
    const out = path.join(scratch, 'empty');
    const w = new InternEvoWriter({ outDir: out, tokenizer: tok });
    await w.close();
    expect(existsSync(out)).toBe(false);
    const out2 = path.join(scratch, 'aborted');
    const w2 = new InternEvoWriter({ outDir: out2, tokenizer: tok, maxShardBytes: 10 });
    await w2.write([makeDoc({ text: 'one' }, 'm:1'), makeDoc({ text: 'two' }, 'm:2')]);
    await w2.abort();
    expect(readdirSync(path.join(out2, 'train/en'))).toEqual([]);
  });
  it('rolls a shard over before it passes maxShardBytes, but always takes one line', async () => {
    const out = path.join(scratch, 'roll');
    const w = new InternEvoWriter({ outDir: out, tokenizer: tok, maxShardBytes: 1 });
    await w.write([makeDoc({ text: 'one' }, 'm:1'), makeDoc({ text: 'two' }, 'm:2')]);
    await w.close();
    expect(w.shards.map((s) => s.samples)).toEqual([1, 1]);
  });
  it("refuses an <i4 meta with shards over 2 GiB before writing anything: their offsets past 2^31 - 1 do not fit (F55)", async () => {
    const out = path.join(scratch, 'i4');
    const make = (maxShardBytes: number): InternEvoWriter => new InternEvoWriter({ outDir: out, tokenizer: tok, metaDtype: '<i4', maxShardBytes });
    expect(() => make(3 * 2 ** 30)).toThrow(/metaDtype '<i4' \(--meta-dtype\) holds byte offsets up to 2\^31 - 1, so a shard may be at most 2 GiB \(2147483648 bytes\); maxShardBytes \(--max-shard-size\) is 3221225472: give 2GiB or less, or metaDtype '<i8'/);
    expect(() => make(2 ** 31 + 1)).toThrow(/at most 2 GiB/);
    expect(existsSync(out)).toBe(false);
    // 2 GiB itself: every line of such a shard starts below 2^31; <i8 takes any size.
    expect(() => make(2 ** 31)).not.toThrow();
    expect(() => new InternEvoWriter({ outDir: out, tokenizer: tok, metaDtype: '<i8', maxShardBytes: 2 ** 40 })).not.toThrow();
    // Its siblings: a size that is no size (NaN passed the check and never rolled over), a dtype it cannot write.
    expect(() => make(Number.NaN)).toThrow(/maxShardBytes must be a whole number of bytes, 1 or more; got NaN/);
    expect(() => make(0)).toThrow(/maxShardBytes must be/);
    expect(() => new InternEvoWriter({ outDir: out, tokenizer: tok, metaDtype: '<i2' as never })).toThrow(/metaDtype must be '<i8' or '<i4'; got "<i2"/);
    // The encoder names a value past int32 itself (it was Node's own "out of range" words).
    expect(() => encodeNpy([2 ** 31, 5], 2, '<i4')).toThrow(/cell 0 \(2147483648\) does not fit <i4/);
    expect(decodeNpy2D(encodeNpy([2 ** 31 - 1, 5], 2, '<i4'))).toEqual([[2 ** 31 - 1, 5]]);
  });
  it('refuses to mix with shards already there unless told to overwrite, then removes stale ones', async () => {
    const out = path.join(scratch, 'again');
    const dir = path.join(out, 'train/en');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'part-00000.bin'), 'old');
    writeFileSync(path.join(dir, 'part-00001.bin'), 'old');
    writeFileSync(path.join(dir, 'part-00001.bin.meta'), 'old');
    const w = new InternEvoWriter({ outDir: out, tokenizer: tok });
    await expect(w.write([makeDoc({ text: 'x' }, 'm:1')])).rejects.toThrow(/already holds shards/);
    await w.abort();
    const w2 = new InternEvoWriter({ outDir: out, tokenizer: tok, overwrite: true });
    await w2.write([makeDoc({ text: 'x' }, 'm:1')]);
    await w2.close();
    expect(readdirSync(dir).sort()).toEqual(['part-00000.bin', 'part-00000.bin.meta']);
  });
});

describe('tokenize stage factory', () => {
  it('needs a tokenizer for internevo', () => {
    const o = resolveOptions('tokenize', tokenize.options, {});
    expect(() => tokenize.create(o)).toThrow(/tokenizer/);
  });
  it('rewrites records for xtuner-v1 and rejects short ones', async () => {
    const stage = await tokenize.create(resolveOptions('tokenize', tokenize.options, { tokenizer: modelPath, format: 'xtuner-v1', min_length: 5 }));
    const kept: JsonObject[] = [];
    const rejects: Reject[] = [];
    await pipeline({
      source: fromRecords([
        { text: 'a long enough pretraining text', id: 1 },
        { text: 'hi' },
        { conversation: [{ input: 'q', output: 'a', output_with_loss: false }] },
        { conversation: [{ input: 'q', output: 'a', output_with_loss: false }, { input: 'q2', output: 'a2' }] },
        { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a', weight: 0 }, { role: 'user', content: 'q2' }, { role: 'assistant', content: 'a2', weight: 1 }] },
      ]),
      stages: [stage],
      sink: { write: (b) => void kept.push(...b.map((d) => d.data)), close: async () => {}, abort: async () => {} },
      rejects: { push: (r) => rejects.push(r), close: async () => {}, abort: async () => {} },
    });
    expect(kept).toEqual([
      { content: 'a long enough pretraining text' },
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a', loss: false },
          { role: 'user', content: 'q2' },
          { role: 'assistant', content: 'a2' },
        ],
      },
      // OpenAI's weight: 0 is v1's loss: false (v1 forbids the weight key in a message).
      {
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a', loss: false },
          { role: 'user', content: 'q2' },
          { role: 'assistant', content: 'a2' },
        ],
      },
    ]);
    expect(rejects.map((r) => [r.source, r.reason])).toEqual([
      ['memory:2', 'too_short'],
      ['memory:3', 'no_target'],
    ]);
    expect(rejects[0].detail).toEqual({ tokens: 3, minLength: 5 });
  });
});
