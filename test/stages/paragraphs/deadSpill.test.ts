import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runStage } from '../../helpers/runStage.js';
import { signalWhen } from '../../helpers/run.js';
import { makeDoc } from '../../../src/core/doc.js';
import { SpillWriter } from '../../../src/stages/paragraphs/spill.js';

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

describe('paragraphs: the spill on every exit path (review-hostile5 F8)', () => {
  it('a dead run\'s spill folder is removed by a later run that does not spill', async () => {
    const spillDir = mkdtempSync(join(tmpdir(), 'cc-par-spill-'));
    try {
      const dead = join(spillDir, `corpus-clean-paragraphs-${DEAD}-AbC123`);
      mkdirSync(dead);
      writeFileSync(join(dead, 'spill.bin'), Buffer.alloc(1000));
      const r = await runStage('paragraphs', [{ text: 'one short text' }], { spillDir });
      expect(r.kept.length).toBe(1);
      expect(readdirSync(spillDir)).toEqual([]);
    } finally {
      rmSync(spillDir, { recursive: true, force: true });
    }
  });

  it('a spill write that fails is one error naming the spill file, not an unhandled stream error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-par-spill-'));
    try {
      // A path whose folder does not exist: the stream fails as a full disk's does, by an 'error' event.
      const path = join(dir, 'gone', 'spill.bin');
      const w = new SpillWriter(path);
      const doc = makeDoc({ text: 'x'.repeat(100) }, 'a.jsonl:1');
      let err: unknown;
      try {
        for (let i = 0; i < 50; i++) await w.write([doc], undefined);
        await w.end();
      } catch (e) {
        err = e;
      }
      expect(String(err)).toContain(`cannot write the paragraphs spill '${path}'`);
      expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
      w.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // New-user review 22 A7: a full TMPDIR said 'ENOSPC: no space left on device, write' alone.
  // /dev/full opens and fails every write with ENOSPC, as a full disk does.
  it.runIf(existsSync('/dev/full'))('a full spill folder names the folder, how it was chosen, and the ways out', async () => {
    const doc = makeDoc({ text: 'x'.repeat(100000) }, 'a.jsonl:1');
    const fail = async (w: SpillWriter): Promise<Error> => {
      try {
        for (let i = 0; i < 50; i++) await w.write([doc], undefined);
        await w.end();
      } catch (e) {
        return e as Error;
      } finally {
        w.destroy();
      }
      throw new Error('no failure');
    };
    const byTmp = await fail(new SpillWriter('/dev/full', { folder: '/tmp/x', given: false, holdBytes: 1000000 }));
    expect((byTmp as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(byTmp.message).toContain("cannot write the paragraphs spill '/dev/full': ENOSPC");
    expect(byTmp.message).toContain("the spill holds the records past --hold-bytes (1000000 bytes of text) between the stage's two passes, in the system temp folder '/tmp/x' (TMPDIR; --spill-dir chooses another); make room there, give paragraphs a folder with room (--spill-dir DIR, spill_dir in a recipe) or hold more in memory (--hold-bytes, hold_bytes)");
    const given = await fail(new SpillWriter('/dev/full', { folder: '/data/sp', given: true, holdBytes: 5 }));
    expect(given.message).toContain("in --spill-dir '/data/sp'; make room there");
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} while spilling leaves no spill folder`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cc-par-sig-'));
      try {
        const spillDir = join(dir, 'sp');
        mkdirSync(spillDir);
        const input = join(dir, 'in.jsonl');
        const lines: string[] = [];
        for (let i = 0; i < 40_000; i++) lines.push(JSON.stringify({ text: `record ${i} ${'word '.repeat(40)}\n\nfooter line shared by all` }));
        writeFileSync(input, `${lines.join('\n')}\n`);
        const r = await signalWhen(['paragraphs', input, '-o', join(dir, 'o.jsonl'), '--spill-dir', spillDir, '--hold-bytes', '0'], spillDir, (names) => names.some((n) => n.startsWith('corpus-clean-paragraphs-')), signal);
        expect(r.code, r.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
        expect(readdirSync(spillDir), r.stderr).toEqual([]);
        // One line saying what happened; no trace from an exit hook that threw (the spill's
        // removal failing on a file its stream's open made meanwhile ended the 'exit' event).
        expect(r.stderr).not.toMatch(/\n\s+at /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 120_000);
  }
});
