import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { showPath } from '../core/fsname.js';
import { DEFAULT_TEXT_FIELDS, parseTextField, textFieldLabel, type TextField } from '../core/doc.js';
import type { RunStats } from '../core/stats.js';
import { showText } from '../core/show.js';
import { hasOwn } from '../core/own.js';
import { SUCCESS } from '../exec/layout.js';
import { readMarker } from '../exec/markers.js';

import { TEXT_LIKE_KEY } from '../core/doc.js';
export { TEXT_LIKE_KEY };

/**
 * The text field to read these inputs with, from the folders among them that say how their
 * records are read: a run folder's `_recipe.resolved.yaml` names its `text_field` (none: the
 * default), unless a `convert` stage wrote its records (their text is then in `text`, `content`
 * or messages, whatever field the run read: new-user review 9 #10); another command's folder
 * output names it in its `_SUCCESS` (`text_field`, written when not the default: new-user review
 * 9 #1). Several such folders, or one beside other files, give one list, `field`: every folder's
 * fields in the order first met. When every folder's list is a start of that list (`text,content`
 * and `text,content,raw_content`), it reads every record as its own folder's command did. When not
 * (`text,content` and `article_body`), `own` holds each folder's list by input file: each record
 * is read with its own folder's list (io/readers/ownTextField.ts), a plain file with `field`;
 * `suggest` is one list for a command that needs one (its output keeps one text field): the
 * folders given another list than the default first, in input order (`checkSuggestion` says
 * whether it reads their records as their commands did). `lists`: each folder's list, `by`: the
 * command that wrote it (`run`, `cat`, ...), in input order. Undefined when no input comes from
 * such a folder. `folders`: those folders, in input order.
 */
export function runTextField(inputs: readonly string[]): { folder: string; folders: string[]; field: TextField; lists: string[]; by: string[]; own?: Map<string, TextField>; suggest?: string; extended?: string[] } | undefined {
  const folders: string[] = [];
  const fields: string[] = [];
  const lists: string[] = [];
  const by: string[] = [];
  const byDir = new Map<string, TextField | undefined>();
  for (const dir of new Set(inputs.filter((f) => f !== '-').map((f) => dirname(f)))) {
    const said = folderTextField(dir);
    if (said === undefined) continue;
    folders.push(dir);
    by.push(said.by);
    byDir.set(dir, said.field);
    lists.push(textFieldLabel(said.field));
    for (const f of textFieldLabel(said.field).split(',')) if (!fields.includes(f)) fields.push(f);
  }
  if (folders.length === 0) return undefined;
  // Files that are in no such folder are read with the folders' fields, then the default ones
  // (new-user review 9 #14: a plain file in the default shape beside a folder read with
  // raw_content lost every record as text_missing). The folders' records are read alike: each
  // holds one of its own folder's fields (its command rejected those without), which come first.
  const plain = inputs.some((f) => f === '-' || !byDir.has(dirname(f)));
  const extended = plain ? DEFAULT_TEXT_FIELDS.filter((f) => !fields.includes(f)) : [];
  fields.push(...extended);
  const field = fields.length === 1 ? fields[0] : fields;
  const union = fields.join(',');
  // Every folder's list a start of the union: the union reads each record from the field its own
  // command did (a field of the union after a folder's list is never reached by its records).
  if (lists.every((l) => union === l || union.startsWith(l + ','))) return { folder: folders[0], folders, field, lists, by, ...(extended.length > 0 ? { extended } : {}) };
  const own = new Map<string, TextField>();
  for (const f of inputs) {
    if (f === '-' || !byDir.has(dirname(f))) continue;
    own.set(f, byDir.get(dirname(f)) ?? DEFAULT_TEXT_FIELDS);
  }
  const order: string[] = [];
  const def = textFieldLabel(undefined);
  for (const l of [...lists.filter((l) => l !== def), ...lists.filter((l) => l === def)]) for (const f of l.split(',')) if (!order.includes(f)) order.push(f);
  return { folder: folders[0], folders, field, lists, by, own, suggest: order.join(','), ...(extended.length > 0 ? { extended } : {}) };
}

/**
 * How a folder says its records are read: a run folder (`_recipe.resolved.yaml`: its
 * `text_field`, or the default when a `convert` stage wrote the records), or a command's folder
 * output whose `_SUCCESS` names a `text_field`. Undefined for any other folder.
 */
