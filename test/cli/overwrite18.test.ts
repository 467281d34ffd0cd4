import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Follow-ups of the reviews of session 17 about --overwrite (/work/notes/old17/review-hostile17.md
// F4, review-newuser17.md F3, F8).

const GOOD = ['{"text":"the first good record of the earlier output"}', '{"text":"the second good record"}', '{"text":"the third"}'].join('\n') + '\n';

/** Every file under `dir` (names relative to it) with its bytes, hidden ones included. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    out[p.slice(dir.length + 1)] = (await readFile(p)).toString('base64');
  }
  return out;
}

// hostile review 17 F4: a failed `cat bad -o RUN/ --overwrite --rejects RUN/_rejects.jsonl.zst
// --stats RUN/_stats.json` put the run back but then wrote its own _stats.json beside the run's
// _SUCCESS, and its error line pointed at the run's rejects as if they were its own (fixed by
// 7dace68; this is the finding's case).
describe("a failed --overwrite of a run folder with --rejects and --stats at the run's own names", () => {
  it('leaves the whole run as it was, and its error line does not point at the run\'s rejects', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), GOOD);
    await writeFile(join(dir, 'bad.jsonl'), '{"text":"one good record"}\n{"id":1}\n{"id":2}\n');
    await writeFile(join(dir, 'r.yaml'), 'name: r\nstages:\n  - normalize: {}\n');
    const made = await runCli(['run', 'r.yaml', '-i', 'in.jsonl', '-o', 'RUN', '-q'], { cwd: dir });
    expect(made.code, made.stderr).toBe(0);
    const before = await snapshot(join(dir, 'RUN'));
    const failed = await runCli(['cat', 'bad.jsonl', '-o', 'RUN/', '--overwrite', '--rejects', 'RUN/_rejects.jsonl.zst', '--stats', 'RUN/_stats.json'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("note: the earlier output 'RUN/' is kept as it was");
    expect(failed.stderr).not.toContain('see RUN/_rejects.jsonl.zst');
    expect(await snapshot(join(dir, 'RUN'))).toEqual(before);
    const status = await runCli(['status', 'RUN'], { cwd: dir });
    expect(status.code, status.stdout).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'RUN', '_stats.json'), 'utf8')).command).toBe('run');
  });
});
