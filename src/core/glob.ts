import type { Stats } from 'node:fs';
import { readlink, stat } from 'node:fs/promises';
import { fsPath, nameFromBytes, readNames, realPath, showPath } from './fsname.js';
import { isAbsolute, join, relative } from 'node:path';
import { UsageError } from './errors.js';
import { showText } from './show.js';

/*
 * Glob patterns for input paths, matched without backtracking regexes. A regex built from a glob
 * (what picomatch does) backtracks once per `*`: `*a*a*a*a*a*a*a*a*b.jsonl` over a few 67-character
 * names took more than a minute. Here a path segment is matched by the two-pointer wildcard
 * algorithm, which never goes back further than the last `*`: at most (name length x pattern
 * length) steps, whatever the number of stars. `**` is matched the same way over whole segments.
 *
 * Supported: `*`, `?`, `[abc]`, `[a-z]`, `[!a]` / `[^a]`, `**` (any number of folders), `{a,b}`
 * and `{1..9}` (expanded first, at most 1,024 patterns), `\` escapes. Names starting with `.` are
 * matched only by a segment that starts with a literal `.`. Extended globs (`+(a|b)`, `!(x)`) are
 * not supported: their characters are literal.
 */

const MAX_PATTERNS = 1024;

/** What a path that is neither a file nor a folder is, for messages. */
export function kindOfStats(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** How to read a FIFO, socket or device: commands that read stdin take it; `run` reads files only. */
export function streamAdvice(path: string): string {
  return `pipe it in instead (corpus-clean cat -o FILE < '${showPath(path)}'; run reads files only: save it to a file first)`;
}

/** A directory entry reached by a walk: a file, a folder, or why it cannot be read as either. */
export type EntryKind = { kind: 'file' | 'dir' | 'none' } | { kind: 'other'; reason: string };

/**
 * What `path` is, links followed: a file, a folder, or (`other`) a dangling symbolic link, a link
 * loop, a FIFO, socket or device, or a name that cannot be looked at, with the reason in words;
 * `none` when nothing is there (not even a link).
 */
export async function entryKind(path: string): Promise<EntryKind> {
  try {
    const st = await stat(fsPath(path));
    if (st.isFile()) return { kind: 'file' };
    if (st.isDirectory()) return { kind: 'dir' };
    return { kind: 'other', reason: `${kindOfStats(st)}, not a file: not read; ${streamAdvice(path)}` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ELOOP') return { kind: 'other', reason: 'a loop of symbolic links (following it never reaches a file): not read' };
    if (err.code === 'ENOENT') {
      const to = await readlink(fsPath(path), { encoding: 'buffer' }).then(nameFromBytes, () => null);
      if (to !== null) return { kind: 'other', reason: `a dangling symbolic link (to '${showPath(to)}', which does not exist): not read` };
      return { kind: 'none' };
    }
    return { kind: 'other', reason: `cannot be looked at (${err.code ?? err.message}): not read` };
  }
}

type Token = { kind: 'char'; c: string } | { kind: 'any' } | { kind: 'star' } | { kind: 'class'; negated: boolean; items: Array<[string, string]> };

/** Whether a path segment has glob syntax (after brace expansion). */
function isMagic(seg: string): boolean {
  return /[*?[\\]/.test(seg);
}

/** Parse one path segment into tokens (code points). */
function parseSegment(seg: string): Token[] {
  const cs = Array.from(seg);
  const out: Token[] = [];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    if (c === '\\' && i + 1 < cs.length) out.push({ kind: 'char', c: cs[++i] });
    else if (c === '?') out.push({ kind: 'any' });
    else if (c === '*') {
      if (out.at(-1)?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '[') {
      let j = i + 1;
      const negated = cs[j] === '!' || cs[j] === '^';
      if (negated) j++;
      const items: Array<[string, string]> = [];
      let closed = false;
      for (let first = true; j < cs.length; first = false) {
        if (cs[j] === ']' && !first) {
          closed = true;
          break;
        }
        let lo = cs[j];
        if (lo === '\\' && j + 1 < cs.length) lo = cs[++j];
        if (cs[j + 1] === '-' && j + 2 < cs.length && cs[j + 2] !== ']') {
          let hi = cs[j + 2];
          j += 2;
          if (hi === '\\' && j + 1 < cs.length) hi = cs[++j];
          items.push([lo, hi]);
        } else items.push([lo, lo]);
        j++;
      }
      if (!closed) out.push({ kind: 'char', c: '[' });
      else {
        out.push({ kind: 'class', negated, items });
        i = j;
      }
    } else out.push({ kind: 'char', c });
  }
  return out;
}

function matchOne(t: Token, c: string): boolean {
  switch (t.kind) {
    case 'char':
      return t.c === c;
    case 'any':
      return true;
    case 'class': {
      const hit = t.items.some(([lo, hi]) => c >= lo && c <= hi);
      return hit !== t.negated;
    }
    default:
      return false;
  }
}

/**
 * The two-pointer wildcard match: on a mismatch, only the last `*` takes one more item. Generic
 * over the item type so that `**` over path segments uses the same loop.
 */
function wildcard<T, I>(pattern: readonly T[], items: readonly I[], isStar: (t: T) => boolean, one: (t: T, item: I) => boolean): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < items.length) {
    if (p < pattern.length && !isStar(pattern[p]) && one(pattern[p], items[n])) {
      p++;
      n++;
    } else if (p < pattern.length && isStar(pattern[p])) {
      starP = p++;
      starN = n;
    } else if (starP >= 0) {
      p = starP + 1;
      n = ++starN;
    } else return false;
  }
  while (p < pattern.length && isStar(pattern[p])) p++;
  return p === pattern.length;
}

/**
 * A matcher for one path segment (`*.jsonl`, `part-[0-9]?`). Names starting with `.` or `_` match
 * only a segment that spells that character first (`.*`, `_*`), as a folder read skips them: a
 * run's `_stats.json`, `_rejects.jsonl.zst`, `_work/` and `_stats/` met by `DIR/*` were read as
 * records (a compact `_stats.json` is one valid JSON line; new-user review 19), and the advice to
 * leave a file out by a leading `_` did not hold for globs.
 */
export function segmentMatcher(seg: string): (name: string) => boolean {
  const tokens = parseSegment(seg);
  const first = tokens[0]?.kind === 'char' ? tokens[0].c : undefined;
  return (name) => (first === '.' || !name.startsWith('.')) && (first === '_' || !name.startsWith('_')) && wildcard(tokens, Array.from(name), (t) => t.kind === 'star', matchOne);
}

/** `{a,b}` and `{1..3}` expanded, outermost first; a UsageError past MAX_PATTERNS. */
export function expandBraces(pattern: string): string[] {
  const out: string[] = [];
  const todo = [pattern];
  while (todo.length > 0) {
    const p = todo.pop()!;
    const b = firstBrace(p);
    if (b === null) {
      out.push(p);
      if (out.length > MAX_PATTERNS) throw new UsageError(`glob '${showText(pattern)}' expands to more than ${MAX_PATTERNS} patterns`);
      continue;
    }
    const [start, end, alts] = b;
    for (let i = alts.length - 1; i >= 0; i--) todo.push(p.slice(0, start) + alts[i] + p.slice(end + 1));
    if (todo.length > MAX_PATTERNS) throw new UsageError(`glob '${showText(pattern)}' expands to more than ${MAX_PATTERNS} patterns`);
  }
  return out;
}

/** The first `{...}` with a top-level `,` or a `..` range: [start, end, alternatives]. */
function firstBrace(p: string): [number, number, string[]] | null {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') {
      i++;
      continue;
    }
    if (p[i] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let j = i; j < p.length; j++) {
      if (p[j] === '\\') {
        j++;
        continue;
      }
      if (p[j] === '{') depth++;
      else if (p[j] === ',' && depth === 1) commas.push(j);
      else if (p[j] === '}' && --depth === 0) {
        const body = p.slice(i + 1, j);
        if (commas.length > 0) {
          const alts: string[] = [];
          let from = i + 1;
          for (const c of [...commas, j]) {
            alts.push(p.slice(from, c));
            from = c + 1;
          }
          return [i, j, alts];
        }
        const range = /^(-?\d+)\.\.(-?\d+)$/.exec(body);
        if (range) {
          const a = Number(range[1]);
          const z = Number(range[2]);
          if (Math.abs(z - a) >= MAX_PATTERNS) throw new UsageError(`glob range {${body}} is longer than ${MAX_PATTERNS}`);
          const step = a <= z ? 1 : -1;
          const alts: string[] = [];
          for (let v = a; v !== z + step; v += step) alts.push(String(v));
          return [i, j, alts];
        }
        break; // a brace without alternatives is literal; look for the next one
      }
    }
  }
  return null;
}

