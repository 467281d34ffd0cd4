/** The stage modules of one's own a recipe names, read as files before they are imported. */
import { realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorCode, UsageError } from '../core/errors.js';
import { showPath } from '../core/fsname.js';
import { showText } from '../core/show.js';
import { importMax, isCode, MODULE_MAX, readSideFile } from '../io/sideFile.js';
import { fileSha256, sha256Hex } from '../io/fileHash.js';

/**
 * The stage modules of one's own a recipe names (`- module: ./x.mjs`, from the recipe's folder
 * `baseDir`, as core/recipe.ts loadStageModules takes them), read before they are imported: each
 * must be a regular file of at most MODULE_MAX bytes (hostile review 23b F9d: a module that was
 * /dev/zero, or a link to it, was read whole by the import, 4.8 GB, past SIGTERM). Returns the
 * SHA-256 of the bytes read, by path. So must each file it imports (`readModuleImports`: a helper
 * that was a link to /dev/zero was read by the import, new-user review 24 N9), whose SHA-256 is
 * returned too. A module or import that does not read (gone) is left to the import, which names it.
 */
export function readStageModules(raw: unknown, baseDir: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === null || typeof raw !== 'object' || !Array.isArray((raw as { stages?: unknown }).stages)) return out;
  for (const [i, s] of ((raw as { stages: unknown[] }).stages).entries()) {
    const m = s !== null && typeof s === 'object' ? (s as { module?: unknown }).module : undefined;
    if (typeof m !== 'string') continue;
    const path = resolve(baseDir, m);
    let sha256: string;
    try {
      sha256 = fileSha256(path, MODULE_MAX);
    } catch (e) {
      if (errorCode(e) !== undefined) continue;
      throw new UsageError(`${file}: stages[${i}]: cannot load module '${showText(m)}' (${showPath(path)}): ${(e as Error).message}`);
    }
    out.set(path, sha256);
    // The files it imports, read as it was (F9e), before the import below reads any; the plan
    // must hold them as read here too (N10).
    try {
      const cut = (unread: number): void => warnCut(`${file}: stages[${i}]: module '${showText(m)}' (${showPath(path)})`, unread);
      for (const [p, h] of readModuleImports(path, cut)) if (!out.has(p)) out.set(p, h);
    } catch (e) {
      if (!(e instanceof ImportRefused)) throw e;
      throw new UsageError(`${file}: stages[${i}]: cannot load module '${showText(m)}' (${showPath(path)}): a file it imports, '${showPath(e.path)}': ${e.message}`);
    }
  }
  return out;
}

/** The modules whose walk of imports stopped at IMPORTS_MAX that this process warned of. */
const warnedCut = new Set<string>();

/**
 * Warn, once per module and process, that the walk of a module's imports stopped at IMPORTS_MAX
 * files (hostile review 25 C1d: the rest were neither kept nor checked, and nothing said so).
 */
function warnCut(what: string, unread: number): void {
  if (warnedCut.has(what)) return;
  warnedCut.add(what);
  process.stderr.write(
    `corpus-clean: warning: ${what} and the files it imports import more than ${IMPORTS_MAX.toLocaleString('en-US')} files by path, as many as a run follows: what the last ${unread} found import was not looked at; ` +
      'a file only they import is not kept by content (edited between a stop and a resume, it is used unseen) nor checked before the import (a device there is read by Node); import such a library as a package, or pass --overwrite after editing one of its files\n',
  );
}

/** The SHA-256 of each module a recipe's stages were loaded from and of each file they import (`readStageModules`), by the recipe `loadRecipe` made. */
const loadedDigests = new WeakMap<object, ReadonlyMap<string, string>>();

export function noteLoadedModules(recipe: object, digests: ReadonlyMap<string, string>): void {
  loadedDigests.set(recipe, digests);
}

/**
 * Refuse a plan whose modules or the files they import (`sides`, the plan's side files) differ from
 * the bytes this process read before importing them, or are no longer there: one was edited between
 * its import and the plan (hostile review 23b M1: the plan kept the new module's SHA-256, the tasks
 * of this process ran the old code; new-user review 24 N10: the same for a helper it imports, and
 * a resume then ran the new code beside the old, exit 0).
 */
