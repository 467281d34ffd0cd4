import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// `run --help` says what run does: its Parquet options (--output-format, --row-group-size) are
// taken, and the defaults it states (compression, attrs, reject rate) are the ones a run without
// those settings uses.

const INPUT = join(ROOT, 'fixtures/sample/licenses.jsonl');

/** The option lines of a help text: `--name` -> its help. */
function options(help: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = help.slice(help.indexOf('\nOptions:\n')).split('\n');
  let last = '';
  for (const l of lines) {
    const m = /^\s+(?:-\w, )?--([a-z-]+)(?: \S+)?(?:\s+(.*))?$/.exec(l);
    if (m) {
      last = m[1];
      out.set(last, m[2] ?? '');
    } else if (last && /^\s{20,}\S/.test(l)) out.set(last, (out.get(last) + ' ' + l.trim()).trim());
  }
  return out;
}

describe('run --help agrees with what run does', () => {
  let dir: string;
  let help: Map<string, string>;
  let recipe: string;
  beforeAll(async () => {
    dir = await tempDir();
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    help = options(r.stdout);
    // A recipe that sets nothing about its output: the defaults of the help apply.
    recipe = join(dir, 'bare.yaml');
    await writeFile(recipe, `name: bare\ninput: [${INPUT}]\nstages:\n  - quality: {preset: web-en}\n`);
  });

  it('lists the Parquet options with their defaults, and run takes them (new-user review 5 #12)', async () => {
    expect(help.size).toBeGreaterThan(20);
    expect(help.get('output-format')).toContain("the recipe's output: format, else jsonl");
    expect(help.get('row-group-size')).toContain("the recipe's output: row_group_size, else 10000");
    expect(help.get('compress')).toMatch(/none\|snappy\|gzip\|zstd\|brotli for Parquet \(default: the recipe's output: compression, also under --output-format parquet, when it is a Parquet codec, else snappy\)/);
    const r = await runCli(['run', recipe, '-o', join(dir, 'pq'), '--output-format', 'parquet', '--row-group-size', '10', '--workers', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(dir, 'pq'))).filter((f) => f.startsWith('part-'))).toEqual(['part-00000-00000.parquet']);
  });

  it('the stated defaults are what a run without those settings writes', async () => {
    const compress = /for JSONL \(default: the recipe's output: compression, else (none|gzip|zstd)\)/.exec(help.get('compress') ?? '');
    expect(compress, help.get('compress')).not.toBeNull();
    const ending = { none: '.jsonl', gzip: '.jsonl.gz', zstd: '.jsonl.zst' }[compress![1] as 'none' | 'gzip' | 'zstd'];
    expect(help.get('rejects-compress')).toContain('else zstd beside compressed shards of either format, none beside uncompressed ones');
    // New-user review 7 #5: beside the other rejects flags, not after -h.
    const names = [...help.keys()];
    expect(names.indexOf('rejects-compress')).toBe(names.indexOf('rejects-sample') + 1);
    expect(names.at(-1)).toBe('help');
    expect(help.get('max-reject-rate')).toContain("the recipe's max_reject_rate, else 0.1");
    expect(help.get('strip-attrs')).toContain("the recipe's output: strip_attrs");
    expect(help.get('shard-size')).toContain('else one shard per task');

    const out = join(dir, 'bare');
    const r = await runCli(['run', recipe, '-o', out, '--workers', '1', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const files = await readdir(out);
    const shards = files.filter((f) => f.startsWith('part-'));
    expect(shards).toEqual([`part-00000-00000${ending}`]); // one task, one shard, the stated compression
    expect(files).toContain(`_rejects${compress![1] === 'gzip' ? '.jsonl.zst' : ending}`); // zstd rejects for gzip shards, as the help says
    const first = JSON.parse(gunzipSync(await readFile(join(out, shards[0]))).toString().split('\n')[0]);
    expect(first.attrs?.quality).toBeDefined(); // attrs kept: strip_attrs is off by default
    const resolved = await readFile(join(out, '_recipe.resolved.yaml'), 'utf8');
    expect(resolved).toContain(`compression: ${compress![1]}`);
    expect(resolved).toContain('max_reject_rate: 0.1');

    // A flag given wins over the recipe, as the help says.
    const z = await runCli(['run', recipe, '-o', join(dir, 'z'), '--compress', 'zstd', '-q']);
    expect(z.code, z.stderr).toBe(0);
    expect((await readdir(join(dir, 'z'))).filter((f) => f.startsWith('part-'))).toEqual(['part-00000-00000.jsonl.zst']);
  });
});
