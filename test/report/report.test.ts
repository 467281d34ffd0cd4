import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

describe('corpus-clean report', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await tempDir();
    const input = join(dir, 'in.jsonl');
    await writeFile(input, [{ text: '<script>alert(1)</script>' }, { text: 'a plain record' }, { raw_content: 'x' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), `name: r\ninput: [${JSON.stringify(input)}]\nstages:\n  - quality: {preset: web-en}\nmax_reject_rate: 1\n`);
    out = join(dir, 'out');
    const r = await runCli(['run', join(dir, 'r.yaml'), '-o', out, '--allow-empty']);
    expect(r.stderr).toContain('report in');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('run writes _report.html with every section, record text escaped, no script', async () => {
    const html = await readFile(join(out, '_report.html'), 'utf8');
    for (const id of ['summary', 'funnel', 'files', 'languages', 'signals', 'dedup', 'changes', 'time', 'samples']) expect(html).toContain(`<section id="${id}">`);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("Content-Security-Policy\" content=\"default-src &#39;none&#39;");
    expect(html).toContain('read/text_missing');
  });

  it('makes the report again from the folder, and refuses a folder that is not a run', async () => {
    const again = join(dir, 'again.html');
    const r = await runCli(['report', out, '-o', again]);
    expect(r.code).toBe(0);
    expect(await readFile(again, 'utf8')).toContain('corpus-clean report: r');
    const bad = await runCli(['report', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("give the output folder of a finished 'corpus-clean run'");
  });
});
