import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 22 H8: shard-named files no manifest of corpus-clean lists are left alone (20 F5),
// but a _SUCCESS that was not corpus-clean's JSON (`echo done > _SUCCESS`) counted every one of them
// as listed: `cat a.jsonl -o uf/ --overwrite` exited 0 and deleted another tool's part-00007.jsonl.
// A marker that does not read as our manifest now lists none, as an empty (Spark's) one does.
describe('a completion marker that is not corpus-clean\'s manifest (H8)', () => {
  it('lists no shard: the folder and the shard set are refused (exit 2), their files left as they were', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'a.jsonl'), '{"text":"a b"}\n{"text":"c d"}\n{"text":"e f"}\n');
    const mine = '{"text":"not corpus-clean\'s"}\n';
    await mkdir(join(d, 'uf'));
    await writeFile(join(d, 'uf/_SUCCESS'), 'done\n');
    for (const n of ['part-00000.jsonl', 'part-00007.jsonl']) await writeFile(join(d, 'uf', n), mine);
    const folder = await runCli(['cat', 'a.jsonl', '-o', 'uf/', '--overwrite'], { cwd: d });
    expect(folder.code, folder.stderr).toBe(2);
    expect(folder.stderr).toContain(
      "corpus-clean: output folder 'uf/' holds 'part-00000.jsonl' and 1 more named like its shards, but its _SUCCESS is not a manifest of corpus-clean (not the JSON it writes), so it lists no shard: not written by corpus-clean (or its manifest is gone), so they are left alone, with or without --overwrite",
    );
    expect((await readdir(join(d, 'uf'))).sort()).toEqual(['_SUCCESS', 'part-00000.jsonl', 'part-00007.jsonl']);
    expect(await readFile(join(d, 'uf/part-00007.jsonl'), 'utf8')).toBe(mine);

    await mkdir(join(d, 'us'));
    await writeFile(join(d, 'us/o.jsonl._SUCCESS'), '{"shards": "all"}\n');
    for (const n of ['o-00000.jsonl', 'o-00007.jsonl']) await writeFile(join(d, 'us', n), mine);
    const set = await runCli(['cat', 'a.jsonl', '-o', 'us/o.jsonl', '--shard-records', '2', '--overwrite'], { cwd: d });
    expect(set.code, set.stderr).toBe(2);
    expect(set.stderr).toContain("but the o.jsonl._SUCCESS there is not a manifest of corpus-clean (not the JSON it writes), so it lists no shard");
    expect((await readdir(join(d, 'us'))).sort()).toEqual(['o-00000.jsonl', 'o-00007.jsonl', 'o.jsonl._SUCCESS']);

    // corpus-clean's own folder and shard set are still replaced by --overwrite.
    for (const o of [['own/'], ['own.jsonl', '--shard-records', '1']]) {
      expect((await runCli(['cat', 'a.jsonl', '-o', ...o, '-q'], { cwd: d })).code).toBe(0);
      const again = await runCli(['cat', 'a.jsonl', '-o', ...o, '--overwrite', '-q'], { cwd: d });
      expect(again.code, again.stderr).toBe(0);
    }
  });
});
