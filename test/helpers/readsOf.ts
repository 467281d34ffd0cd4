import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

/**
 * The reads of files whose path `matches` while `f` runs: opened for reading (openSync), or read
 * whole (readFileSync, whose own open is not counted again). For tests that a file is read once.
 */
export async function readsOf(matches: (path: string) => boolean, f: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const open = fs.openSync;
  const read = fs.readFileSync;
  let inRead = false;
  fs.openSync = ((p: fs.PathLike, flags?: unknown, ...a: unknown[]) => {
    if (!inRead && matches(String(p)) && (flags === undefined || flags === 'r')) seen.push(String(p));
    return (open as (...x: unknown[]) => number)(p, flags, ...a);
  }) as typeof fs.openSync;
  fs.readFileSync = ((p: fs.PathOrFileDescriptor, ...a: unknown[]) => {
    if (typeof p === 'string' && matches(p)) seen.push(p);
    inRead = true;
    try {
      return (read as (...x: unknown[]) => unknown)(p, ...a);
    } finally {
      inRead = false;
    }
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    await f();
  } finally {
    fs.openSync = open;
    fs.readFileSync = read;
    syncBuiltinESMExports();
  }
  return seen;
}