export function checkLoadedModules(recipe: object, sides: readonly { path: string; what: string; sha256: string }[]): void {
  const loaded = loadedDigests.get(recipe);
  if (loaded === undefined) return;
  const changed = (what: string, path: string): UsageError => new UsageError(`${what} '${showPath(path)}' changed while the run was starting (after it was loaded, before the plan was written); nothing was written: run the same command again`);
  for (const s of sides) {
    const was = loaded.get(s.path);
    if (was !== undefined && was !== s.sha256) throw changed(s.what, s.path);
  }
  // Read before the import, and not a file the plan holds now: gone, or no longer a regular file.
  for (const path of loaded.keys()) if (!sides.some((s) => s.path === path)) throw changed('a stage module of the recipe, or a file it imports,', path);
}

/** A file's source text as tokens (`jsTokens`): a name, a string's value, a punctuator, anything else. */
const NAME = 0;
const STRING = 1;
const PUNCT = 2;
const OTHER = 3;
interface Token {
  kind: typeof NAME | typeof STRING | typeof PUNCT | typeof OTHER;
  /** A name, a punctuator (one character), the value of a string or of a template literal without `${...}`. */
  text: string;
}

/** Names after which a `/` starts a regular expression, not a division. */
const BEFORE_REGEX = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await', 'extends']);

/** Names whose `(...)` holds a condition (or a loop's head), after which a statement begins. */
const CONDITION_KEYWORDS = new Set(['if', 'for', 'while', 'with']);

const isNameStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 36 || c === 95 || c >= 128;
const isNamePart = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57);

/**
 * The value of a string literal's body `raw` (between its quotes): its escapes decoded as
 * JavaScript decodes them (`'./h\x2emjs'` names ./h.mjs).
 */
function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\r\n|[\s\S])/g, (_, e: string) => {
    if (e[0] === 'u' || e[0] === 'x') {
      const n = parseInt(e[1] === '{' ? e.slice(2, -1) : e.slice(1), 16);
      return n <= 0x10ffff ? String.fromCodePoint(n) : '';
    }
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0', '\n': '', '\r': '', '\r\n': '', '\u2028': '', '\u2029': '' };
    return simple[e] ?? e;
  });
}

/**
 * JavaScript (or TypeScript) source as tokens, comments left out and each string literal one
 * token: what `import('/dev/stdin')` inside a string or a comment says is not code (new-user review
 * 25 L-1: a help text naming it was taken for an import and refused). A template literal without
 * `${...}` is a string too; one with them is a token of its own, the code in `${...}` tokens as any.
 * A `/` starts a regular expression where an operand is expected (after `(`, `=`, `return`, the
 * `)` of `if (...)` ...), else it divides (after a name, a number, `]`, a call's `)`, `i++`); a string or a regular expression that does not end on its line ends there, so
 * a wrong guess costs one line at most.
 */
