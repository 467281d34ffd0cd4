import { mkdir, readdir, stat } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import { parseTextField } from '../../core/doc.js';
import type { OptionsSpec } from '../../core/options.js';
import { resolveOptions } from '../../core/options.js';
import { dedupOnDisk, removalsStage } from '../../stages/dedup/disk/index.js';
import { dedupOptions } from '../../stages/dedup/options.js';
import { expandInputs } from '../../io/inputs.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, parse, stageFlags, stageOptionValues } from '../args.js';
import { execute, IO_FLAGS, prepare } from '../execute.js';

/** The dedup options that apply on disk (MinHash only). */
const DISK_OPTIONS: OptionsSpec = Object.fromEntries(Object.entries(dedupOptions as OptionsSpec).filter(([k]) => k !== 'method'));
const OWN: Flag[] = [{ name: 'work', short: 'w', type: 'string', arg: 'DIR', help: 'work folder for signatures, buckets and removal lists (needs about 2 KB per record; must be empty or absent)' }, ...stageFlags(DISK_OPTIONS)];
const IO = IO_FLAGS.filter((f) => f.name !== 'format' && f.name !== 'txt-mode' && f.name !== 'wrap-arrays');

/** `corpus-clean dedup-disk`: MinHash near-duplicate removal for corpora larger than memory. */
export const dedupDiskCommand: Command = {
  name: 'dedup-disk',
  summary: 'MinHash near-duplicate removal in staged on-disk steps, for corpora larger than memory',
  help() {
    return `Usage: corpus-clean dedup-disk <inputs...> --work DIR [-o OUT] [options]

The same decisions as 'dedup --minhash', in steps that keep memory bounded: (1) signatures and
shingles of every shard to DIR, (2) per-band sorted buckets, (3) clusters checked in survival
order, giving a removal list per shard, (4) a pass over the inputs that writes the kept records
and rejects the others as dedup:minhash with their survivor. Inputs are .jsonl or .jsonl.gz files
or folders of them (read in code-point order, which defines "first").

Options:
${flagHelp(OWN)}

Input and output:
${flagHelp(IO)}
`;
  },
  async run(argv) {
    const p = parse('dedup-disk', argv, [...OWN, ...IO]);
    if (p.values.help) return process.stdout.write(this.help()), 0;
    const work = p.values.work as string | undefined;
    if (work === undefined) throw new UsageError('dedup-disk: --work DIR is required');
    if (p.positionals.length === 0 || p.positionals.includes('-')) throw new UsageError('dedup-disk reads files (twice), not stdin: give .jsonl or .jsonl.gz inputs');
    const options = resolveOptions('dedup', DISK_OPTIONS, stageOptionValues(DISK_OPTIONS, p.values));
    const JSONL = /\.jsonl(\.gz)?$/;
    // Named files must be JSONL; in folders, other files are passed over (and said so).
    const named = [];
    for (const spec of p.positionals) if ((await stat(spec).catch(() => null))?.isFile()) named.push(spec);
    const bad = named.find((f) => !JSONL.test(f));
    if (bad !== undefined) throw new UsageError(`dedup-disk reads .jsonl and .jsonl.gz files; convert '${bad}' first with 'corpus-clean cat'`);
    const all = await expandInputs(p.positionals);
    const files = all.filter((f) => JSONL.test(f));
    if (files.length === 0) throw new UsageError('dedup-disk found no .jsonl or .jsonl.gz files in its inputs');
    if (files.length < all.length && p.values.quiet !== true) process.stderr.write(`corpus-clean dedup-disk: passing over ${all.length - files.length} files that are not .jsonl or .jsonl.gz (e.g. ${all.find((f) => !JSONL.test(f))})\n`);
    // Every output flag is checked (and the output locked) before the hours of on-disk work.
    const job = { command: 'dedup-disk', inputs: files, stages: [], values: p.values, requireText: true };
    const prepared = await prepare(job);
    const existing = await readdir(work).catch(() => [] as string[]);
    if (existing.length > 0) throw new UsageError(`work folder '${work}' is not empty; give a new one`);
    await mkdir(work, { recursive: true });
    const textField = parseTextField(p.values['text-field']);
    const quiet = p.values.quiet === true;
    if (!quiet) process.stderr.write(`corpus-clean dedup-disk: signatures, buckets and clusters of ${files.length} files in ${work}\n`);
    const started = performance.now();
    const result = await dedupOnDisk(files, work, { options: { ...options, method: 'minhash' }, ...(textField ? { textField } : {}) });
    const secs = ((performance.now() - started) / 1000).toFixed(2);
    const c = result.cluster as { records?: number; removed?: number; candidates?: number };
    if (!quiet) process.stderr.write(`corpus-clean dedup-disk: ${c.removed} near-duplicates among ${c.records} records (${c.candidates} candidate pairs checked) in ${secs} s; writing the kept records\n`);
    // requireText: records without usable text are rejected as the in-memory dedup rejects them.
    return execute({ ...job, stages: [removalsStage(work)], prepared });
  },
};