/**
 * A brace-free pattern split where its first magic segment starts: the literal folder before it
 * (`''` for none) and the segments from it on (empty ones dropped but a last; consecutive `**`
 * are one). expandGlob walks these; globCovers matches a path against them.
 */
function splitPattern(p: string): { base: string; parts: string[] } {
  const segs = p.split('/');
  let i = 0;
  while (i < segs.length - 1 && !isMagic(segs[i])) i++;
  const rest = segs.slice(i).filter((s, k, a) => s !== '' || k === a.length - 1);
  return { base: segs.slice(0, i).join('/'), parts: rest.filter((s, k) => !(s === '**' && rest[k - 1] === '**')) };
}

/**
 * Files matching a glob pattern, as paths spelled from the pattern's literal start (`data/x/*.jsonl`
 * gives `data/x/a.jsonl`; `/abs/*.jsonl` absolute paths). Only files (symlinks followed; a folder
 * reached twice through links is read once). Unsorted, without duplicates.
 */
export async function expandGlob(pattern: string, onSkip?: (path: string, reason: string) => void, onEnter?: (f: GlobFolder) => void): Promise<string[]> {
  const found = new Set<string>();
  for (const p of expandBraces(pattern)) {
    const { base, parts } = splitPattern(p);
    await walk(base === '' && p.startsWith('/') ? '/' : base, parts.map((s) => (s === '**' ? null : s)), found, new Set(), onSkip, onEnter);
  }
  return [...found];
}