export function jsTokens(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  // What each open `{` is: a block (or object), or the `${` of a template literal.
  const braces: boolean[] = [];
  if (src.startsWith('#!')) i = lineEnd(src, 0);
  const push = (kind: Token['kind'], text: string): void => void out.push({ kind, text });
  /** The rest of a template literal from `i` (after its backtick or a `${...}`'s `}`): a string when `whole` and it has no `${`. */
  const template = (whole: boolean): void => {
    const from = i;
    for (; i < n; i++) {
      const c = src.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 96) {
        push(whole ? STRING : OTHER, whole ? unescape(src.slice(from, i)) : '`');
        i++;
        return;
      } else if (c === 36 && src.charCodeAt(i + 1) === 123) {
        push(OTHER, '`');
        braces.push(true);
        i += 2;
        return;
      }
    }
    push(OTHER, '`');
  };
  // Of each open `(`, whether it holds the condition of `if`/`for`/`while`/`with`: after its `)` a
  // statement begins, where a `/` starts a regular expression (`if (s) /'/.test(s)`); after any
  // other `)` a value ends, and a `/` divides (new-user review 26 I-1).
  const parens: boolean[] = [];
  /** The index in `out` of the last `)` that closed such a condition. */
  let condClose = -1;
  const regexAllowed = (): boolean => {
    const t = out[out.length - 1];
    if (t === undefined) return true;
    // A keyword after `.` (`o.return / 2`, `o?.typeof`) is a property's name: a value ends there
    // (hostile review 26 I1).
    if (t.kind === NAME) return BEFORE_REGEX.has(t.text) && !isPropertyName(out.length - 1);
    if (t.kind === PUNCT) {
      if (t.text === ')') return condClose === out.length - 1;
      // After `++`/`--` a `/` divides: postfix (`i++ / 2`) ends an operand, and a prefix one cannot take a regular expression.
      return t.text !== ']' && t.text !== '++' && t.text !== '--';
    }
    return false;
  };
  /** Whether the name at `out[k]` follows a `.` (or `?.`): a property, whatever its spelling. */
  const isPropertyName = (k: number): boolean => {
    const p = out[k - 1];
    return p !== undefined && p.kind === PUNCT && p.text === '.';
  };
  /** Whether a `(` about to be pushed opens a statement's condition. */
  const opensCondition = (): boolean => {
    const t = out[out.length - 1];
    if (t === undefined || t.kind !== NAME) return false;
    if (t.text === 'await') {
      const f = out[out.length - 2];
      return f !== undefined && f.kind === NAME && f.text === 'for';
    }
    return CONDITION_KEYWORDS.has(t.text) && !isPropertyName(out.length - 1);
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 47) {
      const d = src.charCodeAt(i + 1);
      if (d === 47) {
        i = lineEnd(src, i);
        continue;
      }
      if (d === 42) {
        const e = src.indexOf('*/', i + 2);
        i = e < 0 ? n : e + 2;
        continue;
      }
      if (regexAllowed()) {
        const e = regexEnd(src, i + 1);
        if (e >= 0) {
          i = e;
          while (i < n && isNamePart(src.charCodeAt(i))) i++;
          push(OTHER, '/');
          continue;
        }
      }
      push(PUNCT, '/');
      i++;
    } else if (c === 39 || c === 34) {
      let j = i + 1;
      for (; j < n; j++) {
        const e = src.charCodeAt(j);
        if (e === c || e === 10) break;
        if (e === 92) j++;
      }
      push(STRING, unescape(src.slice(i + 1, j)));
      i = j + 1;
    } else if (c === 96) {
      i++;
      template(true);
    } else if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNamePart(src.charCodeAt(j))) j++;
      push(NAME, src.slice(i, j));
      i = j;
    } else if (c >= 48 && c <= 57) {
      let j = i + 1;
      while (j < n && (isNamePart(src.charCodeAt(j)) || src.charCodeAt(j) === 46)) j++;
      push(OTHER, '0');
      i = j;
    } else if (c <= 32 || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029) {
      i++;
    } else if (c === 125 && braces.length > 0 && braces[braces.length - 1]) {
      braces.pop();
      i++;
      template(false);
    } else if ((c === 43 || c === 45) && src.charCodeAt(i + 1) === c) {
      push(PUNCT, c === 43 ? '++' : '--');
      i += 2;
    } else {
      if (c === 123) braces.push(false);
      else if (c === 125) braces.pop();
      else if (c === 40) parens.push(opensCondition());
      else if (c === 41 && parens.pop() === true) condClose = out.length;
      push(PUNCT, src[i]);
      i++;
    }
  }
  return out;
}

/** The index of the line end at or after `i` (or the text's end). */
function lineEnd(src: string, i: number): number {
  const e = src.indexOf('\n', i);
  return e < 0 ? src.length : e;
}

/** The index after the `/` that ends a regular expression whose body starts at `i`, or -1 when its line ends first. */
function regexEnd(src: string, i: number): number {
  let inClass = false;
  for (; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 10 || c === 13) return -1;
    if (c === 92) i++;
    else if (c === 91) inClass = true;
    else if (c === 93) inClass = false;
    else if (c === 47 && !inClass) return i + 1;
  }
  return -1;
}

/** A specifier that names a file: relative, absolute or a file: URL (not a package's bare name). */
const FILE_SPECIFIER = /^(?:\.{1,2}\/|\/|file:)/;
/** A URL with a scheme (`https:`, `node:`, `data:`); not a file's name unless `file:`. */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The specifiers in a file's source text, each with its keyword: `from './x.mjs'` (imports and
 * re-exports), `import './x.mjs'`, `import('./x.mjs')`, `require('./x.js')`, and `url` for
 * `import(new URL('./x.mjs', import.meta.url))` (`.href` after it or not: the standard ESM way to
 * name a file beside the module, new-user review 25 M-a; only as import's argument: a `new URL`
 * given to fs is a data file the module reads itself, N7, not kept). Found in code only, not in
 * strings or comments (L-1); a comment between the keyword and the string is no matter.
 */
