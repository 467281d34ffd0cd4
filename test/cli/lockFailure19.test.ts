import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runNode, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Hostile review 15 F5: a write failure while taking the locks (a full disk) left the folders the
// command had made for -o, --rejects and --stats: preparing made every folder first, then took the
// locks, and a failure there came before the clean-up of a failed run.

const FAULTS = join(ROOT, 'test/helpers/faults.mjs');

/** `corpus-clean ARGS` with writes to paths matching `path` failing with ENOSPC. */
function fullDisk(args: string[], cwd: string, path: string): ReturnType<typeof runNode> {
  return runNode(['--import', FAULTS, CLI, ...args], { cwd, env: { FAULT: 'write', FAULT_PATH: path } });
}

describe('a full disk while taking the locks', () => {
  it('leaves none of the folders the command made: cat, export internevo, run', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"one record, with a few words in it."}\n{"text":"and a second one, as short."}\n');
    const cases: [string[], string][] = [
      [['cat', 'in.jsonl', '-o', 'sf/a/o.jsonl', '--stats', 'st/s.json'], '\\.s\\.json\\.lock$'],
      [['cat', 'in.jsonl', '-o', 'sf/a/o.jsonl', '--rejects', 'rj/r.jsonl'], '\\.o\\.jsonl\\.lock$'],
      [['cat', 'in.jsonl', '-o', 'od/x/', '--rejects', 'rj/r.jsonl'], 'x/\\.corpus-clean\\.lock$'],
      [['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '--type', 'en', '-o', 'ex/a/', '--rejects', 'rj/r.jsonl', '--stats', 'st/s.json'], 'train/en/\\.corpus-clean\\.lock$'],
      [['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '--type', 'en', '-o', 'ex/a/', '--rejects', 'rj/r.jsonl'], '\\.r\\.jsonl\\.lock$'],
      [['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', 'in.jsonl', '-o', 'rn/y'], 'y/\\.corpus-clean\\.lock$'],
    ];
    for (const [args, lock] of cases) {
      const r = await fullDisk([...args, '-q'], dir, lock);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(1);
      expect(r.stderr).toMatch(/error: cannot write '[^']*\.lock': ENOSPC/);
      expect((await readdir(dir)).sort(), args.join(' ')).toEqual(['in.jsonl']);
    }
  });
});
