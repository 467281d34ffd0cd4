import { describe, expect, it } from 'vitest';
import { sideFilesRefusal } from '../../src/exec/plan.js';

// New-user reviews 24 N4 and 25 L-3: `task` and `merge` refused a unit or a merge after a file the
// stages read changed with "pass --overwrite to start again", an option neither command takes.
describe('the refusal after a changed side file names an option the command has', () => {
  const sides = ["the module of stage mine '/p/st.mjs' (its content differs)"];
  it('run: pass --overwrite', () => {
    expect(sideFilesRefusal('out', sides)).toContain('cannot be resumed: pass --overwrite to start again (or put the old file back to resume)');
  });
  it.each(['task', 'merge'] as const)('%s: the run command again with --overwrite, which status gives', (by) => {
    const said = sideFilesRefusal('out', sides, by);
    expect(said).not.toContain('pass --overwrite');
    expect(said).toContain("cannot be resumed: run the run's command again with --overwrite to start over (`corpus-clean status out` gives it) (or put the old file back to resume)");
  });
});
