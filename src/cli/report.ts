import { closeSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { isAbsolute, relative } from 'node:path';
import { showPath } from '../core/fsname.js';
import { clearProgress, eta, ofTotal, progressInterval, progressWaits, writeProgress } from '../exec/progress.js';
import { inputBytesOnDisk } from '../exec/inputBytes.js';
import { textFieldLabel, type TextField } from '../core/doc.js';
import type { FileStats, RunStats } from '../core/stats.js';
import { charsetNames, likelyCharset } from '../io/readers/encoding.js';
import { formatOf } from '../io/readers/index.js';
import { shellWord } from '../exec/command.js';
import { TEXT_LIKE_KEY } from './textFieldHint.js';
import { balanced, madeOf, unbalancedFiles } from '../core/stats.js';
import { counted, showText } from '../core/show.js';
import { REJECT_LINE_KEYS } from '../io/writers/ownSideFile.js';
import { LINE_RULE, rulesToSkip } from './dominant.js';
import { now } from '../core/lazyBuiltins.js';

/**
 * Input reasons that are not damage: blank lines separate records in text and are common in JSONL;
 * an empty (or whitespace-only) text is a document with nothing in it (a script-only or image page),
 * which filters drop as datatrove and Data-Juicer do, not a file whose lines do not parse; so is a
 * page that extracts to nothing (`extract_empty`: a script-only or image-only page or response).
 * A WARC response that is no page (a stylesheet, script, image or PDF: `warc_not_html`) or no
 * success (a redirect, a 404: `warc_http_status`) is what every site crawl holds, not bytes that
 * are wrong (datatrove's WarcReader passes them over; new-user review 10 #1: a wget crawl failed
 * the run as bad input); `warc_damaged` is.
 */
const NOT_BAD = new Set(['blank_line', 'text_empty', 'extract_empty', 'warc_not_html', 'warc_http_status']);

/**
 * Stage reasons that are bad input, as `read/text_missing` is: a record with no text at a stage
 * that reads its text itself because the reader cannot ask for one (`tokenize` takes chat records
 * too, which have none). `export` dropped a quarter of its input as tokenize/no_text with exit 0
 * where `quality` on the same file exits 1 (new-user review 16 F9). Its `text_empty` is not, as
 * the reader's is not. `convert:unknown_format`, a record of no format convert reads (neither a
 * text nor a sample of any chat format), is the same for convert: a quarter of a file so went with
 * exit 0. A chat that is one but breaks its target's rules (tokenize's `bad_messages`: a role
 * InternLM2 has no name for, `tool_calls` not a list; convert's `convert:unknown_role`,
 * `convert:role_order`) is dropped on purpose, as a filter drops a record: not bad input.
 */
const BAD_AT_STAGE: Readonly<Record<string, readonly string[]>> = { tokenize: ['no_text'], convert: ['convert:unknown_format'] };

/**
 * Records rejected as bad input (did not parse, no usable text), as opposed to filtered by a
 * stage on purpose or blank lines.
 */
export function badInput(s: RunStats): number {
  let n = 0;
  for (const [reason, v] of Object.entries(s.input.dropped)) if (!NOT_BAD.has(reason)) n += v;
  for (const st of s.stages) for (const reason of BAD_AT_STAGE[st.stage] ?? []) n += st.dropped[reason] ?? 0;
  return n;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * What a MISMATCH of files says when the totals add up (hostile review 22 H4): the files whose own
 * sums do not, the first three with their counts.
 */
function filesMismatch(s: RunStats, own: boolean): string {
  const bad = unbalancedFiles(s);
  const shown = bad.slice(0, 3).map((name) => {
    const f = s.perFile[name];
    return `${name === '(no source)' ? name : `'${showPath(name)}'`} read ${f.read}${madeText(f.made)} = written ${f.written} + rejected ${f.rejected}`;
  });
  const more = bad.length > 3 ? ` and ${bad.length - 3} more files` : '';
  return `the totals add up but not file by file: ${shown.join(', ')}${more}; records were lost, or counted under another file (a stage of your own that makes new records must give each the source of the record it came from: make it with \`deriveDoc(doc, data)\`, or give it \`source: doc.source\`, which \`{...doc}\` does not copy); ${own ? OWN_BUG : 'this is a bug, please report it'}`;
}

/**
 * Whom a MISMATCH blames when the recipe has a stage of one's own (`- module:`), as status says
 * it: not corpus-clean alone (new-user review 23 B6: a chunking stage was told to report a bug of ours).
 */
const OWN_BUG = 'a bug in a stage, of your own or of corpus-clean';

/**
 * The MISMATCH of totals: with a stage of one's own, what it did (made records, or lost them) and
 * that a stage passes or rejects each record once (the pieces it makes from one count as made when made with deriveDoc).
 */
function totalsMismatch(s: RunStats, own: boolean): string {
  if (!own) return 'records unaccounted for; this is a bug, please report it';
  const made = s.written + s.rejected - s.read - madeOf(s);
  const what = made > 0 ? `${made} more written and rejected than read${madeOf(s) > 0 ? ' and made' : ''}` : `${-made} read and neither written nor rejected`;
  return `records unaccounted for, ${what}: a stage lost or made records without a reject; ${OWN_BUG}: a stage passes or rejects each record once; the records it makes from one (a chunking stage's pieces) are counted as made when each is made with \`deriveDoc(doc, data)\``;
}

/** ` + made N` after a read count, when stages made records (`FileStats.made`). */
function madeText(made: number | undefined): string {
  return made !== undefined && made > 0 ? ` + made ${made}` : '';
}

/**
 * The accounting line every command ends with: `read N = written W + rejected R`. `ownStages`:
 * the recipe has a stage of one's own (a MISMATCH may be its doing).
 */
export function accountingLine(command: string, s: RunStats, ownStages = false): string {
  const secs = s.ms / 1000;
  const rate = secs > 0 ? `, ${mb(s.bytesRead / secs)} MB/s` : '';
  // The largest reasons first; the rest are counted, and all are in --stats.
  const all = [s.input, ...s.stages]
    .flatMap((st) => Object.entries(st.dropped).map(([r, n]) => ({ label: `${st.stage}/${r}`, n })))
    .sort((a, b) => b.n - a.n || (a.label < b.label ? -1 : 1));
  const shown = all.slice(0, 8).map((x) => `${x.label} ${x.n}`);
  const rest = all.slice(8);
  if (rest.length > 0) shown.push(`+${rest.length} more reasons, ${rest.reduce((a, x) => a + x.n, 0)} records`);
  const reasons = shown.join(', ');
  const ok = balanced(s) ? '' : s.read + madeOf(s) === s.written + s.rejected ? ` (MISMATCH: ${filesMismatch(s, ownStages)})` : ` (MISMATCH: ${totalsMismatch(s, ownStages)})`;
  return (
    `corpus-clean ${command}: read ${s.read}${madeText(madeOf(s))} = written ${s.written} + rejected ${s.rejected}${ok}` +
    (reasons ? ` [${reasons}]` : '') +
    ` in ${secs.toFixed(2)} s (${mb(s.bytesRead)} MB${rate})`
  );
}

/**
 * The line after a failure that stopped a command (a full disk, a read-only output, an input
 * changed while read): how far it got, as the accounting line says it, and what became of its
 * output (`left`), so that nothing written before the failure passes for complete (new-user
 * review 16 F2). Records read and neither written nor rejected were on their way when it stopped.
 * `gone` marks the counts whose records were removed with the output or the rejects file, and
 * names a FIFO or device output (`stream`) a write to which may have passed part of those on their way
 * (`unread`: a FIFO no reader ever opened, which none of them reached).
 */
export function stoppedLine(command: string, s: RunStats, left?: string, gone: { written?: boolean; rejected?: boolean; stream?: string; unread?: boolean } = {}): string {
  const away = s.read - s.written - s.rejected;
  const secs = s.ms / 1000;
  // Records written to an output (or rejects file) then removed with it are not kept: the count
  // says so where it stands (new-user review 20 F1: 'written 3000' beside 'output removed').
  const written = `written ${s.written}${gone.written === true && s.written > 0 ? ' (removed with the unfinished output)' : ''}`;
  const rejected = `rejected ${s.rejected}${gone.rejected === true && s.rejected > 0 ? ' (removed with the rejects file)' : ''}`;
  return `corpus-clean ${command}: stopped after read ${s.read} = ${written} + ${rejected}${away > 0 ? ` + ${away} on ${away === 1 ? 'its' : 'their'} way${gone.stream !== undefined ? (gone.unread === true ? ` (none reached '${gone.stream}': no reader ever opened it)` : ` (${away === 1 ? 'it' : 'some'} may have reached the reader of '${gone.stream}': a write to it not yet done when it stopped)`) : ''}` : ''} in ${secs.toFixed(2)} s (${mb(s.bytesRead)} MB)${left === undefined ? '' : `: ${left}`}`;
}

/**
 * Live progress: on a terminal a single line rewritten at most twice a second; in a log a line every 30 s (see progress.ts).
 * With the inputs' count and size on disk (`total`: named files, not stdin) the line says how much of them is read,
 * the percent and the time left, as run's lines do (new-user review 15 F9: `1 files, ... 1.0 MB at 0.6 MB/s`).
 */
export function progressPrinter(command: string, enabled: boolean, total?: { bytes: number; files: number }): { update(s: Readonly<RunStats>): void; done(): void } {
  if (!enabled) return { update() {}, done() {} };
  const start = now();
  let last = progressWaits() ? start : 0;
  let shown = false;
  return {
    update(s) {
      const t = now();
      if (t - last < progressInterval()) return;
      last = t;
      shown = true;
      const secs = (t - start) / 1000;
      const tail = `read ${s.read}, written ${s.written}, rejected ${s.rejected}`;
      if (total === undefined || total.bytes <= 0) return writeProgress(`${command}: ${counted(s.files, 'file')}, ${tail}, ${mb(s.bytesRead)} MB at ${mb(s.bytesRead / secs)} MB/s`);
      const bytes = inputBytesOnDisk(s);
      const rate = secs > 0 ? bytes / secs : 0;
      writeProgress(`${command}: file ${Math.max(1, s.files)} of ${total.files}, ${tail}, ${ofTotal(bytes, total.bytes)}, ${mb(rate)} MB/s, ETA ${eta(rate > 0 ? (total.bytes - bytes) / rate : NaN)}`);
    },
    done() {
      if (shown) clearProgress();
    },
  };
}

/** Files listed one by one at the end of a run; more are summed up (all are in --stats). */
const MAX_FILE_LINES = 20;

function topReasons(reasons: Record<string, number>, n: number): string {
  const all = Object.entries(reasons).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = all.slice(0, n).map(([r, k]) => `${r} ${k}`);
  if (all.length > n) shown.push(`+${all.length - n} more`);
  return shown.length > 0 ? ` [${shown.join(', ')}]` : '';
}

/**
 * The end-of-run line per input file (when there is more than one): `read N = written W +
 * rejected R` with its largest reasons. With many files, those that kept the smallest share come
 * first, since they are the ones to look at.
 */
export function fileLines(s: RunStats): string[] {
  const files = Object.entries(s.perFile ?? {});
  if (files.length < 2) return [];
  const keep = (f: { read: number; written: number }): number => (f.read > 0 ? f.written / f.read : 1);
  const shown = files.length > MAX_FILE_LINES ? [...files].sort((a, b) => keep(a[1]) - keep(b[1])).slice(0, MAX_FILE_LINES) : files;
  const lines = shown.map(([name, f]) => `  ${showPath(name)}: read ${f.read}${madeText(f.made)} = written ${f.written} + rejected ${f.rejected}${topReasons(f.reasons, 3)}`);
  if (files.length > MAX_FILE_LINES) lines.push(`  ... ${files.length - MAX_FILE_LINES} more files (the ${MAX_FILE_LINES} that kept the least are shown; all are in the stats)`);
  return lines;
}

/** Keys seen on records without a text field, the most frequent first. */
export function keysSeen(s: RunStats): string[] {
  const all: Record<string, number> = {};
  for (const f of Object.values(s.perFile ?? {})) for (const [k, n] of Object.entries(f.keysSeen)) all[k] = (all[k] ?? 0) + n;
  return Object.entries(all).sort((a, b) => b[1] - a[1]).map(([k]) => showText(k));
}

/** Commands that need the records themselves, whatever their flags: told to take a rejects file's records out first. */
export const TAKERS: ReadonlySet<string> = new Set(['export', 'convert', 'repair']);

/** The keys every line of a corpus-clean rejects file has. */
export const REJECT_KEYS = ['stage', 'reason', 'source'];

/**
 * True when the keys seen on records without text are a rejects file's: the three every reject
 * has, and no key a reject never has (data with `stage`, `reason`, `source` fields of its own was
 * called a rejects file: new-user review 17 F2).
 */
export function rejectsKeys(keys: readonly string[]): boolean {
  return REJECT_KEYS.every((k) => keys.includes(k)) && keys.every((k) => REJECT_LINE_KEYS.includes(k));
}

/**
 * The jq program that gives back what each reject holds, one line per reject, for every kind: the
 * line as read when one was kept (`raw`: it did not parse, or its numbers do not fit a double and
 * the record beside it could not be written back exactly by jq), else the record, else the bytes
 * that were not UTF-8 (`raw_base64`; jq's @base64d puts U+FFFD for each bad byte). `.record // .raw`
 * printed null for a line that was not UTF-8 and a JSON string for one that did not parse
 * (new-user review 17 F6); `.record | objects` left both out without a word. Double-quoted for
 * the shell: it holds no string literal and no `$`.
 */
export const TAKE_OUT_JQ = 'if .raw then .raw elif .record then (.record | tojson) else (.raw_base64 // empty | @base64d) end';

/**
 * What to do with a corpus-clean rejects file read as data (`files`: the inputs, named when one),
 * one wording for the run-wide note and the per-file warning (new-user review 15 F12); `taker`:
 * the command that needs the records themselves whatever its flags (export: F16; convert, repair:
 * new-user review 16 F23), told to take them out first.
 */
export function rejectsAdvice(files: readonly string[], taker?: string, folder?: string): string {
  // The name as a shell takes it (hostile review 15 F6: 'my rejects.jsonl' pasted read two files).
  const shown = files.length === 1 && files[0] !== '-' ? showPath(files[0]) : 'FILE';
  const name = /^[A-Za-z0-9_./,:=+@%-]+$/.test(shown) ? shown : `"${shown.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
  // A rejects file under another name (read with --format jsonl: r.txt) is read by cat as its name says, unless told.
  const asJsonl = files.length === 1 && files[0] !== '-' && formatOf(files[0]) !== 'jsonl' ? ' --format jsonl' : '';
  // Found in a folder given as input: what the command needs is to leave it out, said first
  // (new-user review 16 F3: only how to read it was said, with a flag the command may not take).
  const leaveOut = folder === undefined ? '' : `to leave it out of the input, move it out of ${showPath(folder)}, or rename it with a leading '_' (names starting with '_' are skipped when a folder is read); `;
  const takeOut = `each rejected record, or the line as read when it did not parse, one per line: 'corpus-clean cat ${name}${asJsonl} --no-require-text | jq -r "${TAKE_OUT_JQ}"${taker !== undefined ? ' > records.jsonl' : ''}' (${REJECT_PARTS})`;
  if (taker !== undefined) return `${leaveOut}to ${taker} those, take them out first, ${takeOut}`;
  return `${leaveOut}to read them as they are, pass --no-require-text to cat ('corpus-clean cat ${name}${asJsonl} --no-require-text --limit 5'); to take out ${takeOut}`;
}

/** Where a reject keeps what it rejected, as the take-out advice says it. */
const REJECT_PARTS = "a record is under 'record', a line that did not parse under 'raw', one that was not UTF-8 under 'raw_base64', which @base64d decodes with U+FFFD for its bad bytes";

/**
 * `rejectsAdvice` for the run-wide note: about the one rejects file among the inputs when there is
 * one (named, and with the way to leave it out when a folder given as input held it), else about `files`.
 */
export function rejectsAdviceFor(s: RunStats, files: readonly string[], taker?: string, roots?: readonly string[]): string {
  const found = Object.entries(s.perFile ?? {}).filter(([, f]) => rejectsKeys(Object.keys(f.keysSeen).map((k) => showText(k)))).map(([name]) => name);
  if (found.length !== 1 || found[0] === '-') return rejectsAdvice(files, taker);
  return rejectsAdvice(found, taker, folderHolding(found[0], roots));
}

/**
 * The folder among `roots` (the inputs as given) that `name` was found in, when it was read
 * from a folder rather than named (a glob or the file itself): undefined otherwise.
 */
export function folderHolding(name: string, roots: readonly string[] | undefined): string | undefined {
  for (const root of roots ?? []) {
    if (root === '-' || /[*?[{]/.test(root)) continue;
    const rel = relative(root, name);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return root;
  }
  return undefined;
}

/**
 * Why corpus-clean rejects files among the inputs (`found`, recognised by their first line) are
 * refused before anything is read (`run`: new-user review 16 F17; a single command, for one found
 * in a folder given as input): their records hold no text field, so each would be bad input,
 * found only at the end. What to do, as the warning of a single command says it (`rejectsAdvice`):
 * leave them out (out of the folder that held them, or renamed with a leading '_'), then how to
 * read them; and, for data that has a reject line's shape, how to read it as data (F2 of review 17).
 */
export function rejectsInputsRefusal(found: readonly string[], roots: readonly string[], run = true): string {
  const first = found[0];
  const folder = folderHolding(first, roots);
  const shown = found.slice(0, 3).map((f) => `'${showPath(f)}'`).join(', ') + (found.length > 3 ? `, ... (${found.length} in all)` : '');
  const what = found.length === 1 ? `input ${shown} is a corpus-clean rejects file` : `inputs ${shown} are corpus-clean rejects files`;
  const named = found.length === 1 ? '' : `for ${shown.split(', ')[0]}: `;
  const when = run ? 'after every phase had run' : 'once every input had been read';
  return `${what} (its first line is a reject: ${REJECT_LINE_KEYS.slice(0, 3).join(', ')}, then only ${REJECT_LINE_KEYS.slice(3).join(', ')}), whose records have no text field: each would be bad input, found only ${when}; ${named}${folder === undefined ? 'leave it out of the inputs; ' : ''}${rejectsAdvice([first], undefined, folder)}; if it is data whose text is one of those fields, name it with --text-field (e.g. --text-field raw) and it is read`;
}

/**
 * Why stats files corpus-clean wrote (`--stats`, a run's `_stats.json`) among the inputs are
 * refused before anything is read: not one of their lines is a record (new-user review 17 F5:
 * `run` ran every phase, then failed on one as read/json_parse, "check its format").
 */
export function statsInputsRefusal(found: readonly string[], roots: readonly string[]): string {
  const first = found[0];
  const folder = folderHolding(first, roots);
  const shown = found.slice(0, 3).map((f) => `'${showPath(f)}'`).join(', ') + (found.length > 3 ? `, ... (${found.length} in all)` : '');
  const what = found.length === 1 ? `input ${shown} is a stats file corpus-clean wrote` : `inputs ${shown} are stats files corpus-clean wrote`;
  const leave = folder === undefined ? 'leave it out of the inputs' : `to leave it out of the input, move it out of ${showPath(folder)}, or rename it with a leading '_' (names starting with '_' are skipped when a folder is read)`;
  return `${what} (--stats, or a run's _stats.json: a JSON object beginning with "command" and "inputs"), not records: each of its lines would be bad input; ${found.length === 1 ? '' : `for ${shown.split(', ')[0]}: `}${leave}`;
}

/** "N of M records are rejects (...)": the head of the note on a rejects file read as data. */
export function rejectsHead(n: number, read: number): string {
  return `${n} of ${read} record${read === 1 ? ' is a reject' : 's are rejects'} (keys ${REJECT_KEYS.join(', ')}: a corpus-clean rejects file), which hold no text of their own`;
}

/** Share of a file's records above which one reason earns a warning. */
export const ONE_REASON_SHARE = 0.9;
/** A file needs this many records before one reason taking most of it is worth a warning. */
const MIN_RECORDS_FOR_SHARE = 10;

/**
 * Records with no HTML for extract: most often a page saved as .txt, read as plain text (new-user
 * review 21 N13: `extract page.txt` rejected it as extract:no_html with no hint).
 */
export const NO_HTML = "extract reads the HTML of its records' 'html' field (--field NAME names another); a .txt file is read as plain text: a file holding an HTML page is read as one with --format html";

/**
 * The advice for a `.txt` input (`name`, also `.txt.gz`) that holds an HTML page, read as plain
 * text: its markup went to the stages as prose, and relaxing the rule that took it would let raw
 * HTML into the output (new-user review 23 B9: gopher_quality:alpha_words, 'relax it').
 * `subject` names the file ('this .txt' in a per-file warning, which names it first).
 */
export function htmlInTxt(name: string, subject?: string): string {
  const packed = /\.(gz|zst)$/i.exec(name)?.[0] ?? '';
  return `${subject ?? `this .txt${packed}`} holds an HTML page (it begins with <!doctype html> or <html>), read as plain text, markup and all: give it a .html${packed} name (or read it with --format html) and the readers extract its main text; relaxing the rule would let the markup into the output`;
}

/**
 * Whether the input `name`, read as plain text (`.txt`, `.txt.gz`), begins (after a BOM and white
 * space) with `<!doctype html` or `<html`, as the stdin sniff takes an HTML page. False when it
 * cannot be read (and for `.txt.zst`, whose decoder is not loaded for this).
 */
export function htmlPageInTxt(name: string): boolean {
  if (formatOf(name) !== 'txt' || /\.zst$/.test(name)) return false;
  let fd: number | undefined;
  try {
    fd = openSync(name, 'r');
    let head: Buffer = Buffer.alloc(/\.gz$/.test(name) ? 4096 : 512);
    head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    // A cut gzip stream gives what it decoded so far (Z_SYNC_FLUSH), not an error.
    if (head[0] === 0x1f && head[1] === 0x8b) head = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const text = head.subarray(0, 512).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
    return text.startsWith('<!doctype html') || text.startsWith('<html');
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The advice of a run that wrote nothing whose records went to `reason` (not a reader's, not
 * dedup's) from a `.txt` input holding an HTML page: the per-file warning's, for the run-wide note
 * of a run over that one file (new-user review 23b C7: it said only 'rejected as
 * quality/gopher_quality:alpha_words'); the first such file is named.
 */
export function htmlInTxtNote(reason: string, s: RunStats): string | undefined {
  const stage = reason.slice(0, reason.indexOf('/'));
  if (stage === 'read' || stage === 'dedup') return undefined;
  const pages = Object.entries(s.perFile ?? {}).filter(([name, f]) => (f.reasons[reason] ?? 0) > 0 && htmlPageInTxt(name)).map(([name]) => name);
  if (pages.length === 0) return undefined;
  return htmlInTxt(pages[0], `'${showPath(pages[0])}'${pages.length > 1 ? ` (and ${pages.length - 1} more .txt)` : ''}`);
}

/** What to do about a reason that took (nearly) a whole file. */
export function fixFor(reason: string, keys: string[], textField: TextField | undefined, s?: RunStats, command = 'run', samples = '_report.html (or the rejects)', file?: FileStats, name?: string, roots?: readonly string[]): string {
  const [stage, code] = [reason.slice(0, reason.indexOf('/')), reason.slice(reason.indexOf('/') + 1)];
  const charset = code === 'invalid_utf8' ? likelyCharset(file?.encodings) : undefined;
  if (charset !== undefined) return `the file is not UTF-8: its bytes read as ${charsetNames(charset).label} text; convert it to UTF-8 first (iconv -f ${charsetNames(charset).iconv} -t UTF-8)`;
  const field = textField === undefined ? "'text' or 'content'" : `'${showText(textFieldLabel(textField))}'`;
  const guess = keys.find((k) => TEXT_LIKE_KEY.test(k));
  // A rejects file among the inputs (new-user review 15 F12: it was told to name a text field).
  if ((code === 'text_missing' || code === 'no_text') && rejectsKeys(keys)) return `it is a corpus-clean rejects file (keys ${REJECT_KEYS.join(', ')}), whose records hold no text of their own: ${rejectsAdvice(name === undefined ? [] : [name], TAKERS.has(command) ? command : undefined, name === undefined ? undefined : folderHolding(name, roots))}`;
  if (code === 'text_missing' || code === 'no_text') {
    return `no ${field} field; keys seen: ${keys.slice(0, 8).join(', ') || 'none'}; use --text-field ${guess ?? 'NAME'} (a list is tried in order: --text-field ${textFieldLabel(textField)},${guess ?? 'NAME'}; text_field in a recipe)`;
  }
  if (stage === 'normalize' && code === 'text_empty') return 'its texts hold nothing but characters normalize removes (NULs, control or zero-width characters): the file is likely damaged (zeroed) or not text';
  if (code === 'text_empty' || code === 'text_not_string') return `the ${field} field is empty or not a string; name the field that holds the text with --text-field`;
  if (code === 'attrs_not_object') return "its records hold a field 'attrs' that is not an object: corpus-clean writes the stages' signals there; rename that field first (e.g. with jq)";
  // An archive or a compression not read, found by its content (A10): not damage, and another
  // copy would be the same (hostile review 23 A10b: 'read an intact copy' beside 'unpack it').
  if (code === 'damaged_input' && name !== undefined && s?.fileErrors.some((e) => e.file === name && e.message.includes(', found by its content: ')) === true) return 'the file is an archive or a compression corpus-clean does not read, found by its content (the error line says which): unpack or decompress it, and give what it holds';
  // Damage is not a format question: the bytes are wrong, and only another copy helps.
  if (code === 'damaged_input' || code === 'truncated_input' || code === 'unverified') return `the file is damaged or cut short (${code}; the error line says where); read an intact copy of it`;
  if (code === 'lfs_pointer') return "the file is a Git LFS pointer, not the data (lfs_pointer): run 'git lfs pull' in its repository";
  if (code === 'binary_content') return 'the file is not text (binary_content: an executable, an image, NUL bytes); leave it out';
  if (code === 'extract:no_html') return NO_HTML;
  if (code === 'extract_empty') return 'the page has no text to extract (extract_empty: a script-only or image-only page); nothing to do unless every page says so (then check --method)';
  if (stage === 'read') return `the file did not read as records (${code}); check its format (--format) and its encoding`;
  // A page saved as .txt: its markup was filtered as prose; the fix is to read it as HTML, not to relax a rule.
  if (name !== undefined && stage !== 'dedup' && htmlPageInTxt(name)) return htmlInTxt(name);
  if (code === 'langid:not_kept') return `not a language the langid stage keeps (see the lang: counters): add the language to its keep list, or leave the file out (or is another recipe meant for this input?)`;
  if (code === 'langid:too_short') return 'its texts are shorter than langid min_chars (letters of prose; a Han character counts 2): lower min_chars (0 keeps them, lang from the script), or leave length to the quality stage';
  if (code === 'langid:low_score') return 'the language identifier is unsure about its texts (short or mixed text?); lower langid min_score';
  if (stage === 'quality') return qualityFix(code, s, command, samples);
  // Kept copies come from other files only when none of this file's records was kept (hostile
  // review 22 H7: a file of near-copies of its own records, 9 of 20000 kept, was said to repeat
  // "records already kept from other files"; the dedup stages do not tell which file a kept copy came from).
  if (stage === 'dedup') return file !== undefined && file.written === 0 ? 'the file repeats records already kept from other files (expected when sources overlap)' : 'the file repeats records kept from this file or from others (copies within it, or sources that overlap)';
  return `see its samples in ${samples}`;
}

/**
 * What to do about a quality rule that took a file: relax it or leave it out, with the other
 * rules most of the records it dropped in this run also fail (leaving out only the first moves
 * them to the next).
 */
function qualityFix(code: string, s: RunStats | undefined, command: string, samples: string): string {
  const st = s?.stages.find((x) => x.stage === 'quality' && (x.dropped[code] ?? 0) > 0);
  const { skip, also, dropped } = st ? rulesToSkip(st, code) : { skip: [code], also: [], dropped: 0 };
  const leaveOut = skip.length > 0 ? skip : [code];
  const set = command === 'quality' ? `--set ${code}=VALUE` : `quality set: [${code}=VALUE]`;
  const skipped = command === 'quality' ? `--skip ${leaveOut.join(',')}` : `quality skip: [${leaveOut.join(', ')}]`;
  const others = also.length > 0 ? ` (in this run, of the ${dropped} records dropped as ${code}, ${also.map(([r, n]) => `${n} also fail ${r}`).join(', ')})` : '';
  const readme = leaveOut.every((r) => LINE_RULE.test(r)) ? '; line rules drop text stored without line breaks: README "When one rule dominates"' : '';
  return `look at its samples in ${samples} and, if the rule is wrong for this source, relax it: ${set} or ${skipped}${others}${readme}`;
}

/**
 * For a file none of whose records was written: when every record that reached dedup was dropped
 * there (no stage after dedup dropped any), what dedup did, since it, not the top reason, is why
 * nothing was written: relaxing a filter would change nothing. Its kept copies are all in other
 * inputs (a copy kept from this file would have been written). Undefined otherwise. New-user
 * review 21 N12: a file downloaded twice was said to be lost to quality's top rule. `copy`: the
 * duplicates are a real share of the file (`COPY_SHARE`), and the line asks whether the file is a
 * copy of another input; a file whose one or two survivors of the filters were duplicates is not
 * asked (new-user review 23 B8: 15 files of 18 records, one duplicate each, were).
 */
function duplicatesOnly(reasons: Record<string, number>, s: RunStats, read: number): { line: string; copy: boolean; dups: number; before: Record<string, number> } | undefined {
  const order = s.stages.map((x) => x.stage);
  const last = order.lastIndexOf('dedup');
  let dups = 0;
  const byDedup: string[] = [];
  const beforeReasons: Record<string, number> = {};
  for (const [r, n] of Object.entries(reasons)) {
    const stage = r.slice(0, r.indexOf('/'));
    if (stage === 'dedup') {
      dups += n;
      byDedup.push(`${r.slice(r.indexOf('/') + 1)} ${n}`);
      continue;
    }
    // A stage after dedup dropped some: not every survivor of the filters was a duplicate.
    if (last >= 0 && order.indexOf(stage) > last) return undefined;
    beforeReasons[r] = n;
  }
  if (dups === 0) return undefined;
  const copy = dups >= COPY_SHARE * read || dups >= COPY_RECORDS;
  const one = dups === 1;
  const what = `${one ? 'a duplicate of a record' : 'duplicates of records'} kept from other inputs (${byDedup.join(', ')})`;
  const rest = beforeRejected(beforeReasons);
  const head = rest === '' ? (one ? `its 1 record was ${what}` : `all ${dups} were ${what}`) : `the ${dups} that passed the stages before dedup ${one ? 'was' : 'were all'} ${what}`;
  const line = copy ? `${head}${rest}: is the file a copy of another input? (Relaxing a filter would not help: what passes the filters is kept from the other copy)` : `${head}${rest} (a few duplicates, as sources overlap; relaxing a filter would keep more of the file)`;
  return { line, copy, dups, before: beforeReasons };
}

/** '; the other N were rejected before dedup (most as R: K)', or '' when none was. */
function beforeRejected(reasons: Record<string, number>): string {
  const all = Object.entries(reasons);
  if (all.length === 0) return '';
  const total = all.reduce((a, [, n]) => a + n, 0);
  const [r, n] = all.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  return `; the other ${total} ${total === 1 ? 'was' : 'were'} rejected before dedup (most as ${r}: ${n})`;
}

/** Share of a file's records that, all duplicates, make the per-file warning ask whether it is a copy of another input. */
const COPY_SHARE = 0.5;
/** As many duplicates, all its survivors of the filters, make a file likely a copy whatever its size. */
const COPY_RECORDS = 10;

/** Reasons whose per-file warnings are said in one line for all their files however few (new-user review 23 B8). */
const JOIN_ALWAYS = new Set(['langid/langid:not_kept']);

/**
 * `n` of `of` in per cent, to one decimal (halves up), but never shown as 100 (or 0) when it is
 * not: 19991 of 20000 is 99.96, not 100.0 (hostile review 22 H7, beside 9 records kept); all is '100'.
 */
export function share(n: number, of: number): string {
  if (n === of) return '100';
  for (let digits = 1; ; digits++) {
    const scale = 10 ** digits;
    // Scaled in integers, so that 19991 of 20000 (9995.5 hundredths) rounds up as written.
    const units = Math.round((n * 100 * scale) / of);
    if (digits < 6 && (units === 100 * scale || (n > 0 && units === 0))) continue;
    return (units / scale).toFixed(digits);
  }
}

/**
 * A warning per input file that yielded no record, or lost more than 90 % of its records to a
 * single reason, naming the reason and what to do about it. Only when there is more than one
 * file: for a single file the run-wide notes say the same. `samples` names where the rejected
 * records can be seen as it exists: the report's page by default, the rejects file (or how to
 * keep one) for a command that writes no report. Past `limit` warnings, the files that share one
 * (the same reason and fix) are said in one line, with their count and first names.
 */
export function fileWarnings(s: RunStats, textField?: TextField, command = 'run', samples?: string, limit = FILE_WARNINGS_SHOWN, roots?: readonly string[]): string[] {
  const files = Object.entries(s.perFile ?? {});
  if (files.length < 2) return [];
  /** One warning: its line, the records its file lost, and what files of the same warning share (`group`). */
  const out: Array<{ line: string; lost: number; group: string; name: string; read: number; made: number; n: number; none: boolean; reason: string; fix: string; join?: boolean; dups?: { n: number; before: Record<string, number> } }> = [];
  for (const [name, f] of files) {
    if (f.read === 0) continue;
    const top = Object.entries(f.reasons).sort((a, b) => b[1] - a[1])[0];
    if (top === undefined) continue;
    const keys = Object.entries(f.keysSeen).sort((a, b) => b[1] - a[1]).map(([k]) => showText(k));
    const [reason, n] = top;
    // The records judged from the file: those read and those stages made from them (new-user review
    // 25 L-7: '28906.7 % of its 15 records were rejected', a chunking stage's pieces counted against
    // the records read alone).
    const made = f.made ?? 0;
    const judged = f.read + made;
    const pct = share(n, judged);
    const dup = f.written === 0 ? duplicatesOnly(f.reasons, s, f.read) : undefined;
    const lost = judged - f.written;
    const entry = { lost, name, read: f.read, made, n, none: f.written === 0, reason };
    const its = made === 0 ? `its ${f.read} records` : `the ${judged} records from it (${f.read} read, ${made} made by stages)`;
    // A few duplicates of many files are one line, however few the files.
    if (dup !== undefined) out.push({ ...entry, line: `${showPath(name)}: none of its ${f.read} records was written: ${dup.line}`, group: dup.copy ? `dup\0${name}` : 'dupfew', fix: '', ...(dup.copy ? {} : { join: true, dups: { n: dup.dups, before: dup.before } }) });
    else if (f.written === 0 || (f.read >= MIN_RECORDS_FOR_SHARE && n > ONE_REASON_SHARE * judged)) {
      const fix = fixFor(reason, keys, textField, s, command, samples, f, name, roots);
      const line = f.written === 0 ? `${showPath(name)}: none of ${its} was written; ${n} (${pct} %) rejected as ${reason}: ${fix}` : `${showPath(name)}: ${pct} % of ${its} were rejected as ${reason}: ${fix}`;
      out.push({ ...entry, line, group: `${f.written === 0 ? 'none' : 'share'}\0${reason}\0${fix}`, fix, ...(JOIN_ALWAYS.has(reason) ? { join: true } : {}) });
    }
  }
  // Many files with one warning (2,021 small files: 20 identical lines, new-user review 22 A7): one
  // line per warning, naming the first files and the count; a warning of one file keeps its line.
  // Below the bound, only the warnings that say one thing of the run (`join`: a language the recipe
  // does not keep, a few duplicates) are joined (new-user review 23 B8: 14 'not in keep list' lines).
  const joinAll = out.length > limit;
  const groups = new Map<string, typeof out>();
  out.forEach((e, i) => {
    const key = joinAll || e.join === true ? e.group : `one\0${i}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  });
  const items = [...groups.values()].map((g) => {
    if (g.length === 1) return { line: g[0].line, lost: g[0].lost, files: 1 };
    const read = g.reduce((a, e) => a + e.read, 0);
    const made = g.reduce((a, e) => a + e.made, 0);
    const n = g.reduce((a, e) => a + e.n, 0);
    const pct = share(n, read + made);
    const their = made === 0 ? `their ${read} records` : `the ${read + made} records from them (${read} read, ${made} made by stages)`;
    const sizes = g.map((e) => e.read);
    const each = Math.min(...sizes) === Math.max(...sizes) ? `${sizes[0]} each` : `${Math.min(...sizes)} to ${Math.max(...sizes)} each`;
    const names = `${g.slice(0, 3).map((e) => `'${showPath(e.name)}'`).join(', ')}${g.length > 3 ? ` and ${g.length - 3} more` : ''}`;
    const { reason, fix } = g[0];
    const lost = g.reduce((a, e) => a + e.lost, 0);
    if (g[0].dups !== undefined) return { line: fewDuplicatesLine(g, names, each, read), lost, files: g.length };
    const line = g[0].none ? `${g.length} files (${names}; ${each}): none of ${their} was written; ${n} (${pct} %) rejected as ${reason}: ${fix}` : `${g.length} files (${names}; ${each}): ${pct} % of ${their} were rejected as ${reason}: ${fix}`;
    return { line, lost, files: g.length };
  });
  if (!joinAll && items.length === out.length) return out.map((e) => e.line);
  if (items.length <= limit) return items.map((i) => i.line);
  // Still more warnings than lines (files each with another reason): the `limit` that lost the most records, in file order, and a count of the rest.
  const order = items.map((_, i) => i).sort((a, b) => items[b].lost - items[a].lost || a - b);
  const shown = new Set(order.slice(0, limit));
  let records = 0;
  let rest = 0;
  for (const i of order.slice(limit)) {
    records += items[i].lost;
    rest += items[i].files;
  }
  return [
    ...items.filter((_, i) => shown.has(i)).map((i) => i.line),
    `and ${rest} more ${rest === 1 ? 'file' : 'files'} like these (${records} ${records === 1 ? 'record' : 'records'} lost in all; the ${limit} that lost the most are shown above): every file is listed under perFile in the stats (_stats.json, --stats FILE)`,
  ];
}

/**
 * The one line of files none of whose records was written because their few survivors of the
 * filters were duplicates of other inputs' records (new-user review 23 B8).
 */
function fewDuplicatesLine(g: ReadonlyArray<{ dups?: { n: number; before: Record<string, number> } }>, names: string, each: string, read: number): string {
  const counts = g.map((e) => e.dups!.n);
  const dups = counts.reduce((a, k) => a + k, 0);
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  const before: Record<string, number> = {};
  for (const e of g) for (const [r, k] of Object.entries(e.dups!.before)) before[r] = (before[r] ?? 0) + k;
  return `${g.length} files (${names}; ${each}): none of their ${read} records was written: the ${lo === hi ? `${lo}` : `${lo} to ${hi}`} of each that passed the stages before dedup (${dups} in all) were duplicates of records kept from other inputs${beforeRejected(before)} (a few duplicates, as sources overlap; relaxing a filter would keep more of these files)`;
}

/** Reasons a file's records may all have gone to while its lines were never checked. */
const UNCHECKED = new Set(['read/unverified', 'read/damaged_input', 'read/blank_line']);

/**
 * A note per damaged `.gz`/`.zst` input none of whose lines could be verified (a cut download: the
 * check is at the end of the member or frame), naming how to take them back: the rejects (each
 * line with its raw text), or decompressing it unchecked into the command.
 */
export function unverifiedNotes(s: RunStats, command: string, rejects?: string): string[] {
  const out: string[] = [];
  for (const [name, f] of Object.entries(s.perFile ?? {})) {
    const n = f.reasons['read/unverified'] ?? 0;
    if (n === 0 || f.written > 0 || !Object.keys(f.reasons).every((r) => UNCHECKED.has(r))) continue;
    const where = rejects !== undefined ? `they are in ${showPath(rejects)} with their raw text (reason unverified)` : 'give --rejects FILE to keep them with their raw text (reason unverified)';
    const tool = /\.zst$/i.test(name) ? 'zstd -dc' : 'gzip -dc';
    const pipe = name === '-' || command === 'run' ? '' : `, or read them unchecked: ${tool} ${shellWord(name)} | corpus-clean ${command} - (the same options)`;
    out.push(`${showPath(name)}: none of its ${n} lines could be verified (the damage, or the cut, is before the check at the end: a cut download?); ${where}${pipe}`);
  }
  return out;
}

/** The same file name with `.utf8` before its extension (`a.jsonl` -> `a.utf8.jsonl`), for a converted copy. */
function utf8Name(name: string): string {
  const m = /^(.*?)((?:\.[A-Za-z0-9]{1,8})?)$/.exec(name.replace(/\.(gz|zst)$/, '')) as RegExpExecArray;
  return `${m[1]}.utf8${m[2]}`;
}

/**
 * Notes for inputs that are not UTF-8 but read plainly in another charset (GBK, Big5, ...): at
 * least half of a file's records were `invalid_utf8` and most of those sampled read as one charset
 * (`FileStats.encodings`). One note per charset naming the files, with the iconv command that
 * converts the first (a compressed file is decompressed into it; stdin converts in the pipe).
 */
export function encodingNotes(s: RunStats): string[] {
  const by = new Map<string, [string, FileStats][]>();
  for (const [name, f] of Object.entries(s.perFile ?? {})) {
    const bad = f.reasons['read/invalid_utf8'] ?? 0;
    const c = likelyCharset(f.encodings);
    if (c === undefined || bad === 0 || bad * 2 < f.read) continue;
    by.set(c, [...(by.get(c) ?? []), [name, f]]);
  }
  const out: string[] = [];
  for (const [c, files] of by) {
    const { label, iconv } = charsetNames(c);
    const [name, f] = files[0];
    const bad = f.reasons['read/invalid_utf8'] ?? 0;
    const which =
      files.length === 1
        ? `${name === '-' ? 'stdin' : showPath(name)} is not UTF-8 (${bad} of its ${f.read} records are invalid_utf8): its bytes read as ${label} text`
        : `${files.length} files are not UTF-8 (${files.slice(0, 3).map(([n]) => showPath(n)).join(', ')}${files.length > 3 ? ` and ${files.length - 3} more` : ''}): their bytes read as ${label} text`;
    const conv = `iconv -f ${iconv} -t UTF-8`;
    let how: string;
    if (name === '-') how = `put '${conv}' in the pipe before corpus-clean`;
    // A Parquet file's text is a byte column: the column is to convert, not the file's bytes.
    else if (/\.parquet$/.test(name)) how = `convert its text column to UTF-8 strings first (in Python: value.decode('${iconv.toLowerCase()}')) and write it as a string column`;
    else {
      const plain = !/\.(gz|zst)$/.test(name);
      const src = shellWord(name);
      const dst = shellWord(utf8Name(name));
      how = plain ? `${conv} ${src} > ${dst}` : `${/\.gz$/.test(name) ? 'zcat' : 'zstdcat'} ${src} | ${conv} > ${dst}`;
      how = `convert ${files.length === 1 ? 'it' : 'each'} first, e.g. ${how}`;
    }
    out.push(`${which}; corpus-clean reads UTF-8 only: ${how}`);
  }
  return out;
}

/** Per-file warnings shown on stderr (the report shows more: REPORT_FILE_WARNINGS). */
export const FILE_WARNINGS_SHOWN = 20;
/** Per-file warnings the report lists. */
export const REPORT_FILE_WARNINGS = 200;
