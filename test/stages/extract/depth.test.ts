import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { capDepth, MAX_DEPTH } from '../../../src/stages/extract/depth.js';
import { htmlToText } from '../../../src/stages/extract/html.js';
import { runCli, tempDir } from '../../helpers/run.js';

const nested = (n: number, inner = '深层嵌套的文字内容。'): string => `<html><body>${'<div>'.repeat(n)}${inner}${'</div>'.repeat(n)}<p>after</p></body></html>`;

describe('extract: elements nested very deep (review F5)', () => {
  it('capDepth leaves ordinary pages as they are (the same string)', () => {
    const page = `<html><body><div class="a"><p>one<br>two</p><img src=x /><!-- c --><ul><li>x</li></ul></div></body></html>`;
    expect(capDepth(page)).toBe(page);
    const deepButFine = nested(MAX_DEPTH - 5);
    expect(capDepth(deepButFine)).toBe(deepButFine);
  });

  it('capDepth drops the tags past the cap and keeps every text', () => {
    const out = capDepth(nested(5, '<b>x</b>y'), 3);
    // html, body, div are the 3 levels kept; deeper divs and the <b> lose their tags
    expect(out).toBe('<html><body><div>xy</div><p>after</p></body></html>');
    expect(capDepth('<a><b><c>t</c></b></a><d>u</d>', 2)).toBe('<a><b>t</b></a><d>u</d>');
    // a '<' with no '>' after it ends the scan (no tag can follow)
    expect(capDepth('<a><b><c>t</c></b></a> 1 < 2', 2)).toBe('<a><b>t</b></a> 1 < 2');
  });

  it('htmlToText on 200,000 nested divs gives the text (was: over 100 s, unkillable)', () => {
    for (const method of ['main', 'readability', 'page'] as const) {
      const r = htmlToText(nested(200_000), { method });
      expect(r.text, method).toContain('深层嵌套的文字内容。');
      expect(r.text, method).toContain('after');
    }
  });

  it('the extract command on such a page ends well within a generous bound', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'deep.jsonl'), JSON.stringify({ html: nested(200_000) }) + '\n');
    const r = await runCli(['extract', join(dir, 'deep.jsonl'), '-q'], { timeoutMs: 60_000 });
    expect(r.signal).toBeUndefined();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).text).toContain('深层嵌套的文字内容。');
  });
});
