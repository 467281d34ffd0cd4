import { hasOwn } from '../core/own.js';
import type { ReadOptions } from '../io/readers/options.js';

/** The shipped schemas that map records into a format `convert` reads (rules/schemas/). */
const CONVERTIBLE = ['alpaca', 'sharegpt', 'openai-messages', 'xtuner-conversation'] as const;
/** Records looked at (the first ones of the inputs). */
const SCAN_RECORDS = 200;

/**
 * The shipped schema that would map the records `convert` could not tell (convert:unknown_format)
 * into one it reads: the one whose required fields most of the first records hold, some under an
 * alias (BELLE's question/std_answer are alpaca's instruction/output: new-user review 12 #12, the
 * hint only said "repair --schema NAME"). Returns it with the alias keys the records hold;
 * `seedTasks` when most are self-instruct seed tasks (`isSeedTask`), which no schema maps; or
 * undefined (stdin, which cannot be read again, or no schema fits most of them).
 */
export async function fittingSchema(files: readonly string[], options: ReadOptions = {}): Promise<{ schema: string; keys: string[] } | { seedTasks: true } | undefined> {
  const paths = files.filter((f) => f !== '-');
  if (paths.length === 0) return undefined;
  const [{ readFiles }, { loadSchema }] = await Promise.all([import('../io/readers/index.js'), import('../stages/repair/schema.js')]);
  const schemas = CONVERTIBLE.map((name) => loadSchema(name));
  const fits = new Map<string, number>();
  const keys = new Map<string, Set<string>>();
  const nop = (): void => {};
  let n = 0;
  let seeds = 0;
  scan: for await (const batch of readFiles(paths, options).read({ read: nop, reject: nop, file: nop, fileError: nop })) {
    for (const d of batch) {
      if (isSeedTask(d.data)) seeds++;
      for (const s of schemas) {
        const via: string[] = [];
        const all = s.fields.filter((f) => f.required).every((f) => {
          if (hasOwn(d.data, f.name) && d.data[f.name] !== null) return true;
          const alias = f.aliases.find((a) => hasOwn(d.data, a) && d.data[a] !== null);
          if (alias !== undefined) via.push(alias);
          return alias !== undefined;
        });
        if (!all || via.length === 0) continue;
        fits.set(s.name, (fits.get(s.name) ?? 0) + 1);
        const k = keys.get(s.name) ?? new Set<string>();
        for (const a of via) k.add(a);
        keys.set(s.name, k);
      }
      if (++n >= SCAN_RECORDS) break scan;
    }
  }
  if (seeds * 2 > n) return { seedTasks: true };
  const best = [...fits].sort((a, b) => b[1] - a[1])[0];
  if (best === undefined || best[1] * 2 <= n) return undefined;
  return { schema: best[0], keys: [...keys.get(best[0])!] };
}

/**
 * A self-instruct seed task, as Alpaca's and BELLE's seed_tasks.jsonl hold them: `instruction` and
 * `instances`, a list of `{input, output}`. No schema reads it, and convert reads only a task of
 * one instance (as its Alpaca record): a task may hold several instances, each a sample of its
 * own, where a command writes at most one record per record read (read = written + rejected);
 * the hint says how to flatten them (new-user review 13 #10).
 */
export function isSeedTask(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const o = data as Record<string, unknown>;
  return typeof o.instruction === 'string' && Array.isArray(o.instances) && o.instances.length > 0 && o.instances.every((x) => typeof x === 'object' && x !== null && 'output' in x);
}

/** The one-liner that makes seed tasks one Alpaca record per instance (`jq`, which reads JSONL). */
export const SEED_TASKS_JQ = `jq -c '.instruction as $i | .instances[] | {instruction: $i, input, output}'`;
