import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAS_SHARED, ROOT, runCli, SHARED } from '../helpers/run.js';

// review-newuser5 #32: `cat alpaca.json | corpus-clean convert` read a pretty-printed JSON array as
// JSON Lines (one json_parse reject per line). stdin is now told apart as a `.json` file is.
const REAL = join(ROOT, 'fixtures/convert/real');

async function alpacaArray(indent: number | undefined): Promise<string> {
  const lines = (await readFile(join(REAL, 'alpaca_zh_demo_llamafactory.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
  return JSON.stringify(lines.map((l) => JSON.parse(l)), null, indent) + '\n';
}

describe('a JSON array on stdin is read as a JSON array', { timeout: 120_000 }, () => {
  it('a pretty-printed array (LLaMA-Factory, Alpaca) gives its elements, as the same file named .json does', async () => {
    const piped = await runCli(['convert', '--to', 'xtuner-openai'], { input: await alpacaArray(2) });
    expect(piped.stderr).toContain('read 20 = written 20 + rejected 0');
    expect(piped.code).toBe(0);
    const tool = join(REAL, 'sharegpt_toolcall_zh_demo_llamafactory.json');
    const fromStdin = await runCli(['convert', '--to', 'xtuner-openai'], { input: await readFile(tool) });
    const fromFile = await runCli(['convert', tool, '--to', 'xtuner-openai']);
    expect(fromStdin.code).toBe(fromFile.code);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    expect(fromStdin.stdout.split('\n').filter(Boolean).length).toBeGreaterThan(10);
    expect(fromStdin.stderr).not.toContain('json_parse');
  });

  it('a one-line array (json.dump without indent) gives its elements; gzip too', async () => {
    const one = await alpacaArray(undefined);
    const r = await runCli(['cat', '--text-field', 'output'], { input: one });
    expect(r.stderr).toContain('read 20 = written 20 + rejected 0');
    expect(r.code).toBe(0);
    const { gzipSync } = await import('node:zlib');
    const z = await runCli(['cat', '--text-field', 'output'], { input: gzipSync(await alpacaArray(1)) });
    expect(z.stderr).toContain('read 20 = written 20 + rejected 0');
  });

  it('JSON Lines stays JSON Lines: lines that hold arrays (--wrap-arrays), a single chat line, objects', async () => {
    const chat = '[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]';
    const two = await runCli(['convert', '--to', 'xtuner-openai'], { input: `${chat}\n${chat}\n` });
    expect(two.stderr).toContain('read 2 = written 2 + rejected 0');
    const one = await runCli(['convert', '--to', 'xtuner-openai'], { input: `${chat}\n` });
    expect(one.stderr).toContain('read 1 = written 1 + rejected 0');
    expect(JSON.parse(one.stdout).messages).toHaveLength(2);
    const plain = await runCli(['cat', '--no-require-text'], { input: `${chat}\n${chat}\n` });
    expect(plain.stderr).toContain('read 2 = written 0 + rejected 2 [read/not_object 2]');
    const objs = await runCli(['cat'], { input: '{"text":"a"}\n{"text":"b"}\n' });
    expect(objs.stdout).toBe('{"text":"a"}\n{"text":"b"}\n');
    const forced = await runCli(['cat', '--format', 'jsonl', '--text-field', 'output'], { input: await alpacaArray(2) });
    expect(forced.stderr).toMatch(/read\/json_parse/);
  });

  it.runIf(HAS_SHARED)('the review\'s command: the 1,000-sample LLaMA-Factory file on stdin', async () => {
    const r = await runCli(['convert', '-o', '/dev/null'], { input: await readFile(join(SHARED, 'sft/alpaca_zh_demo_llamafactory.json')) });
    expect(r.stderr).toContain('read 1000 = written 1000 + rejected 0');
    expect(r.code).toBe(0);
  });
});
