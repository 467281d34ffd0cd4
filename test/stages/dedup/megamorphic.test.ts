import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../../helpers/run.js';

/**
 * Texts of more string kinds than V8 keeps per call site (one- and two-byte, internalised or not,
 * sliced, built by concatenation or repeat, lowered copies, with and without words), through the
 * MinHash shingler and the exact-dedup key of the built sources.
 */
const SCRIPT = `
const dist = process.argv[2];
const { Shingler } = await import(dist + '/stages/dedup/shingle.js');
const { exactKeyBytes } = await import(dist + '/stages/dedup/exact.js');
const sh = new Shingler({ ngram: 5, charNgram: 5 });
const texts = [
  JSON.parse('"plain words of a record"'), JSON.parse('"caf\\\\u00e9 na\\\\u00efve words"'), JSON.parse('"\\\\u4eca\\\\u5929 two-byte"'),
  'x y '.repeat(50) + 'z'.repeat(30), ('ab cd ' + process.pid).slice(1), 'a literal', 'w '.repeat(1100),
  '\\u00c4\\u00d6 \\u00dc words'.toLowerCase(), '\\u2026\\u2026 \\u00a0 - -', JSON.parse('"\\\\u2026 \\\\u2014 !"'),
];
for (let r = 0; r < 3; r++) for (const t of texts) { sh.shingle(t); exactKeyBytes(t); }
`;

/** LoadIC transitions of `charCodeAt` to megamorphic ('N') in a `--log-ic` log. */
const megamorphic = (log: string): string[] => log.split('\n').filter((l) => /^(Keyed)?LoadIC,/.test(l) && l.split(',')[6] === 'N' && l.split(',')[8] === 'charCodeAt');

describe('per-unit loops of dedup', () => {
  it('read units without a megamorphic charCodeAt lookup, whatever kinds of string the texts are', async () => {
    const dir = await tempDir();
    const script = join(dir, 'kinds.mjs');
    const log = join(dir, 'ic.log');
    writeFileSync(script, SCRIPT);
    execFileSync(process.execPath, ['--log-ic', '--no-lazy-feedback-allocation', '--no-logfile-per-isolate', `--logfile=${log}`, script, join(ROOT, 'dist')], { stdio: 'pipe' });
    const text = readFileSync(log, 'utf8');
    // the log is V8's: it holds the IC events at all (a renamed flag would make this test vacuous)
    expect(text).toMatch(/^LoadIC,/m);
    expect(megamorphic(text)).toEqual([]);
  });
});
