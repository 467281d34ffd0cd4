// Run by `npm run build` after tsc (issue #16, twenty-fifth pass): the text normaliser's table of
// the characters NFC and NFKC leave unchanged on their own (~60,000 characters normalised twice:
// 25-100 ms of CPU in every process that built a normaliser), written once to
// dist/stages/normalize/unicode-stable.bin under a key naming the ICU and Unicode versions and the
// version of the code that makes it (STABLE_TABLE_VERSION). src/stages/normalize/textNormalizer.ts
// reads it when the key matches the running process, and makes the table itself otherwise.
// test/stages/normalize/stableTable25.test.ts compares the built file with what the sources make.
import { writeFileSync } from 'node:fs';
import { buildStableTable, stableTableFile } from '../dist/stages/normalize/textNormalizer.js';

writeFileSync(new URL('../dist/stages/normalize/unicode-stable.bin', import.meta.url), stableTableFile(buildStableTable()));
