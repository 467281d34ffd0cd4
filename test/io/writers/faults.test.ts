import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir } from '../../helpers/run.js';
import { smallTokenizer } from '../../helpers/smallTokenizer.js';

// The InternEvo export under a full disk is checked for its message and what it leaves, not its
// token ids: with InternLM2's first 3,000 pieces (a real .model that loads in milliseconds; the
// whole model about 0.9 CPU s a call).
let SMALL: string;
beforeAll(async () => {
  SMALL = await smallTokenizer();
});

// Fault injection into every writer through the real CLI: write, rename and close fail on the
// file named by FAULT_PATH (test/helpers/faults.mjs, loaded with --import). Each must end in one
// clear message naming the path, exit 1, no stack trace and no temporary left.
const INJECT = join(ROOT, 'test/helpers/faults.mjs');

function runFaulty(args: string[], fault: string, path: string): Promise<{ code: number; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', INJECT, CLI, ...args], { cwd: ROOT, env: { ...process.env, FAULT: fault, FAULT_PATH: path }, stdio: ['ignore', 'ignore', 'pipe'] });
    const err: Buffer[] = [];
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', rej);
    p.on('close', (code) => res({ code: code ?? -1, stderr: Buffer.concat(err).toString() }));
  });
}

async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const input = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? 'not json' : JSON.stringify({ id: i, text: `record number ${i}` }))).join('\n') + '\n';

interface Case {
  name: string;
  args: (dir: string) => string[];
  /** Regex on the target path whose write/rename/close fails. */
  target: string;
}
const cases: Case[] = [
  { name: 'a folder shard', args: (d) => ['cat', join(d, 'in.jsonl'), '-o', join(d, 'out') + '/', '--shard-records', '10', '--max-reject-rate', '1'], target: 'part-00001' },
  { name: 'a gzip folder shard', args: (d) => ['cat', join(d, 'in.jsonl'), '-o', join(d, 'out') + '/', '--shard-records', '10', '--compress', 'gzip', '--max-reject-rate', '1'], target: 'part-00001' },
  { name: 'a zstd file', args: (d) => ['cat', join(d, 'in.jsonl'), '-o', join(d, 'out/x.jsonl.zst'), '--max-reject-rate', '1'], target: 'x\\.jsonl\\.zst' },
  { name: 'the rejects file', args: (d) => ['cat', join(d, 'in.jsonl'), '-o', join(d, 'out/x.jsonl'), '--rejects', join(d, 'out/rej.jsonl'), '--max-reject-rate', '1'], target: 'rej\\.jsonl' },
  { name: 'the stats file', args: (d) => ['cat', join(d, 'in.jsonl'), '-o', join(d, 'out/x.jsonl'), '--stats', join(d, 'out/stats.json'), '--max-reject-rate', '1'], target: 'stats\\.json' },
  { name: 'a JSON array file', args: (d) => ['cat', join(d, 'in.jsonl'), '-o', join(d, 'out/x.json'), '--max-reject-rate', '1'], target: 'x\\.json' },
];

