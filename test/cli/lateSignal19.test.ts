import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runNode, tempDir, TOKENIZER_MODEL } from '../helpers/run.js';

// Hostile review 15 F11: a SIGINT/SIGTERM that landed while Node tore the process down (after the
// 'exit' event, once it had closed its handlers) killed it by the default action: exit 130/143
// and no word, beside an output that was whole and published. The command now leaves by
// process.exit once it is over, and the handlers stay in place to the end.

/**
 * A preload: on 'exit', a shell sends LATE_SIGNAL to the process again and again until it is gone
 * (or a zombie, or 20,000 times), so a signal lands in every part of the teardown.
 */
const LATE = `process.on('exit', () => {
  const p = process.pid;
  require('node:child_process').spawn('sh', ['-c', \`i=0; while [ $i -lt 20000 ] && kill -\${process.env.LATE_SIGNAL} \${p} 2>/dev/null && ! grep -q '^State:.*Z' /proc/\${p}/status; do i=$((i+1)); done\`], { stdio: 'ignore', detached: true }).unref();
});
`;

describe.runIf(process.platform === 'linux')('a signal after the command is over, while the process exits', () => {
  it('changes nothing: the exit code is the command\'s, the output whole (file, stdout, export internevo)', async () => {
    const dir = await tempDir();
    const preload = join(dir, 'late.cjs');
    await writeFile(preload, LATE);
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, text: `record ${i}, with a few words in it to tokenize and write.` }));
    await writeFile(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
    const late = (signal: string, args: string[]): ReturnType<typeof runNode> => runNode(['--require', preload, CLI, ...args], { cwd: dir, env: { LATE_SIGNAL: signal } });
    for (const signal of ['INT', 'TERM', 'HUP']) {
      const file = await late(signal, ['cat', 'in.jsonl', '-o', `o-${signal}.jsonl`]);
      expect(file.code, `${signal}: ${file.stderr}`).toBe(0);
      expect(file.stderr).toMatch(/^corpus-clean cat: read 3000 = written 3000 \+ rejected 0 in [^\n]*\n$/);
      expect((await readFile(join(dir, `o-${signal}.jsonl`), 'utf8')).split('\n').length - 1).toBe(3000);
    }
    const out = await late('INT', ['cat', 'in.jsonl']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.split('\n').length - 1).toBe(3000);
    const ex = await late('TERM', ['export', 'internevo', 'in.jsonl', '--tokenizer', TOKENIZER_MODEL, '--type', 'en', '-o', 'tok/']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stderr).toMatch(/tok\/train\/en\/: 3000 samples, \d+ tokens in 1 shard\n$/);
  });
});
