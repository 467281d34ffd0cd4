import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// Hostile review 23 F9c: an input named like a file a command writes or removes beside its output
// was destroyed: 'cat .r.jsonl.owner --format jsonl -o o.jsonl --rejects r.jsonl' overwrote the
// input with the rejects' owner record (exit 0); an input named as the output's lock, its _FAILED
// marker or a dead process's temporary was deleted (exit 1, "it is gone"); '--stats
// .s5.jsonl.owner' beside '--rejects s5.jsonl' left the owner record where the stats were.
describe('an input that is a file the command writes or removes beside an output (F9c)', () => {
  it('is refused before anything is read (exit 2), the input kept', async () => {
    const d = await tempDir();
    const data = '{"text":"a b"}\n{"text":"c d"}\n';
    const cases = [
      ['.r.jsonl.owner', ['-o', 'o.jsonl', '--rejects', 'r.jsonl'], "is a file --rejects 'r.jsonl' writes or removes beside it (its owner record '.r.jsonl.owner')"],
      ['.o.jsonl.lock', ['-o', 'o.jsonl'], "is a file --output 'o.jsonl' writes or removes beside it (its lock '.o.jsonl.lock')"],
      ['o2.jsonl._FAILED', ['-o', 'o2.jsonl'], "is a file --output 'o2.jsonl' writes or removes beside it (its failure marker 'o2.jsonl._FAILED')"],
      ['.st.json.lock', ['-o', '/dev/null', '--stats', 'st.json'], "is a file --stats 'st.json' writes or removes beside it (its lock '.st.json.lock')"],
      ['.o5.jsonl.tmp-999999-1', ['-o', 'o5.jsonl'], "is a file --output 'o5.jsonl' writes or removes beside it (named as its temporaries and set-aside copies are"],
      ['.o6.jsonl.earlier-999999', ['-o', 'o6.jsonl'], "is a file --output 'o6.jsonl' writes or removes beside it (named as its temporaries and set-aside copies are"],
    ] as const;
    for (const [input, args, msg] of cases) {
      await writeFile(join(d, input), data);
      const r = await runCli(['cat', input, '--format', 'jsonl', ...args], { cwd: d });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`corpus-clean: the input '${input}' ${msg}`);
      expect(await readFile(join(d, input), 'utf8')).toBe(data);
    }
    await writeFile(join(d, 'in.jsonl'), data);
    const stats = await runCli(['cat', 'in.jsonl', '-o', 's4.jsonl', '--rejects', 's5.jsonl', '--stats', '.s5.jsonl.owner'], { cwd: d });
    expect(stats.code, stats.stderr).toBe(2);
    expect(stats.stderr).toContain("corpus-clean: --stats '.s5.jsonl.owner' is the owner record of --rejects 's5.jsonl' ('.s5.jsonl.owner'): the one would replace the other");
    // Other names are read and written as before.
    const ok = await runCli(['cat', 'in.jsonl', '-o', 'o.jsonl', '--rejects', 'r2.jsonl', '--stats', 's.json', '-q'], { cwd: d });
    expect(ok.code, ok.stderr).toBe(0);
  });
});
