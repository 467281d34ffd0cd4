import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCliAll, tempDir } from '../helpers/run.js';
import { smallTokenizer } from '../helpers/smallTokenizer.js';

// Hostile review 24 E1: an export whose input lay in a type folder it writes (the valid/ side of
// --valid-fraction, or train/TYPE itself) was refused as reading "an unfinished output (PID ...
// is still writing it)", the PID its own: it had locked that folder before reading its inputs.
// Beside -o DIR/train/TYPE the valid/ side was not checked at all: with the advice's
// --allow-unfinished (and --overwrite) it wrote its held-out shards beside the input, exit 0.
// Now refused, exit 2, before anything is locked or made: the folder holds the input.

type Result = Awaited<ReturnType<typeof runCliAll>>[number];
let dir: string;
let r: Result[];
const RECORDS = Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `record ${i} of this test, with a few words` })).join('\n') + '\n';

beforeAll(async () => {
  dir = await tempDir();
  const tok = await smallTokenizer();
  for (const d of ['ex/valid/en', 'dd/valid/en', 'df/valid/en', 'sv/valid/en']) await mkdir(join(dir, d), { recursive: true });
  for (const f of ['ex/valid/en/in.jsonl', 'dd/valid/en/x.jsonl', 'df/valid/en/x.jsonl', 'sv/valid/en/in.jsonl']) await writeFile(join(dir, f), RECORDS);
  const ex = (...a: string[]): string[] => ['export', 'internevo', '-t', tok, '-q', ...a];
  r = await runCliAll(
    [
      ex('ex/valid/en/in.jsonl', '-o', 'ex', '--valid-fraction', '0.1'),
      ex('dd/valid/en/x.jsonl', '-o', 'dd/train/en', '--valid-fraction', '0.1', '--overwrite', '--allow-unfinished'),
      ex('df/valid', '-o', 'df/train/en', '--valid-fraction', '0.1'),
      ex('sv/valid/en/in.jsonl', '-o', 'sv', '--split', 'valid'),
    ],
    { cwd: dir },
  );
}, 300_000);

describe('an export whose input lies in a type folder it writes (E1)', () => {
  it('is refused (exit 2) as holding the input, not as an unfinished output of its own PID', () => {
    for (const x of r) {
      expect(x.code, x.stderr).toBe(2);
      expect(x.stderr).not.toContain('still writing');
      expect(x.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(r[0].stderr).toContain("--output folder 'ex/valid/en' (where --valid-fraction writes the samples it holds out) holds the input 'ex/valid/en/in.jsonl'");
    expect(r[1].stderr).toContain("--output folder 'dd/valid/en' (where --valid-fraction writes the samples it holds out) holds the input 'dd/valid/en/x.jsonl'");
    expect(r[2].stderr).toContain("--output 'df/valid/en' lies inside the input folder 'df/valid'");
    expect(r[3].stderr).toContain("--output folder 'sv/valid/en' holds the input 'sv/valid/en/in.jsonl'");
  });

  it('leaves the input and its folder as they were, nothing made or locked', async () => {
    for (const [root, file] of [['ex', 'in.jsonl'], ['dd', 'x.jsonl'], ['df', 'x.jsonl'], ['sv', 'in.jsonl']]) {
      expect(await readdir(join(dir, root, 'valid/en'))).toEqual([file]);
      expect(await readFile(join(dir, root, 'valid/en', file), 'utf8')).toBe(RECORDS);
      expect(existsSync(join(dir, root, 'train'))).toBe(false);
    }
  });
});
