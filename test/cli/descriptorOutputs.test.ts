import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';

// Hostile review 13 H6: `--rejects /dev/stdin` was accepted and failed after the work ("cannot
// write '/dev/stdin': EBADF", exit 1); with `0<> FILE` it wrote the rejects over the start of FILE,
// exit 0. And `/dev/fd/N` of a descriptor the shell did not open named one of the runtime's own
// (its event loop's pipes): the rejects written into it crashed the process (exit 139).
describe('an output naming a descriptor that cannot take it', () => {
  const run = (dir: string, extra: string[], stdio: (number | 'pipe' | 'ignore')[]) => {
    const r = spawnSync(process.execPath, [CLI, 'cat', 'two.jsonl', '-o', 'out.jsonl', '--max-reject-rate', '1', '-q', ...extra], { cwd: dir, stdio, encoding: 'utf8' });
    return { code: r.status, signal: r.signal, stderr: r.stderr };
  };
  const setup = async (): Promise<string> => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'two.jsonl'), 'bad\n{"text":"good"}\n');
    writeFileSync(join(dir, 'mine.txt'), 'my notes\n');
    return dir;
  };

  it('standard input (/dev/stdin, /dev/fd/0), even open for writing (0<> FILE), is a usage error before any record is read', async () => {
    const dir = await setup();
    for (const mode of ['r', 'r+'] as const) {
      for (const [flag, name] of [['--rejects', '/dev/stdin'], ['--stats', '/dev/stdin'], ['--rejects', '/dev/fd/0']]) {
        const fd = openSync(join(dir, 'mine.txt'), mode);
        try {
          const r = run(dir, [flag, name], [fd, 'pipe', 'pipe']);
          expect([r.code, r.stderr], `${mode} ${flag} ${name}`).toEqual([2, `corpus-clean: ${flag} '${name}' is standard input (descriptor 0), which a command reads, never writes: name a file, or /dev/stdout or /dev/stderr\n`]);
        } finally {
          closeSync(fd);
        }
      }
      expect(readFileSync(join(dir, 'mine.txt'), 'utf8')).toBe('my notes\n');
      expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    }
    const fd = openSync(join(dir, 'mine.txt'), 'r+');
    try {
      const r = spawnSync(process.execPath, [CLI, 'cat', 'two.jsonl', '-o', '/dev/stdin', '--max-reject-rate', '1'], { cwd: dir, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([2, "corpus-clean: --output '/dev/stdin' is standard input (descriptor 0), which a command reads, never writes: name a file, or /dev/stdout or /dev/stderr\n"]);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(join(dir, 'mine.txt'), 'utf8')).toBe('my notes\n');
  });

  it('a descriptor open for reading only, or not open, or the runtime\'s own, is a usage error; one open for writing takes the rejects', async () => {
    const dir = await setup();
    const ro = openSync(join(dir, 'mine.txt'), 'r');
    try {
      const r = run(dir, ['--rejects', '/dev/fd/3'], ['ignore', 'pipe', 'pipe', ro]);
      expect([r.code, r.stderr]).toEqual([2, "corpus-clean: --rejects '/dev/fd/3' names descriptor 3, which is open for reading only (3< FILE): open it for writing (3> FILE or 3>> FILE) or name a file\n"]);
    } finally {
      closeSync(ro);
    }
    const closed = run(dir, ['--stats', '/dev/fd/40'], ['ignore', 'pipe', 'pipe']);
    expect([closed.code, closed.stderr]).toEqual([2, "corpus-clean: --stats '/dev/fd/40' names descriptor 40, which is not open: open it for writing in the shell (40> FILE) or name a file\n"]);
    // Descriptors 3 to 12 are none of the caller's here: the runtime's pipes, epoll and eventfd
    // (which numbers hold which depends on the Node version): each refused, none written into.
    for (let n = 3; n <= 12; n++) {
      const r = run(dir, ['--rejects', `/dev/fd/${n}`], ['ignore', 'pipe', 'pipe']);
      expect([r.code, r.signal], `/dev/fd/${n}: ${r.stderr}`).toEqual([2, null]);
      expect(r.stderr, `/dev/fd/${n}`).toMatch(new RegExp(`^corpus-clean: --rejects '/dev/fd/${n}' names descriptor ${n}, (which the shell did not open for this command \\(it is the runtime's own: anon_inode:\\[\\w+\\]\\)|a pipe this process holds both ends of \\(pipe:\\[\\d+\\]\\), as the runtime's own pipes are|which is not open|which is open for reading only)`));
    }
    expect(existsSync(join(dir, 'out.jsonl'))).toBe(false);
    const w = openSync(join(dir, 'r.jsonl'), 'w');
    try {
      const r = run(dir, ['--rejects', '/dev/fd/3'], ['ignore', 'pipe', 'pipe', w]);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      closeSync(w);
    }
    expect(JSON.parse(readFileSync(join(dir, 'r.jsonl'), 'utf8'))).toMatchObject({ stage: 'read', reason: 'json_parse', source: 'two.jsonl:1' });
  });

  it("report -o takes the same checks (it wrote its page into the runtime's pipe: exit 139)", async () => {
    const dir = await setup();
    writeFileSync(join(dir, 'in.jsonl'), '{"text":"hello there"}\n');
    writeFileSync(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    const made = spawnSync(process.execPath, [CLI, 'run', 'r.yaml', '-i', 'in.jsonl', '-o', 'R', '-q'], { cwd: dir, encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    for (let n = 3; n <= 12; n++) {
      const r = spawnSync(process.execPath, [CLI, 'report', 'R', '-o', `/dev/fd/${n}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      expect([r.status, r.signal], `/dev/fd/${n}: ${r.stderr}`).toEqual([2, null]);
    }
    const fd = openSync(join(dir, 'mine.txt'), 'r+');
    try {
      const r = spawnSync(process.execPath, [CLI, 'report', 'R', '-o', '/dev/stdin'], { cwd: dir, stdio: [fd, 'pipe', 'pipe'], encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([2, "corpus-clean: --output '/dev/stdin' is standard input (descriptor 0), which a command reads, never writes: name a file, or /dev/stdout or /dev/stderr\n"]);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(join(dir, 'mine.txt'), 'utf8')).toBe('my notes\n');
  });

  // Stdout and stderr are sockets under a Node parent's spawn (and systemd's journal): opened by
  // name they fail with ENXIO, after the work ("cannot write '/dev/stderr'", exit 1).
  it('a descriptor that is a socket is a usage error naming what to give instead', async () => {
    const dir = await setup();
    const cases: [string[], string][] = [
      [['-o', '/dev/stdout'], "--output '/dev/stdout' names descriptor 1, a socket"],
      [['-o', 'o.jsonl', '--stats', '/dev/stderr'], "--stats '/dev/stderr' names descriptor 2, a socket"],
    ];
    for (const [args, said] of cases) {
      const r = spawnSync(process.execPath, [CLI, 'cat', 'two.jsonl', ...args, '--max-reject-rate', '1', '-q'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^corpus-clean: ${said.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(socket:\\[\\d+\\]\\), which cannot be opened by name: (give -o - for stdout|name a file)\\n$`));
    }
    expect(existsSync(join(dir, 'o.jsonl'))).toBe(false);
  });
});

