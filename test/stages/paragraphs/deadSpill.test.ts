import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStage } from '../../helpers/runStage.js';

// No process has this PID (above Linux's largest pid_max): a killed run's spill folder.
const DEAD = 4194305;

describe('paragraphs: the spill folder of a killed run', () => {
  it('is removed by the next spill into the same folder; a live process\'s stays, and our own goes when done', async () => {
    const spillDir = mkdtempSync(join(tmpdir(), 'cc-par-spill-'));
    try {
      const dead = join(spillDir, `corpus-clean-paragraphs-${DEAD}-AbC123`);
      mkdirSync(dead);
      writeFileSync(join(dead, 'spill.bin'), Buffer.alloc(1000));
      const live = join(spillDir, `corpus-clean-paragraphs-${process.pid}-XyZ789`);
      mkdirSync(live);
      const other = join(spillDir, 'corpus-clean-paragraphs-q1w2e3');
      mkdirSync(other);
      const body = (i: number): string => `这是第${i}篇文章的正文，讲的是一件只在这里出现的事情，内容各不相同，编号${i}。`.repeat(2);
      const records = Array.from({ length: 6 }, (_, i) => ({ text: `首页 | 新闻中心 | 产品展示 | 联系我们 | 关于我们\n\n${body(i)}` }));
      // holdBytes 0: every record goes through the disk spill.
      const r = await runStage('paragraphs', records, { minOccurrences: 5, holdBytes: 0, spillDir });
      expect(r.kept.map((d) => d.data.text)).toEqual(records.map((_, i) => body(i)));
      // The dead run's folder is gone; a live process's and a name without a PID (older runs) are left.
      expect(readdirSync(spillDir).sort()).toEqual([`corpus-clean-paragraphs-${process.pid}-XyZ789`, 'corpus-clean-paragraphs-q1w2e3'].sort());
    } finally {
      rmSync(spillDir, { recursive: true, force: true });
    }
  });
});
