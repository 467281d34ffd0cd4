import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

// review-newuser4 #5 and #6: what a datatrove or Data-Juicer user tries first.
describe('remote paths and Data-Juicer configs are answered, not "not found" / "unknown key"', { timeout: 120_000 }, () => {
  it('s3:// and hf:// inputs and outputs are refused as remote URLs (exit 2), in recipes too; nothing named s3: is created', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const lic = join(ROOT, 'fixtures/sample/licenses.jsonl');
    const cases: [string[], RegExp][] = [
      [['cat', 's3://bucket/x.jsonl.gz', '-o', 'y.jsonl'], /input 's3:\/\/bucket\/x\.jsonl\.gz': remote URLs are not supported .*copy the files locally/],
      [['quality', 'hf://datasets/org/name/train.parquet'], /input 'hf:\/\/datasets\/org\/name\/train\.parquet': remote URLs are not supported/],
      [['cat', lic, '-o', 's3://bucket/out/'], /output 's3:\/\/bucket\/out\/': remote URLs are not supported/],
      [['cat', lic, '-o', 'y.jsonl', '--rejects', 'gs://b/r.jsonl'], /--rejects 'gs:\/\/b\/r\.jsonl': remote URLs are not supported/],
      [['cat', 'file:///nowhere/a.jsonl'], /is a file:\/\/ URL: give the path itself \('\/nowhere\/a\.jsonl'\)/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(args, { cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stderr).not.toMatch(/not found/);
    }
    await writeFile(join(dir, 'r.yaml'), 'name: r\ninput: s3://bucket/data/\nstages:\n  - normalize: {}\n');
    const r = await runCli(['run', 'r.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input 's3:\/\/bucket\/data\/': remote URLs are not supported/);
    const o = await runCli(['run', 'r.yaml', '-i', lic, '-o', 'hf://org/out'], { cwd: dir });
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/output 'hf:\/\/org\/out\/': remote URLs are not supported/);
    for (const n of ['s3:', 'hf:', 'gs:', 'y.jsonl', 'out']) expect(existsSync(join(dir, n)), n).toBe(false);
  });

  it('a Data-Juicer config gets a hint mapping its keys and ops to ours; a Data-Juicer op in stages names our stage', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(
      join(dir, 'dj.yaml'),
      'project_name: demo\ndataset_path: ./data.jsonl\nexport_path: ./out.jsonl\nnp: 4\nprocess:\n  - language_id_score_filter:\n      lang: zh\n      min_score: 0.6\n  - document_deduplicator:\n  - perplexity_filter:\n      max_ppl: 1500\n  - document_minhash_deduplicator:\n      jaccard_threshold: 0.8\n      window_size: 4\n  - flagged_words_filter:\n      lang: zh\n      max_ratio: 0.02\n  - words_num_filter:\n      min_num: 20\n',
    );
    const r = await runCli(['run', 'dj.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dj\.yaml: this looks like a Data-Juicer config/);
    expect(r.stderr).not.toMatch(/unknown key/);
    for (const line of ['  project_name -> name:', '  dataset_path -> input:', '  np -> executor: {workers: 4}', '  process -> stages:', '  - document_deduplicator -> dedup {method: exact}', '  - perplexity_filter -> no counterpart here']) {
      expect(r.stderr).toContain(line);
    }
    // New-user review 6 #5: the config's own values, not canned ones (was: langid {keep: [en], min_score: 0.8} whatever it said).
    for (const line of ['  project_name -> name: demo', '  - language_id_score_filter -> langid {keep: [zh], min_score: 0.6}\n', '  - document_minhash_deduplicator -> dedup {method: minhash, threshold: 0.8, ngram: 4, norm_numbers: false}\n', '  - flagged_words_filter -> flagged-words {max_ratio_zh: 0.02}\n', '  - words_num_filter -> quality {preset: web-en, set: ["gopher_quality:min_words=20"], skip: [gopher_repetition, "gopher_quality:max_words", ']) {
      expect(r.stderr).toContain(line);
    }
    // New-user review 8 #2: a character tokenization is char_ngram; text_length_filter names its rules.
    await writeFile(join(dir, 'dj2.yaml'), 'project_name: d\ndataset_path: x.jsonl\nprocess:\n  - document_minhash_deduplicator:\n      tokenization: character\n      window_size: 5\n  - text_length_filter:\n      min_len: 50\n');
    const r2 = await runCli(['run', 'dj2.yaml'], { cwd: dir });
    expect(r2.stderr).toContain('  - document_minhash_deduplicator -> dedup {method: minhash, threshold: 0.7, char_ngram: 5, norm_numbers: false}\n');
    expect(r2.stderr).toContain('  - text_length_filter -> quality {preset: web-zh, set: ["zh_quality:min_chars=50"], skip: [zh_repetition, "zh_quality:max_chars", "zh_quality:min_cjk_ratio", ');
    expect(r2.stderr).toContain("(only web-zh's length rule, in non-space characters, where Data-Juicer counts every character; without skip: every web-zh rule)");
    await writeFile(join(dir, 'mixed.yaml'), 'name: m\ninput: x.jsonl\nstages:\n  - document_minhash_deduplicator: {}\n');
    const m = await runCli(['run', 'mixed.yaml'], { cwd: dir });
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/unknown stage 'document_minhash_deduplicator' \(a Data-Juicer op; here: dedup \{method: minhash, threshold: 0\.7, norm_numbers: false\}\)/);
    // New-user review 7 #19: an op with no counterpart got "did you mean 'flagged-words'?".
    await writeFile(join(dir, 'ppl.yaml'), 'name: p\ninput: x.jsonl\nstages:\n  - perplexity_filter: {}\n');
    const p = await runCli(['run', 'ppl.yaml'], { cwd: dir });
    expect(p.code).toBe(2);
    expect(p.stderr).toContain("unknown stage 'perplexity_filter' (named like a Data-Juicer op; it has no counterpart here: leave it out, or add it as a stage of your own");
    expect(p.stderr).not.toContain('did you mean');
  });
});

// New-user review 9 #3: text_length_filter mapped to the whole web-zh preset (30-odd rules), so the
// pasted recipe dropped 24 % more than the Data-Juicer config did. The mapping, pasted as a stage,
// judges by the length rules alone.
describe('Data-Juicer length filters map to the length rules alone', () => {
  it('text_length_filter and words_num_filter: the quality stage of the hint has only their rules', async () => {
    const { dataJuicerOp } = await import('../../src/core/dataJuicer.js');
    const { defaultRegistry } = await import('../../src/stages/index.js');
    const { parse } = await import('yaml');
    for (const [op, params, codes] of [
      ['text_length_filter', { min_len: 50, max_len: 100000 }, ['zh_quality:min_chars', 'zh_quality:max_chars']],
      ['words_num_filter', { min_num: 20 }, ['gopher_quality:min_words']],
    ] as const) {
      const hint = dataJuicerOp(op, params)!;
      const opts = parse(hint.slice('quality '.length, hint.indexOf('} (') + 1)) as Record<string, unknown>;
      const stage = await defaultRegistry().create('quality', opts, 'recipe');
      expect(stage.thresholds!.map((t) => t.code).sort()).toEqual([...codes].sort());
    }
  });
});
