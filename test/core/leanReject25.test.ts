import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClosableRejectSink } from '../../src/core/pipeline.js';
import { pipeline } from '../../src/core/pipeline.js';
import { LEAN_REJECT, leanToSlim, SampledRejects } from '../../src/core/rejectSink.js';
import type { Reject, Stage } from '../../src/core/stage.js';
import { docStage } from '../../src/core/stage.js';
import type { RunStats } from '../../src/core/stats.js';
import { SampleLinesSink } from '../../src/exec/samples.js';
import { collect } from '../../src/io/memory.js';
import { readFiles } from '../../src/io/readers/index.js';
import { RejectsWriter, serialiseReject } from '../../src/io/writers/rejects.js';
import { defaultRegistry } from '../../src/stages/index.js';
import { tempDir } from '../helpers/run.js';

// Issue #16 (speed25c): quality's rejects reach a rejects file that takes lean rejects as the
// stage's values, not slim attrs objects; the file's bytes are those of the slim rejects.

const SENTENCES = [
  'The river runs past the old mill and the village green.',
  'Children walk to the school with their books and lunches.',
  'In the autumn the farmers bring apples to the market square.',
  'A small library opened last year with a reading room for everyone.',
  'Visitors often stop at the bakery to buy fresh bread and coffee.',
  'The council meets on Tuesdays to discuss roads and repairs.',
  'Many families have lived here for several generations now.',
  'During winter the hills are covered with a thin layer of snow.',
];
const GOOD = SENTENCES.slice(0, 4).join(' ') + '\n' + SENTENCES.slice(4).join(' ');
const LINES = [
  { text: GOOD },
  { text: 'short' },
  { text: 'also far too short to keep', id: 7 },
  { text: 'a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a a\n'.repeat(30) },
  { text: '- item\n'.repeat(40) },
  { text: '这是一个很短的中文句子' },
  { text: '今天天气很好。'.repeat(3) },
  // Own attrs (a field of the record): signals join them there, slimmed as before.
  { text: 'own attrs of the record', attrs: { x: 1 } },
  // A tagger's flat signal named as a rule's signal: kept by the slim reject, so not lean.
  { text: 'flat supercalifragilisticexpialidocious', flat: true },
  { text: 'numbers 18446744073709551617', n: 18446744073709551617n.toString() },
].map((r) => JSON.stringify(r));
LINES.push('{"text": "a big integer", "n": 18446744073709551617}');

/** Sets flat attrs as langid does (`lang`, `lang_score`), and a rule's signal name on records marked `flat`. */
const tagger: Stage = {
  ...docStage({
    name: 'tag',
    apply: (d) => {
      d.attrs.lang = /[\u4e00-\u9fff]/.test(String(d.data.text)) ? 'zh' : 'en';
      d.attrs.lang_score = 0.91;
      if ((d.data as { flat?: boolean }).flat === true) d.attrs.mean_word_length = 4;
    },
  }),
  keepsRecords: true,
};

/** A sink of one's own over a RejectsWriter: takes lean rejects when `lean`, and counts those it gets. */
class Through implements ClosableRejectSink {
  leanSeen = 0;
  /** `serialiseReject` of each lean reject, as it was pushed. */
  leanLines: string[] = [];
  slim: Reject[] = [];
  constructor(
    readonly out: RejectsWriter,
    lean: boolean,
  ) {
    this.takesLeanRejects = lean;
  }
  readonly takesLeanRejects: boolean;
  push(r: Reject): void {
    if ((r as { [LEAN_REJECT]?: unknown })[LEAN_REJECT] !== undefined) (this.leanSeen++, this.leanLines.push(serialiseReject(r)));
    else this.slim.push(r);
    this.out.push(r);
  }
  flush(): Promise<void> {
    return this.out.flush();
  }
  close(): Promise<void> {
    return this.out.close();
  }
  abort(): Promise<void> {
    return this.out.abort();
  }
}

let dir = '';
let input = '';

async function run(lean: boolean, profile: boolean): Promise<{ bytes: Buffer; sink: Through; stats: RunStats }> {
  const path = join(dir, `r-${lean}-${profile}.jsonl`);
  const sink = new Through(new RejectsWriter(path), lean);
  const stages = [tagger, await defaultRegistry().create('quality', { preset: 'auto' })];
  const stats = await pipeline({ source: readFiles([input]), stages, sink: collect(), rejects: sink, rejectAttrs: 'failing', profile });
  return { bytes: await readFile(path), sink, stats };
}

beforeAll(async () => {
  dir = await tempDir();
  input = join(dir, 'in.jsonl');
  await writeFile(input, LINES.join('\n') + '\n');
});

describe('lean rejects (Issue #16)', () => {
  it('a rejects file that takes lean rejects writes the bytes of the slim ones', async () => {
    for (const profile of [false, true]) {
      const lean = await run(true, profile);
      const slim = await run(false, profile);
      expect(lean.sink.leanSeen).toBeGreaterThanOrEqual(5);
      expect(slim.sink.leanSeen).toBe(0);
      expect(lean.bytes.toString('utf8')).toBe(slim.bytes.toString('utf8'));
      expect(lean.stats.rejected).toBe(slim.stats.rejected);
      // The stages' stats, the signals' histograms of the profile included, but their times.
      const noMs = (k: string, v: unknown): unknown => (k === 'ms' ? undefined : v);
      expect(JSON.stringify(lean.stats.stages, noMs)).toBe(JSON.stringify(slim.stats.stages, noMs));
      if (profile) expect(JSON.stringify(lean.stats.stages[1].signals)).toContain('web-zh/');
      // The records the lean path leaves to the slimmer: own attrs, a flat rule signal.
      const text = lean.bytes.toString('utf8');
      expect(text).toContain('"record":{"text":"own attrs of the record","attrs":{"x":1,"lang":"en"');
      expect(text).toContain('"attrs":{"mean_word_length":4,"quality":{"preset":"web-en"');
      expect(text.split('\n').filter((l) => l.includes('"stage":"quality"')).length).toBeGreaterThanOrEqual(8);
    }
  });

  it('a sink of one\'s own gets whole slim rejects, their signals in attrs', async () => {
    const { sink } = await run(false, false);
    const quality = sink.slim.filter((r) => r.stage === 'quality');
    expect(quality.length).toBeGreaterThanOrEqual(8);
    for (const r of quality) expect((r.attrs as { quality?: { preset?: string } }).quality?.preset).toMatch(/^web-/);
  });

  it('a lean reject serialises as the slim reject it stands for; the wrappers forward the opt-in', async () => {
    const { sink, bytes } = await run(true, false);
    expect(sink.leanSeen).toBeGreaterThan(0);
    const lines = bytes.toString('utf8').split('\n');
    for (const l of sink.leanLines) expect(lines).toContain(l);
    const w = new RejectsWriter(join(dir, 'x.jsonl'));
    expect(new SampledRejects(w, 3).takesLeanRejects).toBe(true);
    expect(new SampleLinesSink(w).takesLeanRejects).toBe(true);
    expect(new SampledRejects(new Through(w, false), 3).takesLeanRejects).toBe(false);
    await w.close();
    const r = { stage: 'quality', reason: 'q:x', source: 'f:1', record: { text: 'a' } } as Reject;
    expect(leanToSlim(r)).toBe(r);
    expect(serialiseReject(r)).toBe(JSON.stringify(r));
  });
});
