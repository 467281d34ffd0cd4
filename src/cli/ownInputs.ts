import type { TextField } from '../core/doc.js';
import { UsageError } from '../core/errors.js';
import { ownFilesAmong } from '../io/writers/ownSideFile.js';
import { rejectsInputsRefusal, statsInputsRefusal } from './report.js';

/** The fields of a reject line that hold a string: a text field naming one reads such a file as data. */
const REJECT_STRINGS = new Set(['stage', 'reason', 'source', 'raw', 'raw_base64']);

/** How `refuseOwnFiles` judges the inputs of one command. */
export interface OwnFilesCheck {
  /** The command (`run` says a rejects file would be found only after every phase). */
  command: string;
  /** The text field given (flag or recipe); a reject string field named reads a rejects file as data: the way round for data shaped as rejects. */
  textField: TextField | undefined;
  /** False when records without a text field are passed (cat --no-require-text): a rejects file is then readable as it is. */
  needsText: boolean;
}

/**
 * Refuse (exit 2, before any output is made) the inputs corpus-clean wrote beside an earlier output
 * and that hold no records to read, named, matched by a glob or found in a folder, whatever the
 * format they are to be read as (hostile review 18 F1): a stats file (new-user review 17 F5), and a
 * rejects file (new-user review 16 F17; named to a single command too: new-user review 18 F1),
 * unless the records need no text (cat --no-require-text: the way the advice reads one) or the text
 * field names one of a reject's string fields (so data that has a reject line's shape is still
 * readable: new-user review 17 F2). One check (`ownFileKind`) for `run` and the single commands.
 */
export async function refuseOwnFiles(files: readonly string[], roots: readonly string[], c: OwnFilesCheck): Promise<void> {
  const rejectsToo = c.needsText && !namesRejectString(c.textField);
  const run = c.command === 'run';
  const found = await ownFilesAmong(files, () => rejectsToo);
  if (found.stats.length > 0) throw new UsageError(statsInputsRefusal(found.stats, roots));
  if (found.rejects.length > 0) throw new UsageError(rejectsInputsRefusal(found.rejects, roots, run));
}

/** True when the text field (one name or a list) names a string field of a reject line. */
function namesRejectString(field: TextField | undefined): boolean {
  if (field === undefined) return false;
  return (typeof field === 'string' ? [field] : field).some((f) => REJECT_STRINGS.has(f));
}
