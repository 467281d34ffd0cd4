import { showText } from '../../core/show.js';
import { join } from 'node:path';
import { writeStdoutSync } from '../../io/stdout.js';
import { UsageError } from '../../core/errors.js';
import { showPath } from '../../core/fsname.js';
import { REPORT_FILE, writeReport } from '../../report/write.js';
import { checkFileOutput } from '../../io/outputs.js';
import { checkRunFolder } from '../runFolder.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, parse } from '../args.js';

const FLAGS: Flag[] = [
  { name: 'output', short: 'o', type: 'string', arg: 'FILE', help: 'write the page here, a .html name (default <run-dir>/_report.html); - (stdout), a device or FIFO is written as a stream' },
  { name: 'overwrite', type: 'boolean', help: 'replace an existing -o file (the run folder\'s own _report.html is always rewritten; its other files never)' },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help' },
];

/** `corpus-clean report <run-dir>`: the HTML report of a finished run. */
export const reportCommand: Command = {
  name: 'report',
  summary: 'write the HTML report of a run folder: funnel, per-file accounting, languages, signal histograms, duplicates, samples',
  help() {
    return `Usage: corpus-clean report <run-dir> [-o FILE] [--overwrite]

Make the report of a finished 'corpus-clean run' from its folder (_stats.json, the rejects and
_recipe.resolved.yaml): one self-contained HTML page that opens offline, with charts drawn as
inline SVG and no script at all. It shows the funnel per stage with drop reasons; per input
file what was read, written and rejected by reason (a file that lost everything stands out);
languages before and after; a histogram of each quality signal with its thresholds, kept vs
dropped; near-duplicate cluster sizes and similarity to survivors; repairs and normalisation
by kind; time per stage; and a few sample records per drop reason. 'run' writes it at the end
as _report.html; this command makes it again (after the rejects were sampled or moved, say).

Options:
${flagHelp(FLAGS)}
`;
  },
  async run(argv) {
    const p = parse('report', argv, FLAGS);
    if (p.values.help) return writeStdoutSync(this.help()), 0;
    if (p.positionals.length !== 1) throw new UsageError(`report takes one run folder, got ${p.positionals.length}`, ["see 'corpus-clean report --help'"]);
    const dir = await checkRunFolder(p.positionals[0], 'report', '_stats.json');
    const output = (p.values.output as string | undefined) ?? join(dir, REPORT_FILE);
    // The rules of every command's outputs (io/outputs.ts), checked before the page is made; '-'
    // is stdout, as for every other output (it was refused as "must end in .html").
    if (output !== '-') await checkFileOutput(output, { flag: '--output', overwrite: p.values.overwrite === true, endings: ['.html', '.htm'], own: { dir, name: REPORT_FILE } });
    const problems: string[] = [];
    const out = await writeReport(dir, output, undefined, problems);
    for (const pr of problems) process.stderr.write(`corpus-clean report: error: ${showText(pr)}\n`);
    process.stderr.write(`corpus-clean report: wrote ${out === '-' ? 'the page to stdout' : showPath(out)}\n`);
    return problems.length > 0 ? 1 : 0;
  },
};