describe('writers under injected I/O faults: one message, exit 1, no temporary', () => {
  for (const c of cases) {
    for (const fault of ['write', 'rename', 'close']) {
      it(`${fault} failure on ${c.name}`, async () => {
        const dir = await tempDir();
        dirs.push(dir);
        await writeFile(join(dir, 'in.jsonl'), input);
        await mkdir(join(dir, 'out'));
        const r = await runFaulty(c.args(dir), fault, c.target);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`error: cannot write '[^']*(${c.target})[^']*': (ENOSPC|EIO): injected ${fault} failure`));
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect((await listAll(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
      });
    }
  }
});

// Hostile review 5 F9: these said only "error: ENOSPC: no space left on device, write" (no file
// named), and report left its temporary.
describe('full disk while writing Parquet, an InternEvo export and a report: the file named, nothing left', () => {
  const rejected = (d: string): string[] => [join(d, 'in.jsonl'), '--max-reject-rate', '1'];
  const f9: { name: string; args: (d: string) => string[]; target: string; named: string; faults: string[] }[] = [
    { name: 'cat -o x.parquet', args: (d) => ['cat', ...rejected(d), '-o', join(d, 'out/x.parquet')], target: 'x\\.parquet(\\.tmp|$)', named: 'x\\.parquet', faults: ['write', 'rename'] },
    { name: 'export --to internevo', args: (d) => ['export', ...rejected(d), '--to', 'internevo', '--tokenizer', SMALL, '-o', join(d, 'out/e'), '--type', 'en'], target: 'part-00000', named: 'out/e/train/en', faults: ['write', 'rename'] },
  ];
  for (const c of f9) {
    for (const fault of c.faults) {
      it(`${fault} failure: ${c.name}`, async () => {
        const dir = await tempDir();
        dirs.push(dir);
        await writeFile(join(dir, 'in.jsonl'), input);
        await mkdir(join(dir, 'out'));
        const r = await runFaulty(c.args(dir), fault, c.target);
        expect(r.code, r.stderr).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`error: cannot write '[^']*${c.named}[^']*': ENOSPC: injected ${fault} failure`));
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect((await listAll(dir)).filter((n) => /\.tmp/.test(n))).toEqual([]);
      });
    }
  }
  it.each(['write', 'rename'])('%s failure: report -o page.html', async (fault) => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'in.jsonl'), input);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    const run = await runFaulty(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', join(dir, 'out'), '-q', '--max-reject-rate', '1'], 'write', '$^');
    expect(run.code, run.stderr).toBe(0);
    const r = await runFaulty(['report', join(dir, 'out'), '-o', join(dir, 'page.html')], fault, 'page\\.html');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`error: cannot write '[^']*page\\.html': ENOSPC: injected ${fault} failure`));
    expect((await listAll(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});

describe('run: a task that cannot write (review M8)', () => {
  it('fails with one line naming the path and how to resume, no stack frames', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'in.jsonl'), input);
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    const r = await runFaulty(['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', join(dir, 'out'), '-w', '1', '-q', '--max-reject-rate', '1'], 'write', '_work/rejects/');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/failed: cannot write '[^']*_work\/rejects\/[^']*': ENOSPC: injected write failure/);
    expect(r.stderr).toMatch(/run the same command again to (resume|start it from its plan)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

// Hostile review 6 F6: a full disk while a run wrote its global dedup files said only "ENOSPC: no
// space left on device, write" (no file named) and left `_work/global/0/keys/000000.tsv.tmp`. Every
// writer of `_work` (and the run's rejects merge) names its file and leaves no temporary; the same
// command with room then finishes the run.
describe('run: every _work writer under an injected full disk names its file, leaves no temporary (hostile review 6 F6)', () => {
  const texts = Array.from({ length: 60 }, (_, i) => JSON.stringify({ id: i, text: `record ${i % 20} of a small corpus, long enough to be shingled into several words here` }));
  const recipe = 'stages:\n  - normalize: {}\n  - dedup: {method: exact}\n  - dedup: {method: minhash}\n';
  const cases: [string, string][] = [
    ['write', '_work/global/0/keys/[^/]*\\.tsv'],
    ['rename', '_work/global/0/keys/[^/]*\\.tsv$'],
    ['write', '_work/global/0/keys/[^/]*\\.idx'],
    ['write', '_work/global/0/removed/'],
    ['write', '_work/global/1/sigs/[^/]*\\.sig$'],
    ['write', '_work/global/1/sigs/[^/]*\\.lines'],
    ['write', '_work/global/1/sigs/[^/]*\\.json'],
    ['rename', '_work/global/1/sigs/[^/]*\\.json$'],
    ['write', '_work/global/1/bands/'],
    ['write', '_work/global/1/edges/'],
    ['write', '_work/global/1/removed/'],
    ['write', '_work/global/0/seals/'],
    ['rename', '_work/global/0/seals/'],
    ['write', '_work/spill/'],
    ['rename', '_work/spill/.*\\.jsonl$'],
    ['write', '_rejects\\.jsonl'],
    ['rename', '_rejects\\.jsonl\\.zst$'],
  ];
  for (const [fault, target] of cases) {
    it(`${fault} failure on ${target}`, async () => {
      const dir = await tempDir();
      dirs.push(dir);
      await mkdir(join(dir, 'in'));
      for (let f = 0; f < 2; f++) await writeFile(join(dir, 'in', `${f}.jsonl`), texts.slice(f * 30, f * 30 + 30).join('\n') + '\n');
      await writeFile(join(dir, 'r.yaml'), recipe);
      const args = ['run', join(dir, 'r.yaml'), '-i', join(dir, 'in'), '-o', join(dir, 'out'), '-w', '1', '-q', '--max-reject-rate', '1'];
      const r = await runFaulty(args, fault, target);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`cannot write '[^']*(${target.replace(/\$$/, '')})[^']*': ENOSPC: injected ${fault} failure`));
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect((await listAll(dir)).filter((n) => /\.tmp/.test(n))).toEqual([]);
      const again = await runFaulty(args, 'write', '$^');
      expect(again.code, again.stderr).toBe(0);
    });
  }
});

