import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { UsageError } from './errors.js';
import { showText } from './show.js';

/*
 * File names that are not UTF-8. Linux names are bytes; Node turns them into text as UTF-8 and
 * puts U+FFFD where a byte does not decode, so `caf\xe9.jsonl` and `caf\xe8.jsonl` both become
 * `caf\uFFFD.jsonl`, which names no file. Inside corpus-clean such a name is kept as text in one
 * form, used everywhere a path is written (stderr, the plan, stats, rejects, the resolved recipe,
 * the report, a record's `id`): each byte NN that does not decode is written `\xNN` (two
 * lower-case hex digits, 80 to ff). The text is valid UTF-8 (strict JSON and YAML tools read it)
 * and lossless: a backslash that is part of the name is written `\\` where it could be misread,
 * that is before another backslash or before `x` and two such hex digits (`a\xe9` spelled with a
 * real backslash is `a\\xe9`); every other backslash stays as it is, and a valid UTF-8 name
 * without such a backslash is unchanged. Files are opened through `fsPath`, which turns the text
 * back into the original bytes. (Before, an undecodable byte was held as the lone surrogate U+DCNN,
 * PEP 383; JSON showed `\udcNN`, which strict decoders refuse. `fsPath` still opens that form, so
 * a task of a plan written before, run by itself, finds its file; a rerun of such a plan is refused
 * as a run of other inputs.)
 */

/** A name that may need `fsPath` to turn it back into bytes: an escape, a backslash, or an old-style U+DCNN. */
const MAY_ESCAPE = /[\\\uDC80-\uDCFF]/;

/** `\xNN` for a byte that is not UTF-8 (80..ff): what `fsPath` reads as one byte. */
const BYTE_ESCAPE = /^x[89a-f][0-9a-f]/;

/** A lone low surrogate U+DC80..U+DCFF (the old form of an escaped byte). */
const LONE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g;

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** A name's bytes as text: UTF-8 where it decodes, each other byte NN as `\xNN`, a backslash as `\\` where needed. */
export function nameFromBytes(b: Buffer): string {
  const text = b.toString('utf8');
  const valid = !text.includes('\uFFFD') || Buffer.from(text, 'utf8').equals(b);
  if (valid && !text.includes('\\')) return text;
  // Units: a decoded character (string) or a byte that does not decode (number).
  const units: Array<string | number> = [];
  if (valid) units.push(...text);
  else {
    let i = 0;
    while (i < b.length) {
      // The longest stretch from i (up to one character) that decodes and encodes back unchanged.
      let j = Math.min(b.length, i + 4);
      for (; j > i; j--) {
        const part = b.subarray(i, j);
        const t = part.toString('utf8');
        if (Buffer.from(t, 'utf8').equals(part)) {
          units.push(...t);
          break;
        }
      }
      if (j > i) i = j;
      else units.push(b[i++]);
    }
  }
  let out = '';
  for (let k = 0; k < units.length; k++) {
    const u = units[k];
    if (typeof u === 'number') out += `\\x${hex2(u)}`;
    else if (u !== '\\') out += u;
    else {
      // A real backslash: doubled when what follows would otherwise read as an escape.
      const next = units[k + 1];
      const ahead = units.slice(k + 1, k + 4).map((x) => (typeof x === 'string' ? x : '\\')).join('');
      out += next === '\\' || typeof next === 'number' || BYTE_ESCAPE.test(ahead) ? '\\\\' : '\\';
    }
  }
  return out;
}

/** What to hand to `fs` for a path: the path itself, or its original bytes when it holds escapes. */
export function fsPath(p: string): string | Buffer {
  if (!MAY_ESCAPE.test(p)) return p;
  const bytes: number[] = [];
  let run = '';
  let changed = false;
  const flush = (): void => {
    for (const x of Buffer.from(run, 'utf8')) bytes.push(x);
    run = '';
  };
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x5c && p[i + 1] === '\\') {
      run += '\\';
      i++;
      changed = true;
    } else if (c === 0x5c && BYTE_ESCAPE.test(p.slice(i + 1, i + 4))) {
      flush();
      bytes.push(parseInt(p.slice(i + 2, i + 4), 16));
      i += 3;
      changed = true;
    } else if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && p.charCodeAt(i - 1) >= 0xd800 && p.charCodeAt(i - 1) <= 0xdbff)) {
      flush();
      bytes.push(c - 0xdc00);
      changed = true;
    } else run += p[i];
  }
  if (!changed) return p;
  flush();
  return Buffer.from(bytes);
}

/** The text of a path as the user typed it (argv, a recipe), written in the escaped form: only its backslashes can change. */
export function nameFromText(p: string): string {
  return p.includes('\\') ? nameFromBytes(Buffer.from(p, 'utf8')) : p;
}

/** A path for messages: as everywhere (escaped bytes as `\xNN`), and control and bidi characters escaped (core/show.ts). */
export function showPath(p: string): string {
  return showText(p).replace(LONE, (c) => `\\x${hex2(c.charCodeAt(0) - 0xdc00)}`);
}

/** `readdir` with each name as `nameFromBytes` text. */
export async function readNames(dir: string): Promise<Dirent[]> {
  const entries = await readdir(fsPath(dir), { withFileTypes: true, encoding: 'buffer' });
  return entries.map((e) => Object.assign(e, { name: nameFromBytes(e.name as unknown as Buffer) }) as unknown as Dirent);
}

/** `realpath` keeping escaped bytes escaped. */
export async function realPath(p: string): Promise<string> {
  return nameFromBytes(await realpath(fsPath(p), { encoding: 'buffer' }));
}

