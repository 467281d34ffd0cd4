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

/**
 * One text long enough for V8 to replace tokenize on the stack (OSR) while it runs, then short ones
 * until it is optimised the regular way.
 */
const OSR_SCRIPT = `
const { Shingler } = await import(process.argv[2] + '/stages/dedup/shingle.js');
const sh = new Shingler({ ngram: 5, charNgram: 5 });
sh.shingle(JSON.parse(JSON.stringify('Many words of a long record, with 12 digits and caf\\u00e9 in it. '.repeat(50000))));
const short = ['A short record of some words.', 'Another one, \\u4eca\\u5929 and more words here.', 'w '.repeat(300)];
for (let i = 0; i < 3000; i++) sh.shingle(short[i % 3]);
`;

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

  it('tokenize calls nothing and reads no module binding in its optimised code, on-stack-replaced or not', async () => {
    // Code replaced on the stack is compiled without the module's constants folded in: a module-level
    // const is loaded and checked for its temporal dead zone ('the_hole_value') at every use, and a
    // module-level copy of charCodeAt was called generically at every unit of a long record.
    const dir = await tempDir();
    const script = join(dir, 'osr.mjs');
    writeFileSync(script, OSR_SCRIPT);
    const out = execFileSync(process.execPath, ['--trace-opt', '--print-opt-code', '--print-opt-code-filter=tokenize', script, join(ROOT, 'dist')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const compiles = out.split('\n').filter((l) => l.startsWith('[completed compiling') && l.includes('<JSFunction tokenize '));
    expect(compiles.filter((l) => l.includes(' OSR ')).length).toBeGreaterThan(0);
    expect(compiles.filter((l) => !l.includes(' OSR ')).length).toBeGreaterThan(0);
    const code = out.split('\n').filter((l) => /^0x[0-9a-f]+ /.test(l));
    expect(code.length).toBeGreaterThan(100);
    expect(code.filter((l) => /the_hole_value|Call_Receiver|CallFunction_|LoadIC/.test(l))).toEqual([]);
  });
});