function folderTextField(dir: string): { field: TextField | undefined; by: string } | undefined {
  const recipe = join(dir, '_recipe.resolved.yaml');
  if (existsSync(recipe)) {
    try {
      // yaml is loaded here, when a run folder is read, not at every command's start-up (#16).
      const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
      const r = parse(readFileSync(recipe, 'utf8')) as { text_field?: unknown; stages?: unknown } | null;
      // A convert stage writes `text` (pretrain-text), `content` (pretrain-content) or messages:
      // the field the run read (raw_content) is gone from its records, the default reads them.
      const converts = Array.isArray(r?.stages) && r.stages.some((s) => s !== null && typeof s === 'object' && hasOwn(s as object, 'convert'));
      return { field: converts ? undefined : parseTextField(r?.text_field), by: 'run' };
    } catch {
      return undefined;
    }
  }
  const marker = join(dir, SUCCESS);
  if (!existsSync(marker)) return undefined;
  const m = readMarker(marker);
  if (m.kind !== 'manifest' || typeof m.m.text_field !== 'string') return undefined;
  const field = parseTextField(m.m.text_field);
  return field === undefined ? undefined : { field, by: typeof m.m.command === 'string' ? m.m.command : 'command' };
}

/** "the run that wrote out/", "the 'cat' that wrote merged/": who decided how a folder's records are read. */
export function writerOf(command: string, folder: string): string {
  return `${command === 'run' ? 'the run' : `the '${showText(command)}'`} that wrote ${showPath(folder)}/`;
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
  const from = run !== undefined && textFieldLabel(run.field) === wanted ? ` (${writerOf(run.by[0], run.folder)} read text_field ${wanted}: every command that reads its output needs it again)` : '';
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

/** Records of each folder `checkSuggestion` reads at most, looking for a field that would be read first. */
export const SUGGEST_SCAN_RECORDS = 200_000;

/**
 * Whether `run.suggest`, one list for every input, reads each record of the folders as its own
 * folder's command did (new-user review 9 #2: `article_body,text,content` over art/ (article_body)
 * and artraw/ (text,content), whose records hold `article_body` too, read artraw/'s from it). A
 * folder's records are read alike when the list keeps its own fields in their order and none of
 * them holds a field that the list puts before them: that is looked up in the records (at most
 * SUGGEST_SCAN_RECORDS of each folder whose records could hold such a field; `partial` names the
 * folders not read to their end). `ok: false` names the folder and the field that is read first.
 */
export async function checkSuggestion(run: NonNullable<ReturnType<typeof runTextField>>, files: readonly string[]): Promise<{ ok: true; partial: string[] } | { ok: false; folder: string; field: string; own: string }> {
  const list = (run.suggest ?? textFieldLabel(run.field)).split(',');
  const partial: string[] = [];
  for (let i = 0; i < run.folders.length; i++) {
    const mine = run.lists[i].split(',');
    const at = mine.map((f) => list.indexOf(f));
    // The list keeps the folder's fields in their order (a record holding two of them reads the same one).
    for (let k = 1; k < at.length; k++) if (at[k] < at[k - 1]) return { ok: false, folder: run.folders[i], field: mine[k], own: run.lists[i] };
    const last = Math.max(...at);
    const before = list.filter((f, k) => k < last && !mine.includes(f));
    if (before.length === 0) continue;
    const { readFiles } = await import('../io/readers/index.js');
    const mineFiles = files.filter((f) => f !== '-' && dirname(f) === run.folders[i]);
    const nop = (): void => {};
    let n = 0;
    let found: string | undefined;
    scan: for await (const batch of readFiles(mineFiles).read({ read: nop, reject: nop, file: nop, fileError: nop })) {
      for (const d of batch) {
        // Only a field before the record's own one matters: one after it is never reached.
        const ownAt = list.indexOf(mine.find((f) => hasOwn(d.data, f) && d.data[f] !== null) ?? '');
        found = before.find((f) => (ownAt < 0 || list.indexOf(f) < ownAt) && hasOwn(d.data, f) && d.data[f] !== null);
        if (found !== undefined) break scan;
        if (++n >= SUGGEST_SCAN_RECORDS) {
          partial.push(run.folders[i]);
          break scan;
        }
      }
    }
    if (found !== undefined) return { ok: false, folder: run.folders[i], field: found, own: run.lists[i] };
  }
  return { ok: true, partial };
}
