import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { showPath } from '../core/fsname.js';
import { DEFAULT_TEXT_FIELDS, parseTextField, textFieldLabel, type TextField } from '../core/doc.js';
import type { RunStats } from '../core/stats.js';
import { showText } from '../core/show.js';

import { TEXT_LIKE_KEY } from '../core/doc.js';
export { TEXT_LIKE_KEY };

/**
 * The text field to read these inputs with, from the run folders among them: each run folder's
 * `_recipe.resolved.yaml` names its `text_field` (none: the default). Several run folders, or a run
 * folder beside other files, give one list, `field`: every run's fields in the order first met.
 * When every run's list is a start of that list (`text,content` and `text,content,raw_content`),
 * it reads every record as its own run did. When not (`text,content` and `article_body`), `own`
 * holds each run folder's list by input file: each record is read with its own run's list
 * (io/readers/ownTextField.ts), a plain file with `field`; `suggest` is one list for a command
 * that needs one (`run`, whose output keeps one text_field): the runs given another list than the
 * default first, in input order. `lists`: each run folder's list, in input order.
 * Undefined when no input comes from a run folder. `folders`: the run folders, in input order.
 */
export function runTextField(inputs: readonly string[]): { folder: string; folders: string[]; field: TextField; lists: string[]; own?: Map<string, TextField>; suggest?: string } | undefined {
  const folders: string[] = [];
  const fields: string[] = [];
  const lists: string[] = [];
  const byDir = new Map<string, TextField | undefined>();
  for (const dir of new Set(inputs.filter((f) => f !== '-').map((f) => dirname(f)))) {
    const recipe = join(dir, '_recipe.resolved.yaml');
    if (!existsSync(recipe)) continue;
    let field: TextField | undefined;
    try {
      // yaml is loaded here, when a run folder is read, not at every command's start-up (#16).
      const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
      field = parseTextField((parse(readFileSync(recipe, 'utf8')) as { text_field?: unknown } | null)?.text_field);
    } catch {
      continue;
    }
    folders.push(dir);
    byDir.set(dir, field);
    lists.push(textFieldLabel(field));
    for (const f of textFieldLabel(field).split(',')) if (!fields.includes(f)) fields.push(f);
  }
  if (folders.length === 0) return undefined;
  const field = fields.length === 1 ? fields[0] : fields;
  const union = fields.join(',');
  // Every run's list a start of the union: the union reads each record from the field its own
  // run did (a field of the union after a run's list is never reached by its records).
  if (lists.every((l) => union === l || union.startsWith(l + ','))) return { folder: folders[0], folders, field, lists };
  const own = new Map<string, TextField>();
  for (const f of inputs) {
    if (f === '-' || !byDir.has(dirname(f))) continue;
    own.set(f, byDir.get(dirname(f)) ?? DEFAULT_TEXT_FIELDS);
  }
  const order: string[] = [];
  const def = textFieldLabel(undefined);
  for (const l of [...lists.filter((l) => l !== def), ...lists.filter((l) => l === def)]) for (const f of l.split(',')) if (!order.includes(f)) order.push(f);
  return { folder: folders[0], folders, field, lists, own, suggest: order.join(',') };
}

/**
 * Records rejected as `read/text_empty` whose text is in another field: the text-like key that a
 * non-empty string filled in at least half of them (`{"text": "", "content": "..."}`), or
 * undefined. Such records are no empty documents but a wrong --text-field: bad input.
 */
export function textElsewhere(s: RunStats): { key: string; n: number; empty: number } | undefined {
  const empty = s.input.dropped.text_empty ?? 0;
  if (empty === 0) return undefined;
  const seen: Record<string, number> = {};
  for (const f of Object.values(s.perFile ?? {})) for (const [k, c] of Object.entries(f.emptyTextKeys ?? {})) seen[k] = (seen[k] ?? 0) + c;
  const best = Object.entries(seen).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return best !== undefined && best[1] * 2 >= empty ? { key: best[0], n: best[1], empty } : undefined;
}

/**
 * A note for records rejected for having no text (`read/text_missing`, `tokenize/no_text` in
 * `export`) that hold a field which looks like text under another name (`raw_content`): the
 * `--text-field` to pass, from the run folder that wrote the inputs when it names one. Undefined
 * when no such field was seen on at least half of them.
 */
export function textFieldNote(s: RunStats, textField: TextField | undefined, inputs: readonly string[]): string | undefined {
  const reasons: [string, number][] = [];
  if ((s.input.dropped.text_missing ?? 0) > 0) reasons.push(['read/text_missing', s.input.dropped.text_missing]);
  for (const st of s.stages) if ((st.dropped.no_text ?? 0) > 0) reasons.push([`${st.stage}/no_text`, st.dropped.no_text]);
  const n = reasons.reduce((a, [, k]) => a + k, 0);
  if (n === 0) return undefined;
  const seen: Record<string, number> = {};
  for (const f of Object.values(s.perFile ?? {})) for (const [k, c] of Object.entries(f.keysSeen)) seen[k] = (seen[k] ?? 0) + c;
  const current = new Set(textFieldLabel(textField).split(','));
  const key = Object.entries(seen)
    .filter(([k, c]) => TEXT_LIKE_KEY.test(k) && !current.has(k) && c * 2 >= n)
    .sort((a, b) => b[1] - a[1])[0]?.[0];
  if (key === undefined) return undefined;
  const run = runTextField(inputs);
  const wanted = run !== undefined && textFieldLabel(run.field).split(',').includes(key) ? textFieldLabel(run.field) : `${textFieldLabel(textField)},${key}`;
  const field = textField === undefined ? "'text' or 'content'" : `'${showText(textFieldLabel(textField))}'`;
  const why = reasons.map(([r, k]) => `${r} ${k}`).join(', ');
  const from = run !== undefined && textFieldLabel(run.field) === wanted ? ` (the run that wrote ${showPath(run.folder)}/ read text_field ${wanted}: every command that reads its output needs it again)` : '';
  return `${n} of ${s.read} records were rejected for having no ${field} field (${why}), but hold '${showText(key)}'; to read it, pass --text-field ${showText(wanted)}${from}`;
}

/**
 * For records without text when a --text-field name holds a dot (`doc.body`) and the records hold
 * its first part (`doc`): the name is one top-level key, never a path into an object (new-user
 * review 7 #18). Data-Juicer's `text_keys` read `doc.body` nested; corpus-clean does not (a key
 * may hold a dot itself, and every writer, stage and the lossless line would need the path), so
 * the note names the nested field and how to lift it to the top level. Undefined otherwise.
 */
export function nestedFieldNote(textField: TextField | undefined, keys: readonly string[]): string | undefined {
  if (textField === undefined) return undefined;
  const dotted = textFieldLabel(textField)
    .split(',')
    .find((f) => f.includes('.') && keys.includes(f.slice(0, f.indexOf('.'))));
  if (dotted === undefined) return undefined;
  const head = dotted.slice(0, dotted.indexOf('.'));
  const path = dotted
    .split('.')
    .map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`))
    .join('');
  return `--text-field '${showText(dotted)}' names a top-level field (a name with a dot is one key), not the field '${showText(dotted.slice(head.length + 1))}' inside the object '${showText(head)}' these records hold: nested fields are not read as text; lift it to the top level first, e.g. jq -c '.text = ${showText(path)}' IN.jsonl > OUT.jsonl, then read OUT.jsonl (its 'text' is the default field)`;
}
