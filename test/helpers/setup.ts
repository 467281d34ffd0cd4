/**
 * vitest's setupFiles (vitest.config.ts): run before every test file, also where the files of a
 * worker share their modules (isolate: false), so what each file needs at its end is set here.
 */
import { afterAll } from 'vitest';
import { removeTempDirs } from './run.js';

// Every test file removes the folders tempDir() made, when it ends.
afterAll(removeTempDirs);
