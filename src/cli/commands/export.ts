import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeStdoutSync } from '../../io/stdout.js';
import { readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CHINESE_VARIETIES } from '../../stages/langid/iso639.js';
import { UsageError } from '../../core/errors.js';
import { parseSize } from '../../core/recipe.js';
import type { Stage } from '../../core/stage.js';
import type { DocSink } from '../../core/pipeline.js';
import { InternEvoWriter } from '../../export/internevo-writer.js';
import { LANG_TYPES, LangSplitSink, mostlyHan, sampleText } from '../../export/lang-split.js';
import type { HoldoutRule, HoldoutSink } from '../../export/holdout.js';
import { bundledTokenizer, loadTokenizer, TOKENIZER_HINT, tokenizeOptionsSpec, tokenizeStage } from '../../export/tokenize-stage.js';
import { noteFilesRead } from '../../core/registry.js';
import { FAILED, PLAN } from '../../exec/layout.js';
import { SentencePieceTokenizer } from '../../tokenize/tokenizer.js';
import type { Command } from '../command.js';
import type { Flag } from '../args.js';
import { countFlag, flagHelp, inputOrderHelp, parse, type Parsed } from '../args.js';
import { execute, IO_FLAGS, prepare, removeMadeFolders, type Job } from '../execute.js';
import { stopping } from '../interrupt.js';
import { didYouMean } from '../../core/suggest.js';
import { showText, errorText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';
import { parseTextField, type TextField } from '../../core/doc.js';
import { expandInputs } from '../../io/inputs.js';
import { readFiles } from '../../io/readers/index.js';
import { makeDir, missingFolders } from '../../io/dirs.js';
import { checkFoldersApart, checkInsideInputFolder, checkWritable, journalEarlier, journalShards, LOCK_NAME, lockHolder, lockJournaled, recoverEarlier, recoverSides, removeDeadLock, removeDeadTemporaries, setAsideForeignSides, setAsideSides, sideLockPaths } from '../../io/outputs.js';
import type { LockHolder } from '../../io/writers/lockFile.js';

/** How to give each language its type folder (one export per language). */
const langHint = (split: Split): string => `--type by-lang writes the Chinese records to ${split}/cn/ and the others to ${split}/en/`;

/**
 * InternEvo's two data folders: `data.train_folder` (its type keys are the folders under it) and
 * `data.valid_folder` (get_dataset_dict: every .bin under it, one validation set per folder name).
 */
const SPLITS = ['train', 'valid'] as const;
type Split = (typeof SPLITS)[number];
const isSplit = (s: string): s is Split => (SPLITS as readonly string[]).includes(s);

/**
 * The InternEvo type folder when --type is not given: `cn` when most of the records the input
 * folders' runs wrote are Chinese by their langid (`writtenLangs` in each folder's `_stats.json`:
 * the folder of an input file, or an input folder itself), else `en`, as before. InternEvo reads
 * the folder name as the samples' data type (per-type loss statistics), so a Chinese run under
 * train/en/ was reported as English (new-user review 8 #5). Said in a note when it is `cn`, and
 * when it is `en` with Chinese records among them (new-user review 12 #1).
 * Undefined when no input folder's run says (see `sampledType`).
 */
function defaultType(inputs: readonly string[], split: Split): string | undefined {
  const langs: Record<string, number> = {};
  const folders: string[] = [];
  for (const input of inputs) {
    if (input === '-') continue;
    let dir: string;
    let file: string | undefined;
    try {
      if (statSync(input).isDirectory()) dir = input;
      else [dir, file] = [dirname(input), basename(input)];
    } catch {
      continue;
    }
    const statsFile = join(dir, '_stats.json');
    if (folders.includes(dir) || !existsSync(statsFile)) continue;
    try {
      const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { writtenLangs?: Record<string, number>; shards?: unknown };
      // A file of the folder that is none of its shards (the run's _rejects.jsonl.zst) holds none
      // of the records the languages count (new-user review 16 F11: a note on the run's Chinese
      // records, before the rejects note, for an export of its rejects).
      if (file !== undefined && !(Array.isArray(stats.shards) && stats.shards.some((s) => typeof s === 'string' && basename(s) === file))) continue;
      const w = stats.writtenLangs;
      if (w === undefined || w === null || typeof w !== 'object') continue;
      folders.push(dir);
      for (const [k, n] of Object.entries(w)) if (typeof n === 'number') langs[k] = (langs[k] ?? 0) + n;
    } catch {
      continue;
    }
  }
  const total = Object.values(langs).reduce((a, b) => a + b, 0);
  const zh = Object.entries(langs).reduce((a, [k, n]) => a + (CHINESE_VARIETIES.has(k) ? n : 0), 0);
  if (total === 0) return undefined;
  const where = folders.map((f) => `${showPath(f.replace(/\/+$/, ''))}/`).join(', ');
  if (zh * 2 <= total) {
    // Mixed languages in one type folder were silent when it was en (new-user review 12 #1).
    if (zh > 0) process.stderr.write(`corpus-clean export: note: writing to ${split}/en/: ${zh} of the ${total} records in ${where} were written as Chinese by langid and go there too (InternEvo reads the folder name as the data type); ${langHint(split)}\n`);
    return 'en';
  }
  process.stderr.write(`corpus-clean export: note: writing to ${split}/cn/: ${zh} of the ${total} records in ${where} were written as Chinese by langid (InternEvo reads the folder name as the data type; --type chooses another)${zh < total ? `; the other ${total - zh} go there too: ${langHint(split)}` : ''}\n`);
  return 'cn';
}

/** Records `sampledType` reads from the start of the inputs. */
const TYPE_SAMPLE = 200;

/**
 * The InternEvo type folder when neither --type nor a run's langid says: `cn` when most of the
 * first TYPE_SAMPLE records' text (or chat messages) is Han, as `quality --preset auto` judges a
 * record by its script; else `en`. Any Chinese input went to train/en/ without a word (new-user
 * review 9 #4: an XTuner SFT file of Chinese medical dialogues). Said in a note when it is `cn`.
 */
async function sampledType(inputs: readonly string[], textField: TextField | undefined, split: Split): Promise<string> {
  if (inputs.length === 0 || inputs.includes('-')) return 'en';
  let files: string[];
  try {
    files = await expandInputs(inputs);
  } catch {
    return 'en';
  }
  let n = 0;
  let zh = 0;
  const nop = (): void => {};
  try {
    scan: for await (const batch of readFiles(files).read({ read: nop, reject: nop, file: nop, fileError: nop })) {
      for (const d of batch) {
        if (mostlyHan(sampleText(d.data, textField))) zh++;
        if (++n >= TYPE_SAMPLE) break scan;
      }
    }
  } catch {
    return 'en';
  }
  if (n === 0) return 'en';
  if (zh * 2 <= n) {
    if (zh > 0) process.stderr.write(`corpus-clean export: note: writing to ${split}/en/: ${zh} of the first ${n} records hold mostly Chinese (Han) text and go there too (InternEvo reads the folder name as the data type); ${langHint(split)}\n`);
    return 'en';
  }
  process.stderr.write(`corpus-clean export: note: writing to ${split}/cn/: ${zh} of the first ${n} records hold mostly Chinese (Han) text (no run folder's langid among the inputs says; InternEvo reads the folder name as the data type; --type chooses another)\n`);
  return 'cn';
}

/** The data types InternEvo's docs list (doc/en/usage.md); the older InternLM-Train's DATASET_TYPE_IDS_MAP had en, cn, code only. */
const INTERNEVO_TYPES: readonly string[] = ['en', 'cn', 'code', 'ja', 'ar', 'kaoshi'];

/**
 * The output root, split and type folder that `export internevo -o PATH` names. PATH is the root
 * (shards go to PATH/SPLIT/TYPE/, SPLIT being --split, train by default), but a PATH that is
 * itself one of InternEvo's data folders (`-o D/train`, `-o D/valid`) or a type folder in one
 * (`-o D/train/en`, its last folder a type InternEvo's docs list or --type's) is taken as what it
 * names: the shards go there, not to D/train/en/train/en/ (new-user review 19 F3: the folder the
 * user named only held another train/ tree, which InternEvo, pointed at D/train, would read as a
 * type 'en' containing 'train/en' paths; new-user review 22 A9: the same for valid/, which could
 * not be written at all). A --type or --split that contradicts the folder named, or by-lang (two
 * folders) for a type folder, is a usage error.
 */
export function internevoTarget(out: string, type: string | undefined, split?: string): { root: string; split: Split; type?: string; inTrain?: string } {
  if (split !== undefined && !isSplit(split)) throw new UsageError(`export internevo: --split must be train or valid (InternEvo's data.train_folder and data.valid_folder); got '${showText(split)}'`);
  const path = out.length > 1 ? out.replace(/\/+$/, '') : out;
  const last = basename(path);
  const parent = dirname(path);
  const contradicts = (what: string, fix: string): UsageError => new UsageError(`export internevo: -o '${showText(out)}' names ${what}, but --split is '${split}': ${fix}`);
  if (isSplit(last) && path !== parent) {
    if (split !== undefined && split !== last) throw contradicts(`the ${last}/ folder`, `give -o '${showText(join(parent, split))}', or the output root -o '${showText(parent)}' with --split`);
    return { root: parent, split: last };
  }
  const above = basename(parent);
  if (!isSplit(above)) return { root: out, split: split ?? 'train' };
  // A folder in a train/ or valid/ folder, named like no type: the root still, said in a note (inTrain).
  if (!(last === type || INTERNEVO_TYPES.includes(last))) return { root: out, split: split ?? 'train', inTrain: last };
  const root = dirname(parent);
  if (split !== undefined && split !== above) throw contradicts(`the type folder ${above}/${showText(last)}/`, `give -o '${showText(join(root, split, last))}', or the output root -o '${showText(root)}' with --split`);
  if (type === 'by-lang') throw new UsageError(`export internevo: -o '${showText(out)}' names the type folder ${above}/${showText(last)}/, but --type by-lang writes two (${above}/cn/ and ${above}/en/): give the output root, -o '${showText(root)}'${above === 'train' ? '' : ' with --split valid'}`);
  if (type !== undefined && type !== last) throw new UsageError(`export internevo: -o '${showText(out)}' names the type folder ${above}/${showText(last)}/, but --type is '${showText(type)}': give -o '${showText(join(root, above, type))}', or the output root -o '${showText(root)}' with --type`);
  return { root, split: above, type: last };
}

const TARGETS = ['internevo', 'xtuner-v1'] as const;
type Target = (typeof TARGETS)[number];

const OWN: Flag[] = [
  { name: 'to', type: 'string', arg: TARGETS.join('|'), help: 'what to write (default internevo; also given as the first argument)' },
  { name: 'tokenizer', short: 't', type: 'string', arg: 'MODEL', help: `${TOKENIZER_HINT}; required for internevo and --min-length` },
  { name: 'output', short: 'o', type: 'string', arg: 'DIR', help: 'internevo: output root, shards go to DIR/SPLIT/TYPE/ (a DIR that is itself a train/ or valid/ folder, or a TYPE folder in one, is where they go); xtuner-v1: a file or folder/ (default stdout)' },
  { name: 'split', type: 'string', arg: 'train|valid', help: "internevo: the data folder under DIR: train (InternEvo's data.train_folder, default) or valid (data.valid_folder, a validation set per TYPE folder); -o DIR/valid/ says valid too" },
  { name: 'valid-fraction', type: 'string', arg: 'F', help: "internevo: hold out about F of the samples (0 < F < 1, e.g. 0.01) in DIR/valid/TYPE/ and write the others to DIR/train/TYPE/, in one export; a record is held out by a hash of its text (the exact-dedup key), so a rerun, the inputs in another order or another tokenizer hold out the same records, and exact duplicates stay on one side (--limit N is no hold-out: it reads the first N records)" },
  { name: 'valid-records', type: 'string', arg: 'N', help: 'internevo: as --valid-fraction, but hold out N samples: those of the N smallest hashes (fewer when records of one text sit at the boundary: they stay together); they are held in memory until the end, and a record displaced from them is written to train/ then' },
  { name: 'type', type: 'string', arg: 'TYPE', help: 'internevo dataset type folder (cn, en, code, ...), or by-lang: each record to cn when its attrs.lang is Chinese (without one: when its text is mostly Han), else to en (default: cn when most records of the input run folders were written as Chinese by their langid, or, with no such folder, when most of the first 200 records are Han text; else en)' },
  { name: 'min-length', type: 'string', arg: 'N', help: 'reject samples with fewer than N tokens as too_short (default 0: off)' },
  { name: 'kind', type: 'string', arg: 'auto|pretrain|chat', help: 'auto: chat template for records with messages/conversation, else BOS+text+EOS (default auto)' },
  { name: 'max-shard-size', type: 'string', arg: 'SIZE', help: 'internevo: start a new .bin before it passes SIZE (default 512MiB)' },
  { name: 'meta-dtype', type: 'string', arg: '<i8|<i4', help: 'internevo: dtype of .bin.meta (default <i8, as np.save of a Python list)' },
  { name: 'overwrite', type: 'boolean', help: 'replace an existing output file (xtuner-v1) or the shards already in DIR/SPLIT/TYPE/ (internevo), or a --rejects/--stats file corpus-clean did not write; only by a complete export: one that fails or is stopped leaves them as they were' },
];
// --limit said what it reads, not that a validation set made with it is the first N records, the
// training export's own (new-user review 23 B1): said here, where a split is written.
const INPUT = IO_FLAGS.filter((f) => ['format', 'rejects', 'stats', 'text-field', 'txt-mode', 'wrap-arrays', 'max-reject-rate', 'allow-empty', 'allow-unfinished', 'limit', 'quiet', 'help'].includes(f.name)).map((f) =>
  f.name === 'limit' ? { ...f, help: `${f.help}; no hold-out: with --split valid they are the first N records, training data too when the same inputs go to train/ (--valid-fraction, --valid-records hold records out)` } : f,
);
/** Older spellings, accepted but not shown: `--out` (now -o/--output) and `--input-format` (now --format). */
const HIDDEN: Flag[] = [
  { name: 'out', type: 'string', help: '' },
  { name: 'input-format', type: 'string', help: '' },
];
const FLAGS = [...OWN, ...INPUT, ...HIDDEN];

/**
 * What InternEvo would refuse in `out`: its loader gives each `.bin` the type of every folder
 * under train/ that matches `/[z_]*TYPE/` anywhere in the file's path, and asserts exactly one
 * does, so an output root whose own path holds a folder named like a type (`/data/en/tok/` with
 * train/cn/ and train/en/) stops training at start-up (new-user review 10 #13; the repo's
 * fixtures/internevo/check_loader.py asserts the same). `type` is the folder being written,
 * `folders` those already in train/. One line per type folder that would match another or none.
 */
export function typeClashes(out: string, type: string | readonly string[], folders: readonly string[]): string[] {
  const types = [...new Set([...folders, ...(typeof type === 'string' ? [type] : type)])].sort();
  const lines: string[] = [];
  for (const t of types) {
    // As InternEvo writes it: the type unescaped in the pattern (a '.' in a type matches any character there too).
    const path = `${resolve(out)}/train/${t}/part-00000.bin`;
    const matches = types.filter((u) => new RegExp(`/[z_]*${u}/`).test(path));
    if (matches.length === 1) continue;
    lines.push(`InternEvo would match the shards of '${showPath(join(out, 'train', t))}' to ${matches.length === 0 ? 'no type' : `the types ${matches.map((m) => `'${m}'`).join(' and ')}`} (it reads a shard's type from every folder under train/ whose name, after any z or _, appears as a folder anywhere in its path, and asserts exactly one does): the output root's path '${showPath(resolve(out))}' holds a folder named like a type; export to a root whose path has none`);
  }
  return lines;
}

/**
 * The hold-out said after the folders' lines: how many samples went to each split, and a warning
 * when one got none (a fraction too small or too large for the input's size).
 */
function holdoutSummary(out: string, rule: HoldoutRule, counts: { train: number; valid: number }): void {
  const total = counts.train + counts.valid;
  const pct = total === 0 || counts.valid === 0 ? '' : ` (${((100 * counts.valid) / total).toFixed(counts.valid * 1000 < total ? 2 : 1)}%)`;
  if ('records' in rule) {
    process.stderr.write(`corpus-clean export: --valid-records ${rule.records}: ${counts.valid} of ${total} sample${total === 1 ? '' : 's'} held out in ${showPath(join(out, 'valid'))}/${pct}, ${counts.train} in ${showPath(join(out, 'train'))}/; those of the smallest hashes of their text, the same on a rerun and in any input order\n`);
    if (total > 0 && counts.train === 0) process.stderr.write(`corpus-clean export: warning: no sample went to ${showPath(join(out, 'train'))}/: the export wrote ${total} sample${total === 1 ? '' : 's'}, --valid-records asked for ${rule.records}: give a smaller --valid-records\n`);
    else if (counts.valid < rule.records && total > rule.records) process.stderr.write(`corpus-clean export: note: ${rule.records - counts.valid} fewer than --valid-records ${rule.records}: the next records by hash have one text (duplicates by the exact-dedup key), held out together or not at all\n`);
    return;
  }
  const fraction = rule.fraction;
  process.stderr.write(`corpus-clean export: --valid-fraction ${fraction}: ${counts.valid} of ${total} sample${total === 1 ? '' : 's'} held out in ${showPath(join(out, 'valid'))}/${pct}, ${counts.train} in ${showPath(join(out, 'train'))}/; chosen by a hash of each record's text, the same on a rerun and in any input order\n`);
  if (total > 0 && (counts.valid === 0 || counts.train === 0)) {
    const none = counts.valid === 0 ? 'valid' : 'train';
    process.stderr.write(`corpus-clean export: warning: no sample went to ${showPath(join(out, none))}/ (${fraction} of ${total} sample${total === 1 ? '' : 's'} is ${Number((fraction * total).toPrecision(2))}): ${none === 'valid' ? 'give a larger --valid-fraction, or more records' : 'give a smaller --valid-fraction'}\n`);
  }
}

/** A file of a type folder that InternEvo reads as data: a `.bin` or its `.bin.meta` (not hidden). */
const isShardFile = (n: string): boolean => /\.bin(\.meta)?$/.test(n) && !n.startsWith('.');

/**
 * Before anything is read: shards beside the lock of an export that is gone (killed, even while it
 * published its shards one rename at a time) are no result: removed, and the export starts over,
 * as other outputs do, instead of refusing them as "already holds shards" (hostile review 6 F22).
 * What a killed `--overwrite` export had set aside (`.part-00000.bin.earlier-PID`) is put back, or
 * removed once its new shards were in place, by the journal in its lock, as for other outputs
 * (recoverEarlier). Returns the shard files the folder holds then (a finished export's).
 */
async function checkTypeFolder(dir: string, dead: LockHolder | undefined, other?: string[]): Promise<string[]> {
  const holder = dead !== undefined && !dead.live ? dead.pid : undefined;
  // The shard files the killed export may have written, when its lock lists them (G4b): any
  // other (a user's part-00042.bin) is judged as if no export had been killed here (refused
  // without --overwrite). A lock that lists none (an older version's) makes every one its own.
  const wrote = holder === undefined || dead?.shards === undefined ? undefined : new Set(dead.shards);
  const its = (n: string): boolean => wrote?.has(n) ?? true;
  let settled = false;
  await recoverEarlier(
    dir,
    isShardFile,
    holder === undefined ? undefined : { pid: holder, state: dead?.earlier },
    (t) => {
      settled = true;
      process.stderr.write(`corpus-clean export: note: '${showPath(dir)}': ${t}\n`);
    },
    its,
  );
  // A killed export's temporaries (`.part-00000.PID.tmp.bin`): removed here, not only once a
  // writer starts, since an export refused below ("already holds shards") starts none (CI at
  // cdff6f9: the empty temporary of a kill -9'd --overwrite export outlived the next export).
  const temps = await removeDeadTemporaries(dir, DEAD_TEMP);
  if (other !== undefined && temps.length > 0) other.push(`${temps.length === 1 ? 'its temporary' : `${temps.length} temporaries`} ${someNames(temps)}`);
  // Settled: the folder holds the earlier export put back, or the killed one's finished shards;
  // its dead lock goes, so that no later export takes them for that export's unfinished ones.
  if (holder !== undefined && settled) await removeDeadLock(join(dir, LOCK_NAME), holder);
  // Its temporaries, said (new-user review 25 L-6: they went without a word).
  const tempsSaid = temps.length === 0 ? '' : `${temps.length === 1 ? 'its temporary' : `${temps.length} temporaries`} ${someNames(temps)}`;
  let said = other !== undefined;
  if (holder !== undefined && !settled) {
    const left = (await readdir(dir).catch(() => [] as string[])).filter((n) => isShardFile(n) && its(n));
    if (left.length > 0) {
      if (other !== undefined) other.push(`${left.length === 1 ? 'the shard file' : `${left.length} shard files`} it had put in place, ${someNames(left)}`);
      else process.stderr.write(`corpus-clean export: note: '${showPath(dir)}' holds ${left.length} file${left.length === 1 ? '' : 's'} of an unfinished export (the command writing it, PID ${holder}, was killed); starting over: removed ${someNames(left)}${wrote === undefined ? '' : ', which its lock lists as renamed into place'}${tempsSaid === '' ? '' : ` and ${tempsSaid}`}\n`);
      said = true;
      for (const f of left) await rm(join(dir, f), { force: true });
    }
  }
  if (!said && tempsSaid !== '') {
    const pid = holder ?? Number(DEAD_TEMP.exec(temps[0])![1]);
    process.stderr.write(`corpus-clean export: note: '${showPath(dir)}': removed ${tempsSaid} of an export killed while writing it (PID ${pid})\n`);
  }
  // A failed export's shards (its _FAILED, written when it exited 1) are no result: the next
  // export into the folder starts over without --overwrite, as other commands' failed outputs do.
  // Not in a folder this export does not write: they are no killed command's leftovers.
  if (other === undefined && existsSync(join(dir, FAILED))) {
    const left = (await readdir(dir).catch(() => [] as string[])).filter(isShardFile);
    process.stderr.write(`corpus-clean export: note: '${showPath(dir)}' holds an export that failed (its ${FAILED}); starting over\n`);
    for (const f of [...left, FAILED]) await rm(join(dir, f), { force: true });
  }
  return (await readdir(dir).catch(() => [] as string[])).filter(isShardFile).sort();
}

/** The temporary of a shard or its meta that an export writes (`.part-00000.PID.tmp.bin`), the PID in its first group. */
const DEAD_TEMP = /^\.part-\d{5,}\.(\d+)\.tmp\.(?:bin|meta)$/;

/**
 * The lock of an export killed while writing `dir` (read with lockHolder), with the files it lists
 * that it provably never renamed into place left out: a file is journaled just before its
 * temporary (`.part-00000.PID.tmp.bin`, `.tmp.meta` for the .bin.meta) is renamed to it, so a listed
 * name whose temporary of that PID is still there was not placed (killed between the two), and a
 * file of that name is someone else's (E-a). Any other lock as it is.
 */
async function deadExport(dir: string): Promise<LockHolder | undefined> {
  const dead = lockHolder(join(dir, LOCK_NAME));
  if (dead === undefined || dead.live || dead.shards === undefined || dead.shards.length === 0) return dead;
  const names = new Set(await readdir(dir).catch(() => [] as string[]));
  const temp = (n: string): string => `.${n.replace(/\.bin(\.meta)?$/, '')}.${dead.pid}.tmp.${n.endsWith('.meta') ? 'meta' : 'bin'}`;
  return { ...dead, shards: dead.shards.filter((n) => !names.has(temp(n))) };
}

/**
 * A name an export never writes in a type folder but another command writes in its output folder:
 * a run's plan, work folder and marker, shards and temporaries named `part-NNNNN.` other than an
 * export's (`.bin`, `.bin.meta`, their `.part-00000.PID.tmp.bin` temporaries and
 * `.part-00000.bin.earlier-PID` set aside by an --overwrite).
 */
const othersName = (n: string): boolean => n === PLAN || n === '_work' || n === '_SUCCESS' || (/^\.?part-\d{5,}\./.test(n) && !isShardFile(n) && !DEAD_TEMP.test(n) && !/^\.part-\d{5,}\.bin(\.meta)?\.earlier-\d+$/.test(n));

/** Up to three names, quoted, then how many more. */
const someNames = (names: readonly string[]): string => names.slice(0, 3).map((n) => `'${showPath(n)}'`).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');

/**
 * What an export killed with SIGKILL left in the type folders of the output root `out` that this
 * export does not write (`dirs` are those it writes): its temporaries (`.part-00000.PID.tmp.bin`,
 * a name ending in .bin that InternEvo, reading every .bin under train/, might load), its lock, and
 * and what an --overwrite of it had set aside is put back (recoverEarlier), as the next export into
 * that folder would do; its lock goes when no shard file it put in place is there (its final-named shard
 * files are kept, and its lock with them: a file of that name may be the user's, restored after the
 * kill, hostile review 25 F1; said in a note); the folder goes too once empty (InternEvo takes every
 * folder under train/ for a data type). Said in a note for each folder. Nothing else is touched: a
 * folder whose lock is live (an export writing it) or another host's is left alone, and so are
 * the shard files of a lock that does not list them (an older version's), kept with that lock
 * for the export into that folder to settle (new-user review 24 N12: a kill -9 of an export into
 * train/en, then an export into train/cn, left '.part-00000.PID.tmp.bin' and the locks in
 * train/en and valid/en for good).
 */
async function settleOtherFolders(out: string, dirs: readonly string[]): Promise<void> {
  const writing = new Set(dirs.map((d) => resolve(d)));
  for (const split of SPLITS) {
    const entries = await readdir(join(out, split), { withFileTypes: true }).catch(() => []);
    for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const dir = join(out, split, e.name);
      if (writing.has(resolve(dir))) continue;
      await settleOtherFolder(dir, split);
    }
  }
}

