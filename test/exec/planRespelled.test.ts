import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planDifference, type Plan } from '../../src/exec/plan.js';

/** A rerun that names the same input files another way (absolute now, relative then) is told how to resume. */
describe('planDifference: the same inputs named another way', () => {
  const facts = (ino: string) => ({ size: 10, mtimeNs: '1', ctimeNs: '1', ino });
  const plan = (inputs: string[], inos: string[]): Plan =>
    ({ version: 2, name: 'x', stages: [], settings: {}, inputs, inputFacts: inos.map(facts), tasks: [], taskSize: 1024, segments: [], globals: [], phases: [] }) as unknown as Plan;

  it('names the folder the run was started from and the inputs as then', () => {
    const was = plan(['data/a.jsonl', 'data/b.jsonl'], ['1', '2']);
    const now = plan(['/home/u/work/data/a.jsonl', '/home/u/work/data/b.jsonl'], ['1', '2']);
    expect(planDifference(was, now)).toEqual([
      "the same 2 input files, named another way (was 'data/a.jsonl', now '/home/u/work/data/a.jsonl'): the run keeps its inputs as first given; run the command again from '/home/u/work' with the inputs named as then ('data/a.jsonl', 'data/b.jsonl') to resume",
    ]);
  });

  it('says the same without a folder when it cannot tell one (absolute then, relative now)', () => {
    const was = plan([resolve('/srv/x/a.jsonl')], ['7']);
    const now = plan(['a.jsonl'], ['7']);
    expect(planDifference(was, now)[0]).toMatch(/^the same input file, named another way .*run the command again with the inputs named as then \('\/srv\/x\/a\.jsonl'\) to resume$/);
  });

  it('other files (another inode) are still "the inputs differ"', () => {
    const was = plan(['data/a.jsonl'], ['1']);
    const now = plan(['/home/u/work/data/a.jsonl'], ['9']);
    expect(planDifference(was, now)[0]).toMatch(/^the inputs differ/);
  });
});
