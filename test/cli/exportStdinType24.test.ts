import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

type Result = Awaited<ReturnType<typeof runCli>>;

// New-user review 24 N11: `cat zh.jsonl | export internevo -o D` wrote Chinese text to D/train/en/
// with no word, where the same file given by name went to D/train/cn/ with a note. Standard input
// is not read ahead: its first records are sniffed as they are written and the type said after.
describe('export internevo from standard input: the type it could not choose is said (N11)', () => {
  const zh = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `这家店的外卖很好吃，第${i}次点了，送餐也很快，下次还会再来。` })).join('\n') + '\n';
  const en = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `Record ${i}: the quick brown fox jumps over the lazy dog.` })).join('\n') + '\n';
  const r: Record<string, Result> = {};
  beforeAll(async () => {
    const cwd = await tempDir();
    const ex = (...a: string[]): string[] => ['export', 'internevo', '--tokenizer', TOKENIZER_MODEL, '-q', ...a];
    r.zh = await runCli(ex('-o', 'zh'), { cwd, input: zh });
    r.hold = await runCli(ex('-', '-o', 'hold', '--valid-fraction', '0.2'), { cwd, input: zh });
    r.mixed = await runCli(ex('-o', 'mixed'), { cwd, input: en + zh.split('\n').slice(0, 5).join('\n') + '\n' });
    r.en = await runCli(ex('-o', 'en'), { cwd, input: en });
    r.typed = await runCli(ex('-o', 'typed', '--type', 'cn'), { cwd, input: zh });
  }, 300_000);

  it('warns when most of the first records are Chinese, naming --type cn', () => {
    for (const k of ['zh', 'hold', 'mixed', 'en', 'typed']) expect(r[k].code, `${k}: ${r[k].stderr}`).toBe(0);
    expect(r.zh.stderr).toMatch(/warning: wrote to train\/en\/, but 30 of the first 30 records hold mostly Chinese \(Han\) text: standard input is not read ahead .*--type cn/);
    expect(r.hold.stderr).toMatch(/warning: wrote to train\/en\/ and valid\/en\/, but 30 of the first 30 records hold mostly Chinese/);
  });

  it('notes a few Chinese records, and says nothing for English or a given --type', () => {
    expect(r.mixed.stderr).toMatch(/note: wrote to train\/en\/: 5 of the first 35 records hold mostly Chinese \(Han\) text and went there too/);
    expect(r.en.stderr).not.toMatch(/Chinese/);
    expect(r.typed.stderr).not.toMatch(/Chinese/);
  });
});