function* specifiers(text: string): Generator<[string, string]> {
  const t = jsTokens(text);
  const is = (k: number, kind: Token['kind'], s?: string): boolean => t[k] !== undefined && t[k].kind === kind && (s === undefined || t[k].text === s);
  const requires = requireNames(t, is);
  // `import.meta.url` at `k`.
  const metaUrl = (k: number): boolean => is(k, NAME, 'import') && is(k + 1, PUNCT, '.') && is(k + 2, NAME, 'meta') && is(k + 3, PUNCT, '.') && is(k + 4, NAME, 'url');
  // `new URL('<string>', import.meta.url)` at `k`: the string's token index, else -1.
  const newUrl = (k: number): number => (is(k, NAME, 'new') && is(k + 1, NAME, 'URL') && is(k + 2, PUNCT, '(') && is(k + 3, STRING) && is(k + 4, PUNCT, ',') && metaUrl(k + 5) && is(k + 10, PUNCT, ')') ? k + 3 : -1);
  // Names given such a URL, or what import.meta.resolve('<string>') gives, then imported by the
  // name: `const u = new URL('./x.mjs', import.meta.url); await import(u)` (or `u.href`).
  const urls = new Map<string, [string, string][]>();
  for (let k = 0; k + 2 < t.length; k++) {
    if (t[k].kind !== NAME || !is(k + 1, PUNCT, '=') || is(k + 2, PUNCT, '=')) continue;
    const u = newUrl(k + 2);
    const resolved = is(k + 2, NAME, 'import') && is(k + 3, PUNCT, '.') && is(k + 4, NAME, 'meta') && is(k + 5, PUNCT, '.') && is(k + 6, NAME, 'resolve') && is(k + 7, PUNCT, '(') && is(k + 8, STRING);
    const spec: [string, string] | undefined = u >= 0 ? ['url', t[u].text] : resolved ? ['import', t[k + 8].text] : undefined;
    if (spec !== undefined) urls.set(t[k].text, [...(urls.get(t[k].text) ?? []), spec]);
  }
  for (let k = 0; k < t.length; k++) {
    if (t[k].kind !== NAME) continue;
    const w = t[k].text;
    if (w === 'import' && urls.size > 0 && is(k + 1, PUNCT, '(') && is(k + 2, NAME) && urls.has(t[k + 2].text) && (is(k + 3, PUNCT, ')') || (is(k + 3, PUNCT, '.') && is(k + 4, NAME, 'href') && is(k + 5, PUNCT, ')')))) {
      yield* urls.get(t[k + 2].text)!;
      continue;
    }
    // A require by another name (hostile review 25 C1c): `const r = createRequire(import.meta.url); r('./x.cjs')`.
    if (w !== 'require' && requires.has(w) && is(k + 1, PUNCT, '(') && is(k + 2, STRING)) {
      yield ['require', t[k + 2].text];
      continue;
    }
    // `createRequire(import.meta.url)('./x.cjs')`.
    if (w === 'createRequire' && is(k + 1, PUNCT, '(')) {
      const close = closing(t, k + 1);
      if (close > 0 && is(close + 1, PUNCT, '(') && is(close + 2, STRING)) yield ['require', t[close + 2].text];
      continue;
    }
    // `x.from(...)`, `import.meta` and the like are no import; `module.require('./x')` is one.
    if ((w === 'from' || w === 'import') && !is(k - 1, PUNCT, '.')) {
      if (is(k + 1, STRING)) yield [w, t[k + 1].text];
      else if (w === 'import' && is(k + 1, PUNCT, '(')) {
        if (is(k + 2, STRING)) yield [w, t[k + 2].text];
        else if (newUrl(k + 2) >= 0) yield ['url', t[k + 5].text];
      }
    } else if (w === 'require' && is(k + 1, PUNCT, '(') && is(k + 2, STRING)) yield [w, t[k + 2].text];
  }
}

/** The index of the `)` that closes the `(` at `open` in `t`, or -1. */
function closing(t: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < t.length; k++) {
    if (t[k].kind !== PUNCT) continue;
    if (t[k].text === '(') depth++;
    else if (t[k].text === ')' && --depth === 0) return k;
  }
  return -1;
}

