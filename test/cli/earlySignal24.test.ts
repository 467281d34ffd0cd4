import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runNode, tempDir } from '../helpers/run.js';

// New-user review 23b C9: a SIGTERM or SIGINT that came while `run`'s modules were still loading
// (0.3-0.6 s after its start) ended it with exit 143/130 and no line at all. It says so now.
//
// The signal is sent at a known point, not after a guessed delay: a module loader hook (Node's
// module.register, loaded with --import) sends it when the chunk holding `run`'s command module
// is loaded, and holds that load back a while, so the signal lands while `run` is not yet begun.

const HOOKS = `let target = '';
let signal = 'SIGTERM';
export function initialize(d) { target = d.target; signal = d.signal; }
export async function load(url, context, next) {
  if (url.endsWith(target)) {
    process.kill(process.pid, signal);
    await new Promise((r) => setTimeout(r, 2000));
  }
  return next(url, context);
}
`;

/** The bundle chunk that holds src/cli/commands/run.ts (esbuild's metafile). */
async function runChunk(): Promise<string> {
  const meta = JSON.parse(await readFile(join(ROOT, 'dist/bundle/meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  const found = Object.entries(meta.outputs).find(([, o]) => Object.keys(o.inputs).some((i) => i.endsWith('src/cli/commands/run.ts')));
  if (found === undefined) throw new Error('no chunk holds src/cli/commands/run.ts');
  return '/' + found[0].split('/').pop();
}

let dir = '';
const res: Record<string, Awaited<ReturnType<typeof runNode>>> = {};

beforeAll(async () => {
  dir = await tempDir();
  const target = await runChunk();
  await writeFile(join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(join(dir, 'a.jsonl'), '{"text":"one record"}\n');
  await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize\n');
  await Promise.all(
    (['SIGTERM', 'SIGINT'] as const).map(async (signal) => {
      await writeFile(join(dir, `${signal}.mjs`), `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url, { data: { target: ${JSON.stringify(target)}, signal: '${signal}' } });\n`);
      res[signal] = await runNode(['--import', `./${signal}.mjs`, CLI, 'run', 'r.yaml', '-i', 'a.jsonl', '-o', `out-${signal}`], { cwd: dir });
    }),
  );
}, 120_000);

describe('a signal before the command has begun', () => {
  it('SIGTERM: exit 143 with a line saying nothing was written; no output folder', () => {
    const r = res.SIGTERM;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toBe('corpus-clean run: terminated before starting; nothing was written\n');
    expect(existsSync(join(dir, 'out-SIGTERM'))).toBe(false);
  });

  it('SIGINT: exit 130, said the same way', () => {
    const r = res.SIGINT;
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toBe('corpus-clean run: interrupted before starting; nothing was written\n');
  });
});
