import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

/** A name that would colour the terminal and forge a line of its own if printed raw. */
const E = 'Z\x1b[31mQ\nFORGED';

/** stderr holds no raw ESC and no line that the name forged. */
function clean(stderr: string, what: string): void {
  expect(stderr, what).not.toContain('\x1b');
  expect(
    stderr.split('\n').filter((l) => l.startsWith('FORGED')),
    what,
  ).toEqual([]);
}

let dir: string;
let input: string;
let recipe: string;
beforeAll(async () => {
  dir = await tempDir();
  input = join(dir, 'k.jsonl');
  await writeFile(input, '{"text":"a b c d e"}\n{"other":"y"}\n');
  recipe = join(dir, 'r.yaml');
  await writeFile(recipe, 'name: r\nstages: [normalize]\noutput: {compression: none}\n');
});

/** The options of a command that take a path (or a list of paths, or a free value), from its golden --help. */
async function pathOptions(command: string): Promise<string[]> {
  const help = await readFile(join(ROOT, 'fixtures/cli/help', `${command}.txt`), 'utf8');
  const out: string[] = [];
  for (const m of help.matchAll(/^\s+(?:-\w, )?(--[a-z-]+) (FILE|PATH|DIR|MODEL|VALUE|A,B,\.\.\.)\s/gm)) out.push(m[1]);
  return out;
}

/** How each command is called so that the fuzzed option is reached (inputs, required flags). */
function base(command: string): string[] {
  switch (command) {
    case 'run':
      return ['run', recipe, '--input', input, '-o', join(dir, `run-${Math.random().toString(36).slice(2)}`)];
    case 'export':
      return ['export', 'internevo', input, '-t', TOKENIZER_MODEL, '-o', join(dir, 'exp')];
    case 'dedup-disk':
      return ['dedup-disk', input, '--work', join(dir, `w-${Math.random().toString(36).slice(2)}`), '-o', '/dev/null'];
    case 'status':
    case 'report':
    case 'merge':
    case 'task':
      return [command];
    default:
      return [command, input];
  }
}

async function pool<T>(items: T[], n: number, f: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    for (let x = queue.shift(); x !== undefined; x = queue.shift()) await f(x);
  }));
}

