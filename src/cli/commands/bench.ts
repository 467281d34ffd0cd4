import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { parseTextField } from '../../core/doc.js';
import { pipeline } from '../../core/pipeline.js';
import type { DocSink } from '../../core/pipeline.js';
import type { StageRegistry } from '../../core/registry.js';
import type { Stage } from '../../core/stage.js';
import type { RunStats } from '../../core/stats.js';
import { expandInputs } from '../../io/inputs.js';
import { readFiles } from '../../io/readers/index.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { flagHelp, parse } from '../args.js';
import { loadRecipe } from './run.js';

const PACKAGE_ROOT = resolve(import.meta.dirname, '../../..');
const SAMPLE_INPUT = join(PACKAGE_ROOT, 'fixtures/sample');
const SAMPLE_RECIPE = join(PACKAGE_ROOT, 'rules/recipes/sample.yaml');

const FLAGS: Flag[] = [
  { name: 'recipe', short: 'r', type: 'string', arg: 'FILE', help: 'measure the stages of this recipe (default: the bundled sample recipe)' },
  { name: 'stages', short: 's', type: 'string', arg: 'A,B,...', help: 'measure these stages with default options instead' },
  { name: 'text-field', type: 'string', arg: 'NAME', help: 'field holding the text (default: text, else content)' },
  { name: 'json', type: 'boolean', help: 'print the results as JSON' },
  { name: 'help', short: 'h', type: 'boolean', help: 'show this help' },
];

/** A sink that only counts, so the measurement is of reading and stages. */
const discard = (): DocSink => ({ write() {}, async close() {}, async abort() {} });

interface Row {
  step: string;
  docs: number;
  seconds: number;
  docsPerSec: number;
  mbPerSec: number;
  dropped: number;
}

/** `corpus-clean bench`: throughput of reading and of each stage, on the user's shards or the bundled sample. */
export function benchCommand(registry: StageRegistry): Command {
  return {
    name: 'bench',
    summary: 'measure throughput (docs/s, MB/s) of reading and of each stage on sample shards',
    help() {
      return `Usage: corpus-clean bench [inputs...] [--recipe FILE | --stages A,B,...] [--json]

Measure, on one core, how fast the inputs are read (the pass-through, as 'cat' does it) and how
fast each stage processes them, in the same run. Nothing is written. Without inputs, the bundled
sample shards (fixtures/sample) are used; without --recipe or --stages, the stages of the sample
recipe (rules/recipes/sample.yaml). Stage time excludes reading and the stages before it;
MB/s counts the input bytes of the documents that reached the stage.

Options:
${flagHelp(FLAGS)}
`;
    },
    async run(argv) {
      const p = parse('bench', argv, FLAGS);
      if (p.values.help) return process.stdout.write(this.help()), 0;
      if (p.values.recipe && p.values.stages) throw new UsageError('give --recipe or --stages, not both');
      const files = await expandInputs(p.positionals.length > 0 ? p.positionals : [SAMPLE_INPUT]);
      const textField = parseTextField(p.values['text-field']);
      let stages: Stage[] = [];
      if (typeof p.values.stages === 'string') {
        for (const name of p.values.stages.split(',').map((s) => s.trim()).filter(Boolean)) stages.push(await registry.create(name));
      } else {
        const recipe = await loadRecipe((p.values.recipe as string | undefined) ?? SAMPLE_RECIPE, registry);
        for (const s of recipe.stages) stages.push(await registry.create(s.stage, s.options));
      }
      const read: RunStats = await pipeline({ source: readFiles(files), stages: [], sink: discard(), requireText: false });
      const run: RunStats = await pipeline({ source: readFiles(files), stages, sink: discard(), textField });
      const mb = read.bytesRead / 1e6;
      const bytesPerDoc = read.read > 0 ? read.bytesRead / read.read : 0;
      const rows: Row[] = [
        { step: 'read (pass-through)', docs: read.read, seconds: read.ms / 1000, docsPerSec: read.read / (read.ms / 1000), mbPerSec: mb / (read.ms / 1000), dropped: read.rejected },
        ...run.stages.map((s, i) => ({
          // Two stages of one kind (exact and MinHash dedup) are told apart by their method.
          step: run.stages.filter((x) => x.stage === s.stage).length > 1 && typeof stages[i].options.method === 'string' ? `${s.stage} (${stages[i].options.method})` : s.stage,
          docs: s.in,
          seconds: s.ms / 1000,
          docsPerSec: s.ms > 0 ? s.in / (s.ms / 1000) : 0,
          mbPerSec: s.ms > 0 ? (s.in * bytesPerDoc) / 1e6 / (s.ms / 1000) : 0,
          dropped: Object.values(s.dropped).reduce((a, b) => a + b, 0),
        })),
        { step: 'whole pipeline', docs: run.read, seconds: run.ms / 1000, docsPerSec: run.read / (run.ms / 1000), mbPerSec: mb / (run.ms / 1000), dropped: run.rejected },
      ];
      if (p.values.json) {
        process.stdout.write(JSON.stringify({ files, bytes: read.bytesRead, docs: read.read, rows }, null, 2) + '\n');
        return 0;
      }
      const fmt = (x: number, d = 1): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
      const out = [
        `${files.length} files, ${read.read} records, ${fmt(mb)} MB; one process, in one run`,
        '',
        '| step | docs in | seconds | docs/s | MB/s | dropped |',
        '|---|---:|---:|---:|---:|---:|',
        ...rows.map((r) => `| ${r.step} | ${r.docs} | ${fmt(r.seconds, 3)} | ${fmt(r.docsPerSec, 0)} | ${fmt(r.mbPerSec)} | ${r.dropped} |`),
      ];
      process.stdout.write(out.join('\n') + '\n');
      return 0;
    },
  };
}