/**
 * The names a file calls `require` by besides `require` itself: a name given what
 * `createRequire(...)` returns (`const r = createRequire(import.meta.url)`, `module.createRequire`,
 * `createRequire` imported under another name too), and a name given one of those (`const r =
 * require`), as far as the file's text shows.
 */
function requireNames(t: readonly Token[], is: (k: number, kind: Token['kind'], s?: string) => boolean): Set<string> {
  const makers = new Set(['createRequire']);
  for (let k = 0; k + 2 < t.length; k++) if (is(k, NAME, 'createRequire') && is(k + 1, NAME, 'as') && is(k + 2, NAME)) makers.add(t[k + 2].text);
  const names = new Set(['require']);
  for (let grew = true; grew; ) {
    grew = false;
    for (let k = 0; k + 2 < t.length; k++) {
      if (t[k].kind !== NAME || !is(k + 1, PUNCT, '=') || is(k + 2, PUNCT, '=') || names.has(t[k].text)) continue;
      // NAME = [x.]createRequire(   or   NAME = r   (not r(...) nor r.x)
      let v = k + 2;
      if (is(v, NAME) && is(v + 1, PUNCT, '.') && is(v + 2, NAME)) v += 2;
      const made = is(v, NAME) && makers.has(t[v].text) && is(v + 1, PUNCT, '(');
      const alias = v === k + 2 && is(v, NAME) && names.has(t[v].text) && !is(v + 1, PUNCT, '(') && !is(v + 1, PUNCT, '.');
      if (made || alias) {
        names.add(t[k].text);
        grew = true;
      }
    }
  }
  return names;
}

/**
 * The path an import `spec` in `file` names, before extensions are tried: `require` takes a path
 * (from `file`'s folder), an import a URL (a query or a fragment is not part of the file's name,
 * %-escapes are decoded); undefined for a specifier that does not name a file.
 */
function specifierPath(keyword: string, spec: string, file: string): string | undefined {
  if (keyword === 'url' ? SCHEME.test(spec) && !spec.startsWith('file:') : !FILE_SPECIFIER.test(spec)) return undefined;
  try {
    if (keyword === 'require' && !spec.startsWith('file:')) return resolve(dirname(file), spec);
    return fileURLToPath(new URL(spec, pathToFileURL(file)));
  } catch {
    return undefined;
  }
}
/** Most files followed from one module (a project's whole tree of helpers is far less). */
const IMPORTS_MAX = 1000;

/**
 * Walk the imports of the stage module `modulePath` (and theirs): `read(file, scan)` is called once
 * for each file found, the module first, and returns the source text to search for imports when
 * `scan` says the file is JavaScript or TypeScript (undefined when it does not read). Returns the
 * imported files found, as absolute paths (the module not among them).
 */
function walkImports(modulePath: string, read: (file: string, scan: boolean) => string | undefined, cut?: (unread: number) => void): string[] {
  const seen = new Set<string>([modulePath]);
  const out: string[] = [];
  const todo = [modulePath];
  while (todo.length > 0 && seen.size < IMPORTS_MAX) {
    const file = todo.pop()!;
    // A JSON file (or any other not JavaScript) imports nothing: its text is not searched.
    const text = read(file, file === modulePath || isCode(file));
    if (text === undefined) continue;
    // Its imports are named from where the file really is, as Node names them (new-user review 25
    // M-0): a module or helper reached through a link loads its own imports beside the file the
    // link leads to (import.meta.url is that file's), not beside the link.
    const from = realFile(file);
    for (const [keyword, spec] of specifiers(text)) {
      const path = specifierPath(keyword, spec, from);
      for (const found of path === undefined ? [] : importedFiles(path)) {
        if (seen.has(found)) continue;
        seen.add(found);
        out.push(found);
        todo.push(found);
      }
    }
  }
  // Stopped at the bound with files whose imports were not looked at (hostile review 25 C1d: silent).
  if (todo.length > 0) cut?.(todo.length);
  return out;
}

/**
 * The path `file` really has, its links (of the file or of a folder above it) followed: the path
 * Node gives a module it loads (without --preserve-symlinks), from which the module's own imports
 * are resolved. `file` itself when that cannot be found (the read that follows names the failure).
 */
