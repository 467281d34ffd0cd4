import { describe, expect, it } from 'vitest';
import { damagedFile, RedoneFiles, redoneFailure } from '../../src/exec/redo.js';

// New-user review 17 F7: damage found in _work/ is redone in the same call of `run`, once per
// file: a file found damaged again after it was redone stops the run (it would never end).
describe('RedoneFiles', () => {
  it('takes each damaged file once, not a failure without one, and knows a file found again', () => {
    const r = new RedoneFiles();
    const a = redoneFailure(new Error('a is damaged'), '/w/a');
    expect(damagedFile(a)).toBe('/w/a');
    expect(damagedFile(new Error('disk full'))).toBeUndefined();
    expect(r.take(new Error('disk full'))).toBe(false);
    expect(r.again(a)).toBe(false);
    expect(r.take(a)).toBe(true);
    expect(r.take(redoneFailure(new Error('b is damaged'), '/w/b'))).toBe(true);
    expect(r.take(redoneFailure(new Error('a is damaged, other bytes'), '/w/a'))).toBe(false);
    expect(r.again(a)).toBe(true);
    expect(r.rounds).toBe(2);
  });
});
