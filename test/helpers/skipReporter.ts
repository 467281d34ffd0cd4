/**
 * A vitest reporter that `npm test` adds after the default one: one line at the end saying why
 * tests were skipped (the real-data tests without CORPUS_CLEAN_DATA, the Slurm tests without
 * CORPUS_CLEAN_SLURM, a tool this machine lacks), so that "28 skipped" is not left unexplained.
 */
import type { Reporter, TestModule } from 'vitest/node';

/** Why a test was skipped, from its file and the environment. */
export function skipReason(file: string, env: NodeJS.ProcessEnv = process.env): 'data' | 'slurm' | 'tool' {
  if (/[\\/]test[\\/]slurm[\\/]/.test(file)) return 'slurm';
  return env.CORPUS_CLEAN_DATA ? 'tool' : 'data';
}

const need = (n: number): string => (n === 1 ? 'needs' : 'need');

/** The line for the skipped counts, or undefined when nothing was skipped. */
export function skipLine(counts: Record<'data' | 'slurm' | 'tool', number>): string | undefined {
  const parts: string[] = [];
  if (counts.data > 0) parts.push(`${counts.data} ${need(counts.data)} the real data in ../shared/data (CORPUS_CLEAN_DATA is not set; CORPUS_CLEAN_DATA=../shared/data npm test runs them)`);
  if (counts.slurm > 0) parts.push(`${counts.slurm} ${need(counts.slurm)} Slurm (CORPUS_CLEAN_SLURM=1 with a cluster; .ci/run starts one)`);
  if (counts.tool > 0) parts.push(`${counts.tool} ${need(counts.tool)} a tool not found here (Chromium, the zstd command or /proc; --reporter verbose names them)`);
  const n = counts.data + counts.slurm + counts.tool;
  return n === 0 ? undefined : `Skipped ${n} test${n === 1 ? "" : "s"}: ${parts.join('; ')}`;
}

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { data: 0, slurm: 0, tool: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) if (t.result().state === 'skipped') counts[skipReason(m.moduleId)]++;
    }
    const line = skipLine(counts);
    if (line !== undefined) process.stdout.write(`\n${line}\n`);
  }
}
