import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The suite's time on CI is a limit of the project (.ci/run: `npm test` on a 2-core machine).
 *
 * Workers: vitest's default is one test file at a time per core but one, so on 2 cores the files
 * ran one after another while most of a test's time is spent waiting on a spawned CLI (one core
 * busy at most). Two files at a time on 2 cores; on more cores, vitest's default.
 *
 * Order: with several files at a time the suite ends when its longest file does, so the files
 * that take longest on CI start first (longest first); the rest keep vitest's order (by its
 * cache of earlier durations where there is one; a fresh clone has none). A file missing from
 * the list only loses its place, never a test.
 */
// The files that took longest in the CI run of 2026-12-06 04:15 UTC (/tmp/ci23c.log), longest first,
// with the files suite24 made cheaper placed by their CI time scaled by the CPU time they saved
// (slurm/run.test.ts: its Parquet test in 4 waves of array jobs instead of 9).
const SLOWEST_FIRST = [
  'test/exec/resume.test.ts',
  'test/slurm/run.test.ts',
  'test/exec/local.test.ts',
  'test/io/writers/faults.test.ts',
  'test/cli/messages.test.ts',
  'test/exec/parquetRun.test.ts',
  'test/exec/status.test.ts',
  'test/exec/pack.test.ts',
  'test/cli/dedupDisk.test.ts',
  'test/cli/interrupt.test.ts',
  'test/cli/bench.test.ts',
  'test/cli/finishedMarkers3.test.ts',
  'test/io/writers/parquetChecksum.test.ts',
  'test/api/pack.test.ts',
  'test/cli/rejects.test.ts',
  'test/cli/followUps16.test.ts',
  'test/cli/finishedMarkers.test.ts',
  'test/cli/overwrite17.test.ts',
  'test/cli/unfinishedOutput.test.ts',
  'test/cli/interrupt21.test.ts',
  'test/cli/textFieldHint.test.ts',
  'test/io/writers/rejectsLine.test.ts',
  'test/cli/overwrite18.test.ts',
  'test/slurm/resume.test.ts',
  'test/report/report.test.ts',
  'test/cli/descriptorOutputs.test.ts',
  'test/cli/bundle.test.ts',
  'test/cli/outputs6.test.ts',
  'test/cli/planShape21.test.ts',
  'test/cli/statusCommand.test.ts',
  'test/cli/followUps17b.test.ts',
  'test/exec/v8.test.ts',
  'test/exec/progress.test.ts',
  'test/cli/interrupt23.test.ts',
  'test/cli/run.test.ts',
  'test/io/damageLedger.test.ts',
  'test/cli/exportByLang.test.ts',
  'test/cli/conventions.test.ts',
  'test/cli/export.test.ts',
  'test/cli/cat.test.ts',
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification): number => {
      const i = SLOWEST_FIRST.findIndex((p) => f.moduleId.replaceAll('\\', '/').endsWith(p));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the files not listed keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowestFirst },
  },
});
