import type { Dirent } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import { UsageError } from './errors.js';
import { showText } from './show.js';

/*
 * File names that are not UTF-8. Linux names are bytes; Node turns them into text as UTF-8 and
 * puts U+FFFD where a byte does not decode, so `caf\xe9.jsonl` and `caf\xe8.jsonl` both become
 * `caf\uFFFD.jsonl`, which names no file. Inside corpus-clean such a name is kept as text with
 * each undecodable byte NN held as the lone surrogate U+DCNN (Python's "surrogateescape", PEP 383):
 * lossless, and unambiguous because a name that is valid UTF-8 never holds a lone surrogate.
 * Files are opened through `fsPath`, which turns that text back into the original bytes. In JSON
 * (rejects, stats) the byte shows as the escape `\udcNN`; in messages as `\xNN` (`showPath`).
 */

/** Whether `name` holds an escaped byte (a lone U+DC80..U+DCFF). */
const ESCAPED = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** A name's bytes as text: UTF-8 where it decodes, each other byte NN as U+DCNN. */
export function nameFromBytes(b: Buffer): string {
  const text = b.toString('utf8');
  if (!text.includes('\uFFFD') || Buffer.from(text, 'utf8').equals(b)) return text;
  let out = '';
  let i = 0;
  while (i < b.length) {
    // The longest stretch from i (up to one character) that decodes and encodes back unchanged.
    let j = Math.min(b.length, i + 4);
    for (; j > i; j--) {
      const part = b.subarray(i, j);
      const t = part.toString('utf8');
      if (Buffer.from(t, 'utf8').equals(part)) {
        out += t;
        break;
      }
    }
    if (j > i) i = j;
    else out += String.fromCharCode(0xdc00 + b[i++]);
  }
  return out;
}

/** What to hand to `fs` for a path: the path itself, or its original bytes when it holds escaped bytes. */
export function fsPath(p: string): string | Buffer {
  if (!ESCAPED.test(p)) return p;
  const parts: Buffer[] = [];
  let run = '';
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    const lone = c >= 0xdc80 && c <= 0xdcff && !(i > 0 && p.charCodeAt(i - 1) >= 0xd800 && p.charCodeAt(i - 1) <= 0xdbff);
    if (lone) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.from([c - 0xdc00]));
      run = '';
    } else run += p[i];
  }
  parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** A path for messages: escaped bytes as `\xNN`, control and bidi characters escaped (core/show.ts). */
export function showPath(p: string): string {
  if (!ESCAPED.test(p)) return showText(p);
  return showText(p).replace(/(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`);
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