function realFile(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * The files an import of `base` loads: `base` itself, else with the extensions a CommonJS name is
 * tried with (.js, .cjs, .json); else, for a folder, the file its package.json's `"main"` names
 * (tried as a name is, then as a folder's index.js) with the package.json itself (an edit to it can
 * make the folder load another file: hostile review 25 C1c, `require('./dir')` of such a folder
 * was not followed), or the folder's index.js. Whatever is there and is not a folder counts, a
 * device or a FIFO too (Node's import opens it; the walk's reader refuses it by name).
 */
function importedFiles(base: string): string[] {
  const there = (p: string): boolean => {
    try {
      return !statSync(p).isDirectory();
    } catch {
      return false;
    }
  };
  const file = [base, `${base}.js`, `${base}.cjs`, `${base}.json`].find(there);
  if (file !== undefined) return [file];
  const pkg = join(base, 'package.json');
  const out = there(pkg) ? [pkg] : [];
  const main = out.length > 0 ? mainOf(pkg) : undefined;
  if (main !== undefined) {
    const m = resolve(base, main);
    const f = [m, `${m}.js`, `${m}.json`, join(m, 'index.js'), join(m, 'index.json')].find(there);
    if (f !== undefined) return [...out, f];
  }
  const index = [join(base, 'index.js'), join(base, 'index.json')].find(there);
  return index === undefined ? out : [...out, index];
}

/** The `"main"` of the package.json at `path`, or undefined (none, or it does not read as one). */
function mainOf(path: string): string | undefined {
  try {
    const main = (JSON.parse(readSideFile(path, MODULE_MAX).toString('utf8')) as { main?: unknown } | null)?.main;
    return typeof main === 'string' && main !== '' ? main : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The files a stage module imports by path, and those they import, as absolute paths (new-user
 * review 23b C1: the plan kept the SHA-256 of the module alone, so a helper module it imports
 * edited after some units finished resumed silently with mixed output). Found in the source text:
 * static imports and re-exports, `import(...)` and `require(...)` of a string or of a template
 * literal without `${...}`, a comment between the keyword and the string too, in code only (text
 * in a string or a comment is no import: new-user review 25 L-1); a relative path, an
 * absolute one or a file: URL (hostile review 24 C1b: the last three were not followed); not
 * packages (bare names) nor names computed at run time (the README says so). A CommonJS name
 * without extension is tried as node would (.js, .cjs, .json, a folder's package.json "main",
 * /index.js); `require` by another name (`createRequire`'s, an alias) is followed too. Only JavaScript and
 * TypeScript files are read. A file's imports are resolved from its real path, links followed, as
 * Node resolves them (new-user review 25 M-0); a file reached through a link is kept by the path
 * it was named by, its content read through the link.
 */
export function moduleImports(modulePath: string): string[] {
  return walkImports(modulePath, (file, scan) => {
    if (!scan) return undefined;
    try {
      return readSideFile(file, MODULE_MAX).toString('utf8');
    } catch {
      return undefined;
    }
  }).sort();
}

/** A file a stage module imports that cannot be what an import reads (a device, a FIFO, a file over `importMax`). */
export class ImportRefused extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Each file the stage module `modulePath` imports (`moduleImports`), read as a side file before the
 * module is imported, with the SHA-256 of the bytes read, by absolute path. One that is not a
 * regular file of at most `importMax` bytes (64 MiB of code, 256 MiB of data) throws
 * `ImportRefused` naming it, before the import reads it (new-user review 24 N9, hostile review 24
 * F9e: a helper that was a link to /dev/zero was read by the import until memory ran out, while
 * the module itself was refused by name). One that does not read (gone) is left to the import,
 * which names it.
 */
export function readModuleImports(modulePath: string, cut?: (unread: number) => void): Map<string, string> {
  const out = new Map<string, string>();
  walkImports(modulePath, (file, scan) => {
    try {
      // Code is read whole, to be searched; data only hashed, in pieces.
      if (!scan) {
        out.set(file, fileSha256(file, importMax(file)));
        return undefined;
      }
      const bytes = readSideFile(file, MODULE_MAX);
      if (file !== modulePath) out.set(file, sha256Hex(bytes));
      return bytes.toString('utf8');
    } catch (e) {
      if (errorCode(e) !== undefined) return undefined;
      throw new ImportRefused(file, (e as Error).message);
    }
  }, cut);
  return out;
}