// Hostile review 12 H3: a task failed by a full disk left its files (its partial signature `.set`
// and an empty `.sig` in dedup-disk's --work; its published rejects in run's `_work`), keeping the
// disk full. A failed task now leaves none of its files; the rerun with room still finishes.
describe('a task failed by a full disk leaves none of its files (hostile review 12 H3)', () => {
  const texts = Array.from({ length: 60 }, (_, i) => (i % 10 === 9 ? 'not json' : JSON.stringify({ id: i, text: `record ${i % 20} of a small corpus, long enough to be shingled into several words here` })));
  it('dedup-disk: a failed signature task leaves nothing of its shard in --work', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'in.jsonl'), texts.join('\n') + '\n');
    const args = ['dedup-disk', join(dir, 'in.jsonl'), '-o', join(dir, 'out') + '/', '--work', join(dir, 'work'), '-q'];
    const r = await runFaulty(args, 'write', 'sigs/[^/]*\\.set$');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write '[^']*sigs\/[^']*\.set': ENOSPC/);
    expect((await listAll(join(dir, 'work'))).filter((n) => /sigs\/|bands\/\d+(\/\d+)?\.bkt/.test(n))).toEqual([]);
    const again = await runFaulty(args, 'write', '$^');
    expect(again.code, again.stderr).toBe(0);
  });

  it('run: a task that fails after its pipeline (its report samples) leaves no rejects, shards or stats of it', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'in.jsonl'), texts.join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n  - dedup: {method: minhash}\n');
    const args = ['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', join(dir, 'out'), '--workers', '1', '-q', '--max-reject-rate', '1'];
    const r = await runFaulty(args, 'write', '_work/samples/');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write '[^']*_work\/samples\/[^']*': ENOSPC/);
    const left = await listAll(join(dir, 'out'));
    expect(left.filter((n) => /^part-|_work\/(rejects|samples|stats)\/\d|_work\/spill\/\d+\/./.test(n)), left.join(' ')).toEqual([]);
    const again = await runFaulty(args, 'write', '$^');
    expect(again.code, again.stderr).toBe(0);
  });

  it('run: a failed collect of MinHash signatures leaves none of its signature files', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    await writeFile(join(dir, 'in.jsonl'), texts.join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - dedup: {method: minhash}\n');
    const args = ['run', join(dir, 'r.yaml'), '-i', join(dir, 'in.jsonl'), '-o', join(dir, 'out'), '--workers', '1', '-q', '--max-reject-rate', '1'];
    const r = await runFaulty(args, 'write', '_work/global/0/sigs/[^/]*\\.lines$');
    expect(r.code, r.stderr).toBe(1);
    const left = await listAll(join(dir, 'out'));
    expect(left.filter((n) => /_work\/global\/0\/(sigs|bands)\/.*\d{6}/.test(n)), left.join(' ')).toEqual([]);
    const again = await runFaulty(args, 'write', '$^');
    expect(again.code, again.stderr).toBe(0);
  });
});
