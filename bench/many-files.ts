/**
 * bench/many-files.ts: many small input files (issue #10, I2: 50,000 one-record files took 47 s,
 * most of it in the garbage collector, when every file got a 1 MiB read buffer).
 *
 * Input: the first `--files` (default 50,000) records of web/en/olmo_c4_sample.jsonl in the data
 * folder (repeated when it holds fewer), written one record per file (`f00000.jsonl`, ...) into a
 * temporary folder, and the same records as one file. Measured in the same run, alternating for
 * `--rounds` rounds (default 3), each a fresh process under GNU time:
 *   - `corpus-clean cat DIR -o /dev/null` (the case measured),
 *   - `corpus-clean cat one.jsonl -o /dev/null` (the same records in one file: what the files cost),
 *   - a bare Node loop over the same files: readFile, JSON.parse, JSON.stringify, write to
 *     /dev/null (the floor for opening 50,000 files from Node).
 * Medians of wall and CPU (user + system) seconds and peak RSS, and the ratios of the case to
 * the two baselines. `CORPUS_CLEAN_CLI=path/to/main.js` measures another build.
 *
 * Run: npm run build && npx tsx bench/many-files.ts [--data DIR] [--files 50000] [--rounds 3]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { CLI, load, measure, type Cost } from './cpu.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '50000' }, rounds: { type: 'string', default: '3' } } });
const files = Number(values.files);
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(files) || files < 1 || !Number.isSafeInteger(rounds) || rounds < 1) {
  console.error('--files and --rounds take positive whole numbers');
  process.exit(2);
}

const BARE = `
const fs = require('node:fs');
const dir = process.argv[1];
const out = fs.openSync('/dev/null', 'w');
let n = 0;
for (const name of fs.readdirSync(dir).sort()) {
  const text = fs.readFileSync(dir + '/' + name, 'utf8');
  for (const line of text.split('\\n')) if (line) { fs.writeSync(out, JSON.stringify(JSON.parse(line)) + '\\n'); n++; }
}
process.stderr.write('bare: ' + n + ' records\\n');
`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

const work = mkdtempSync(join(tmpdir(), 'cc-many-'));
try {
  const source = readFileSync(join(DATA, 'web/en/olmo_c4_sample.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  const dir = join(work, 'many');
  mkdirSync(dir);
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const line = source[i % source.length] + '\n';
    lines.push(line);
    bytes += Buffer.byteLength(line);
    writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.jsonl`), line);
  }
  const one = join(work, 'one.jsonl');
  writeFileSync(one, lines.join(''));
  console.log(`many-files: ${files} files of one record each (${(bytes / 1e6).toFixed(1)} MB in all) from ${DATA}; CLI ${CLI}; ${rounds} rounds; load before: ${load()}`);

  const cases: Record<string, { args: string[]; cli: boolean; costs: Cost[] }> = {
    [`cat ${files} files`]: { args: ['cat', dir, '-o', '/dev/null', '--quiet'], cli: true, costs: [] },
    'cat one file, same records': { args: ['cat', one, '-o', '/dev/null', '--quiet'], cli: true, costs: [] },
    [`bare Node loop, ${files} files`]: { args: ['-e', BARE, dir], cli: false, costs: [] },
  };
  for (let r = 0; r < rounds; r++) {
    for (const [name, c] of Object.entries(cases)) {
      const cost = measure(c.args, c.cli);
      if (cost.code !== 0) throw new Error(`${name} exited ${cost.code}`);
      c.costs.push(cost);
    }
  }
  const rows = Object.entries(cases).map(([name, c]) => ({
    name,
    wall: median(c.costs.map((x) => x.wall)),
    cpu: median(c.costs.map((x) => x.cpu)),
    rss: median(c.costs.map((x) => x.rssMb)),
  }));
  console.log('\n| case | wall s (median) | CPU s (median) | peak RSS MB |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.rss.toFixed(0)} |`);
  const [many, single, bare] = rows;
  console.log(`\nratios (CPU): many files / one file ${(many.cpu / single.cpu).toFixed(2)}x; many files / bare loop ${(many.cpu / bare.cpu).toFixed(2)}x; per file ${((1e3 * (many.cpu - single.cpu)) / files).toFixed(3)} ms CPU beyond one file`);
  console.log(`load after: ${load()}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
