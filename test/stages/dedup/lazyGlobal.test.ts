import { describe, expect, it } from 'vitest';
import type { GlobalStage } from '../../../src/core/global.js';
import type { Stage } from '../../../src/core/stage.js';
import { resolveOptions } from '../../../src/core/options.js';
import { dedup } from '../../../src/stages/dedup/dedup.js';
import { exactGlobal } from '../../../src/stages/dedup/global/exact.js';
import { minhashGlobal } from '../../../src/stages/dedup/global/minhash.js';
import { dedupOptions, minHashConfig } from '../../../src/stages/dedup/options.js';
import type { KeepPolicy } from '../../../src/stages/dedup/policy.js';

/** A stage's fields but its run. */
const shape = ({ run: _run, ...rest }: Stage): Record<string, unknown> => rest;
const scope = { workDir: '/nonexistent', tasks: 3 };

// Issue 16, nineteenth pass: `dedup`'s phased forms load at their first run (global/lazy.ts), so
// what an executor reads before that is said twice; here the two are kept the same.
describe('dedup: the phased form, loaded at its first run', () => {
  for (const method of ['minhash', 'exact'] as const) {
    for (const extra of [{}, { bands: 9, rows: 3 }, { keep: 'best-quality' }]) {
      if (method === 'exact' && Object.keys(extra).length > 0) continue;
      it(`${method} ${JSON.stringify(extra)}: the stage's global has the loaded form's stages and steps`, async () => {
        const o = resolveOptions('dedup', dedupOptions, { method, ...extra });
        const lazy = (await dedup.create(o)).global!;
        const real: GlobalStage = method === 'exact' ? exactGlobal() : minhashGlobal(minHashConfig(o), o.keep as KeepPolicy);
        expect(shape(lazy.collect(scope, 1))).toEqual(shape(real.collect(scope, 1)));
        expect(shape(lazy.apply(scope, 2))).toEqual(shape(real.apply(scope, 2)));
        for (const tasks of [1, 2, 3, 7, 64, 600]) {
          expect(lazy.steps(tasks).map((s) => [s.name, s.units])).toEqual(real.steps(tasks).map((s) => [s.name, s.units]));
        }
      });
    }
  }
});
