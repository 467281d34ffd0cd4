/**
 * Text from the data (file names, record keys) shown in terminal messages. A hostile corpus must
 * not reach the operator's terminal raw: an escape sequence could clear the screen or retitle
 * the window, a newline could forge an accounting line, a bidi override could reorder a name.
 * Control characters (C0, DEL, C1) and bidi controls are shown as `\xNN` / `\u{NNNN}`, as `ls`
 * and git quote names.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

/** `s` with every control or bidi character escaped; unchanged when it has none. */
export function showText(s: string): string {
  if (!UNSAFE.test(s)) return s;
  return s.replace(UNSAFE_ALL, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/**
 * A value from a recipe or the command line as a message shows it ("got ..."): JSON, except that
 * the numbers JSON has no word for are named (YAML `.nan` and `.inf` gave "got null": hostile
 * review 6 F19), a value that cannot be written as JSON is named by its type, and nothing raw.
 */
export function showValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN (.nan)' : v > 0 ? 'infinity (.inf)' : '-infinity (-.inf)';
  let json: string | undefined;
  try {
    json = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? x.toString() : x));
  } catch {
    json = undefined;
  }
  return showText(json ?? typeof v);
}

/** Each line of a (multi-line) message through showText: its line breaks kept, nothing else raw. */
export function showLines(s: string): string {
  return s.split('\n').map(showText).join('\n');
}

/**
 * The message of an error as one safe line: the one place where the text of an operating-system
 * error (Node appends the path raw: `ENOENT: ..., open 'a<newline>b'`) enters our messages. The
 * paths it carries (`path`, `dest`, also those of its `cause`) are shown as showText shows them,
 * and every other control character of the message is escaped too.
 */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return showText(String(e));
  let msg = e.message;
  for (let x: unknown = e, depth = 0; x instanceof Error && depth < 4; x = x.cause, depth++) {
    for (const k of ['path', 'dest'] as const) {
      const p = (x as { path?: unknown; dest?: unknown })[k];
      if (typeof p === 'string' && p !== showText(p)) msg = msg.split(p).join(showText(p));
    }
  }
  return showText(msg);
}

/** `n` and the noun, plural but for one: "1 task", "2 tasks" (new-user review 15 F18: "1 tasks"). */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