/**
 * One type folder of settleOtherFolders: `dir`, in the data folder `split`, that this export does
 * not write. Also for valid/TYPE/ before an --overwrite of train/TYPE/ without a hold-out judges
 * it as the earlier hold-out (staleHoldouts; new-user review 25 E-b).
 */
async function settleOtherFolder(dir: string, split: Split): Promise<void> {
  const lock = join(dir, LOCK_NAME);
  const dead = await deadExport(dir);
  if (dead === undefined || dead.live) return;
  // Only an export's: the folder of another command (a run's, which resumes; cat's), or a lock
  // listing shards an export does not write, is not this one's to settle.
  const names = await readdir(dir).catch(() => null);
  if (names === null || names.some(othersName) || (dead.shards?.some((n) => !isShardFile(n)) ?? false)) return;
  const removed: string[] = [];
  try {
    // A killed --overwrite of it had set the earlier shards aside: put back (or removed once its
    // new shards were in place) under the taken-over lock, as the export into it would.
    const aside = new RegExp(`^\\.part-\\d{5,}\\.bin(\\.meta)?\\.earlier-${dead.pid}$`);
    if (dead.shards !== undefined && names.some((n) => aside.test(n))) {
      const unlock = lockJournaled(lock, dead);
      try {
        await checkTypeFolder(dir, dead, removed);
      } finally {
        unlock();
      }
    } else {
      // Only its temporaries go (their PID is dead). Its final-named shard files stay, and its
      // lock with them, so that the folder still reads as unfinished: the lock's journal says
      // only which names it put in place, and once the folder was left to the user (rm DIR/* leaves
      // the dot-files) a file of that name may be the user's own, restored (hostile review 25
      // F1: 42 restored shards of 84 were removed); the export into that folder settles them.
      const temps = await removeDeadTemporaries(dir, DEAD_TEMP);
      if (temps.length > 0) removed.push(`${temps.length === 1 ? 'its temporary' : `${temps.length} temporaries`} ${someNames(temps)}`);
      const listed = dead.shards === undefined ? undefined : new Set(dead.shards);
      const left = (await readdir(dir)).filter((n) => isShardFile(n) && (listed?.has(n) ?? true));
      if (left.length > 0) {
        process.stderr.write(`corpus-clean export: note: '${showPath(dir)}', a type folder this export does not write, holds ${left.length} shard file${left.length === 1 ? '' : 's'} beside the lock of an export killed while writing it (PID ${dead.pid}), ${listed === undefined ? 'whose lock does not list the shards it put in place' : `named as ${left.length === 1 ? 'one' : 'ones'} it had put in place`}${removed.length > 0 ? ` (removed ${removed.join(', ')})` : ''}: they may be unfinished; export into it again (it starts over), or remove them\n`);
        return;
      }
      await removeDeadLock(lock, dead.pid);
    }
    removed.push('its lock');
    if ((await readdir(dir)).length === 0 && (await rmdir(dir).then(() => true, () => false))) removed.push('the folder, left empty');
    process.stderr.write(`corpus-clean export: note: '${showPath(dir)}', a type folder this export does not write, held what an export killed while writing it (PID ${dead.pid}) left there: removed ${removed.length > 1 ? `${removed.slice(0, -1).join(', ')} and ${removed[removed.length - 1]}` : removed[0]} (InternEvo reads every .bin under ${split}/ and takes each folder there for ${split === 'valid' ? 'a validation set' : 'a data type'})\n`);
  } catch (err) {
    // Taken meanwhile (another export writing it now), or a folder that does not read: left as it is.
    process.stderr.write(`corpus-clean export: note: '${showPath(dir)}', a type folder this export does not write, holds the lock of an export killed while writing it (PID ${dead.pid}); left as it is: ${errorText(err)}\n`);
  }
}

