import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import type { OptionsSpec } from '../core/options.js';
import { kebabCase, parseWhole } from '../core/options.js';
import { showText } from '../core/show.js';
import { didYouMean } from '../core/suggest.js';

/** A CLI flag: its name, whether it takes a value, and its help line. */
export interface Flag {
  name: string;
  short?: string;
  /** `string` takes a value; `boolean` is a switch. */
  type: 'string' | 'boolean';
  /** Placeholder shown in help, e.g. `FILE`. */
  arg?: string;
  help: string;
  multiple?: boolean;
}

/** Parsed command line: flag values and positionals. */
export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  /**
   * For a repeatable flag (`-i`), the positionals that came right after one of its values, before
   * the next option: `-i data/*.jsonl` expanded by the shell gives `-i a.jsonl b.jsonl`, and `b.jsonl`
   * is listed here (it is in `positionals` too). A command that takes them as more values says so.
   */
  following: Record<string, string[]>;
}

/** `--limit -1`: the flag needs a value and the next word starts with a dash; say how to give it. */
function ambiguousText(flag: string, msg: string, argv: string[]): string {
  const long = /use '(--[^'=]*)=-XYZ'/.exec(msg)?.[1] ?? flag;
  const i = argv.indexOf(flag);
  const next = i >= 0 && i + 1 < argv.length ? argv[i + 1] : undefined;
  return next === undefined
    ? `option '${showText(flag)}' needs a value; a value that starts with a dash is written '${showText(long)}=-VALUE'`
    : `option '${showText(flag)}' needs a value, and the word after it, '${showText(next)}', starts with a dash: if that is the value, write '${showText(long)}=${showText(next)}'`;
}

/**
 * For an unknown `--name` no flag's name is close to, the flags that take the word given with it
 * as their value, or are named by it: `dedup --mode exact` -> '--method exact' or '--exact'
 * (new-user review 23b C9: no suggestion, where `--compression` got '--compress'). '' for none.
 */
function byValue(name: string, argv: readonly string[], flags: readonly Flag[]): string {
  // `--mode exact` or `--mode=exact`.
  const at = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const value = at < 0 ? undefined : argv[at].includes('=') ? argv[at].slice(argv[at].indexOf('=') + 1) : argv[at + 1];
  if (value === undefined || value === '' || value.startsWith('-')) return '';
  const taking = flags.filter((f) => f.type === 'string' && f.arg !== undefined && f.arg.split('|').includes(value)).map((f) => `'--${f.name} ${value}'`);
  const named = flags.filter((f) => f.type === 'boolean' && f.name === value).map((f) => `'--${f.name}'`);
  const all = [...taking, ...named];
  return all.length === 0 ? '' : `; did you mean ${all.join(' or ')}?`;
}

/**
 * Parse argv strictly: an unknown flag is a usage error that names the closest flag and says
 * where to look. Of `--x` and `--no-x`, the last one given wins, as in GNU tools.
 */
