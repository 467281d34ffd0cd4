import { existsSync, mkdtempSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from '../helpers/run.js';

/**
 * The report of a real run, opened in Debian's Chromium (CI installs it: see .ci/run). A plain
 * clone without Chromium skips this file; CI never does.
 */
const CHROMIUM = '/usr/bin/chromium';
const HAS_BROWSER = existsSync(CHROMIUM) || process.env.CI === 'true';

/**
 * Records that would run code if the report pasted them into the page unescaped. Each is dropped
 * for a reason of its own (quality, url-filter, pii), so each is among the samples however many
 * files share a reason (samples are spread over files).
 */
const PLANTED = [
  { text: '<script>window.__pwned = 1; document.title = "pwned";</script> short' },
  { url: 'http://spam.example/<b>x', text: '"><img src=x onerror="window.__pwned = 2"> short' },
  { text: "</pre><svg onload=\"window.__pwned = 3\"></svg><style>body{display:none}</style> someone@example.org" },
];

/** The labels of the page's charts that reach past the chart's left or right edge (run in the page). */
function labelsOutside(): string[] {
  const out: string[] = [];
  for (const svg of Array.from(document.querySelectorAll('svg.chart'))) {
    const width = (svg as SVGSVGElement).viewBox.baseVal.width;
    for (const t of Array.from(svg.querySelectorAll('text'))) {
      const b = (t as SVGTextElement).getBBox();
      if (b.x < 0 || b.x + b.width > width + 0.5) out.push(`${svg.getAttribute('data-chart')}: "${t.textContent}" spans ${b.x.toFixed(0)}..${(b.x + b.width).toFixed(0)} of ${width}`);
    }
  }
  return out;
}

describe.runIf(HAS_BROWSER)('the HTML report in Chromium', { timeout: 120_000 }, () => {
  let dir: string;
  let out: string;
  let evil: string;
  beforeAll(async () => {
    dir = await tempDir();
    // The file name is data too.
    evil = join(dir, 'evil"><b>bold.jsonl');
    await writeFile(evil, PLANTED.map((r) => JSON.stringify(r)).join('\n') + '\n');
    // Inputs are read in the order of their resolved paths and the report shows the first few rejects
    // of each reason: a copy of the sample beside the planted file keeps that file first wherever the
    // clone and the temporary folder live.
    await cp(join(ROOT, 'fixtures/sample'), join(dir, 'sample'), { recursive: true });
    const recipe = join(dir, 'r.yaml');
    await writeFile(join(dir, 'block.txt'), 'spam.example\n');
    // The sample recipe with url-filter, pii and flagged-words in front, for their charts.
    await writeFile(
      recipe,
      (await readFile(join(ROOT, 'rules/recipes/sample.yaml'), 'utf8'))
        .replace('  - ../../fixtures/sample', `  - ${JSON.stringify(evil)}\n  - sample`)
        .replace('stages:\n', 'stages:\n  - url-filter: {block: [block.txt]}\n  - pii: {email: drop}\n  - flagged-words: {}\n'),
    );
    out = join(dir, 'out');
    const r = await runCli(['run', recipe, '-o', out]);
    expect(r.stderr).toContain(`report in ${join(out, '_report.html')}`);
    expect(r.code).toBe(0);
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keeps the labels of large runs and long names inside the charts', async () => {
    // The funnel of the web-zh run cut its labels ("88,705 → 88,5"); long file names and counters with notes too.
    const { hbars, pairedBars } = await import('../../src/report/svg.js');
    const funnel = pairedBars('funnel', 'funnel', ['in', 'out'], [
      { label: 'read', a: 88_705, b: 88_705 },
      { label: 'normalize', a: 88_705, b: 88_597 },
      { label: 'langid', a: 88_597, b: 77_512 },
      { label: 'paragraphs', a: 9_876, b: 9_870 },
    ]);
    const files = hbars('files', 'files', [
      { label: '/work/shared/data/web/zh/chinesewebtext_cc2021-43_cleared1_WWWWWWWWWWMMMMMMMMMM.jsonl', value: 100, cls: 'keep', note: '% of 1,234,567' },
      { label: '中文网页数据集的一个非常非常长的文件名称用来测试标签是否会被截断的情况.jsonl', value: 3.5, note: '% of 88,705' },
      { label: 'bytes_removed', value: 123_456_789, note: 'bytes (12.3 % of the input bytes)' },
    ]);
    const page1 = join(dir, 'labels.html');
    await writeFile(page1, `<!doctype html><html><head><meta charset="utf-8"></head><body>${funnel}${files}</body></html>`);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.goto('file://' + page1);
      expect(await page.$$eval('svg.chart text', (t) => t.length)).toBeGreaterThan(8);
      expect(await page.evaluate(labelsOutside)).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('renders every chart, with no console error, no request and nothing from the data running', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'corpus-clean-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1150, height: 900 },
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => requests.push(r.url()));
      const url = 'file://' + join(out, '_report.html');
      await page.goto(url);
      await page.waitForLoadState('load');

      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((s) => {
          const box = s.getBoundingClientRect();
          return { name: s.getAttribute('data-chart') ?? '', width: box.width, height: box.height, marks: s.querySelectorAll('rect, line').length };
        }),
      );
      const names = charts.map((c) => c.name);
      for (const want of ['funnel', 'files', 'languages', 'time', 'signal:langid:lang_score', 'signal:quality:web-en/words', 'signal:quality:web-zh/score', 'clusters:dedup #2', 'similarity:dedup #2', 'changes:normalize', 'signal:url-filter:lists', 'signal:pii:email', 'signal:pii:found', 'signal:flagged-words:en/ratio', 'signal:flagged-words:en/count']) {
        expect(names, `chart ${want}`).toContain(want);
      }
      // The thresholds are drawn: flagged-words' max ratio, langid's min score, MinHash's threshold.
      for (const name of ['signal:flagged-words:en/ratio', 'signal:flagged-words:zh/ratio', 'signal:pii:email', 'signal:langid:lang_score', 'similarity:dedup #2']) {
        expect(await page.$$eval(`svg.chart[data-chart="${name}"] line.thr`, (l) => l.length), name).toBeGreaterThan(0);
      }
      for (const c of charts) {
        expect(c.width, c.name).toBeGreaterThan(100);
        expect(c.height, c.name).toBeGreaterThan(10);
        expect(c.marks, c.name).toBeGreaterThan(0);
      }

      // Every label sits inside its chart.
      expect(await page.evaluate(labelsOutside)).toEqual([]);

      // Nothing from the data ran, loaded or changed the page.
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.title()).toBe('corpus-clean report: sample');
      expect(await page.$$eval('script, img, iframe, object, embed', (e) => e.length)).toBe(0);
      expect(await page.$$eval('svg:not(.chart)', (e) => e.length)).toBe(0);
      expect(await page.evaluate(() => getComputedStyle(document.body).display)).toBe('block');
      // ... and is shown as text, file name included.
      const text = await page.evaluate(() => document.body.innerText);
      expect(text).toContain('<script>window.__pwned = 1;');
      expect(text).toContain('"><img src=x onerror="window.__pwned = 2">');
      expect(text).toContain('evil"><b>bold.jsonl');
      // A file that lost everything stands out.
      const lost = await page.$$eval('tr.lost td:first-child', (tds) => tds.map((t) => t.textContent));
      expect(lost).toEqual([evil]);

      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);

      const shots = join(ROOT, 'out', 'test-report');
      await mkdir(shots, { recursive: true });
      await page.screenshot({ path: join(shots, 'report.png'), fullPage: false });
      expect(existsSync(join(shots, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
      await rm(profile, { recursive: true, force: true });
    }
  });
});
