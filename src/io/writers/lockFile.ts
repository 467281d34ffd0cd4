import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * What an output lock holds, and whether its holder still runs. A bare PID is not enough to tell
 * (hostile review 10 F54): a container restarted with the same PID as the lock's holder was
 * refused forever, and a second host on a shared file system took a lock that was live on the
 * first. So a lock holds, after the PID on its first line (which is all older versions wrote and
 * read), the host name, the boot id and the holder's start time:
 *
 *     12345
 *     host=node07
 *     boot=4b811bd0-b365-4e08-8550-d4d42f528f01
 *     start=5121
 *
 * and, once an `--overwrite` has set the earlier output aside, `earlier=aside` (then
 * `earlier=restoring` or `earlier=published`), so that the next command can tell what a
 * `kill -9` left (outputs.ts recoverEarlier). The lock of an output whose writer journals its
 * shards holds `shards=listed`, then a line `shard="NAME"` (a JSON string) for each shard it
 * begins, written before the shard's temporary is made: the shard-named files a command killed
 * with SIGKILL may have left are those listed (hostile review 21 G4).
 *
 * (`start` is field 22 of /proc/PID/stat: clock ticks from boot to the process's start.)
 */

/** A lock's content, read back. `host`, `boot` and `start` are missing from an old lock (PID only). */
export interface LockHolder {
  pid: number;
  host?: string;
  boot?: string;
  start?: string;
  /**
   * Where an `--overwrite` of its holder stood (the last `earlier=` line: 'aside', 'restoring',
   * 'published'; outputs.ts recoverEarlier), when it had set an earlier output aside.
   */
  earlier?: string;
  /**
   * The shards its holder began, when its lock lists them (`shards=listed`): the only shard-named
   * files of the output that it may have written. Undefined for a lock that does not list them
   * (an older version's, or an output whose writer does not journal): then any may be its.
   */
  shards?: string[];
  /** Still held: the holder runs on this host, or the lock is another host's (which cannot be checked from here). */
  live: boolean;
  /** Held by another host: its PID cannot be checked from here. */
  foreign: boolean;
}

let ownBoot: string | null | undefined;

/** This machine's boot id (Linux), or undefined where there is none. */
function bootId(): string | undefined {
  if (ownBoot === undefined) {
    try {
      ownBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      ownBoot = null;
    }
  }
  return ownBoot ?? undefined;
}

/** This host's name as a lock writes it (on one line). */
export function lockHost(): string {
  return hostname().replace(/[\r\n]/g, ' ');
}

/**
 * When process `pid` started (field 22 of /proc/PID/stat), or undefined where it cannot be read
 * (no such process, no /proc). The name in field 2 may hold spaces and parentheses: the fields
 * are counted after its last `)`.
 */
export function processStart(pid: number): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is fields[0], so field 22 is fields[19].
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** The text of the lock this process takes: its PID first, as older versions read it, then who it is. */
export function lockText(): string {
  const lines = [`${process.pid}`, `host=${lockHost()}`];
  const boot = bootId();
  if (boot !== undefined) lines.push(`boot=${boot}`);
  const start = processStart(process.pid);
  if (start !== undefined) lines.push(`start=${start}`);
  return lines.join('\n') + '\n';
}

/** True when a process with this PID exists on this host (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Read a lock's text: undefined when it holds no PID. A lock is stale only when this host shows
 * no such PID, or that PID with another start time, or the machine was booted since; a lock of
 * another host is held (nothing here can tell whether its holder runs). An old lock (a PID
 * only) is judged by the PID alone, as before.
 */
export function parseLock(text: string): LockHolder | undefined {
  const [first, ...rest] = text.split('\n');
  const pid = /^\s*\d+\s*$/.test(first ?? '') ? Number(first) : Number.NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  const h: LockHolder = { pid, live: false, foreign: false };
  for (const line of rest) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'host' || key === 'boot' || key === 'start' || key === 'earlier') h[key] = value;
    else if (key === 'shards' && value === 'listed') h.shards ??= [];
    else if (key === 'shard' && h.shards !== undefined) {
      try {
        const name = JSON.parse(value) as unknown;
        if (typeof name === 'string') h.shards.push(name);
      } catch {
        // a line cut short by the kill: its shard's temporary was not made yet
      }
    }
  }
  if (h.host !== undefined && h.host !== lockHost()) {
    h.foreign = true;
    h.live = true;
    return h;
  }
  const boot = bootId();
  if (h.boot !== undefined && boot !== undefined && h.boot !== boot) return h;
  if (!processAlive(pid)) return h;
  if (h.start !== undefined) {
    const now = processStart(pid);
    // A start time that cannot be read (/proc mounted hidepid) leaves the PID's word standing.
    if (now !== undefined && now !== h.start) return h;
  }
  h.live = true;
  return h;
}

/** The holder of the lock file `path`, or undefined when it holds no PID (or does not read). */
export function readLock(path: string): LockHolder | undefined {
  try {
    return parseLock(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}
