import { spawn, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';

// fix22d's note (hostile review 22 H5): a signal while the output FIFO had never been opened by a
// reader said 'the records written to 'f3' ... its reader may have them' and 'some may have reached
// the reader of 'f3'': nothing can have, the writer's open still waited. Said now as it is.

/** True when a thread of process `pid` waits in the open of a FIFO for the other end (Linux). */
async function waitsForReader(pid: number): Promise<boolean> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const chans = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/wchan`, 'utf8').catch(() => '')));
  return chans.includes('wait_for_partner');
}

const records = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `record number ${i} with a few words in it` }) + '\n').join('');

async function stopped(during: (pid: number, dir: string) => Promise<void>, extra: string[] = [], after: () => void = () => {}): Promise<{ code: number | null; stderr: string }> {
  const dir = await tempDir();
  await writeFile(join(dir, 'in.jsonl'), records(40_000));
  expect(spawnSync('mkfifo', [join(dir, 'out.fifo')]).status).toBe(0);
  const p = spawn(process.execPath, [CLI, 'cat', 'in.jsonl', '-o', 'out.fifo', ...extra], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const closed = new Promise<number | null>((r) => p.on('close', r));
  try {
    await during(p.pid!, dir);
    p.kill('SIGTERM');
    after();
    return { code: await closed, stderr };
  } finally {
    p.kill('SIGKILL');
  }
}

describe.skipIf(process.platform !== 'linux')('a signal and an output FIFO', () => {
  it('no reader ever opened it: says nothing was written to it or read', async () => {
    const r = await stopped(async (pid) => {
      while (!(await waitsForReader(pid))) await new Promise((res) => setTimeout(res, 10));
    }, ['--rejects', 'rj.jsonl']);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain("corpus-clean cat: terminated; nothing was written to 'out.fifo' (a pipe): no reader ever opened it, so nothing was read; the unfinished rejects and stats removed\n");
    expect(r.stderr).toMatch(/stopped after read \d+ = written \d+ \+ rejected 0 \+ \d+ on their way \(none reached 'out\.fifo': no reader ever opened it\)/);
    expect(r.stderr).not.toContain('may have');
  });

  it('a reader opened it and holds records: says its reader may have them', async () => {
    let reader: ReturnType<typeof createReadStream> | undefined;
    const r = await stopped(async (_pid, dir) => {
      // Some bytes read, then no more: the command waits on a full pipe.
      await new Promise<void>((res) => {
        reader = createReadStream(join(dir, 'out.fifo'));
        reader.once('data', () => {
          reader!.pause();
          res();
        });
      });
    }, [], () => {
      // Read on to the end: a write waiting on the full pipe would hold the exit.
      reader!.on('data', () => {}).resume();
    });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain("corpus-clean cat: terminated; the records written to 'out.fifo' (a pipe) before the signal cannot be taken back, and its reader may have them: they are an incomplete output (discard them)\n");
    expect(r.stderr).not.toContain('no reader ever opened');
  });
});
