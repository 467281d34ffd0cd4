import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { notOwnSideFile } from '../../src/io/writers/ownSideFile.js';
import { runCli, runCliAll, tempDir } from '../helpers/run.js';

// Hostile review 12 H1: `--rejects FILE` and `--stats FILE` replaced any existing file
// (`echo precious > mine.txt; cat in.jsonl --rejects mine.txt -o z.jsonl` -> exit 0, mine.txt
// emptied). Now only a rejects or stats file corpus-clean wrote (or an empty one) is replaced
// without --overwrite; any other is refused before anything is read, as an existing -o file is.

let dir: string;
const input = [1, 2, 3].map((i) => JSON.stringify({ text: `The record number ${i} says something of its own here, in a sentence or two of plain words.` })).join('\n') + '\nnot json\n';

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'in.jsonl'), input);
});

/** Every command that takes --rejects and --stats, writing its output to `out`. */
const COMMANDS: [string, (out: string) => string[]][] = [
  ['cat', (o) => ['cat', 'in.jsonl', '-o', `${o}.jsonl`]],
  ['a stage (normalize)', (o) => ['normalize', 'in.jsonl', '-o', `${o}.jsonl`]],
  ['paragraphs', (o) => ['paragraphs', 'in.jsonl', '-o', `${o}.jsonl`]],
  ['convert', (o) => ['convert', 'in.jsonl', '--to', 'pretrain-text', '-o', `${o}.jsonl`]],
  ['export xtuner-v1', (o) => ['export', 'xtuner-v1', 'in.jsonl', '-o', `${o}.jsonl`]],
  ['dedup-disk', (o) => ['dedup-disk', 'in.jsonl', '--work', `${o}.work`, '-o', `${o}.jsonl`]],
];

