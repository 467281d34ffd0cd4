import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactRaw, inexactNumberIn, inexactToken } from '../../src/io/json.js';
import { readFiles } from '../../src/io/readers/index.js';
import { SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { drain, runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

/**
 * Issue #10, "never change a value silently": numbers a double cannot hold as written, beyond
 * big integers, 1e400 and -0 (an underflow, digits beyond a double's), keep their text.
 */

/** Tokens a double does not hold as written (String(Number(t)) is another decimal value). */
const INEXACT = ['1.5e-400', '1.0000000000000000001', '123456789012345678901234567890.5', '4.9e-324', '2.2250738585072011e-308', '-0.0', '1e400', '18446744073709551617', '0.10000000000000000001', '1E-400', '-2.5e-330'];
/** Tokens it holds (another spelling of the same value may be written for them). */
const EXACT = ['0.1', '1e21', '0.1e1', '1E2', '1.50', '5e-324', '2.225073858507201e-308', '0', '0e0', '1e-300', '123456789012345', '0.000000000000000000001', '9007199254740992', '1.7976931348623157e308'];

/** The file of the issue: one record per number, then all of them nested in one record. */
const VALUES = ['1.5e-400', '1.0000000000000000001', '123456789012345678901234567890.5', '4.9e-324', '2.2250738585072011e-308', '0.1', '1e21', '-0.0'];
const FILE = VALUES.map((v) => `{"text":"t","n":${v}}`).join('\n') + `\n{"text":"all","m":{"a":[${VALUES.join(',')}]}}\n`;

describe('numbers a double cannot hold as written', () => {
  it('inexactToken tells them from the spellings of a value a double holds', () => {
    for (const t of INEXACT) expect(inexactToken(t), t).toBe(true);
    for (const t of EXACT) expect(inexactToken(t), t).toBe(false);
  });

  it('inexactNumberIn finds them among a text s tokens, not inside strings', () => {
    for (const t of INEXACT.filter((x) => x !== '-0.0' && x !== '1e400' && x !== '18446744073709551617')) {
      expect(inexactNumberIn(`{"a":"x","b":[1,{"c":${t}}]}`), t).toBe(true);
      expect(inexactNumberIn(`{"a":"${t}","b":[1,{"c":2}]}`), t).toBe(false);
    }
    for (const t of EXACT) expect(inexactNumberIn(`{"b":[${t}]}`), t).toBe(false);
  });

  it('a plain cat gives back the bytes of each (JSONL)', async () => {
    const r = await runCli(['cat', '-q'], { input: FILE });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(FILE);
  });

  it('a JSON array input keeps them too', async () => {
    const dir = await tempDir();
    const f = join(dir, 'a.json');
    await writeFile(f, `[\n${FILE.trim().split('\n').join(',\n')}\n]\n`);
    const r = await runCli(['cat', f, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(FILE);
  });

  it('a stage that changes the record writes them as their input text', async () => {
    const input = FILE.replaceAll('"text":"t"', '"text":"t \\t"');
    const r = await runCli(['normalize', '-q'], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(FILE);
  });

  it('a record a stage rejects keeps them in the rejects file, in its record and its raw line (hostile review 7 F14)', async () => {
    const dir = await tempDir();
    const rej = join(dir, 'r.jsonl');
    const line = '{"text":"a","n":18446744073709551617,"f":1.0000000000000000001,"u":1.5e-400,"z":-0}';
    const r = await runCli(['quality', '--preset', 'web-en', '-o', '/dev/null', '--rejects', rej, '--max-reject-rate', '1', '--allow-empty', '-q'], { input: `${line}\n` });
    expect(r.code, r.stderr).toBe(0);
    const out = (await readFile(rej, 'utf8')).trim();
    expect(out).toContain(`"record":${line},"attrs":{"quality":`);
    expect((JSON.parse(out) as { raw: string }).raw).toBe(line);
    // A stage that changed the record before another rejected it: the changed record, with the input's digits.
    const r2 = await runCli(['dedup', '--method', 'exact', '-o', '/dev/null', '--rejects', rej, '--overwrite', '-q'], { input: `${line}\n${line}\n` });
    expect(r2.code, r2.stderr).toBe(0);
    expect(await readFile(rej, 'utf8')).toContain(`"record":${line},"detail":{"survivor":`);
  });

  it('repair keeps them where their fields go, and a number made a string is its digits', async () => {
    const dir = await tempDir();
    const schema = join(dir, 's.yaml');
    await writeFile(schema, 'name: s\ntext: text\nfields:\n  text: {type: string, required: true}\n  count: {type: number, aliases: [n]}\n  label: {type: string}\n');
    const r = await runCli(['repair', '-', '-q', '--schema', schema], { input: '{"text":"x","n":1.0000000000000000001,"label":1.5e-400,"m":[4.9e-324,2.2250738585072011e-308]}\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"text":"x","count":1.0000000000000000001,"label":"1.5e-400","m":[4.9e-324,2.2250738585072011e-308]}\n');
  });

  it('JSONL -> Parquet -> JSONL gives back the bytes: a top-level one takes a JSON column, not a DOUBLE', async () => {
    const dir = await tempDir();
    const out = join(dir, 'o.parquet');
    // One shape per file: Parquet gives a field a record lacks back as null.
    const [flat, nested] = [FILE.split('\n').slice(0, -2).join('\n') + '\n', FILE.split('\n').at(-2) + '\n'];
    for (const input of [flat, nested]) {
      const w = await runCli(['cat', '-', '-q', '-o', out, '--overwrite'], { input });
      expect(w.code, w.stderr).toBe(0);
      const back = await runCli(['cat', out, '-q']);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toBe(input);
    }
    // A column of doubles where one record's value a double cannot hold: JSON, each value's text.
    const input = '{"text":"a","x":0.5}\n{"text":"b","x":1.0000000000000000001}\n{"text":"c","x":4.9e-324}\n';
    const out2 = join(dir, 'o2.parquet');
    expect((await runCli(['cat', '-', '-q', '-o', out2], { input })).code).toBe(0);
    expect((await runCli(['cat', out2, '-q'])).stdout).toBe(input);
  });

  it('a Parquet column holding both 0 and -0 keeps each (hostile review 7 F4: the writer wrote all as the first)', async () => {
    const dir = await tempDir();
    const input = '{"text":"a","z":0}\n{"text":"b","z":-0}\n{"text":"c","z":0}\n{"text":"d","z":-0}\n{"text":"e","z":0.5}\n';
    const out = join(dir, 'z.parquet');
    expect((await runCli(['cat', '-', '-q', '-o', out], { input })).code).toBe(0);
    const d = await drain(readFiles([out]));
    expect(d.docs.map((x) => exactRaw(x.data) ?? JSON.stringify(x.data))).toEqual(input.trimEnd().split('\n'));
  });
});

describe('convert keeps the digits of the numbers it moves (tool arguments, tool lists, kept fields)', () => {
  // ShareGPT: call and tool list as JSON strings; OpenAI: arguments and tools as objects of the record.
  const input = [
    String.raw`{"conversations":[{"from":"human","value":"q"},{"from":"function_call","value":"{\"name\": \"f\", \"arguments\": {\"id\": 18446744073709551617, \"x\": 1.0000000000000000001}}"},{"from":"observation","value":"ok"},{"from":"gpt","value":"done"}],"tools":"[{\"name\": \"f\", \"parameters\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\", \"maximum\": 18446744073709551615}}}}]","n":1.5e-400}`,
    String.raw`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"f","arguments":{"id":18446744073709551617,"y":4.9e-324}}}]},{"role":"tool","content":"ok"},{"role":"assistant","content":"done"}],"tools":[{"name":"f","parameters":{"maximum":9223372036854775807}}],"n":1.0000000000000000001}`,
  ].join('\n') + '\n';

  it('to XTuner v1 messages: arguments strings, tools and kept fields with their input digits', async () => {
    const r = await runCli(['convert', '-', '-q', '--to', 'xtuner-openai', '--keep', 'n'], { input });
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = r.stdout.trim().split('\n');
    expect(a).toContain(String.raw`"arguments":"{\"id\":18446744073709551617,\"x\":1.0000000000000000001}"`);
    expect(a).toContain('"maximum":18446744073709551615');
    expect(a).toMatch(/"n":1\.5e-400}$/);
    expect(b).toContain(String.raw`"arguments":"{\"id\":18446744073709551617,\"y\":4.9e-324}"`);
    expect(b).toContain('"tools":[{"name":"f","parameters":{"maximum":9223372036854775807}}]');
    expect(b).toMatch(/"n":1\.0000000000000000001}$/);
  });

  it('to XTuner v0 conversation: the action text and the tool list in the system prompt', async () => {
    const r = await runCli(['convert', '-', '-q', '--to', 'xtuner-conversation', '--keep', 'n', '--tool-results', 'input'], { input });
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = r.stdout.trim().split('\n');
    expect(a).toContain(String.raw`{\"name\":\"f\",\"parameters\":{\"id\":18446744073709551617,\"x\":1.0000000000000000001}}<|action_end|>`);
    expect(a).toContain(String.raw`\"maximum\":18446744073709551615}`);
    expect(b).toContain(String.raw`\"parameters\":{\"id\":18446744073709551617,\"y\":4.9e-324}}<|action_end|>`);
    expect(b).toContain(String.raw`"system":"[{\"name\":\"f\",\"parameters\":{\"maximum\":9223372036854775807}}]"`);
    expect(b).toMatch(/"n":1\.0000000000000000001}$/);
  });
});

describe('export keeps the digits of call arguments and tools', () => {
  const input = '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"","tool_calls":[{"type":"function","function":{"name":"f","arguments":{"id":18446744073709551617,"y":4.9e-324}}}]},{"role":"tool","content":"ok"},{"role":"assistant","content":"done"}],"tools":[{"name":"f","parameters":{"maximum":9223372036854775807,"m":1.0000000000000000001}}]}\n';

  it('xtuner-v1: the arguments string and the tools', async () => {
    const dir = await tempDir();
    const f = join(dir, 'in.jsonl');
    await writeFile(f, input);
    const r = await runCli(['export', 'xtuner-v1', f, '-o', join(dir, 'v1.jsonl'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const out = await readFile(join(dir, 'v1.jsonl'), 'utf8');
    expect(out).toContain(String.raw`"arguments":"{\"id\":18446744073709551617,\"y\":4.9e-324}"`);
    expect(out).toContain('"tools":[{"name":"f","parameters":{"maximum":9223372036854775807,"m":1.0000000000000000001}}]');
  });

  it('internevo: the tokens of the action text and the plugin system turn', async () => {
    const dir = await tempDir();
    const f = join(dir, 'in.jsonl');
    await writeFile(f, input);
    const r = await runCli(['export', 'internevo', f, '--tokenizer', TOKENIZER_MODEL, '--type', 'sft', '-o', join(dir, 'ie'), '-q']);
    expect(r.code, r.stderr).toBe(0);
    const line = (await readFile(join(dir, 'ie/train/sft/part-00000.bin'), 'utf8')).trim();
    const tok = SentencePieceTokenizer.loadSync(TOKENIZER_MODEL);
    const text = tok.decode((JSON.parse(line).tokens as number[]).map((x) => Math.abs(x)));
    expect(text).toContain('{"name":"f","parameters":{"id":18446744073709551617,"y":4.9e-324}}<|action_end|>');
    expect(text).toContain('[{"name":"f","parameters":{"maximum":9223372036854775807,"m":1.0000000000000000001}}]');
  });
});

describe('Parquet DECIMAL columns read as exact decimals', () => {
  it('DECIMAL(38,2), DECIMAL(18,4), DECIMAL(9,3): every digit, through cat to JSONL and back through Parquet', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const dec = (name: string, type: 'INT32' | 'INT64' | 'FIXED_LEN_BYTE_ARRAY', precision: number, scale: number): Record<string, unknown> => ({
      name,
      type,
      ...(type === 'FIXED_LEN_BYTE_ARRAY' ? { type_length: 16 } : {}),
      converted_type: 'DECIMAL',
      precision,
      scale,
      repetition_type: 'OPTIONAL',
      logical_type: { type: 'DECIMAL', precision, scale },
    });
    const schema = [{ name: 'root', num_children: 4 }, { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }, dec('big', 'FIXED_LEN_BYTE_ARRAY', 38, 2), dec('i64', 'INT64', 18, 4), dec('i32', 'INT32', 9, 3)];
    const buf = parquetWriteBuffer({
      schema: schema as never,
      columnData: [
        { name: 'text', data: ['a', 'b', 'c'] },
        { name: 'big', data: [12345678901234567890123456789012n, -7n, null] },
        { name: 'i64', data: [123456789012345678n, 1000n, -5n] },
        { name: 'i32', data: [123456789n, 70n, null] },
      ],
    });
    const dir = await tempDir();
    const f = join(dir, 'd.parquet');
    await writeFile(f, Buffer.from(buf));
    const want = [
      '{"text":"a","big":123456789012345678901234567890.12,"i64":12345678901234.5678,"i32":123456.789}',
      '{"text":"b","big":-0.07,"i64":0.1,"i32":0.07}',
      '{"text":"c","big":null,"i64":-0.0005,"i32":null}',
      '',
    ].join('\n');
    const r = await runCli(['cat', f, '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(want);
    const f2 = join(dir, 'd2.parquet');
    expect((await runCli(['cat', f, '-q', '-o', f2])).code).toBe(0);
    expect((await runCli(['cat', f2, '-q'])).stdout).toBe(want);
  });
});