/**
 * Shards already in the type folders, without --overwrite: refused, naming the first folder's and
 * every file there that corpus-clean did not name as its shards (part-NNNNN.bin), which
 * --overwrite would remove too, InternEvo reading every .bin of a type folder as data (new-user
 * review 17 F8: the refusal named only corpus-clean's shards, the note after --overwrite the others).
 */
function refuseEarlierShards(held: readonly { dir: string; files: readonly string[] }[]): void {
  const first = held.find((h) => h.files.some((f) => f.endsWith('.bin')));
  if (first === undefined) return;
  const foreign = held.flatMap((h) => h.files.filter((f) => !/^part-\d{5}\.bin(\.meta)?$/.test(f)).map((f) => join(h.dir, f)));
  const shown = foreign.slice(0, 4).map((f) => `'${showPath(f)}'`).join(', ') + (foreign.length > 4 ? ` and ${foreign.length - 4} more` : '');
  const also = foreign.length === 0 ? '' : `; --overwrite would remove with them ${foreign.length === 1 ? 'a file' : `${foreign.length} files`} not named as corpus-clean names its shards (part-NNNNN.bin), as InternEvo reads every .bin of a type folder: ${shown}`;
  throw new UsageError(`${first.dir} already holds shards (${first.files.find((f) => f.endsWith('.bin'))}, ...)${also}; remove them or pass --overwrite`);
}

