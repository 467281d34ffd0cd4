import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/run.js';

const RECORDS = '{"text":"one short record"}\n{"text":"two"}\n';

describe('standard output redirected onto an input (hostile review 14 H4)', () => {
  // `quality in.jsonl >> in.jsonl` appended the records to the input; `cat in.jsonl 1<> in.jsonl`
  // wrote over it in place, exit 0. Refused before any record is read, as `-o /dev/stdout` is.
  it('>> and 1<> onto an input, and onto the file on stdin, are usage errors; the input is untouched', async () => {
    const dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, RECORDS);
    for (const [mode, args, stdin] of [['a', ['in.jsonl'], 'ignore'], ['r+', ['in.jsonl'], 'ignore'], ['a', ['-'], 'in']] as const) {
      const out = openSync(input, mode);
      const inFd = stdin === 'in' ? openSync(input, 'r') : 'ignore';
      try {
        const r = spawnSync(process.execPath, [CLI, 'cat', ...args], { cwd: dir, stdio: [inFd, out, 'pipe'], encoding: 'utf8' });
        const what = stdin === 'in' ? 'the file on standard input' : "the input 'in.jsonl'";
        expect([r.status, r.stderr], `${mode} ${args.join(' ')}`).toEqual([2, `corpus-clean: standard output is redirected onto ${what}: writing the records there would destroy the input; redirect them to another file (or -o FILE)\n`]);
      } finally {
        closeSync(out);
        if (typeof inFd === 'number') closeSync(inFd);
      }
      expect(readFileSync(input, 'utf8')).toBe(RECORDS);
    }
    // Another file on stdout is written as before.
    const other = openSync(join(dir, 'out.jsonl'), 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, 'cat', 'in.jsonl', '-q'], { cwd: dir, stdio: ['ignore', other, 'pipe'], encoding: 'utf8' });
      expect(r.status).toBe(0);
    } finally {
      closeSync(other);
    }
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe(RECORDS);
  });
});

describe('an output that is a link to one of the process descriptors (hostile review 14 H5)', () => {
  // The descriptor checks looked at the typed name only: a link to /dev/fd/7 (the runtime's own
  // pipe) was written into: exit 139.
  it('is checked as the descriptor it leads to', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'in.jsonl'), RECORDS);
    symlinkSync('/dev/fd/7', join(dir, 'l7.jsonl'));
    symlinkSync('l7.jsonl', join(dir, 'l7b.jsonl'));
    for (const [flag, name] of [['-o', 'l7.jsonl'], ['--rejects', 'l7b.jsonl']]) {
      const r = spawnSync(process.execPath, [CLI, 'cat', 'in.jsonl', '-q', ...(flag === '-o' ? [] : ['-o', 'out.jsonl']), flag, name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      expect(r.status, `${flag} ${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^corpus-clean: ${flag === '-o' ? '--output' : '--rejects'} '${name}' names descriptor 7, (which the shell did not open|a pipe this process holds both ends of|which is not open)`));
    }
  });
});

describe('/proc/self/fd/N as --rejects/--stats (hostile review 14 H6)', () => {
  // Taken as a file: its lock went to '/proc/self/fd/.N.lock' and the command failed, exit 1.
  it('is written through the descriptor as /dev/fd/N is', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'in.jsonl'), 'bad\n' + RECORDS);
    const r3 = openSync(join(dir, 'r.jsonl'), 'w');
    const s4 = openSync(join(dir, 's.json'), 'w');
    try {
      const r = spawnSync(process.execPath, [CLI, 'cat', 'in.jsonl', '-o', 'out.jsonl', '-q', '--max-reject-rate', '1', '--rejects', '/proc/self/fd/3', '--stats', '/proc/self/fd/4'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe', r3, s4], encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, expect.stringMatching(/^corpus-clean cat: read 3 = written 2 \+ rejected 1 /)]);
    } finally {
      closeSync(r3);
      closeSync(s4);
    }
    expect(readFileSync(join(dir, 'r.jsonl'), 'utf8')).toContain('"reason":"json_parse"');
    expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).rejected).toBe(1);
  });
});

describe('a device or pipe where a folder is needed (hostile review 14 H9)', () => {
  // Both were called "a file".
  it('is named as what it is', async () => {
    const dir = await tempDir();
    writeFileSync(join(dir, 'in.jsonl'), RECORDS);
    const work = spawnSync(process.execPath, [CLI, 'dedup-disk', 'in.jsonl', '-o', 'dd.jsonl', '--work', '/dev/null'], { cwd: dir, encoding: 'utf8' });
    expect([work.status, work.stderr]).toEqual([2, "corpus-clean: --work '/dev/null' is a device, but a folder is needed (a path ending in / is a folder)\n"]);
    const sub = spawnSync(process.execPath, [CLI, 'cat', 'in.jsonl', '-o', '/dev/null/sub/'], { cwd: dir, encoding: 'utf8' });
    expect(sub.status).toBe(2);
    expect(sub.stderr).toContain("'/dev/null' is a device, not a folder");
  });
});