describe('an existing --rejects/--stats file that corpus-clean did not write (H1)', () => {
  it.each(COMMANDS)('%s: refused, exit 2, naming --overwrite; the file kept and nothing written', async (name, args) => {
    const tag = name.replace(/\W+/g, '_');
    await writeFile(join(dir, `${tag}.mine.rej`), 'precious\n');
    await writeFile(join(dir, `${tag}.mine.json`), '{"settings": {"a": 1}}\n');
    const [r, s] = await runCliAll(
      [
        [...args(`${tag}.o1`), '--rejects', `${tag}.mine.rej`, '--max-reject-rate', '1'],
        [...args(`${tag}.o2`), '--stats', `${tag}.mine.json`, '--max-reject-rate', '1'],
      ],
      { cwd: dir },
    );
    expect(r.stderr).toContain(`--rejects file '${tag}.mine.rej' already exists and its first line is not a reject of corpus-clean (a JSON object of stage, reason and source, then only record, attrs, raw, raw_base64, detail): replacing it would destroy it; remove it, name another file, or pass --overwrite`);
    expect(r.code).toBe(2);
    expect(s.stderr).toContain(`--stats file '${tag}.mine.json' already exists and it is not a stats file of corpus-clean (a JSON object beginning with "command" and "inputs", with the counts "read" and "written"): replacing it would destroy it; remove it, name another file, or pass --overwrite`);
    expect(s.code).toBe(2);
    expect(await readFile(join(dir, `${tag}.mine.rej`), 'utf8')).toBe('precious\n');
    expect(await readFile(join(dir, `${tag}.mine.json`), 'utf8')).toBe('{"settings": {"a": 1}}\n');
    for (const o of ['o1', 'o2']) {
      expect(existsSync(join(dir, `${tag}.${o}.jsonl`))).toBe(false);
      expect(existsSync(join(dir, `${tag}.${o}.work`))).toBe(false);
    }
  });

  it('with --overwrite it is replaced', async () => {
    await writeFile(join(dir, 'ov.rej'), 'precious\n');
    await writeFile(join(dir, 'ov.json'), '[1]\n');
    const r = await runCli(['cat', 'in.jsonl', '-o', 'ov.jsonl', '--rejects', 'ov.rej', '--stats', 'ov.json', '--max-reject-rate', '1', '--overwrite'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse((await readFile(join(dir, 'ov.rej'), 'utf8')).split('\n')[0]).reason).toBe('json_parse');
    expect(JSON.parse(await readFile(join(dir, 'ov.json'), 'utf8')).written).toBe(3);
  });
});

describe("corpus-clean's own rejects and stats are still replaced without --overwrite", () => {
  // The rerun of a command that failed (its output kept and marked failed), over the rejects and
  // stats it left to say why: written for this same output (hostile review 20 F9: those of
  // another output are refused, outputs22.test.ts).
  it.each(['r.jsonl', 'r.jsonl.gz', 'r.jsonl.zst'])('the rerun of a failed command over %s and its stats: exit 1, then 0', async (rej) => {
    const args = ['cat', 'in.jsonl', '-o', `own-${rej}.jsonl`, '--rejects', `own-${rej}`, '--stats', `own-${rej}.stats.json`];
    expect((await runCli(args, { cwd: dir })).code).toBe(1);
    const again = await runCli([...args, '--max-reject-rate', '1'], { cwd: dir });
    expect(again.stderr).not.toContain('already exists');
    expect(again.code).toBe(0);
  });

  it('a rejects file of a command that rejected nothing (empty, also compressed), and an empty stats file', async () => {
    await writeFile(join(dir, 'e.jsonl'), '');
    await writeFile(join(dir, 'e.jsonl.gz'), gzipSync(''));
    await writeFile(join(dir, 'e.json'), '');
    for (const rej of ['e.jsonl', 'e.jsonl.gz']) {
      await writeFile(join(dir, 'e.json'), '');
      const r = await runCli(['cat', 'in.jsonl', '-o', `e-${rej}.out.jsonl`, '--rejects', rej, '--stats', 'e.json', '--max-reject-rate', '1'], { cwd: dir });
      expect(r.code).toBe(0);
    }
  });

  it('a stats file of a command whose stdout closed, and a compact one', async () => {
    await writeFile(join(dir, 'c.json'), '{"command":"cat","inputs":["a"],"output":"-","read":2,"written":1}');
    expect(await notOwnSideFile(join(dir, 'c.json'), 'stats')).toBeUndefined();
  });

  // A sibling of new-user review 17 F2: a data file whose first record begins with `command` and
  // `inputs` (a JSONL of shell commands, a job config) was taken for a stats file by its start, and
  // --stats replaced it without --overwrite.
  it('data or a config beginning with "command" and "inputs" is not a stats file', async () => {
    await writeFile(join(dir, 'cmds.jsonl'), '{"command":"ls","inputs":["a"],"text":"list the files"}\n{"command":"cd","inputs":[],"text":"go home"}\n');
    await writeFile(join(dir, 'job.json'), JSON.stringify({ command: 'train', inputs: ['data/'], epochs: 3 }, null, 2) + '\n');
    for (const f of ['cmds.jsonl', 'job.json']) expect(await notOwnSideFile(join(dir, f), 'stats'), f).toMatch(/^it is not a stats file of corpus-clean/);
    const r = await runCli(['cat', 'in.jsonl', '-o', 'cmds.o.jsonl', '--stats', 'job.json', '--max-reject-rate', '1'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(await readFile(join(dir, 'job.json'), 'utf8')).toContain('"epochs": 3');
  });

  it('a rejects file whose first line is longer than the bytes looked at is judged by its start', async () => {
    const big = JSON.stringify({ stage: 'read', reason: 'line_too_long', source: 'x.jsonl:1', raw: 'a'.repeat(3 << 20) }) + '\n';
    await writeFile(join(dir, 'big.jsonl'), big);
    expect(await notOwnSideFile(join(dir, 'big.jsonl'), 'rejects')).toBeUndefined();
    await writeFile(join(dir, 'bigdata.jsonl'), JSON.stringify({ text: 'a'.repeat(3 << 20), stage: 'x', reason: 'y', source: 'z' }) + '\n');
    expect(await notOwnSideFile(join(dir, 'bigdata.jsonl'), 'rejects')).toContain('is not a reject');
    // A data record (the typo `--rejects data.jsonl`) is not a reject; a damaged gzip is not known
    // to be one, and said to be damaged (hostile review 13 H8).
    await writeFile(join(dir, 'data.jsonl'), '{"text":"a record","id":1}\n');
    expect(await notOwnSideFile(join(dir, 'data.jsonl'), 'rejects')).toContain('is not a reject');
    await writeFile(join(dir, 'bad.jsonl.gz'), Buffer.concat([gzipSync('{"stage":"a"'), Buffer.from('garbage')]).subarray(0, 15));
    expect(await notOwnSideFile(join(dir, 'bad.jsonl.gz'), 'rejects')).toBe('it cannot be read as gzip (unexpected end of file: damaged or cut short?), so whether corpus-clean wrote it cannot be told');
  });
});

// New-user review 13 #1: `quality ... --stats out/first/_stats.json` replaced a finished run's own
// stats (ours by their content): `status` still said finished, its report showed another command's counts.
describe('a --rejects/--stats file of a finished output folder', () => {
  it('is refused without --overwrite (exit 2), the folder untouched', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'in.jsonl'), input);
    const made = await runCli(['cat', 'in.jsonl', '-o', 'out/', '--rejects', 'out/_r.jsonl', '--stats', 'out/_s.json', '--max-reject-rate', '1'], { cwd: d });
    expect(made.code, made.stderr).toBe(0);
    const [stats, rejects] = await Promise.all([readFile(join(d, 'out/_s.json'), 'utf8'), readFile(join(d, 'out/_r.jsonl'), 'utf8')]);
    expect(await notOwnSideFile(join(d, 'out/_s.json'), 'stats')).toContain("it belongs to the finished output folder");
    const [a, b] = await runCliAll(
      [
        ['normalize', 'in.jsonl', '-o', 'x.jsonl', '--stats', 'out/_s.json'],
        ['normalize', 'in.jsonl', '-o', 'y.jsonl', '--rejects', 'out/_r.jsonl'],
      ],
      { cwd: d },
    );
    for (const r of [a, b]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/file 'out\/_[sr]\.jsonl?' already exists and it belongs to the finished output folder 'out' \(it holds _SUCCESS\)/);
    }
    expect(await readFile(join(d, 'out/_s.json'), 'utf8')).toBe(stats);
    expect(await readFile(join(d, 'out/_r.jsonl'), 'utf8')).toBe(rejects);
  });
});
