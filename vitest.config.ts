import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';
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

/**
 * Files that run in a process of their own (vitest's default, isolate: true). Three measure the
 * memory of the test process itself (array buffers, peak RSS): in a process that ran other files
 * before, what those left (garbage freed during the test, a higher peak) could hide a regression.
 * langid's lazyModel26 checks that the fastText model is not loaded before a text needs it: a file
 * run before it in a shared process has loaded it (CI of lead26 8783199: failed in 'shared').
 */
const ISOLATED = ['test/stages/dedup/signatureWriter.test.ts', 'test/io/damaged.test.ts', 'test/io/zstdResync.test.ts', 'test/stages/langid/lazyModel26.test.ts'];

export default defineConfig({
  test: {
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: SlowestFirst },
    // Every file removes the temporary folders it made when it ends (a hook per file, also where
    // files share their modules).
    setupFiles: ['test/helpers/setup.ts'],
    /*
     * Isolation: by default vitest starts a process per test file and imports its modules anew
     * (the suite's src/ through vite's transform, some 360 times); CPU the 2-core CI then lacks
     * for the tests (most spawn the built CLI, whose processes share nothing with the runner).
     * The other files run one after another in each worker process (isolate: false): modules
     * imported once per worker. A file that changes global state restores it (process.env,
     * spies: afterAll/finally); helpers' hooks are in setupFiles, run before every file.
     */
    projects: [
      { extends: true, test: { name: 'shared', isolate: false, exclude: [...configDefaults.exclude, ...ISOLATED] } },
      { extends: true, test: { name: 'isolated', include: ISOLATED } },
    ],
  },
});
