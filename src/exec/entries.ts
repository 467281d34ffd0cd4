import { fileURLToPath } from 'node:url';

/** Defined (true) by scripts/bundle.mjs in the bundled CLI (dist/bundle/); not defined in tsc's dist/. */
declare const CORPUS_CLEAN_BUNDLE: boolean | undefined;

/**
 * Whether this code runs from the bundle. There, import.meta.url still names this module's place
 * in dist/ (scripts/bundle.mjs rewrites it so that data files are found as unbundled), so the
 * files a run starts are named from there: the bundle's entries, not tsc's modules (one copy of
 * every class per process, and the bundle's start-up in every worker and Slurm task).
 */
export const BUNDLED: boolean = typeof CORPUS_CLEAN_BUNDLE !== 'undefined' && CORPUS_CLEAN_BUNDLE === true;

/** The local executor's worker (a thread or a child process). */
export const WORKER_FILE = fileURLToPath(new URL(BUNDLED ? '../bundle/worker.js' : './worker.js', import.meta.url));

/** The CLI a Slurm job runs (`node CLI task ...`). */
export const CLI_FILE = fileURLToPath(new URL(BUNDLED ? '../bundle/main.js' : '../cli/main.js', import.meta.url));
