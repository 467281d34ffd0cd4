/**
 * bench/startup.ts: how long a short command takes (issue #16: `corpus-clean quality` on a 1 KB
 * file in <= 0.25 s wall), beside Node itself and `corpus-clean cat` in the same run.
 *
 * Input: the first records of ../shared/data/web/en/olmo_c4_sample.jsonl (text field only) that
 * fit in 1,024 bytes. Each command is a fresh process under GNU time; `--rounds` (default 10)
 * alternating rounds; medians of wall and CPU (user + system) seconds. On a shared machine wall
 * time grows with the load average (printed); CPU time much less.
 *
 * Run: npm run build && npx tsx bench/startup.ts [--data DIR] [--rounds 10]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { load, measure, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds);

const dir = mkdtempSync(join(tmpdir(), 'cc-startup-'));
try {
  const file = join(dir, 'one-kb.jsonl');
  let out = '';
  for (const line of readFileSync(join(DATA, 'web/en/olmo_c4_sample.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const s = JSON.stringify({ text: (JSON.parse(line) as { text: string }).text }) + '\n';
    if (Buffer.byteLength(out + s) <= 1024) out += s;
  }
  writeFileSync(file, out);
  const cmds: [string, string[], boolean][] = [
    ['node -e 0', ['-e', '0'], false],
    ['corpus-clean cat', ['cat', file, '-q', '-o', join(dir, 'c.jsonl'), '--overwrite'], true],
    ['corpus-clean quality', ['quality', file, '-q', '-o', join(dir, 'q.jsonl'), '--overwrite'], true],
    ['corpus-clean langid', ['langid', file, '-q', '-o', join(dir, 'l.jsonl'), '--overwrite'], true],
    ['corpus-clean --help', ['--help'], true],
  ];
  console.log(`load before: ${load()}`);
  console.log(`input: ${Buffer.byteLength(out)} bytes, ${out.split('\n').length - 1} records; ${rounds} rounds, medians\n`);
  const res = new Map<string, Cost[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, args, cli] of cmds) {
      const c = measure(args, cli);
      // a failing command (a refused output, a usage error) would be timed as a fast start-up
      if (c.code !== 0) throw new Error(`${name} exited ${c.code} in round ${r + 1}`);
      res.set(name, [...(res.get(name) ?? []), c]);
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log('| command | wall s (median) | CPU s (median) | peak RSS MB | target |');
  console.log('|---|---:|---:|---:|---|');
  for (const [name] of cmds) {
    const c = res.get(name)!;
    console.log(`| ${name} | ${med(c.map((x) => x.wall)).toFixed(3)} | ${med(c.map((x) => x.cpu)).toFixed(3)} | ${med(c.map((x) => x.rssMb)).toFixed(0)} | ${name === 'corpus-clean quality' ? '<= 0.25 s wall' : ''} |`);
  }
  console.log(`\nload after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