export function parse(command: string, argv: string[], flags: readonly Flag[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of flags) options[f.name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  let r;
  try {
    r = parseArgs({ args: argv, options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(msg);
    // `--limit -1`: node's three-line message came out as one line with \x0a escapes (hostile review 6 F19).
    const ambiguous = /^Option '([^']*)' argument is ambiguous/.exec(msg);
    const text = unknown
      ? `unknown option '${unknown[1]}${showText(unknown[2])}'${unknown[1] === '--' ? didYouMean(unknown[2], flags.map((f) => f.name), (c) => `'--${c}'`) || byValue(unknown[2], argv, flags) : ''}`
      : ambiguous
        ? ambiguousText(ambiguous[1], msg, argv)
        : (msg.charAt(0).toLowerCase() + msg.slice(1)).replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${command}: ${text}`, [`see 'corpus-clean ${command} --help'`]);
  }
  const values = r.values as Parsed['values'];
  // A single-value option given twice (`-o a -o b`, `--workers 8 --workers 2`) took the last
  // one without a word (hostile review 10 F45): one of the two is a mistake, so neither is guessed.
  const seen = new Map<string, string>();
  for (const t of r.tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined || options[t.name]?.multiple === true) continue;
    const first = seen.get(t.name);
    if (first === undefined) {
      seen.set(t.name, t.value);
      continue;
    }
    const short = options[t.name]?.short;
    // A list in one value (`--block a.txt,b.txt`, `--text-field a,b`): given twice, the first
    // list was dropped; the message shows the one value that keeps both.
    const list = flags.find((f) => f.name === t.name)?.arg?.includes(',') === true;
    const how = list ? `it takes one comma-separated list: --${t.name} '${showText(`${first},${t.value}`)}'` : 'it takes one value: give it once';
    throw new UsageError(`${command}: option '--${t.name}'${short === undefined ? '' : ` (-${short})`} is given twice ('${showText(first)}', then '${showText(t.value)}'); ${how}`, [`see 'corpus-clean ${command} --help'`]);
  }
  const last = new Map<string, number>();
  for (const t of r.tokens ?? []) if (t.kind === 'option') last.set(t.name, t.index);
  for (const f of flags) {
    if (f.type !== 'boolean' || !f.name.startsWith('no-')) continue;
    const pos = f.name.slice(3);
    if (values[f.name] === true && values[pos] === true) delete values[(last.get(pos) ?? 0) > (last.get(f.name) ?? 0) ? f.name : pos];
  }
  const following: Record<string, string[]> = {};
  let after: string | undefined;
  for (const t of r.tokens ?? []) {
    if (t.kind === 'option') after = options[t.name]?.multiple === true && t.value !== undefined ? t.name : undefined;
    else if (t.kind === 'positional' && after !== undefined) (following[after] ??= []).push(t.value);
    else after = undefined;
  }
  return { values, positionals: r.positionals, following };
}

/** A size in the units it is written in: `64MiB` for 67108864, `4096` for what is no whole KiB. */
function sizeText(n: number): string {
  for (const [unit, b] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= b && n % b === 0) return `${n / b}${unit}`;
  return String(n);
}

/** Flags for a stage's options: `--min-score N`, `--flag`/`--no-flag`, and value shortcuts (`--exact`). */
export function stageFlags(spec: OptionsSpec): Flag[] {
  const flags: Flag[] = [];
  for (const [key, o] of Object.entries(spec)) {
    const name = kebabCase(key);
    const def = o.default === null ? 'off' : Array.isArray(o.default) ? o.default.join(',') || 'none' : o.type === 'size' && typeof o.default === 'number' ? sizeText(o.default) : String(o.default);
    // Some docs say their default in their own words; do not say it twice.
    const help = /\(default\b/.test(o.doc) ? o.doc : `${o.doc} (default ${def})`;
    if (o.type === 'boolean') {
      flags.push({ name, type: 'boolean', help });
      flags.push({ name: `no-${name}`, type: 'boolean', help: `turn --${name} off` });
      continue;
    }
    const arg = o.values ? o.values.join('|') : o.type === 'string[]' ? 'A,B,...' : o.type === 'string' ? 'VALUE' : o.type === 'size' ? 'SIZE' : 'N';
    flags.push({ name, type: 'string', arg, help });
    if (o.shortcuts && o.values) for (const v of o.values) flags.push({ name: v, type: 'boolean', help: `same as --${name} ${v}` });
  }
  return flags;
}

/** Collect a stage's options from parsed flag values (raw strings; the registry checks them). */
export function stageOptionValues(spec: OptionsSpec, values: Parsed['values']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(spec)) {
    const name = kebabCase(key);
    if (o.type === 'boolean') {
      if (values[name] === true && values[`no-${name}`] === true) throw new UsageError(`--${name} and --no-${name} contradict each other`);
      if (values[name] === true) out[key] = true;
      if (values[`no-${name}`] === true) out[key] = false;
      continue;
    }
    const picked = o.shortcuts && o.values ? o.values.filter((v) => values[v] === true) : [];
    if (picked.length > 1 || (picked.length === 1 && values[name] !== undefined)) {
      throw new UsageError(`choose one of ${[`--${name}`, ...(o.values ?? []).map((v) => `--${v}`)].join(', ')}`);
    }
    if (picked.length === 1) out[key] = picked[0];
    else if (values[name] !== undefined) out[key] = values[name];
  }
  return out;
}

/** `text` cut at spaces into lines of at most `width` characters (a longer word stays whole). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

/**
 * Render flags as help lines, aligned, each description wrapped to the terminal's width (100
 * columns off a terminal) under its own column (new-user review 8 #3: lines ran to 430 characters).
 */
export function flagHelp(flags: readonly Flag[], columns: number = process.stdout.isTTY ? (process.stdout.columns ?? 100) : 100): string {
  const left = flags.map((f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.arg ? ` ${f.arg}` : ''}`);
  const width = Math.min(34, Math.max(...left.map((l) => l.length)) + 2);
  const pad = ' '.repeat(2 + width);
  const text = Math.max(40, columns - 2 - width);
  return flags
    .map((f, i) => {
      const l = left[i];
      const body = wrapWords(f.help, text).join(`\n${pad}`);
      return l.length + 2 > width ? `  ${l}\n${pad}${body}` : `  ${l.padEnd(width)}${body}`;
    })
    .join('\n');
}

/**
 * A count given by a flag (`--workers 8`, `--shard-records 1000`): plain decimal digits, at
 * least `min`; undefined when the flag is absent. `1e9`, `0x10`, `8.0` and numbers past 2^53 are
 * usage errors: a count is never meant in those forms, and `--workers 1e9` was taken as a
 * billion.
 */
export function countFlag(v: unknown, flag: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = parseWhole(v);
  if (Number.isNaN(n) || n < min) {
    const what = min === 1 ? 'a positive integer' : min === 0 ? 'a whole number (0 or more)' : `a whole number >= ${min}`;
    throw new UsageError(`--${flag} must be ${what} in plain digits (e.g. 8), got '${showText(String(v))}'`);
  }
  return n;
}

/**
 * The order inputs are read in, said in the help of every command that takes inputs (new-user
 * review 22 A6: `cat b1.jsonl a2.jsonl` printed a2's records first, and only the README said why).
 * `stdin`: the command reads stdin, so files can be piped in in an order of one's own; `lead`: a
 * sentence of the command's own put before it.
 */
export function inputOrderHelp(stdin: boolean, lead = '', width = 95): string {
  const own = stdin ? 'pipe them in (cat b.jsonl a.jsonl | corpus-clean ...)' : 'join them into one file first (cat b.jsonl a.jsonl > ba.jsonl)';
  const text = `${lead}Files are read in the code-point order of their paths (made absolute; folders recursively, the same way), whatever order they are given in: part-10 before part-2, Z.jsonl before a.jsonl. So every run reads them alike and "the first copy" of a duplicate is the same everywhere; to read files in an order of your own, ${own}.`;
  return wrapWords(text, width).join('\n');
}
