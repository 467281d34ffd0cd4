import { rmSync } from 'node:fs';

/**
 * Work done when the process exits (a signal's `process.exit` skips every `finally`), made safe:
 * a hook that throws would end the 'exit' event there, so the hooks after it (the output locks'
 * release, other temporaries' removal) would never run, and the error would be printed as a trace
 * after the signal's message. Each hook is run inside its own try/catch. Returns the function
 * that unregisters the hook.
 */
export function atExit(hook: () => void): () => void {
  const run = (): void => {
    try {
      hook();
    } catch {
      // Nothing more can be done while exiting; the next run removes what is left (its PID is dead).
    }
  };
  process.on('exit', run);
  return () => {
    process.off('exit', run);
  };
}

/**
 * Remove a folder and all it holds, synchronously, tried a few times: a file being made in it by
 * the thread pool (a stream's open still under way when the process exits) can appear between
 * the listing of the folder and the removal of the folder itself (ENOTEMPTY); a second pass lists
 * it. Throws only when every pass failed.
 */
export function removeTreeSync(dir: string, tries = 5): void {
  for (let i = 1; ; i++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      return;
    } catch (e) {
      if (i >= tries) throw e;
    }
  }
}