/**
 * A folder the walk of a glob entered (`expandGlob`'s `onEnter`): as the walk spelled it (`path`),
 * its real path and device:inode, and the pattern's segments (`parts`) of which the `k`-th is
 * matched against its entries. Every path below it that `parts` from `k` on match is one the
 * glob reads (`globFolderCovers`), whatever link the walk went through to reach it.
 */
export interface GlobFolder {
  path: string;
  real: string;
  id: string | undefined;
  parts: readonly string[];
  k: number;
}

/**
 * Whether the glob reads a file at `rel` (a relative path, `/`-separated) below the folder `f` its
 * walk entered: the pattern's segments from `f.k` on matched as the walk matches them (hostile
 * review 22 H1: a pattern whose wildcard segment matches the link `g2/lnk -> ../g1` reads
 * `g1/all.jsonl` as `g2/lnk/all.jsonl`, which no lexical comparison with `g1/all.jsonl` sees).
 */
export function globFolderCovers(f: GlobFolder, rel: string): boolean {
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return false;
  return partsMatch(f.parts, rel.split('/'), f.k, 0);
}

/**
 * Whether `expandGlob(pattern)` would yield the file `path` (absolute) were it there: an output a
 * quoted glob input covers is refused as one inside an input folder is (hostile review 21 G1:
 * `cat 'g1/*.jsonl' -o g1/all.jsonl`, then the same command read all.jsonl too). The pattern's
 * literal base is made absolute by `abs` (resolve, or a real path); `**` enters no folder whose
 * name starts with `.` or `_`, and a segment matches as `segmentMatcher` does, as the walk.
 */
