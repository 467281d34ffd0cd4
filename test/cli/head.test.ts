import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, tempDir } from '../helpers/run.js';

/** `sh -c SCRIPT` from the repository root; the script echoes the CLI's exit code last on stdout. */
function sh(script: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    p.on('error', rej);
    p.on('close', () => res({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}

const SAMPLE = 'fixtures/sample';

/**
 * Issue #15 / new-user F9: `| head` on any command, with or without --rejects/--stats and with
 * compressed input, stops quietly with exit 0 and still writes the rejects and stats of what it read.
 */
describe('| head: the reader of stdout goes away', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  /** Run `corpus-clean ARGS | head -1` (or `FEED | corpus-clean ARGS | head -1`); returns the CLI's exit code and stderr. */
  async function head(args: string, feed?: string): Promise<{ code: number; stderr: string; first: string }> {
    const err = join(dir, `err-${Math.random().toString(36).slice(2)}`);
    const cli = `node ${CLI} ${args} 2>${err}`;
    const r = await sh(`${feed ? `${feed} | ` : ''}${cli} | head -1; echo "rc=\${PIPESTATUS[${feed ? 1 : 0}]}"`);
    const lines = r.stdout.trim().split('\n');
    return { code: Number(/rc=(\d+)/.exec(lines.at(-1)!)![1]), stderr: await readFile(err, 'utf8'), first: lines[0] };
  }

  async function stats(path: string): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  }

  it('quality on .gz and .zst input with --rejects and --stats: exit 0, nothing on stderr, rejects and stats of what was read', async () => {
    for (const input of ['web-en.jsonl.gz', 'web-zh.jsonl.zst']) {
      const rej = join(dir, `${input}.rejects.jsonl`);
      const st = join(dir, `${input}.stats.json`);
      const r = await head(`quality ${SAMPLE}/${input} -q --rejects ${rej} --stats ${st}`);
      expect(r.code, input).toBe(0);
      expect(r.stderr, input).toBe('');
      expect(JSON.parse(r.first), input).toHaveProperty('text');
      const s = await stats(st);
      expect(s.output_closed, input).toBe(true);
      expect(s.balanced, input).toBe(true);
      const rejected = s.rejected as number;
      expect(rejected, input).toBeGreaterThan(0);
      const rejects = (await readFile(rej, 'utf8')).split('\n').filter(Boolean);
      expect(rejects, input).toHaveLength(rejected);
      expect(JSON.parse(rejects[0]).stage, input).toBe('quality');
    }
  });

  it('every kind of run: plain input, no flags, stdin from zcat, dedup, normalize, cat', async () => {
    const plain = await head(`cat ${SAMPLE}/licenses.jsonl`);
    expect(plain).toMatchObject({ code: 0, stderr: '' });
    // -o /dev/stdout onto the pipe is stdout too (was: "error: cannot write '/dev/stdout': EPIPE", exit 1).
    const named = await head(`cat ${SAMPLE}/licenses.jsonl -o /dev/stdout`);
    expect(named).toMatchObject({ code: 0, stderr: '' });
    const st = join(dir, 'stdin.stats.json');
    const rej = join(dir, 'stdin.rejects.jsonl');
    const piped = await head(`quality --rejects ${rej} --stats ${st}`, `gzip -dc ${SAMPLE}/web-en.jsonl.gz`);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    expect((await stats(st)).output_closed).toBe(true);
    expect(existsSync(rej)).toBe(true);
    for (const cmd of ['dedup', 'normalize', 'cat']) {
      const s = join(dir, `${cmd}.stats.json`);
      const r = await head(`${cmd} ${SAMPLE}/web-en.jsonl.gz ${SAMPLE}/licenses.jsonl --stats ${s}`);
      expect(r, cmd).toMatchObject({ code: 0, stderr: '' });
      expect((await stats(s)).balanced, cmd).toBe(true);
    }
  });
});