/**
 * The mark a hold-out export (--valid-fraction, --valid-records) leaves in each valid/TYPE/ folder
 * it wrote: those samples were held out of DIR/train/TYPE/ (a dot name, not .bin: InternEvo reads
 * .bin files only). An --overwrite export of DIR/train/TYPE/ without a hold-out removes a marked
 * valid/TYPE/ once it is finished, as part of the export it replaces (new-user review 24 N6: the
 * old valid/ stayed beside a train/ that now held every one of its samples too).
 */
const HOLDOUT_MARK = '.corpus-clean-holdout';
/** The names corpus-clean writes in a type folder: shards, markers, its lock. */
const OWN_NAME = /^(?:part-\d{5}\.bin(?:\.meta)?|_SUCCESS|_FAILED|\.corpus-clean\.lock|\.corpus-clean-holdout)$/;

/**
 * The valid/TYPE/ folders an --overwrite export of DIR/train/TYPE/ without a hold-out leaves stale:
 * those marked as an earlier export's hold-out. Refused (before anything is written) when one holds
 * anything corpus-clean did not write there, or an export still writing it: a user's file is never
 * removed. Returns the folders to remove once the export is finished.
 */
function staleHoldouts(out: string, types: readonly string[]): string[] {
  const stale: string[] = [];
  for (const t of types) {
    const vdir = join(out, 'valid', t);
    if (!existsSync(join(vdir, HOLDOUT_MARK))) continue;
    const entries = readdirSync(vdir, { withFileTypes: true });
    const other = entries.filter((e) => !e.isFile() || !OWN_NAME.test(e.name)).map((e) => join(vdir, e.name));
    const how = `remove ${showPath(vdir)}/ yourself, or add --valid-fraction F (or --valid-records N) to write train/ and valid/ again in one export`;
    if (other.length > 0) {
      const shown = other.slice(0, 4).map((f) => `'${showPath(f)}'`).join(', ') + (other.length > 4 ? ` and ${other.length - 4} more` : '');
      throw new UsageError(`export internevo: --overwrite replaces ${showPath(join(out, 'train', t))}/, whose earlier hold-out is ${showPath(vdir)}/ (its samples would be in train/ too), but ${showPath(vdir)}/ also holds what corpus-clean did not write there: ${shown}; ${how}`);
    }
    const holder = lockHolder(join(vdir, LOCK_NAME));
    if (holder?.live === true) throw new UsageError(`export internevo: ${showPath(vdir)}/ is being written by another export (PID ${holder.pid}); wait for it, or ${how}`);
    stale.push(vdir);
  }
  return stale;
}