export function globCovers(pattern: string, path: string, abs: (p: string) => string): boolean {
  for (const p of expandBraces(pattern)) {
    const { base, parts } = splitPattern(p);
    const rel = relative(abs(base === '' ? (p.startsWith('/') ? '/' : '.') : base), path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
    if (partsMatch(parts, rel.split('/'), 0, 0)) return true;
  }
  return false;
}

/** Whether the segments `parts` (from `k`) match the names `names` (from `j`) as the walk below would reach them. */
function partsMatch(parts: readonly string[], names: readonly string[], k: number, j: number): boolean {
  if (k === parts.length) return j === names.length;
  const part = parts[k];
  const plain = (n: string): boolean => !n.startsWith('.') && !n.startsWith('_');
  if (part === '**') {
    // Last: every file below, through folders and names that are not hidden or `_`.
    if (k === parts.length - 1) return j < names.length && names.slice(j).every(plain);
    // Zero folders here, or one more folder and `**` again.
    return partsMatch(parts, names, k + 1, j) || (j < names.length - 1 && plain(names[j]) && partsMatch(parts, names, k, j + 1));
  }
  if (j >= names.length) return false;
  return (isMagic(part) ? segmentMatcher(part)(names[j]) : part === names[j]) && partsMatch(parts, names, k + 1, j + 1);
}

type Part = string | null; // null = `**`

async function walk(dir: string, parts: readonly Part[], found: Set<string>, seenDirs: Set<string>, onSkip?: (path: string, reason: string) => void, onEnter?: (f: GlobFolder) => void): Promise<void> {
  const segments = parts.map((s) => s ?? '**');
  const reported = new Set<string>();
  const matchers = parts.map((s) => (s === null ? null : isMagic(s) ? segmentMatcher(s) : s));
  const fsDir = (d: string): string => (d === '' ? '.' : d);
  const spell = (d: string, name: string): string => (d === '' ? name : d.endsWith('/') ? d + name : `${d}/${name}`);
  // A name the last segment matched that is neither a file nor a folder (a dangling link, a FIFO)
  // is reported, not dropped without a word. (`spelled`: the path as the match spells it.)
  const kindOf = async (path: string, spelled?: string): Promise<'file' | 'dir' | null> => {
    const k = await entryKind(path);
    if (k.kind === 'other') {
      if (spelled !== undefined) onSkip?.(spelled, k.reason);
      return null;
    }
    return k.kind === 'none' ? null : k.kind;
  };
  const visit = async (d: string, k: number): Promise<void> => {
    if (k >= parts.length) return;
    const m = matchers[k];
    const last = k === parts.length - 1;
    const real = m === null || onEnter !== undefined ? await realPath(fsDir(d)).catch(() => null) : null;
    if (real !== null && onEnter !== undefined && !reported.has(`${real}\u0000${k}`)) {
      // Each folder entered, for the check of outputs the next read would take (io/outputs.ts).
      reported.add(`${real}\u0000${k}`);
      const st = await stat(fsPath(fsDir(d))).catch(() => null);
      onEnter({ path: fsDir(d), real, id: st === null ? undefined : `${st.dev}:${st.ino}`, parts: segments, k });
    }
    if (m === null) {
      // `**`: zero folders here, or one more folder and `**` again.
      if (real === null || seenDirs.has(`${real}\u0000${k}`)) return;
      seenDirs.add(`${real}\u0000${k}`);
      if (!last) await visit(d, k + 1);
      const entries = (await readNames(fsDir(d)).catch(() => [])).map((e) => e.name);
      for (const name of entries.sort()) {
        // As a folder read: hidden and `_` names (a run's own files and folders) are not entered.
        if (name.startsWith('.') || name.startsWith('_')) continue;
        const path = spell(d, name);
        const kind = await kindOf(join(fsDir(d), name), last ? path : undefined);
        if (kind === 'dir') await visit(path, k);
        else if (kind === 'file' && last) found.add(path);
      }
      return;
    }
    if (typeof m === 'string') {
      // A literal segment: no listing needed.
      const path = spell(d, m);
      const kind = await kindOf(join(fsDir(d), m), last ? path : undefined);
      if (kind === 'file' && last) found.add(path);
      else if (kind === 'dir' && !last) await visit(path, k + 1);
      return;
    }
    const entries = (await readNames(fsDir(d)).catch(() => [])).map((e) => e.name);
    for (const name of entries.sort()) {
      if (!m(name)) continue;
      const path = spell(d, name);
      const kind = await kindOf(join(fsDir(d), name), last ? path : undefined);
      if (kind === 'file' && last) found.add(path);
      else if (kind === 'dir' && !last) await visit(path, k + 1);
    }
  };
  await visit(dir, 0);
}

