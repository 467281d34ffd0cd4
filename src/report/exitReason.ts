/**
 * Why a finished run exited 1, in words, from its `_stats.json`: what `status` says after
 * 'it exited 1 because' and what the report's banner says (new-user review 23b C3: the banner
 * named the causes it might have been, none of which was).
 */
import { isLost, type SkippedInput } from '../io/inputs.js';
import { showPath } from '../core/fsname.js';

/** `perFile` of a _stats.json as the run writes it: each file's read, written and rejected counts. */
function isPerFile(v: unknown): v is Record<string, { read: number; written: number; rejected: number }> {
  return typeof v === 'object' && v !== null && Object.values(v).every((f) => typeof f === 'object' && f !== null && typeof f.read === 'number' && typeof f.written === 'number' && typeof f.rejected === 'number');
}

/**
 * The stages whose records do not add up (gave out and rejected more, or fewer, than they were
 * given), from the stats' `stages`: the one that made or lost records, named.
 */
function unbalancedStages(s: Record<string, unknown>): string[] {
  const stages = Array.isArray(s.stages) ? (s.stages as unknown[]) : [];
  const out: string[] = [];
  for (const st of stages) {
    if (st === null || typeof st !== 'object') continue;
    const { stage, in: given, out: passed, dropped } = st as { stage?: unknown; in?: unknown; out?: unknown; dropped?: unknown };
    if (typeof stage !== 'string' || typeof given !== 'number' || typeof passed !== 'number') continue;
    const rejected = dropped !== null && typeof dropped === 'object' ? Object.values(dropped).reduce((a: number, b) => a + (typeof b === 'number' ? b : 0), 0) : 0;
    const diff = passed + rejected - given;
    if (diff !== 0) out.push(`stage ${stage} ${diff > 0 ? `made ${diff} records more than it was given` : `lost ${-diff} of the records it was given`} (in ${given}, out ${passed}, rejected ${rejected})`);
  }
  return out;
}

/**
 * The reasons a run exited 1 that its stats show (bad input over the reject rate, a damaged input,
 * an input not read, counts that do not add up, nothing written), each in words; none when the
 * stats do not say.
 */
export function exitOneReasons(s: Record<string, unknown>): string[] {
  const n = (k: string): number | undefined => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
  const out: string[] = [];
  const read = n('read');
  const bad = n('bad_input');
  const rate = n('bad_input_rate');
  const max = n('max_reject_rate');
  if (read !== undefined && bad !== undefined && rate !== undefined && max !== undefined && rate > max) out.push(`${bad} of ${read} records were bad input (${(100 * rate).toFixed(1)} % > --max-reject-rate ${max})`);
  const errors = Array.isArray(s.fileErrors) ? (s.fileErrors as { file?: unknown; message?: unknown }[]) : [];
  if (errors.length > 0) {
    const e = errors[0];
    out.push(`${errors.length === 1 ? 'an input was' : `${errors.length} inputs were`} damaged or failed to read (${typeof e.file === 'string' ? `'${showPath(e.file)}': ` : ''}${typeof e.message === 'string' ? e.message : '?'}${errors.length > 1 ? ', ...' : ''})`);
  }
  // An input passed over that was not meant to be (a backup copy, a dangling link, a FIFO): it fails
  // the run once the rest is done (new-user review 22 A1: status named no reason for it).
  const skipped = Array.isArray(s.skipped) ? (s.skipped as SkippedInput[]).filter((x) => x !== null && typeof x === 'object' && typeof x.name === 'string' && isLost(x)) : [];
  if (skipped.length > 0) {
    const x = skipped[0];
    out.push(`${skipped.length === 1 ? 'an input was' : `${skipped.length} inputs were`} not read ('${showPath(x.name)}'${typeof x.reason === 'string' ? `: ${x.reason}` : ''}${skipped.length > 1 ? ', ...' : ''})`);
  }
  // Counts that do not add up (a stage lost or made records without a reject): the run exits 1 on
  // them (hostile review 22 H4: status listed the other reasons, none of which applied).
  const written = n('written');
  const rejected = n('rejected');
  if (read !== undefined && written !== undefined && rejected !== undefined && read !== written + rejected) {
    // The stage that made (a 1 -> N stage of one's own) or lost them, named when the stats show it (review 23b C3).
    const stages = unbalancedStages(s);
    const which = stages.length > 0 ? stages.join(', ') : 'a stage lost or made records without a reject';
    out.push(`its counts do not add up: read ${read} ≠ written ${written} + rejected ${rejected} (MISMATCH: ${which}; a bug in a stage, of your own or of corpus-clean${written + rejected > read ? '; a stage passes or rejects each record once and cannot make more: one record split into several, as a chunking stage does, is not counted yet' : ''})`);
  } else if (read !== undefined && s.balanced === false) {
    // The totals add up, the files do not (hostile review 23 H4c: 'read 20400 ≠ written 13733 + rejected 6667').
    const files = Object.entries(isPerFile(s.perFile) ? s.perFile : {}).filter(([, f]) => f.read !== f.written + f.rejected);
    const shown = files.slice(0, 3).map(([name, f]) => `${name === '(no source)' ? name : `'${showPath(name)}'`} read ${f.read} = written ${f.written} + rejected ${f.rejected}`);
    out.push(`its counts do not add up file by file${shown.length > 0 ? `: ${shown.join(', ')}${files.length > 3 ? ` and ${files.length - 3} more files` : ''}` : ''} (MISMATCH: the totals add up, but records were lost or counted under another file: a stage of your own that makes new records must keep the source of the record each came from, deriveDoc(doc, data))`);
  }
  if (written === 0 && read !== undefined && read > 0) out.push('nothing was written');
  return out;
}
