import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI } from './run.js';

/**
 * Start `export internevo` reading standard input (`args`, which name `-` or no input), give it
 * `records` and keep its standard input open, so that it holds with its lock taken and its shards
 * begun; once every folder of `begun` (relative to `cwd`) holds a shard's temporary
 * (`.part-NNNNN.PID.tmp.bin`), kill it with SIGKILL: a real kill -9 of the CLI, at a point it holds
 * on its own. Resolves with the killed process's PID.
 */
export async function killHeldExport(cwd: string, args: readonly string[], records: string, begun: readonly string[]): Promise<number> {
  const p = spawn(process.execPath, [CLI, 'export', 'internevo', ...args], { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const gone = new Promise<void>((res) => p.on('close', () => res()));
  let closed = false;
  void gone.then(() => (closed = true));
  p.stdin.write(records);
  const temp = new RegExp(`^\\.part-\\d{5}\\.${p.pid}\\.tmp\\.bin$`);
  for (;;) {
    if (closed) throw new Error(`export ended before it was killed: ${stderr}`);
    const ready = await Promise.all(begun.map(async (d) => (await readdir(join(cwd, d)).catch(() => [] as string[])).some((n) => temp.test(n))));
    if (ready.every(Boolean)) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  p.kill('SIGKILL');
  await gone;
  return p.pid!;
}
