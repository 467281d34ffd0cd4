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
// The files that took longest in the CI run of 2026-12-06 10:19 UTC (/tmp/ci25c.log), longest first.
const SLOWEST_FIRST = [
  'test/slurm/run.test.ts',
  'test/exec/resume.test.ts',
  'test/exec/local.test.ts',
  'test/io/writers/faults.test.ts',
  'test/cli/messages.test.ts',
  'test/exec/parquetRun.test.ts',
  'test/api/pack.test.ts',
  'test/io/writers/parquetChecksum.test.ts',
  'test/exec/status.test.ts',
  'test/cli/finishedMarkers3.test.ts',
  'test/cli/finishedMarkers.test.ts',
  'test/exec/pack.test.ts',
  'test/cli/dedupDisk.test.ts',
  'test/cli/followUps16.test.ts',
  'test/cli/rejects.test.ts',
  'test/cli/statusCommand.test.ts',
  'test/cli/interrupt21.test.ts',
  'test/cli/outputs6.test.ts',
  'test/cli/bench.test.ts',
  'test/io/zstdIntegrity.test.ts',
  'test/cli/overwrite17.test.ts',
  'test/io/writers/rejectsLine.test.ts',
  'test/io/damageLedger.test.ts',
  'test/io/readers/warc.test.ts',
  'test/exec/v8.test.ts',
  'test/cli/unfinishedOutput.test.ts',
  'test/cli/followUps17b.test.ts',
  'test/cli/cat.test.ts',
  'test/cli/interrupt.test.ts',
  'test/exec/rejectsIndex.test.ts',
  'test/cli/bundle.test.ts',
  'test/exec/progress.test.ts',
  'test/report/report.test.ts',
  'test/cli/limit.test.ts',
  'test/slurm/resume.test.ts',
  'test/report/browser.test.ts',
  'test/cli/run.test.ts',
  'test/cli/interrupt23.test.ts',
  'test/cli/outputPaths5.test.ts',
  'test/cli/export.test.ts',
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
