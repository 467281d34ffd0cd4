/**
 * bench/startup.ts: how long a short command takes (issue #16: `corpus-clean quality` on a 1 KB
 * file in <= 0.25 s wall), beside Node itself and `corpus-clean cat` in the same run.
 *
 * Input: the first records of ../shared/data/web/en/olmo_c4_sample.jsonl (text field only) that
 * fit in 1,024 bytes. The two `run` cases read its first record alone (text field only): one with
 * the sample recipe (rules/recipes/sample.yaml: normalize, langid, quality, exact and MinHash
 * dedup), one with a recipe of one stage (normalize): a run's start-up (the recipe read and
 * checked, the stages and their models loaded, the plan, the report page) for one record. Each command is a fresh process under GNU time; `--rounds` (default 10)
 * alternating rounds; medians of wall and CPU (user + system) seconds. On a shared machine wall
 * time grows with the load average (printed); CPU time much less.
 *
 * With `--before PATH/dist/cli/main.js` (another build, e.g. main before a change) every
 * corpus-clean command runs with that build too, beside ours in each round (first every other
 * round), and the table gains its medians and the rounds in which ours used less CPU (on a loaded
 * machine only such pairs say anything).
 *
 * Run: npm run build && npx tsx bench/startup.ts [--data DIR] [--rounds 10] [--before CLI]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { load, measure, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, before: { type: 'string' } } });
const rounds = Number(values.rounds);
const before = values.before;

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
  const first = readFileSync(join(DATA, 'web/en/olmo_c4_sample.jsonl'), 'utf8').split('\n', 1)[0];
  const one = join(dir, 'one-record.jsonl');
  writeFileSync(one, JSON.stringify({ text: (JSON.parse(first) as { text: string }).text }) + '\n');
  const oneStage = join(dir, 'normalize.yaml');
  writeFileSync(oneStage, 'stages:\n  - normalize: {}\n');
  const runArgs = (recipe: string, out: string): string[] => ['run', recipe, '-i', one, '-o', join(dir, out), '--overwrite', '-q', '--max-reject-rate', '1', '--allow-empty'];
  const cmds: [string, string[], boolean][] = [
    ['node -e 0', ['-e', '0'], false],
    ['corpus-clean cat', ['cat', file, '-q', '-o', join(dir, 'c.jsonl'), '--overwrite'], true],
    ['corpus-clean quality', ['quality', file, '-q', '-o', join(dir, 'q.jsonl'), '--overwrite'], true],
    ['corpus-clean langid', ['langid', file, '-q', '-o', join(dir, 'l.jsonl'), '--overwrite'], true],
    ['corpus-clean dedup', ['dedup', file, '-q', '-o', join(dir, 'd.jsonl'), '--overwrite'], true],
    ['corpus-clean run, sample recipe, 1 record', runArgs('rules/recipes/sample.yaml', 'run-sample'), true],
    ['corpus-clean run, normalize recipe, 1 record', runArgs(oneStage, 'run-normalize'), true],
    ['corpus-clean --help', ['--help'], true],
    ['corpus-clean --version', ['--version'], true],
  ];
  console.log(`load before: ${load()}`);
  console.log(`input: ${Buffer.byteLength(out)} bytes, ${out.split('\n').length - 1} records; ${rounds} rounds, medians\n`);
  const res = new Map<string, Cost[]>();
  const old = new Map<string, Cost[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, args, cli] of cmds) {
      const ours = (): void => {
        const c = measure(args, cli);
        // a failing command (a refused output, a usage error) would be timed as a fast start-up
        if (c.code !== 0) throw new Error(`${name} exited ${c.code} in round ${r + 1}`);
        res.set(name, [...(res.get(name) ?? []), c]);
      };
      const theirs = (): void => {
        if (before === undefined || !cli) return;
        const b = measure([before, ...args], false);
        if (b.code !== 0) throw new Error(`${name} (before) exited ${b.code} in round ${r + 1}`);
        old.set(name, [...(old.get(name) ?? []), b]);
      };
      // which build goes first alternates from round to round
      if (r % 2 === 0) {
        ours();
        theirs();
      } else {
        theirs();
        ours();
      }
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const was = (name: string): string => {
    const b = old.get(name);
    if (b === undefined) return before === undefined ? '' : ' | | |';
    const ours = res.get(name)!;
    const lower = ours.filter((c, i) => c.cpu < b[i].cpu).length;
    return ` | ${med(b.map((x) => x.cpu)).toFixed(3)} | ${lower} of ${b.length} |`;
  };
  console.log(`| command | wall s (median) | CPU s (median) | peak RSS MB | target |${before === undefined ? '' : ' before: CPU s (median) | rounds ours lower |'}`);
  console.log(`|---|---:|---:|---:|---|${before === undefined ? '' : '---:|---:|'}`);
  for (const [name] of cmds) {
    const c = res.get(name)!;
    console.log(`| ${name} | ${med(c.map((x) => x.wall)).toFixed(3)} | ${med(c.map((x) => x.cpu)).toFixed(3)} | ${med(c.map((x) => x.rssMb)).toFixed(0)} | ${name === 'corpus-clean quality' ? '<= 0.25 s wall' : ''} |${was(name).slice(2)}`);
  }
  if (before !== undefined) console.log(`
before: ${before}`);
  console.log(`\nload after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
