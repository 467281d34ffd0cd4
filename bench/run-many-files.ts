/**
 * bench/run-many-files.ts: `corpus-clean run` over many small input files (hostile review 2 M7:
 * 2,000 one-record files made 2,000 tasks, ~2,000 tiny shards and stats files, 170 s).
 *
 * Input: the first `--files` (default 2,000) records of web/zh/cluecorpussmall_sampled_uer.jsonl
 * in the data folder, one record per file (`f00000.jsonl`, ...), in a temporary folder. The recipe
 * is the review's: normalize, pii, exact and MinHash dedup, zstd shards of 500 records. Measured
 * in the same run, alternating for `--rounds` rounds (default 1), each a fresh process under GNU
 * time with `--workers 2`: the build under test (dist/bundle/main.js, or CORPUS_CLEAN_CLI) and,
 * with `--base path/to/main.js`, another build (e.g. a worktree of main before the change).
 * Prints per build: wall and CPU seconds, peak RSS, tasks, shards, and the files in the run
 * folder (everything under it, `_work` removed at the end), and the ratios base/now.
 *
 * Run: npm run build && npx tsx bench/run-many-files.ts [--data DIR] [--files 2000] [--rounds 1] [--base OTHER/dist/cli/main.js]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DATA } from './data.js';
import { CLI, load } from './cpu.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '1' }, base: { type: 'string' } } });
const files = Number(values.files);
const rounds = Number(values.rounds);
if (!Number.isSafeInteger(files) || files < 1 || !Number.isSafeInteger(rounds) || rounds < 1) {
  console.error('--files and --rounds take positive whole numbers');
  process.exit(2);
}

/** Every file under `dir`, recursively. */
function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(join(dir, e.name)) : 1;
  return n;
}

interface Row {
  wall: number;
  cpu: number;
  rssMb: number;
  tasks: number;
  shards: number;
  files: number;
}

function runOnce(cli: string, input: string, out: string): Row {
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync('/usr/bin/time', ['-f', '@@ %U %S %e %M', process.execPath, cli, 'run', join(work, 'np.yaml'), '-i', input, '-o', out, '-q', '--workers', '2'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const m = /@@ ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (!m || r.status !== 0) throw new Error(`run failed (${r.status}): ${r.stderr.slice(-800)}`);
  const stats = JSON.parse(readFileSync(join(out, '_stats.json'), 'utf8')) as { tasks?: number; read: number };
  if (stats.read !== files) throw new Error(`read ${stats.read} records, expected ${files}`);
  return { wall: Number(m[3]), cpu: Number(m[1]) + Number(m[2]), rssMb: Number(m[4]) / 1024, tasks: stats.tasks ?? -1, shards: readdirSync(out).filter((f) => f.startsWith('part-')).length, files: countFiles(out) };
}

const work = mkdtempSync(join(tmpdir(), 'cc-runmany-'));
try {
  const source = readFileSync(join(DATA, 'web/zh/cluecorpussmall_sampled_uer.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  const dir = join(work, 'in');
  mkdirSync(dir);
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const line = source[i % source.length] + '\n';
    writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.jsonl`), line);
    bytes += Buffer.byteLength(line);
  }
  writeFileSync(join(work, 'np.yaml'), 'name: np\nstages:\n  - normalize: {}\n  - pii: {}\n  - dedup: {method: exact}\n  - dedup: {method: minhash}\noutput:\n  compression: zstd\n  shard_records: 500\n');
  const builds: [string, string][] = [['now', CLI]];
  if (values.base !== undefined) builds.unshift(['base', resolve(values.base)]);
  console.log(`run over ${files} one-record files (${(bytes / 1e6).toFixed(2)} MB), --workers 2, ${rounds} round(s); load before: ${load()}`);
  const rows = new Map<string, Row[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, cli] of builds) {
      const row = runOnce(cli, dir, join(work, `out-${name}`));
      (rows.get(name) ?? rows.set(name, []).get(name)!).push(row);
      console.log(`${name.padEnd(5)} wall ${row.wall.toFixed(2)} s  cpu ${row.cpu.toFixed(2)} s  rss ${row.rssMb.toFixed(0)} MB  tasks ${row.tasks}  shards ${row.shards}  files in folder ${row.files}  (load ${load()})`);
    }
  }
  if (values.base !== undefined) {
    const best = (name: string, k: 'wall' | 'cpu'): number => Math.min(...rows.get(name)!.map((x) => x[k]));
    console.log(`ratio base/now: wall ${(best('base', 'wall') / best('now', 'wall')).toFixed(1)}x, cpu ${(best('base', 'cpu') / best('now', 'cpu')).toFixed(1)}x`);
  }
  // The outputs hold the same records (one task or 2,000, the shards are cut differently).
  const dump = (name: string): string => {
    const out = join(work, `out-${name}`);
    const r = spawnSync(process.execPath, [CLI, 'cat', out, '-q'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return r.stdout.split('\n').sort().join('\n');
  };
  if (values.base !== undefined) console.log(`same records (sorted) in both outputs: ${dump('base') === dump('now')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
