import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/** A wrong --tokenizer file or a misspelt export target: one usage line (exit 2) that names the fix. */
describe('tokenizer and export target messages', () => {
  const BUNDLED = join(ROOT, 'fixtures/tokenizer/internlm2.model');

  it('a Hugging Face tokenizer.json or a missing model is a usage error in tokenize and export alike, naming the bundled model', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"hi"}\n');
    const hf = join(dir, 'tokenizer.json');
    await writeFile(hf, '{"version":"1.0","model":{"type":"BPE"}}\n');
    for (const args of [['tokenize', input], ['export', 'internevo', input, '-o', join(dir, 'ie')]]) {
      const r = await runCli([...args, '--tokenizer', hf]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--tokenizer '${hf}' is not a SentencePiece .model file (a Hugging Face tokenizer.json is not supported`);
      expect(r.stderr).toContain(`InternLM2's is bundled: --tokenizer ${BUNDLED}`);
      const missing = await runCli([...args, '--tokenizer', join(dir, 'nope.model')]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`tokenizer model '${join(dir, 'nope.model')}' not found`);
    }
  });

  it('a misspelt export target is named as such, with the closest target', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, '{"text":"hi"}\n');
    const r = await runCli(['export', 'xtuner', input, '-o', join(dir, 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("export: unknown target 'xtuner'; did you mean 'xtuner-v1'?");
  });
});
