/**
 * Word lists of the `flagged-words` stage: the built-in ones (LDNOOBW en and zh from the
 * `naughty-words` package, the Chinese lexicons under rules/flagged-words/) and user files.
 */
import { readFileSync } from 'node:fs';
import { LIST_MAX, readSideFile } from '../../io/sideFile.js';
import { createRequire } from 'node:module';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../core/errors.js';
import { showText, errorText } from '../../core/show.js';
import { showPath } from '../../core/fsname.js';

/** A named list of terms. */
export interface WordList {
  name: string;
  terms: string[];
}

const RULES_DIR = new URL('../../../rules/flagged-words/', import.meta.url);
const require = createRequire(import.meta.url);

/** Built-in list names: LDNOOBW (as C4 used it) for en and zh, and the lexicons shipped in rules/flagged-words/. */
export const BUILTIN_LISTS = ['ldnoobw-en', 'ldnoobw-zh', 'zh-gambling', 'zh-porn', 'zh-spam'] as const;

/** Parse a list file: one term per line, `#` starts a comment, blank lines skipped; a `.json` file is an array of strings. */
export function parseList(text: string, where: string): string[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new UsageError(`${where}: a JSON list must be an array of strings`);
    return v.map((s) => s.trim()).filter(Boolean);
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const hash = line.indexOf('#');
    // '#' starts a comment only at the line start or after white space, so `c#` stays a term.
    const cut = hash === 0 || (hash > 0 && /\s/.test(line[hash - 1])) ? line.slice(0, hash) : line;
    const t = cut.trim();
    if (t) out.push(t);
  }
  return out;
}

/** Load a built-in list by name. */
export function builtinList(name: string): WordList {
  if (name === 'ldnoobw-en' || name === 'ldnoobw-zh') {
    const terms = require(`naughty-words/${name.slice(8)}.json`) as string[];
    // Terms that are ordinary words in running text, left out (rules/flagged-words/<name>.exclude.txt).
    const excludePath = fileURLToPath(new URL(`${name}.exclude.txt`, RULES_DIR));
    const exclude = new Set(parseList(readFileSync(excludePath, 'utf8'), excludePath).map((t) => t.toLowerCase()));
    return { name, terms: terms.map((s) => s.trim()).filter((t) => t && !exclude.has(t.toLowerCase())) };
  }
  if (!(BUILTIN_LISTS as readonly string[]).includes(name)) throw new UsageError(`flagged-words: unknown list '${showText(name)}'; built-in: ${BUILTIN_LISTS.join(', ')}`);
  const path = fileURLToPath(new URL(`${name}.txt`, RULES_DIR));
  return { name, terms: parseList(readFileSync(path, 'utf8'), path) };
}

/** Load a user list file; its name is the file name without extension. */
export function fileList(path: string): WordList {
  let text: string;
  try {
    text = readSideFile(path, LIST_MAX, { pipes: true }).toString('utf8');
  } catch (e) {
    throw new UsageError(`flagged-words: cannot read list '${showPath(path)}': ${errorText(e)}`);
  }
  return { name: basename(path, extname(path)), terms: parseList(text, path) };
}

/** Ordinary words that contain a flagged term (rules/flagged-words/exceptions.txt). */
export function builtinExceptions(): string[] {
  const path = fileURLToPath(new URL('exceptions.txt', RULES_DIR));
  return parseList(readFileSync(path, 'utf8'), path);
}

/** Terms that name a crime or vice: they count only beside another hit (rules/flagged-words/topic.txt). */
export function builtinTopicTerms(): string[] {
  const path = fileURLToPath(new URL('topic.txt', RULES_DIR));
  return parseList(readFileSync(path, 'utf8'), path);
}
