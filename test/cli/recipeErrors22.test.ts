import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 21 N5: a quality option a recipe got wrong ('skip: [zh_quality:min_char]') was
// refused as 'quality: option 'skip': unknown rule ...', naming neither the recipe file nor the
// stage, and only after the other stages' errors had been fixed one run at a time.
describe('a recipe whose stage refuses its options as it is made', () => {
  it('names the recipe file and the stage index, and says every such stage at once', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), '{"text":"hello"}\n');
    await writeFile(join(dir, 'my.yaml'), 'name: my\nstages:\n  - normalize: {}\n  - quality:\n      preset: web-zh\n      skip: [zh_quality:min_char]\n  - quality:\n      skip: [bogus_rule]\n');
    const r = await runCli(['run', 'my.yaml', '-i', 'in.jsonl', '-o', 'out'], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("my.yaml: stages[1] (quality): option 'skip': unknown rule or group 'zh_quality:min_char'; did you mean 'zh_quality:min_chars'?");
    expect(r.stderr).toContain("my.yaml: stages[2] (quality): option 'skip': unknown rule or group 'bogus_rule'");
  });
});
