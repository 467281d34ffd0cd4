import { describe, expect, it } from 'vitest';
import { builtinStages } from '../../src/stages/index.js';
import { STAGE_MODULES, stageOnly } from '../../src/cli/stageModules.js';

describe('start-up: a stage command loads only its own module', () => {
  it('every built-in stage is found where STAGE_MODULES says, as the same factory', async () => {
    expect(Object.keys(STAGE_MODULES).sort()).toEqual(builtinStages.map((f) => f.name).sort());
    for (const f of builtinStages) expect(await STAGE_MODULES[f.name]()).toBe(f);
  });

  it('stageOnly gives the stage command for a stage name and nothing for other names', async () => {
    const q = await stageOnly('quality');
    expect(q?.name).toBe('quality');
    expect(q?.help()).toContain('Usage: corpus-clean quality');
    expect(await stageOnly('run')).toBeUndefined();
    expect(await stageOnly('toString')).toBeUndefined();
  });
});
