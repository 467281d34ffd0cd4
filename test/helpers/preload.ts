import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Compile `source` (C) into a shared object in `dir`, for LD_PRELOAD: a shim that wraps a libc
 * call to send the process a signal at a chosen instant (interrupt21, interrupt23). Its path, or
 * undefined where that cannot be done (not Linux, no C compiler): the tests using it skip then.
 */
export async function compileShim(dir: string, source: string, name = 'shim'): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined;
  const c = join(dir, `${name}.c`);
  const so = join(dir, `${name}.so`);
  await writeFile(c, source);
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', so, c, '-ldl'], { encoding: 'utf8' });
  return cc.status === 0 ? so : undefined;
}

/**
 * A shim for compileShim: at the open(2) of a file whose path holds SIGNAL_AT_OPEN_OF (and not
 * SIGNAL_NOT_OF, when set) it sends the process SIGTERM, once, then sleeps SLOW_OPEN_MS (default
 * 400) before the open, as a slow file system would (interrupt23, writerTemps24).
 */
export const SIGNAL_AT_OPEN_SHIM = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int fired = 0;
static void before(const char *path) {
  const char *m = getenv("SIGNAL_AT_OPEN_OF");
  const char *x = getenv("SIGNAL_NOT_OF");
  if (m == 0 || fired || strstr(path, m) == 0 || (x != 0 && strstr(path, x) != 0)) return;
  fired = 1;
  kill(getpid(), SIGTERM);
  const char *ms = getenv("SLOW_OPEN_MS");
  usleep((ms ? atoi(ms) : 400) * 1000);
}
#define OPEN(name) \\
int name(const char *path, int flags, ...) { \\
  static int (*real)(const char *, int, ...) = 0; \\
  if (real == 0) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \\
  mode_t mode = 0; \\
  if (flags & (O_CREAT | __O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, int); va_end(ap); } \\
  before(path); \\
  return real(path, flags, mode); \\
}
OPEN(open)
OPEN(open64)
`;
