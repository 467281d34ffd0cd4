import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, runNode, CLI, tempDir } from '../helpers/run.js';

// ux14's note: a resume on an install with another zstd codec than the run's finished tasks wrote
// with was said only at the end (the merge's note on several codecs); it is warned about before
// the work, so the user can resume on the first install instead.
describe('a resume with another zstd codec', () => {
  it('is warned about when it starts; the same install resumes without a word', async () => {
    const dir = await tempDir();
    const out = join(dir, 'o');
    const args = ['run', join(ROOT, 'rules/recipes/sample.yaml'), '-i', join(ROOT, 'fixtures/sample'), '-o', out, '--workers', '1'];
    const failing = { CORPUS_CLEAN_FAIL_UNIT: '2-tasks/0' };
    expect((await runCli([...args, '-q'], { env: failing })).code).toBe(1);
    const other = await runNode(['--require', join(ROOT, 'test/helpers/noZstdAddon.cjs'), CLI, ...args, '-q'], { env: failing });
    expect(other.code).toBe(1);
    const warning = other.stderr.split('\n').find((l) => l.startsWith('corpus-clean run: warning: the finished tasks of this run wrote their .zst files with '));
    // Where the addon is not installed, both attempts use the same fallback: nothing to warn of.
    const { zstdCodecsHere } = await import('../../src/io/zstdEncode.js');
    if ((await zstdCodecsHere())[0] !== '@toondepauw/node-zstd') return expect(warning).toBeUndefined();
    expect(warning).toMatch(/with @toondepauw\/node-zstd [^,]+, and this install writes with zstd-codec [^:]+: the resumed run's \.zst files decode to the same records, but their compressed bytes differ from those of a run on one install \(resume on the first install, or start over with --overwrite, for byte-identical output\)$/);
    const same = await runCli([...args, '-q'], { env: failing });
    expect(same.code).toBe(1);
    expect(same.stderr).not.toContain('warning: the finished tasks');
  }, 120_000);
});
