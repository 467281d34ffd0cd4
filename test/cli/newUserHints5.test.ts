import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// review-newuser5: messages a new user met without a way forward.
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('review-newuser5 hints', { timeout: 120_000 }, () => {
  it('#29: convert --from with the wrong format names the format the records look like', async () => {
    const alpaca = join(ROOT, 'fixtures/convert/real/alpaca_zh_demo_llamafactory.jsonl');
    const r = await runCli(['convert', alpaca, '--from', 'sharegpt', '-o', '/dev/null']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[convert/convert:bad_message 20]');
    expect(r.stderr).toContain(
      'note: 20 of the 20 records convert rejected (--from sharegpt) look like alpaca (instruction, output); drop --from (convert tells the format of each record) or pass --from alpaca',
    );
    const sharegpt = join(ROOT, 'fixtures/convert/real/sharegpt_fastchat_dummy_conversation.jsonl');
    const s = await runCli(['convert', sharegpt, '--from', 'alpaca', '-o', '/dev/null']);
    expect(s.stderr).toMatch(/note: 20 of the 20 records convert rejected \(--from alpaca\) look like sharegpt \(conversations\); .*--from sharegpt/);
    const right = await runCli(['convert', alpaca, '--from', 'alpaca', '-o', '/dev/null']);
    expect(right.code).toBe(0);
    expect(right.stderr).not.toContain('look like');
  });
});
