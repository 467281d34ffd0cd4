import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';
import { showPath } from '../core/fsname.js';
import { SUCCESS } from '../exec/layout.js';
import { statusReport } from '../exec/status.js';
import { LOCK_NAME, lockHolder } from '../io/outputs.js';

/**
 * Refuse, as a usage error (exit 2), a folder argument of status, report, task or merge that does
 * not exist, is not a folder, or lacks the file of a run that the command needs (`_plan.json`, or
 * `_stats.json` for a report). A finished stage command's output folder is named as such.
 */
export async function checkRunFolder(dir: string | undefined, command: string, need: '_plan.json' | '_stats.json' = '_plan.json'): Promise<string> {
  if (dir === undefined) throw new UsageError(`${command} takes a run folder`, [`see 'corpus-clean ${command} --help'`]);
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined) throw new UsageError(`'${showPath(dir)}' does not exist: give the output folder of a 'corpus-clean run'`);
  if (!st.isDirectory()) throw new UsageError(`'${showPath(dir)}' is not a folder: give the output folder of a 'corpus-clean run'`);
  if (!existsSync(join(dir, need))) {
    // A run that has not finished (stopped, killed, or still at work) has its _plan.json but no
    // _stats.json yet: said as such, with how to resume it (hostile review 10 F52: "not a run
    // folder").
    if (need !== '_plan.json' && existsSync(join(dir, '_plan.json')) && !existsSync(join(dir, SUCCESS)) && !existsSync(join(dir, '_FAILED'))) {
      const s = await statusReport(dir).catch(() => undefined);
      const next = s?.next?.trim().split('\n').map((l) => l.trim()) ?? [];
      throw new UsageError(`'${showPath(dir)}' is a run that has not finished (no _SUCCESS, no ${need} yet: it was stopped or killed, or is still at work), so there is nothing to ${command} yet; ${command} it once it has finished`, [...next, `'corpus-clean status ${showPath(dir)}' says where it stands`]);
    }
    const by = /"command":\s*"([a-z-]+)"/.exec(await readFile(join(dir, SUCCESS), 'utf8').catch(() => readFile(join(dir, '_FAILED'), 'utf8')).catch(() => ''))?.[1];
    // A stage command's output folder beside its lock, without a marker: killed, or at work.
    const holder = by === undefined && !existsSync(join(dir, '_plan.json')) ? lockHolder(join(dir, LOCK_NAME)) : undefined;
    const unfinished = holder === undefined ? '' : holder.live ? `; it is the output of a command still at work (PID ${holder.pid}${holder.foreign ? ` on host '${holder.host}'` : ''} holds its lock)` : `; it is the unfinished output of a command that was killed (PID ${holder.pid}): run that command again (it starts over)`;
    const what = by !== undefined && by !== 'run' ? `; it is the finished output of 'corpus-clean ${by}'` : unfinished;
    throw new UsageError(`'${showPath(dir)}' is not a run folder: it has no ${need} (written by 'corpus-clean run'${need === '_stats.json' ? ' at its end' : ''})${what}; give the output folder of a ${need === '_stats.json' ? 'finished ' : ''}'corpus-clean run'`);
  }
  return dir;
}
