import { writeStdoutSync } from '../../io/stdout.js';
import type { Command } from '../command.js';
import { parse, flagHelp, inputOrderHelp } from '../args.js';
import type { Flag } from '../args.js';
import { execute, IO_FLAGS } from '../execute.js';

const FLAGS: Flag[] = [
  { name: 'no-require-text', type: 'boolean', help: 'pass records without a usable text field (default: reject them as text_missing, text_not_string, text_empty)' },
  ...IO_FLAGS,
];

/** `corpus-clean cat`: read anything, write JSONL. */
export const catCommand: Command = {
  name: 'cat',
  summary: 'read JSONL/.gz/.zst, JSON arrays, CSV/TSV, text or stdin; write JSONL (pass-through)',
  help() {
    return `Usage: corpus-clean cat [inputs...] [options]

Read every input and write it as JSON Lines: the pass-through used for format conversion,
sharding, recompression and measuring I/O. Inputs are files, folders (read recursively) and
globs; none or '-' reads stdin. Bad input goes to --rejects with its reason and file:line.

${inputOrderHelp(true)}

Options:
${flagHelp(FLAGS)}
`;
  },
  async run(argv) {
    const p = parse('cat', argv, FLAGS);
    if (p.values.help) return writeStdoutSync(this.help()), 0;
    return execute({ command: 'cat', inputs: p.positionals, stages: [], values: p.values, requireText: p.values['no-require-text'] !== true });
  },
};
