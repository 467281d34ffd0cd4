/**
 * The context `pipeline` (src/core/pipeline.ts, `stageContext`) gives a stage of a single command
 * such as `corpus-clean quality IN -o OUT`, for benches that run a stage in-process: they then
 * measure what the command does, not more (test/benchStageContext.test.ts compares it with the
 * pipeline's).
 */
import type { StageContext } from '../src/core/stage.js';
import type { StageStats } from '../src/core/stats.js';

/**
 * Without a rejects file (`rejectsFile` false) nothing reads what a stage writes on a record it
 * drops (`rejectAttrs` false) and only a rule's own signals would be asked for; with one
 * (`--rejects FILE`) a dropped record's attrs go with its reject. A dropped record goes to its
 * reject only (`droppedReadByReject`). The rejects are counted in `stats.dropped`, as the
 * pipeline counts them, and kept by nobody.
 */
export function commandContext(rejectsFile: boolean, stats: StageStats): StageContext {
  return {
    stats,
    textField: undefined,
    rejectAttrs: rejectsFile,
    rejectRuleSignals: !rejectsFile,
    droppedReadByReject: true,
    reject(_doc, reason) {
      stats.dropped[reason] = (stats.dropped[reason] ?? 0) + 1;
    },
  };
}