describe('no raw control character reaches stderr (hostile review 2, M8)', () => {
  it('every command, given the name as each option taking a path and as its positional argument', async () => {
    const main = await readFile(join(ROOT, 'fixtures/cli/help/main.txt'), 'utf8');
    const commands = [...main.split('Commands:')[1].split('\n\n')[0].matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(15);
    const calls: string[][] = [];
    for (const c of commands) {
      // As the positional argument (an input, a recipe, a run folder), alone and with the base flags.
      calls.push([c, E], [c, `${E}.yaml`], [...base(c), E]);
      for (const o of await pathOptions(c)) calls.push([...base(c), o, E]);
    }
    // A fresh work folder per call, in its own scratch folder (names made with E land there).
    expect(calls.length).toBeGreaterThan(60);
    // Each argument list once: for status, report, merge and task the base flags are none, so
    // "with the base flags" is the same call as "alone".
    const distinct = [...new Map(calls.map((a) => [JSON.stringify(a), a])).values()];
    const seen: string[] = [];
    await pool(distinct, 3, async (args) => {
      const r = await runCli(args, { cwd: dir, timeoutMs: 120_000 });
      seen.push(r.stderr);
      clean(r.stderr, args.join(' '));
    });
    // The fuzz reached the messages that name the path (escaped), not only usage errors.
    const all = seen.join('\n');
    expect(all).toContain('Z\\x1b[31mQ\\x0aFORGED');
    expect(all).toMatch(/ENOENT: no such file or directory, open '[^\n]*Z\\x1b\[31mQ\\x0aFORGED/);
  }, 600_000);

  it('the cases of the review: dedup-disk work folder, recipe, tokenizer, url-filter list, tokenize, repair schema', async () => {
    // A folder of its own: the fuzz above leaves files named with E in its scratch folder.
    const own = await tempDir();
    const cases: Array<[string[], RegExp]> = [
      [['dedup-disk', input, '--work', join(own, 'dd', E), '-o', '/dev/null'], /signatures, buckets and clusters of 1 file .* in .*Z\\x1b\[31mQ\\x0aFORGED\n/],
      [['run', `${E}.yaml`], /cannot read recipe 'Z\\x1b\[31mQ\\x0aFORGED\.yaml': ENOENT: no such file or directory, open 'Z\\x1b\[31mQ\\x0aFORGED\.yaml'; the recipes this package ships are in '[^\n]*': [^\n]*\n$/],
      [['export', 'internevo', input, '-t', `${E}.model`, '-o', join(own, 'ex')], /tokenizer model 'Z\\x1b\[31mQ\\x0aFORGED\.model' not found; InternLM2's is bundled: --tokenizer [^\n]*internlm2\.model\n$/],
      [['url-filter', input, '--block', E], /cannot read list 'Z\\x1b\[31mQ\\x0aFORGED': ENOENT[^\n]*\n$/],
      [['tokenize', input, '--tokenizer', E], /tokenizer model 'Z\\x1b\[31mQ\\x0aFORGED' not found; InternLM2's is bundled: --tokenizer [^\n]*internlm2\.model\n$/],
      [['repair', input, '--schema', own + '/'], /schema '.*': it is a folder, not a file\n$/],
    ];
    for (const [args, want] of cases) {
      const r = await runCli(args, { cwd: own });
      clean(r.stderr, args.join(' '));
      expect(r.stderr, args.join(' ')).toMatch(want);
    }
    const folder = join(own, `s${E}`);
    await mkdir(folder);
    const r = await runCli(['repair', input, '--schema', folder], { cwd: own });
    clean(r.stderr, 'repair --schema folder');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('a YAML code frame and "see --help" stay lines of their own', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'name: x\nstages: [a: b: c]\n');
    const r = await runCli(['run', bad, '-o', join(dir, 'yo')]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').length).toBeGreaterThan(2);
    expect(r.stderr).toMatch(/^corpus-clean: recipe '.*bad\.yaml' is not valid YAML\/JSON: .*\n/);
    const u = await runCli(['cat', '--nope']);
    expect(u.stderr).toBe("corpus-clean: cat: unknown option '--nope'\nsee 'corpus-clean cat --help'\n");
  });
});

describe('errors we raise are one line; a stack only with CORPUS_CLEAN_DEBUG=1', () => {
  it('an internal refusal (InternEvo writer finding shards the CLI check missed): one line without "Error: ", exit 1', async () => {
    const out = join(dir, 'ie');
    await mkdir(join(out, 'train', 'en'), { recursive: true });
    // A lone .meta: the CLI's check counts .bin files; the writer's own check refuses it.
    await writeFile(join(out, 'train', 'en', 'part-00000.bin.meta'), 'old');
    const r = await runCli(['export', 'internevo', input, '-t', TOKENIZER_MODEL, '-o', out, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^corpus-clean export: error: InternEvoWriter: .* already holds shards \(part-00000\.bin\.meta, \.\.\.\); remove them or set overwrite\n$/);
    expect(r.stderr).not.toMatch(/Error: |\n\s+at /);
    const d = await runCli(['export', 'internevo', input, '-t', TOKENIZER_MODEL, '-o', out, '-q'], { env: { CORPUS_CLEAN_DEBUG: '1' } });
    expect(d.code).toBe(1);
    // The bundled CLI's frames name chunk files (dist/bundle/chunk-*.js); the functions keep their names.
    expect(d.stderr).toMatch(/\n\s+at (async )?InternEvoWriter\.\w+ \(/);
  });

  it('export takes the output lock: a second export into the same folder is refused with one line, exit 2', async () => {
    const out = join(dir, 'ie2');
    await mkdir(join(out, 'train', 'cn'), { recursive: true });
    // A live export holds the lock: this test's own PID.
    await writeFile(join(out, 'train', 'cn', '.corpus-clean.lock'), `${process.pid}\n`);
    const r = await runCli(['export', 'internevo', input, '-t', TOKENIZER_MODEL, '-o', out, '--type', 'cn', '-q']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^corpus-clean: another run \\(PID ${process.pid}\\) is writing to '.*train/cn' \\(lock file .*\\); wait for it, or remove the lock if that process is not corpus-clean\\n$`));
    // A dead one's lock is taken over, and removed at the end.
    await writeFile(join(out, 'train', 'cn', '.corpus-clean.lock'), '999999999\n');
    // (k.jsonl's record without text is bad input for export too: new-user review 16 F9.)
    const ok = await runCli(['export', 'internevo', input, '-t', TOKENIZER_MODEL, '-o', out, '--type', 'cn', '-q', '--max-reject-rate', '1']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(join(out, 'train', 'cn', '.corpus-clean.lock'))).toBe(false);
  });

  it('a worker process killed by a signal is named by its signal', async () => {
    const big = join(dir, 'big.jsonl');
    const text = 'lorem ipsum dolor sit amet '.repeat(30);
    await writeFile(big, Array.from({ length: 30000 }, (_, i) => JSON.stringify({ id: i, text: `${i} ${text}` })).join('\n') + '\n');
    // Each worker process kills itself (SIGKILL) as it takes its first unit (a test fault, exec/worker.ts);
    // the calling thread runs units too, so the input is large enough for a worker process to get one.
    const r = await runCli(['run', recipe, '--input', big, '-o', join(dir, 'wk'), '--workers', '2', '--worker-kind', 'process', '--task-size', '1MB', '-q'], { env: { CORPUS_CLEAN_KILL_WORKER: 'SIGKILL' }, timeoutMs: 110_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/failed: worker process \(PID \d+\) was killed by SIGKILL/);
    // review-newuser5 #24: the task it held is named, and an unexplained SIGKILL gets the out-of-memory hint.
    expect(r.stderr).toMatch(/task \d+ of phase \S+ \(.*big\.jsonl.*\) failed: worker process \(PID \d+\) was killed by SIGKILL \(not by corpus-clean: .*out of memory, see dmesg .*fewer --workers or a smaller --task-size use less\)/);
    expect(r.stderr).not.toMatch(/code null|\n\s+at /);
  }, 120_000);
});
