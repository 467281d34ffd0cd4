import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 23b C3: the report of a failed run had a fixed banner ('the error line of its
// log says why (bad input over --max-reject-rate, an input not read ...)') whatever the cause; a
// per-file MISMATCH (1015 = 1015 + 0) was shown as 'read ≠ written + rejected', and a 1 -> N stage's
// written count as '(1268.9 %)' of read. The banner now says what status says after 'it exited 1 because'.

/** Gives each record anew without its source (the totals add up, the files do not). */
const SPREAD = "export default { name: 'spread', summary: 'x', options: {}, create: () => ({ name: 'spread', needsText: false, options: {}, async *run(batches) { for await (const b of batches) yield b.map((d) => ({ data: { ...d.data, x: 1 }, attrs: {} })); } }) };\n";
/** One record per word (more written than read). */
const SPLIT = "export default { name: 'split', summary: 'x', options: {}, create: () => ({ name: 'split', needsText: true, options: {}, async *run(batches) { for await (const b of batches) yield b.flatMap((d) => String(d.data.text).split(' ').map((w) => ({ data: { ...d.data, text: w }, attrs: {}, source: d.source }))); } }) };\n";
const IN = Array.from({ length: 5 }, (_, i) => JSON.stringify({ text: `record number ${i}` })).join('\n') + '\n';

const unescape = (s: string): string => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const banner = (html: string): string => unescape(/<p id="failed">([^\n]*)<\/p>/.exec(html)?.[1] ?? '');
const because = (status: string): string => /it exited 1 because (.*) \(see _stats\.json and _report\.html\)\n/.exec(status)?.[1] ?? 'NONE';

let dir = '';
const got: Record<string, { html: string; status: string; stderr: string }> = {};

beforeAll(async () => {
  dir = await tempDir();
  await writeFile(join(dir, 'spread.mjs'), SPREAD);
  await writeFile(join(dir, 'split.mjs'), SPLIT);
  await writeFile(join(dir, 'a.jsonl'), IN);
  await writeFile(join(dir, 'b.jsonl'), IN);
  await writeFile(join(dir, 'spread.yaml'), 'stages:\n  - module: ./spread.mjs\n');
  await writeFile(join(dir, 'split.yaml'), 'stages:\n  - module: ./split.mjs\n');
  await Promise.all(
    ['spread', 'split'].map(async (name) => {
      const r = await runCli(['run', `${name}.yaml`, '-i', 'a.jsonl', '-i', 'b.jsonl', '-o', name, '-w', '1', '-q'], { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      const s = await runCli(['status', name], { cwd: dir });
      got[name] = { html: await readFile(join(dir, name, '_report.html'), 'utf8'), status: s.stdout, stderr: r.stderr };
    }),
  );
}, 120_000);

describe("the report of a run failed by counts that do not add up", () => {
  it('a per-file MISMATCH: the banner says what status says, the summary says per file', () => {
    const { html, status } = got.spread;
    const why = because(status);
    expect(why).toContain('its counts do not add up file by file');
    expect(banner(html)).toContain(`<strong>This run failed</strong>: it exited 1 because ${why}, and its folder is marked _FAILED, not _SUCCESS`);
    expect(html).not.toContain('bad input over --max-reject-rate');
    expect(html).not.toContain('read ≠ written + rejected');
    expect(html).toContain('MISMATCH per file: the totals add up (read = written + rejected), but not file by file');
  });

  it('a 1 -> N stage: the banner names the stage that made records; written is said as more than read, not a percent', () => {
    const { html, status } = got.split;
    const why = because(status);
    expect(why).toContain('its counts do not add up: read 10 ≠ written 30 + rejected 0 (MISMATCH: stage split made 20 records more than it was given (in 10, out 30, rejected 0)');
    expect(why).toContain('one record split into several, as a chunking stage does, is not counted yet');
    expect(banner(html)).toContain(`it exited 1 because ${why}, and its folder`);
    expect(html).toContain('<th>written</th><td>30 (20 more than read)</td>');
    expect(html).not.toContain('300.0 %');
    expect(html).toContain('<td class="n">10 more than read</td>');
    expect(html).toContain('MISMATCH: read ≠ written + rejected');
  });
});
