import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

// `extract` on `.html` and WARC inputs: the readers keep the page for the stage (its `method`
// applies) instead of extracting it themselves and leaving the stage no `html` field.
const WARC = join(ROOT, 'fixtures/warc/dolma-slice.warc.gz');

const lines = (s: string): Record<string, unknown>[] => s.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('extract on .html and WARC inputs', () => {
  it('extracts every WARC page with the stage, the same text as the reader gives cat by default', async () => {
    const cat = await runCli(['cat', WARC]);
    const ext = await runCli(['extract', WARC]);
    expect(ext.stderr).not.toMatch(/no_html/);
    expect(ext.code).toBe(0);
    const a = lines(cat.stdout);
    const b = lines(ext.stdout);
    expect(b.length).toBe(a.length);
    expect(b.length).toBeGreaterThan(0);
    expect(b.map((r) => r.text)).toEqual(a.map((r) => r.text));
    expect(b.map((r) => r.url)).toEqual(a.map((r) => r.url));
    expect(b.every((r) => r.html === undefined)).toBe(true);
  });

  it('applies --method to WARC pages', async () => {
    const main = lines((await runCli(['extract', WARC])).stdout);
    const page = await runCli(['extract', WARC, '--method', 'page']);
    expect(page.code).toBe(0);
    const p = lines(page.stdout);
    expect(p.length).toBe(main.length);
    // The page method keeps text the main-content scorer leaves out on some pages.
    expect(p.some((r, i) => r.text !== main[i].text)).toBe(true);
  });

  it('extracts an .html file and keeps the page with --keep-html', async () => {
    const dir = await tempDir();
    const page = join(dir, 'good.html');
    await writeFile(page, '<html><head><title>T</title></head><body><nav>menu</nav><article><p>A paragraph of article text long enough to be the main content of this page.</p></article></body></html>');
    const r = await runCli(['extract', page]);
    expect(r.code).toBe(0);
    const [doc] = lines(r.stdout);
    expect(doc).toMatchObject({ id: page, title: 'T', charset: 'utf-8' });
    expect(doc.text).toMatch(/^A paragraph of article text/);
    const k = await runCli(['extract', page, '--keep-html']);
    expect(lines(k.stdout)[0].html).toMatch(/^<html>/);
  });

  it('a recipe whose first stage is extract applies its options to WARC inputs in run', async () => {
    const dir = await tempDir();
    const recipe = join(dir, 'r.yaml');
    await writeFile(recipe, `name: x\nstages:\n  - extract:\n      method: page\n`);
    const out = join(dir, 'out');
    const r = await runCli(['run', recipe, '--input', WARC, '-o', out, '--workers', '1', '-q']);
    expect(r.stderr).not.toMatch(/no_html/);
    expect(r.code).toBe(0);
    const back = await runCli(['cat', out + '/']);
    expect(back.code).toBe(0);
    const got = lines(back.stdout);
    const want = lines((await runCli(['extract', WARC, '--method', 'page'])).stdout);
    expect(got.map((d) => d.text)).toEqual(want.map((d) => d.text));
  });
});
