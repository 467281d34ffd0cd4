import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { showLines, showText } from '../../src/core/show.js';
import { runCli, tempDir } from '../helpers/run.js';

// A hostile corpus must not reach the operator's terminal raw (review M7): record keys and file
// names with ESC/BEL/newline could clear the screen, retitle it or forge an accounting line.
const EVIL = '\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\nforged: read 1 = written 1';

describe('data shown on stderr is escaped', () => {
  it('showText escapes control and bidi characters, keeps the rest', () => {
    expect(showText('plain 中文 name.jsonl')).toBe('plain 中文 name.jsonl');
    expect(showText('a\x1b[2Jb\nc\x07\u202ed')).toBe('a\\x1b[2Jb\\x0ac\\x07\\u{202e}d');
    expect(showLines('one\x1b\ntwo')).toBe('one\\x1b\ntwo');
  });

  it('record keys in the text_missing note', async () => {
    const line = JSON.stringify({ [EVIL]: 'no text' });
    const r = await runCli(['cat', '--allow-empty', '--max-reject-rate', '1'], { input: `${line}\n${line}\n` });
    expect(r.stderr).toMatch(/keys seen: \\x1b\]0;pwned\\x07/);
    expect(r.stderr).not.toMatch(/[\x07\x1b]/);
    expect(r.stderr.split('\n').some((l) => l.startsWith('forged'))).toBe(false);
  });

  it('file names in the per-file lines, warnings and errors', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'in'));
    await writeFile(join(dir, 'in', `x${EVIL}.jsonl`), '{"text":"hello there"}\n');
    await writeFile(join(dir, 'in', 'y.jsonl'), '{"nottext":"a"}\n');
    const r = await runCli(['cat', join(dir, 'in'), '-o', join(dir, 'out.jsonl'), '--max-reject-rate', '1']);
    expect(r.stderr).toMatch(/x\\x1b\]0;pwned\\x07\\x1b\[2J\\x1b\[31mRED\\x0aforged: read 1 = written 1\.jsonl: read 1 = written 1/);
    expect(r.stderr).not.toMatch(/[\x07\x1b]/);
    expect(r.stderr.split('\n').some((l) => l.startsWith('forged'))).toBe(false);
  });
});
