/**
 * A vitest reporter that `npm test` adds after the default one: one line at the end saying why
 * tests were skipped (the real-data tests without CORPUS_CLEAN_DATA, the Slurm tests without
 * CORPUS_CLEAN_SLURM, a tool this machine lacks; with a cluster, the Slurm files' stand-ins), so
 * that "28 skipped" is not left unexplained.
 */
import type { Reporter, TestModule } from 'vitest/node';

/** The stand-in each Slurm test file runs when no cluster is set (`it.skipIf(SLURM)`): skipped exactly when Slurm is there. */
export const SLURM_STAND_IN = /^Slurm tests skipped: /;

/**
 * Why a test was skipped, from its file, its name and the environment. A Slurm file's stand-in
 * is skipped because a cluster is set, not for want of one: `standIn`, not `slurm`.
 */
export function skipReason(file: string, env: NodeJS.ProcessEnv = process.env, name = ''): 'data' | 'slurm' | 'tool' | 'standIn' {
  if (/[\\/]test[\\/]slurm[\\/]/.test(file)) return SLURM_STAND_IN.test(name) ? 'standIn' : 'slurm';
  return env.CORPUS_CLEAN_DATA ? 'tool' : 'data';
}

const need = (n: number): string => (n === 1 ? 'needs' : 'need');

/** The line for the skipped counts, or undefined when nothing was skipped. */
export function skipLine(counts: Record<'data' | 'slurm' | 'tool', number> & { standIn?: number }): string | undefined {
  const parts: string[] = [];
  if (counts.data > 0) parts.push(`${counts.data} ${need(counts.data)} the real data in ../shared/data (CORPUS_CLEAN_DATA is not set; CORPUS_CLEAN_DATA=../shared/data npm test runs them)`);
  if (counts.slurm > 0) parts.push(`${counts.slurm} ${need(counts.slurm)} Slurm (CORPUS_CLEAN_SLURM=1 with a cluster; .ci/run starts one)`);
  if (counts.tool > 0) parts.push(`${counts.tool} ${need(counts.tool)} a tool not found here (Chromium, the zstd command or /proc; --reporter verbose names them)`);
  const standIn = counts.standIn ?? 0;
  if (standIn > 0) parts.push(`${standIn} ${standIn === 1 ? 'is the stand-in' : 'are the stand-ins'} for the Slurm tests, run only when no cluster is set (CORPUS_CLEAN_SLURM is set, so the Slurm tests ran instead)`);
  const n = counts.data + counts.slurm + counts.tool + standIn;
  return n === 0 ? undefined : `Skipped ${n} test${n === 1 ? "" : "s"}: ${parts.join('; ')}`;
}

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { data: 0, slurm: 0, tool: 0, standIn: 0 };
    for (const m of modules) {
      for (const t of m.children.allTests()) if (t.result().state === 'skipped') counts[skipReason(m.moduleId, process.env, t.name)]++;
    }
    const line = skipLine(counts);
    if (line !== undefined) process.stdout.write(`\n${line}\n`);
  }
}
