import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

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

  it('a run folder moved elsewhere: the report still finds its shards and rejects (new-user review 4)', async () => {
    const first = join(dir, 'moved-from');
    const r = await runCli(['run', 'rules/recipes/sample.yaml', '-o', first, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const moved = join(dir, 'moved-to');
    await rename(first, moved);
    const page = join(dir, 'moved.html');
    expect((await runCli(['report', moved, '-o', page])).code).toBe(0);
    const html = await readFile(page, 'utf8');
    const mb = /(\d+) shards, ([\d.]+) MB/.exec(html);
    expect(mb).not.toBeNull();
    expect(Number(mb![2])).toBeGreaterThan(0);
    expect(html).toContain(join(moved, '_rejects.jsonl'));
    // Its rejects file cut short: said on stderr and in the page, exit 1 (hostile review 6 F14: fewer samples, exit 0, no word).
    const rej = join(moved, '_rejects.jsonl.zst');
    const bytes = await readFile(rej);
    await writeFile(rej, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const cut = await runCli(['report', moved, '-o', join(dir, 'cut.html')]);
    expect(cut.code, cut.stderr).toBe(1);
    expect(cut.stderr).toContain(`corpus-clean report: error: the rejects file '${rej}' is damaged`);
    expect(await readFile(join(dir, 'cut.html'), 'utf8')).toContain('is damaged');
  });
});

/** A record long enough for the web-en rules but for `words`, so it is dropped for min_words only. */
const short = (i: number, file: string): string => JSON.stringify({ text: `Record ${i} of ${file} is short.` });

describe('the report\'s samples and merged tasks', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('spreads the samples of a reason over input files: the first of each file before a second of one', async () => {
    // a.jsonl comes first and has 5 rejects of the reason, b.jsonl one, c.jsonl one.
    for (const [f, n] of [['a', 5], ['b', 1], ['c', 1]] as const) await writeFile(join(dir, `${f}.jsonl`), Array.from({ length: n }, (_, i) => short(i, f)).join('\n') + '\n');
    await writeFile(join(dir, 's.yaml'), `name: s\ninput: [a.jsonl, b.jsonl, c.jsonl]\nstages:\n  - quality: {preset: web-en}\nmax_reject_rate: 1\n`);
    const out = join(dir, 's-out');
    const r = await runCli(['run', join(dir, 's.yaml'), '-o', out, '--allow-empty', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const html = await readFile(join(out, '_report.html'), 'utf8');
    const section = html.slice(html.indexOf('<section id="samples">'));
    const sources = [...section.matchAll(/<div class="muted">([^<]*)<\/div><pre class="sample">/g)].map((m) => m[1].replace(/^.*\//, ''));
    expect(sources.slice(0, 3)).toEqual(['a.jsonl:1', 'b.jsonl:1', 'c.jsonl:1']);
  });

  it('is the same for 1 and 2 workers: the stats of every task merged (times and paths aside)', async () => {
    const pages: string[] = [];
    for (const w of ['1', '2']) {
      const out = join(dir, `w${w}`);
      // 200KB: six tasks (licenses.jsonl cut in three; small files would be packed into one).
      const r = await runCli(['run', 'rules/recipes/sample.yaml', '-o', out, '--workers', w, '-q', '--task-size', '200KB']);
      expect(r.code, r.stderr).toBe(0);
      const html = await readFile(join(out, '_report.html'), 'utf8');
      expect(html).toContain('<th>tasks</th><td>6 (stats and rejects merged in task order)</td>');
      pages.push(
        html
          .split(out).join('OUT')
          .replace(/ · made by corpus-clean .*? UTC/, '')
          .replace(/<tr><th>time<\/th><td>[^<]*<\/td><\/tr>/, '')
          .replace(/<section id="time">[\s\S]*?<\/section>/, ''),
      );
    }
    expect(pages[0]).toContain('<section id="signals">');
    expect(pages[1]).toEqual(pages[0]);
  });

  it('draws the flagged-words, pii and url-filter signals, with the thresholds', async () => {
    await writeFile(join(dir, 'block.txt'), 'spam.example\n');
    const recs = [
      { url: 'http://spam.example/a', text: 'Buy now at spam.example today.' },
      { url: 'https://ok.org/p', text: 'Mail the gardener at gardener@ok.org any day of the week.' },
    ];
    await writeFile(join(dir, 'u.jsonl'), recs.map((x) => JSON.stringify(x)).join('\n') + '\n');
    await writeFile(join(dir, 'f.yaml'), `name: f\ninput: [u.jsonl, ${JSON.stringify(join(ROOT, 'fixtures/sample'))}]\nstages:\n  - url-filter: {block: [block.txt]}\n  - pii: {email: drop}\n  - flagged-words: {}\nmax_reject_rate: 1\n`);
    const out = join(dir, 'f-out');
    const r = await runCli(['run', join(dir, 'f.yaml'), '-o', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const html = await readFile(join(out, '_report.html'), 'utf8');
    for (const chart of ['signal:url-filter:lists', 'signal:pii:email', 'signal:pii:found', 'signal:flagged-words:en/ratio', 'signal:flagged-words:en/count']) expect(html).toContain(`data-chart="${chart}"`);
    const en = html.slice(html.indexOf('data-chart="signal:flagged-words:en/ratio"'));
    expect(en.slice(0, en.indexOf('</svg>'))).toContain('flagged_words:en_ratio max');
    expect(html).toContain('>blocked: block<');
  });

  it('shows a counter of bytes, lines or findings against its own base, never as a share of records', async () => {
    // 12 records: one unique paragraph each and two boilerplate paragraphs every page has; two e-mails each.
    const recs = Array.from({ length: 12 }, (_, i) => ({
      text: `Page ${i} has its own story about the river number ${i} and the mill.\n\nCopyright 2026 Example Corp. All rights reserved, every page has this footer.\n\nFollow us on the social networks of Example Corp for news and offers.\n\nWrite to a${i}@example.org or b${i}@example.org today.`,
    }));
    await writeFile(join(dir, 'p.jsonl'), recs.map((x) => JSON.stringify(x)).join('\n') + '\n');
    await writeFile(join(dir, 'p.yaml'), `name: p\ninput: [p.jsonl]\nstages:\n  - paragraphs: {min_occurrences: 2, min_doc_chars: 0}\n  - pii: {}\nmax_reject_rate: 1\n`);
    const out = join(dir, 'p-out');
    const r = await runCli(['run', join(dir, 'p.yaml'), '-o', out, '-q']);
    expect(r.code, r.stderr).toBe(0);
    const html = await readFile(join(out, '_report.html'), 'utf8');
    const changes = html.slice(html.indexOf('<section id="changes">'), html.indexOf('<section id="time">'));
    // bytes_removed: 12 x 2 footers of ~70 bytes = ~1,700 bytes, which was shown as a share of the 12 records.
    expect(changes).toMatch(/bytes_removed: [\d,]+ bytes \([\d.]+ % of the input bytes\)/);
    expect(changes).toMatch(/units_removed: 24 paragraphs or lines</);
    expect(changes).toMatch(/found:email: 24 findings</);
    expect(changes).toMatch(/docs_changed: 12 \(100.0 % of records\)/);
    for (const m of html.matchAll(/([\d.]+) %/g)) expect(Number(m[1]), m[0]).toBeLessThanOrEqual(100);
  });
});
