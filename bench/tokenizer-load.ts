/**
 * bench/tokenizer-load.ts: what loading the InternLM2 tokenizer costs a process (tok25), beside
 * Node itself, in the same run.
 *
 * Commands, each a fresh process under GNU time (CPU = user + system seconds):
 *   - `node -e 0`, for scale;
 *   - `node` importing dist/tokenize/tokenizer.js and calling `SentencePieceTokenizer.loadSync`
 *     on fixtures/tokenizer/internlm2.model (the load alone, no CLI);
 *   - `corpus-clean export internevo` of a one-record file (the first record of
 *     ../shared/data/web/en/olmo_c4_sample.jsonl) with the bundled model;
 *   - `corpus-clean tokenize` of the records of that file that fit in 1 KB.
 * `--rounds` (default 10) alternating rounds; medians. With `--before PATH/dist/bundle/main.js`
 * (another build, e.g. main before the change) every command but `node -e 0` runs with that
 * build too, beside ours in each round (first every other round; its tokenizer module is found
 * at PATH/dist/tokenize/tokenizer.js), and the table gains its medians and the rounds in which
 * ours used less CPU.
 *
 * Run: npm run build && npx tsx bench/tokenizer-load.ts [--data DIR] [--rounds 10] [--before CLI]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { CLI, load, measure, ROOT, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' }, before: { type: 'string' } } });
const rounds = Number(values.rounds);
const before = values.before === undefined ? undefined : resolve(values.before);
const model = join(ROOT, 'fixtures/tokenizer/internlm2.model');

/** The dist/tokenize/tokenizer.js beside a build's dist/bundle/main.js (or dist/cli/main.js). */
const tokenizerModule = (cli: string): string => {
  const m = join(dirname(cli), '../tokenize/tokenizer.js');
  if (!existsSync(m)) throw new Error(`no ${m} beside ${cli}`);
  return pathToFileURL(m).href;
};
const loadOnly = (cli: string): string[] => [
  '--input-type=module',
  '-e',
  `const { SentencePieceTokenizer } = await import(${JSON.stringify(tokenizerModule(cli))}); SentencePieceTokenizer.loadSync(${JSON.stringify(model)});`,
];

const dir = mkdtempSync(join(tmpdir(), 'cc-tokload-'));
try {
  const lines = readFileSync(join(DATA, 'web/en/olmo_c4_sample.jsonl'), 'utf8').split('\n').filter((l) => l.length > 0);
  const one = join(dir, 'one.jsonl');
  writeFileSync(one, JSON.stringify({ text: (JSON.parse(lines[0]) as { text: string }).text }) + '\n');
  const kb = join(dir, 'one-kb.jsonl');
  let out = '';
  for (const line of lines) {
    const s = JSON.stringify({ text: (JSON.parse(line) as { text: string }).text }) + '\n';
    if (Buffer.byteLength(out + s) <= 1024) out += s;
  }
  writeFileSync(kb, out);
  /** name, arguments for a build's CLI path (null: not a corpus-clean command). */
  const cmds: [string, (cli: string | null) => string[]][] = [
    ['node -e 0', () => ['-e', '0']],
    ['node: import + loadSync', (cli) => loadOnly(cli!)],
    ['export internevo, 1 record', (cli) => [cli!, 'export', 'internevo', one, '--tokenizer', model, '-o', join(dir, 'ei'), '--overwrite', '-q']],
    ['tokenize, 1 KB', (cli) => [cli!, 'tokenize', kb, '--tokenizer', model, '-o', join(dir, 't.jsonl'), '--overwrite', '-q']],
  ];
  console.log(`load before: ${load()}`);
  console.log(`inputs: 1 record (${readFileSync(one).length} bytes); ${Buffer.byteLength(out)} bytes, ${out.split('\n').length - 1} records; ${rounds} rounds, medians\n`);
  const res = new Map<string, Cost[]>();
  const old = new Map<string, Cost[]>();
  const run = (into: Map<string, Cost[]>, name: string, args: string[], r: number): void => {
    const c = measure(args, false);
    // a failing command would be timed as a fast one
    if (c.code !== 0) throw new Error(`${name} exited ${c.code} in round ${r + 1}: node ${args.join(' ')}`);
    into.set(name, [...(into.get(name) ?? []), c]);
  };
  for (let r = 0; r < rounds; r++) {
    for (const [name, args] of cmds) {
      const ours = (): void => run(res, name, args(name === 'node -e 0' ? null : CLI), r);
      const theirs = (): void => {
        if (before !== undefined && name !== 'node -e 0') run(old, name, args(before), r);
      };
      if (r % 2 === 0) {
        ours();
        theirs();
      } else {
        theirs();
        ours();
      }
    }
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const was = (name: string): string => {
    const b = old.get(name);
    if (b === undefined) return before === undefined ? '' : ' | |';
    const ours = res.get(name)!;
    const lower = ours.filter((c, i) => c.cpu < b[i].cpu).length;
    return ` ${med(b.map((x) => x.cpu)).toFixed(3)} | ${med(b.map((x) => x.rssMb)).toFixed(0)} | ${lower} of ${b.length} |`;
  };
  console.log(`| command | wall s (median) | CPU s (median) | peak RSS MB |${before === undefined ? '' : ' before: CPU s (median) | before: RSS MB | rounds ours lower |'}`);
  console.log(`|---|---:|---:|---:|${before === undefined ? '' : '---:|---:|---:|'}`);
  for (const [name] of cmds) {
    const c = res.get(name)!;
    console.log(`| ${name} | ${med(c.map((x) => x.wall)).toFixed(3)} | ${med(c.map((x) => x.cpu)).toFixed(3)} | ${med(c.map((x) => x.rssMb)).toFixed(0)} |${was(name)}`);
  }
  if (before !== undefined) console.log(`\nbefore: ${before}`);
  console.log(`\nload after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