/** `corpus-clean export internevo|xtuner-v1`: training-ready shards. */
export const exportCommand: Command = {
  name: 'export',
  summary: 'write InternEvo tokenized shards (.bin + .bin.meta) or XTuner v1 {"content"} JSONL',
  help() {
    return `Usage: corpus-clean export internevo [inputs...] --tokenizer MODEL -o DIR [--type TYPE] [options]
       corpus-clean export xtuner-v1 [inputs...] [-o FILE|DIR/] [options]

internevo: tokenize every record with the SentencePiece model and write InternEvo's tokenized
format: DIR/train/TYPE/part-00000.bin (DIR/valid/TYPE/ with --split valid, for
data.valid_folder; both with --valid-fraction F or --valid-records N, which hold out about F,
or N, of the records by a hash of their text, the same ones on every rerun), one line per
sample exactly as Python's
json.dumps({"tokens": ids}) + "\\n", and part-00000.bin.meta, the np.save of an (N, 2) array of
(byte offset, token count). Pretraining records (text or content) become BOS + text + EOS; chat
records (OpenAI messages or XTuner conversation) use the InternLM2 chat template with negative
ids on every token that is not a training target. No empty shard is written; shards appear
under their final names only when complete.

xtuner-v1: rewrite records as XTuner v1 / InternEvo streaming {"content": ...} JSONL (chat
records as {"messages": ...}).

${inputOrderHelp(true)}

Options:
${flagHelp(OWN)}

Input and accounting:
${flagHelp(INPUT)}
`;
  },
  async run(argv) {
    const p = parse('export', argv, FLAGS);
    if (p.values.help) return writeStdoutSync(this.help()), 0;
    let inputs = p.positionals;
    const v0 = p.values;
    if (typeof v0.format === 'string' && (TARGETS as readonly string[]).includes(v0.format)) {
      throw new UsageError(`export: --format is the input format (jsonl, csv, ...); say what to write as 'export ${v0.format}' or --to ${v0.format}`);
    }
    if (v0.out !== undefined && v0.output !== undefined) throw new UsageError('export: give -o/--output once (--out is its old name)');
    if (v0['input-format'] !== undefined && v0.format !== undefined) throw new UsageError('export: give --format once (--input-format is its old name)');
    const outFlag = (v0.output ?? v0.out) as string | undefined;
    let target = p.values.to as string | undefined;
    if (inputs.length > 0 && (TARGETS as readonly string[]).includes(inputs[0])) {
      if (target !== undefined && target !== inputs[0]) throw new UsageError(`export ${inputs[0]} contradicts --to ${target}`);
      target = inputs[0];
      inputs = inputs.slice(1);
    }
    // A first word that is no file and looks like a target name misspelt: say so, not "--tokenizer is required".
    if (target === undefined && inputs.length > 0 && !existsSync(inputs[0]) && !/[./\\*?]/.test(inputs[0])) {
      throw new UsageError(`export: unknown target '${showText(inputs[0])}'${didYouMean(inputs[0], TARGETS)} (targets: ${TARGETS.join(', ')}; an input file of that name does not exist)`);
    }
    target ??= 'internevo';
    if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`export: --to must be one of ${TARGETS.join(', ')}; got '${showText(target)}'${didYouMean(target, TARGETS)}`);
    const v = p.values;
    // InternEvo's own options given to xtuner-v1 were dropped without a word (hostile review 13
    // H8: --type by-lang wrote one file, exit 0): refused, as --row-group-size is for JSONL output.
    if (target === 'xtuner-v1') {
      const given = ['type', 'split', 'valid-fraction', 'valid-records', 'max-shard-size', 'meta-dtype'].filter((f) => v[f] !== undefined);
      if (given.length > 0) throw new UsageError(`export xtuner-v1: ${given.map((f) => `--${f}`).join(', ')} ${given.length === 1 ? 'is' : 'are'} for export internevo (its type folders and .bin shards); xtuner-v1 writes {"content"} JSONL to one file or folder (see 'corpus-clean export --help')`);
    }
    const minLength = countFlag(v['min-length'], 'min-length', 0) ?? 0;
    const kind = (v.kind as string | undefined) ?? 'auto';
    if (!['auto', 'pretrain', 'chat'].includes(kind)) throw new UsageError(`--kind must be auto, pretrain or chat; got '${showText(kind)}'`);
    const metaDtype = (v['meta-dtype'] as string | undefined) ?? '<i8';
    if (metaDtype !== '<i8' && metaDtype !== '<i4') throw new UsageError(`--meta-dtype must be <i8 or <i4; got '${showText(metaDtype)}'`);
    const model = v.tokenizer as string | undefined;
    if (model === undefined && (target === 'internevo' || minLength > 0)) throw new UsageError(`export ${target}: --tokenizer MODEL is required${target === 'internevo' ? '' : ' with --min-length'}${bundledTokenizer('--tokenizer ')}`);
    // An output folder that cannot be made is a usage error before the tokenizer loads (hostile
    // review 6 F7: exit 1 after ~6 s); the internevo folder is checked where its shards go.
    // A train/ or valid/ folder, or a TYPE folder in one, named as -o is where the shards go (internevoTarget).
    const named = target === 'internevo' && outFlag !== undefined ? internevoTarget(outFlag, v.type as string | undefined, v.split as string | undefined) : undefined;
    // A hold-out writes both data folders in one export (new-user review 23 B1: --limit N made a
    // validation set of the first N records, all of them training data too).
    let rule: HoldoutRule | undefined;
    const holdFlag = v['valid-fraction'] !== undefined ? '--valid-fraction' : v['valid-records'] !== undefined ? '--valid-records' : undefined;
    // Loaded with it only (the exact-dedup key's modules): an export without one starts as before (issue #16).
    const hold = holdFlag !== undefined ? await import('../../export/holdout.js') : undefined;
    if (holdFlag !== undefined) {
      if (v['valid-fraction'] !== undefined && v['valid-records'] !== undefined) throw new UsageError('export internevo: give --valid-fraction F or --valid-records N, not both');
      if (v['valid-fraction'] !== undefined) {
        const given = String(v['valid-fraction']);
        const fraction = hold!.parseFraction(given);
        if (fraction === undefined) throw new UsageError(`export internevo: --valid-fraction must be a number between 0 and 1 (the share of samples held out in valid/, e.g. 0.01); got '${showText(given)}'`);
        rule = { fraction };
      } else rule = { records: countFlag(v['valid-records'], 'valid-records')! };
      if (v.split !== undefined) throw new UsageError(`export internevo: ${holdFlag} writes both data folders, DIR/train/TYPE/ and DIR/valid/TYPE/, in one export; --split '${showText(String(v.split))}' names one: drop --split`);
      if (named?.split === 'valid') throw new UsageError(`export internevo: -o '${showText(outFlag!)}' names a valid/ folder, but ${holdFlag} writes both train/ and valid/: give the output root, -o '${showText(named.root)}'`);
    }
    const split: Split = named?.split ?? (v.split === 'valid' ? 'valid' : 'train');
    const splits: readonly Split[] = rule !== undefined ? SPLITS : [split];
    const early = named?.root ?? outFlag;
    // '-' is stdout for every other output; here it made a folder named '-' (hostile review 13 H8).
    if (target === 'internevo' && early === '-') throw new UsageError(`export internevo: -o - would be stdout, but its output is a folder (shards go to DIR/${split}/TYPE/): name a folder (./- for one named '-')`);
    // DIR inside a folder named as input: refused before any folder is made (hostile review 7 F1:
    // it made DIR/train/TYPE there, then refused itself as an unfinished output, every rerun too).
    if (target === 'internevo' && early !== undefined) await checkInsideInputFolder(early, inputs, '--output');
    if (target === 'internevo' && early !== undefined) for (const s of splits) await checkWritable(join(early, s), '--output', true, early);
    let tok: SentencePieceTokenizer | undefined;
    if (model !== undefined) {
      tok = loadTokenizer(model);
    }
    // The model is a file the command reads: no output may replace it (hostile review 7 F2).
    const stage: Stage = noteFilesRead(
      tokenizeStage({ tokenizer: model ?? null, format: target as Target, kind: kind as 'auto', minLength, eos: true, specialInText: false }, tok),
      'export',
      tokenizeOptionsSpec,
      { tokenizer: model },
    );
    const values: Parsed['values'] = { ...v, format: v.format ?? v['input-format'], output: outFlag };
    delete values.out;
    delete values['input-format'];
    delete values.to;
    if (target === 'xtuner-v1') {
      return execute({ command: 'export', inputs, stages: [stage], values: { ...values, 'strip-attrs': true } });
    }
    const out = named?.root;
    if (out === undefined) throw new UsageError('export internevo: -o/--output DIR is required');
    const textField = parseTextField(v['text-field']);
    const byLang = v.type === 'by-lang';
    const given = byLang ? 'by-lang' : ((v.type as string | undefined) ?? named?.type ?? defaultType(inputs, split));
    // Standard input is not read ahead (it is read once, by the export): its type is en, and its
    // first records are sniffed as they are written, said after (new-user review 24 N11: Chinese
    // text went to train/en/ with no word, where the same file given by name went to train/cn/).
    const fromStdin = given === undefined && (inputs.length === 0 || inputs.includes('-'));
    const type = given ?? (await sampledType(inputs, textField, split));
    if (!byLang && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(type)) throw new UsageError(`--type must be a folder name like cn, en, code, or by-lang; got '${showText(type)}'`);
    // A near miss of by-lang wrote every record to train/bylang/, exit 0, found only when training
    // starts (new-user review 13 #9); another name InternEvo does not know is said in a warning.
    if (!byLang && type.toLowerCase().replace(/[-_.]/g, '') === 'bylang') throw new UsageError(`--type '${showText(type)}': did you mean --type by-lang (each record to ${split}/cn/ or ${split}/en/ by its language)?`);
    if (!byLang && !INTERNEVO_TYPES.includes(type)) process.stderr.write(`corpus-clean export: warning: --type '${showText(type)}' is none of the data types InternEvo's docs list (${INTERNEVO_TYPES.join(', ')}): InternEvo takes every folder under train/ as a type, but the older InternLM-Train knows only en, cn and code (a typo is caught only when training starts)\n`);
    const types: readonly string[] = byLang ? LANG_TYPES : [type];
    // The review's validation set: `--split valid --limit 300`, the first 300 records, which the
    // export of the same input to train/ writes too (new-user review 23 B1): said, not refused
    // (valid/ may be meant to hold another input's records).
    if (split === 'valid' && rule === undefined && v.limit !== undefined) process.stderr.write(`corpus-clean export: note: --limit ${showText(String(v.limit))} reads the first ${showText(String(v.limit))} records, it holds none out: if the same inputs go to train/ too, this validation set is training data; --valid-fraction F writes train/ and valid/ in one export, holding out about F of the records by a hash of their text\n`);
    // Every folder the export writes: DIR/SPLIT/TYPE for each split (two with a hold-out) and type.
    const dirs: readonly string[] = splits.flatMap((s) => types.map((t) => join(out, s, t)));
    const unlocks: (() => void)[] = [];
    const unlockAll = (): void => {
      for (const u of unlocks.splice(0)) u();
    };
    if (named?.inTrain !== undefined) process.stderr.write(`corpus-clean export: note: -o '${showText(outFlag!)}' is taken as the output root, the shards go to ${dirs.map((d) => `'${showPath(d)}/'`).join(' and ')}; to write the type folder '${showPath(out)}/' itself, add --type ${showText(named.inTrain)}\n`);
    // An input in a folder the export writes (its valid/ side of a hold-out too, beside an -o that
    // names a train/ folder): refused before the folders are locked, as the input read from a
    // folder locked by this very export was refused naming its own PID as "still writing it" (E1).
    await checkFoldersApart(
      dirs.map((d) => ({ path: d, where: rule !== undefined && basename(dirname(d)) === 'valid' ? ` (where ${holdFlag} writes the samples it holds out)` : '' })),
      inputs,
    );
    // Decided before anything is removed (hostile review 25 F1b: after a kill -9 and the user's
    // restore, the export removed the 42 files the dead lock listed, then refused the 42 it did
    // not, exit 2 with half the folder gone): a shard file beside a killed export's lock that the
    // lock does not list as put in place is not that export's; without --overwrite it is refused, as with
    // no killed export, and nothing is touched but its temporaries (the dead lock kept: the listed
    // ones still read as unfinished).
    if (v.overwrite !== true) {
      for (const dir of dirs) {
        const dead = await deadExport(dir);
        if (dead === undefined || dead.live || dead.shards === undefined) continue;
        const listed = new Set(dead.shards);
        const unlisted = (await readdir(dir).catch(() => [] as string[])).filter((n) => isShardFile(n) && !listed.has(n)).sort();
        if (unlisted.length > 0) {
          // Its temporaries (named with its dead PID) are no one else's: removed all the same.
          for (const d of dirs) if (lockHolder(join(d, LOCK_NAME))?.live === false) await removeDeadTemporaries(d, DEAD_TEMP);
          throw new UsageError(`'${showPath(dir)}' holds ${unlisted.length === 1 ? 'a shard file' : `${unlisted.length} shard files`} (${someNames(unlisted)}) that the export killed while writing it (PID ${dead.pid}) did not put there (its lock lists the shards it renamed into place; until its end they are temporaries), beside what it left: nothing but its temporaries was removed; remove them (or move them away) or pass --overwrite, which replaces them too`);
        }
      }
    }
    const held: { dir: string; files: string[] }[] = [];
    // The type folders that held nothing but a killed export's leftovers (see below).
    const adopted: string[] = [];
    // Locked before anything in it is settled (what a killed export set aside put back, a failed
    // one's shards removed), as the other commands lock theirs: a second export, refused by the
    // lock of one still writing, changed nothing there first. A type folder not there yet holds
    // nothing to settle, and is locked once made, below.
    try {
      for (const dir of dirs) {
        if (!existsSync(dir)) {
          held.push({ dir, files: [] });
          continue;
        }
        // Who held the lock, read before it is taken over: a killed export's journal says what it had set aside.
        const dead = await deadExport(dir);
        // The shards this export renames into place are journaled in the lock (G4b; E-a: as it renames them, not as it begins them).
        unlocks.push(lockJournaled(join(dir, LOCK_NAME), dead));
        held.push({ dir, files: await checkTypeFolder(dir, dead) });
        // A folder that held only what a killed export left there (its lock, its temporaries) is
        // as good as one this export makes: removed if it writes nothing there (new-user review 25
        // L-6: a by-lang export with no English record left an empty train/en/, which InternEvo
        // takes for a data type, where a fresh export makes none).
        if (dead !== undefined && !dead.live && (await readdir(dir).catch(() => [LOCK_NAME, ''])).every((n) => n === LOCK_NAME)) adopted.push(dir);
      }
    } catch (e) {
      unlockAll();
      throw e;
    }
    // Its --rejects/--stats that a killed --overwrite export set aside: put back before it is judged.
    await recoverSides([v.rejects as string | undefined, v.stats as string | undefined], (t) => process.stderr.write(`corpus-clean export: note: ${t}\n`));
    if (v.overwrite !== true) {
      try {
        refuseEarlierShards(held);
      } catch (e) {
        unlockAll();
        throw e;
      }
    }
    // The hold-out of the earlier export this one replaces (N6): removed once it is finished.
    let stale: string[] = [];
    if (v.overwrite === true && rule === undefined && split === 'train') {
      try {
        // What an export killed while writing valid/TYPE/ left there (its temporaries, the earlier
        // hold-out it had set aside, its lock) is settled first, as its train/TYPE/ side was above:
        // its own files are no one else's (new-user review 25 E-b: the earlier hold-out stayed
        // under hidden names, and the export refused, calling them files corpus-clean did not write).
        for (const t of types) await settleOtherFolder(join(out, 'valid', t), 'valid');
        stale = staleHoldouts(out, types);
      } catch (e) {
        unlockAll();
        throw e;
      }
    }
    // The valid folder's sets are keyed by their folder's name alone (get_dataset_dict): no type pattern to clash.
    const folders = await readdir(join(out, 'train'), { withFileTypes: true }).then((es) => es.filter((e) => e.isDirectory()).map((e) => e.name), () => [] as string[]);
    for (const w of splits.includes('train') ? typeClashes(out, types, folders) : []) {
      process.stderr.write(`corpus-clean export: warning: ${w}\n`);
    }
    const maxShard = v['max-shard-size'] !== undefined ? { maxShardBytes: parseSize(v['max-shard-size'], 1, 'export internevo: --max-shard-size') } : {};
    // One writer per folder, in the order of `dirs` (each split's types).
    const writers = splits.flatMap((s) => types.map((t) => new InternEvoWriter({ outDir: out, split: s, type: t, overwrite: v.overwrite === true, metaDtype, ...maxShard, onShard: journalShards(join(out, s, t, LOCK_NAME)) })));
    const splitSink = (i: number): DocSink & { finish?(): Promise<void> } => {
      const ws = writers.slice(i * types.length, (i + 1) * types.length);
      return byLang ? new LangSplitSink({ cn: ws[0], en: ws[1] }, textField) : ws[0];
    };
    const holdout: HoldoutSink | undefined = rule !== undefined ? new hold!.HoldoutSink({ train: splitSink(0), valid: splitSink(1) }, await hold!.loadHoldoutKey(), rule, textField) : undefined;
    const shards = (): string[] => writers.flatMap((w) => w.shards.map((s) => s.path));
    // The folders this export makes (the parents of DIR it had to make, DIR, DIR/train, each type
    // folder), parents first: all of them go when it leaves nothing (new-user review 15 F15:
    // `-o nt1/a/b/` left nt1/a/, as cat and export xtuner-v1 no longer do).
    const made: string[] = [];
    const removeMade = async (): Promise<void> => {
      for (const d of [...made, ...adopted].reverse()) await rmdir(d).catch(() => {});
    };
    const inner = holdout ?? splitSink(0);
    const sniffed = { n: 0, zh: 0 };
    let sniffField = textField;
    // A failed or stopped export (a signal, exit 1) removes its shards, then its lock and the
    // folders it made, left empty (hostile review 13 H8: SIGINT left DIR/train/cn/ and en/, a
    // failed export DIR/train/): no empty type folder is taken for an export's result.
    const writer: DocSink = {
      write: (batch) => {
        for (let i = 0; fromStdin && i < batch.length && sniffed.n < TYPE_SAMPLE; i++, sniffed.n++) {
          if (mostlyHan(sampleText(batch[i].data, sniffField))) sniffed.zh++;
        }
        return inner.write(batch);
      },
      close: () => inner.close(),
      abort: async () => {
        await inner.abort();
        unlockAll();
        await removeMade();
      },
    };
    const job: Job = { command: 'export', inputs, stages: [stage], values, sink: { writer, shards, records: () => writers.flatMap((w) => w.shards.map((x) => x.samples)) } };
    // Every flag, input and side output (--rejects, --stats) checked before the shard folder is
    // made: a refused export leaves no DIR/train/TYPE behind.
    const prepared = (job.prepared = await prepare(job).catch((e: unknown) => {
      unlockAll();
      throw e;
    }));
    // The text a record is held out by is the text it is tokenized from: the field the inputs'
    // run folder read (text,content,raw_content for ChineseWebText) when --text-field is not given.
    if (holdout !== undefined) holdout.textField = prepared.textField;
    sniffField = prepared.textField;
    // One export at a time into a shard folder, as run and cat lock theirs: a second one is
    // refused (exit 2, one line) before it reads anything; a killed one's lock is taken over.
    try {
      for (const shardDir of dirs) {
        // Listed before they are made: a makeDir that fails half way leaves none behind either.
        made.push(...missingFolders(shardDir));
        await makeDir(shardDir, 'output folder');
        unlocks.push(lockJournaled(join(shardDir, LOCK_NAME), lockHolder(join(shardDir, LOCK_NAME))));
      }
    } catch (e) {
      unlockAll();
      await removeMade();
      prepared.release();
      // And those made for --rejects/--stats (hostile review 15 F5: a full disk while locking).
      await removeMadeFolders(prepared.made);
      throw e;
    }
    // A killed export's leftovers in the type folders of DIR this one does not write (N12): once
    // every check passed, as the next export into each would settle them.
    await settleOtherFolders(out, dirs);
    // Shards of an earlier export (--overwrite): set aside, not removed, until this export is
    // finished; one that fails (exit 1, a signal, a write failure) puts them back (hostile review
    // 15 F9; new-user review 14 #1: a failed export had replaced the earlier good one).
    // The type folders whose earlier shards were set aside, and the files among them that are no
    // shards of corpus-clean's naming (part-NNNNN.bin): said once replaced (new-user review 16 F13, F21).
    const emptied = new Set<string>();
    const foreign: string[] = [];
    try {
      for (const dir of v.overwrite === true ? dirs : []) {
        const here = await readdir(dir).catch(() => [] as string[]);
        for (const f of here.filter(isShardFile).sort()) {
          await prepared.earlier.setAside(join(dir, f));
          emptied.add(dir);
          if (!/^part-\d{5}\.bin(\.meta)?$/.test(f)) foreign.push(join(dir, f));
        }
      }
      if (prepared.earlier.size > 0) {
        // Its --rejects/--stats are the earlier export's accounting: set aside and put back with
        // its shards, so that a failed export leaves the three as they were (as other commands do).
        await setAsideSides(prepared.earlier, [prepared.rejectsPath, prepared.statsPath]);
        // Said in the type folders' locks (and the side files'): the next export into them puts
        // back, or removes, what a kill -9 left aside (recoverEarlier).
        journalEarlier(prepared.earlier, [...dirs.map((d) => join(d, LOCK_NAME)), ...(await sideLockPaths([prepared.rejectsPath, prepared.statsPath]))]);
      } else if (v.overwrite === true) {
        // No earlier shards, but a --rejects/--stats of the user's that --overwrite was given for:
        // set aside too, so that a failed export puts it back (fix18's leftover: it was replaced).
        await setAsideForeignSides(prepared.earlier, prepared.rejectsPath, prepared.statsPath, prepared.output);
        if (prepared.earlier.sides.length > 0) journalEarlier(prepared.earlier, [...dirs.map((d) => join(d, LOCK_NAME)), ...(await sideLockPaths([prepared.rejectsPath, prepared.statsPath]))]);
      }
    } catch (e) {
      await prepared.earlier.restore();
      unlockAll();
      await removeMade();
      prepared.release();
      await removeMadeFolders(prepared.made);
      throw e;
    }
    let code: number | undefined;
    try {
      code = await execute(job);
    } finally {
      unlockAll();
      // A type folder this export made and wrote nothing into (by-lang, no record of that language)
      // is not left behind empty; but an export that wrote nothing with --allow-empty (exit 0) keeps
      // its folders: the empty output is a result and stays (hostile review 14 H8: DIR/ was
      // removed while the summary named DIR/train/en/).
      if (!(code === 0 && values['allow-empty'] === true && shards().length === 0)) await removeMade();
    }
    // What an InternEvo user budgets with: samples and tokens per type folder (new-user review 12 #5).
    // Printed with --quiet too, as the accounting line is (--quiet turns off progress lines only).
    // Not once a signal is stopping the export: its shards are being removed, and the lines would
    // say they were written just before "terminated; unfinished output removed" (hostile review 14 H9).
    if (code === 0 && !stopping()) {
      for (const w of writers) {
        const samples = w.shards.reduce((a, s) => a + s.samples, 0);
        // A folder with no sample (a language none went to, a hold-out that held none out) is not written.
        if (samples === 0 && (byLang || holdout !== undefined)) continue;
        const tokens = w.shards.reduce((a, s) => a + s.tokens, 0);
        process.stderr.write(`corpus-clean export: ${showPath(w.directory)}/: ${samples} sample${samples === 1 ? '' : 's'}, ${tokens} token${tokens === 1 ? '' : 's'} in ${w.shards.length} shard${w.shards.length === 1 ? '' : 's'}\n`);
        // A shard rolls over before a line would take it past --max-shard-size, so one larger is
        // one sample alone: said, not left for the user to find (new-user review 21 N13(c), 22 A7).
        const over = w.shards.filter((s) => s.bytes > w.shardLimit);
        if (over.length > 0) {
          const first = over[0];
          process.stderr.write(`corpus-clean export: note: ${over.length === 1 ? `'${showPath(first.path)}' is` : `${over.length} shards (the first '${showPath(first.path)}') are`} larger than --max-shard-size (${w.shardLimit} bytes): ${over.length === 1 ? `it holds one sample (${first.tokens} tokens, ${first.bytes} bytes) whose line alone passes it` : 'each holds one sample whose line alone passes it'}; a sample is never cut into two shards (InternEvo's packing cuts long samples at seq_len itself)\n`);
        }
      }
      // --overwrite replaces every .bin of a type folder (InternEvo reads them all as data), those
      // corpus-clean did not name too: said, with their names, not removed silently (F21).
      if (foreign.length > 0) {
        const shown = foreign.slice(0, 4).map((f) => `'${showPath(f)}'`).join(', ') + (foreign.length > 4 ? ', ...' : '');
        process.stderr.write(`corpus-clean export: note: --overwrite replaced ${foreign.length} earlier file${foreign.length === 1 ? '' : 's'} not named as corpus-clean names its shards (part-NNNNN.bin): ${shown}\n`);
      }
      // A valid/ folder written again: its hold-out mark is set below only by a hold-out export.
      for (const w of writers) if (basename(dirname(w.directory)) === 'valid') await rm(join(w.directory, HOLDOUT_MARK), { force: true });
      // A type folder of the earlier export that this one (by-lang) wrote nothing into: removed,
      // not left empty, since InternEvo takes every folder under train/ for a data type (F13).
      for (const w of byLang || holdout !== undefined ? writers : []) {
        if (w.shards.length > 0 || !emptied.has(w.directory)) continue;
        const gone = await rmdir(w.directory).then(
          () => true,
          () => false,
        );
        if (gone) process.stderr.write(`corpus-clean export: note: removed ${showPath(w.directory)}/: its earlier shards were replaced by none (no record of this export went there), and InternEvo would take the empty folder for ${basename(dirname(w.directory)) === 'valid' ? 'a validation set' : 'a data type'}\n`);
      }
      if (fromStdin && sniffed.zh > 0) {
        const where = splits.map((s) => `${s}/en/`).join(' and ');
        if (sniffed.zh * 2 > sniffed.n) process.stderr.write(`corpus-clean export: warning: wrote to ${where}, but ${sniffed.zh} of the first ${sniffed.n} records hold mostly Chinese (Han) text: standard input is not read ahead to choose the type (a file given by name is), and InternEvo reads the folder name as the data type; export again with --type cn (or --type by-lang)\n`);
        else process.stderr.write(`corpus-clean export: note: wrote to ${where}: ${sniffed.zh} of the first ${sniffed.n} records hold mostly Chinese (Han) text and went there too (InternEvo reads the folder name as the data type); ${langHint(splits.length > 1 ? 'train' : split)}\n`);
      }
      if (holdout !== undefined) {
        for (const w of writers) {
          if (basename(dirname(w.directory)) === 'valid' && w.shards.length > 0) await writeFile(join(w.directory, HOLDOUT_MARK), `held out of ${join(out, 'train', basename(w.directory))} by corpus-clean export ${'fraction' in rule! ? `--valid-fraction ${rule.fraction}` : `--valid-records ${rule!.records}`}\n`);
        }
        holdoutSummary(out, rule!, holdout.counts);
      }
      // The earlier export's hold-out: its samples are in the train/ just written (N6). Only the
      // names corpus-clean writes are removed; a file put there meanwhile keeps the folder.
      for (const vdir of stale) {
        const files = await readdir(vdir).catch(() => [] as string[]);
        for (const f of files.filter((n) => OWN_NAME.test(n))) await rm(join(vdir, f), { force: true });
        const gone = await rmdir(vdir).then(
          () => true,
          () => false,
        );
        await rmdir(dirname(vdir)).catch(() => {});
        process.stderr.write(`corpus-clean export: note: ${gone ? 'removed' : 'emptied'} ${showPath(vdir)}/, the hold-out of the earlier export this one replaced: its samples are in ${showPath(join(out, 'train', basename(vdir)))}/ now, and InternEvo would have evaluated on them; --valid-fraction F (or --valid-records N) holds records out again${gone ? '' : ` (the folder holds files corpus-clean did not write, kept)`}\n`);
      }
    }
    return code;
  },
};
