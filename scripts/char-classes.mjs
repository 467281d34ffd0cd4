// Run by `npm run build`: the quality analyser's character-class table (65,536 regex tests, ~40 ms
// of CPU at every start) written once to dist/stages/quality/char-class.bin under a key naming the
// ICU and Unicode versions and the version of the code that builds it (CHAR_TABLE_VERSION, not a
// hash of that code's text: the bundled CLI's is reprinted by esbuild); src/stages/quality/chars.ts
// reads it when the key matches the running process, and builds the table itself otherwise. The
// tests compare the built file with what the sources make (presetCache.test.ts, shingle.test.ts).
import { writeFileSync } from 'node:fs';
import { buildCharTable, charTableFile } from '../dist/stages/quality/chars.js';

writeFileSync(new URL('../dist/stages/quality/char-class.bin', import.meta.url), charTableFile(buildCharTable()));

// The same for MinHash's shingle unit tables (class and hashed value of every code unit, for a
// text as given and one lowered whole; passes over 65,536 units at every start of a dedup
// process): dist/stages/dedup/shingle-units.bin, read by src/stages/dedup/shingle.ts when its key
// matches. Imported after the file above exists.
const shingle = await import('../dist/stages/dedup/shingle.js');
writeFileSync(new URL('../dist/stages/dedup/shingle-units.bin', import.meta.url), shingle.unitTableFile(shingle.defaultUnitTables()));
