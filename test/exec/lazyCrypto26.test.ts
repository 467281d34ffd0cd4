import { createHash as nodeHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from '../../src/core/lazyBuiltins.js';
import { fileSha256, sha256Hex } from '../../src/io/fileHash.js';
import { CLI, runNode, tempDir } from '../helpers/run.js';

// Issue #16 (speed26b): node:crypto is loaded when a file is hashed, not at every run's start (a
// plain recipe hashes nothing: no side file, no stage module of its own).

describe('node:crypto loaded on use (issue #16, speed26b)', () => {
  let dir = '';
  let builtins: string[] = [];
  let code = -1;
  let stderr = '';

  beforeAll(async () => {
    dir = await tempDir();
    const pre = join(dir, 'pre.cjs');
    await writeFile(pre, "process.on('exit', () => require('fs').writeSync(2, process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => 'BUILTIN ' + m.slice(13) + '\\n').join('')));\n");
    await writeFile(join(dir, 'one.jsonl'), JSON.stringify({ text: 'The cat sat on the mat in the warm light of the afternoon.' }) + '\n');
    await writeFile(join(dir, 'plain.yaml'), 'stages:\n  - normalize: {}\noutput:\n  compression: none\n');
    const r = await runNode(['-r', pre, CLI, 'run', join(dir, 'plain.yaml'), '-i', join(dir, 'one.jsonl'), '-o', join(dir, 'out'), '-q', '--workers', '1']);
    code = r.code;
    stderr = r.stderr;
    builtins = [...r.stderr.matchAll(/^BUILTIN (\S+)$/gm)].map((m) => m[1]);
  });

  it('a run of a plain recipe does not load it', () => {
    expect(code, stderr).toBe(0);
    expect(builtins).toContain('fs'); // the preload saw the run's built-ins
    expect(builtins.filter((m) => m === 'crypto' || m.startsWith('internal/crypto/'))).toEqual([]);
  });

  it('hashes as node:crypto does once asked', async () => {
    const bytes = Buffer.from('corpus-clean \u00e9\n'.repeat(1000));
    const want = nodeHash('sha256').update(bytes).digest('hex');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(want);
    expect(sha256Hex(bytes)).toBe(want);
    const f = join(dir, 'side.txt');
    await writeFile(f, bytes);
    expect(fileSha256(f)).toBe(want);
    expect(await readFile(join(dir, 'out', '_SUCCESS'), 'utf8')).toContain('"exit_code":0');
  });
});
