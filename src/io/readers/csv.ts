import type { Doc } from '../../core/doc.js';
import { docAt } from '../../core/doc.js';
import { tooLarge } from './recordSize.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded, READ_CHUNK } from '../decode.js';
import { refuseWideBom } from './utf16.js';
import { isBlank, LineSplitter, validUtf8 } from '../lines.js';
import { unverifiedOf } from '../holdback.js';
import { BlankRuns } from './jsonl.js';
import type { ReadSettings } from './options.js';
import { rawFields, unverifiedReject } from './options.js';
import { setOwn } from '../../core/own.js';
import { fileErrorOf, nextChunk, stopsHere } from '../ioFailure.js';

const BATCH = 1000;
const QUOTE = 34;

interface Line {
  text: string;
  no: number;
  /** The line ended in CRLF (the splitter drops the CR): a quoted field spanning it keeps it (F43). */
  crlf?: boolean;
}

/** One record parsed from the front of the pending lines, or why it could not be. */
type Attempt = { fields: string[]; lines: number } | { more: true } | { quote: true };

/**
 * Parse one CSV record from `lines[from...]` (RFC 4180, with quotes inside an unquoted field,
 * or text after a closing quote, taken as text, as csv-parse's `relax_quotes` did). A quoted
 * field may span lines; `more` asks for the next line, `quote` says the quote is never closed in
 * the lines there are (only returned when `final`).
 */
function parseRecord(lines: readonly Line[], from: number, delim: number, quoting: boolean, final: boolean): Attempt {
  const fields: string[] = [];
  let li = from;
  let s = lines[li].text;
  let i = 0;
  for (;;) {
    // One field starting at s[i].
    if (quoting && s.charCodeAt(i) === QUOTE) {
      let value = '';
      let j = i + 1;
      let cur = s;
      let curLine = li;
      let closed = false;
      for (;;) {
        const q = cur.indexOf('"', j);
        if (q === -1) {
          value += cur.slice(j);
          if (curLine + 1 >= lines.length) return final ? { quote: true } : { more: true };
          // The line end inside the quotes is part of the value, as it was (RFC 4180; Python's csv keeps it).
          value += lines[curLine].crlf === true ? '\r\n' : '\n';
          curLine++;
          cur = lines[curLine].text;
          j = 0;
          continue;
        }
        value += cur.slice(j, q);
        if (cur.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          j = q + 2;
          continue;
        }
        j = q + 1;
        closed = true;
        break;
      }
      if (closed && (j === cur.length || cur.charCodeAt(j) === delim)) {
        fields.push(value);
        li = curLine;
        s = cur;
        if (j === cur.length) return { fields, lines: li - from + 1 };
        i = j + 1;
        continue;
      }
      // Text after the closing quote: the field is taken as it stands, up to the delimiter, on its first line.
    }
    const d = s.indexOf(String.fromCharCode(delim), i);
    if (d === -1) {
      fields.push(s.slice(i));
      return { fields, lines: li - from + 1 };
    }
    fields.push(s.slice(i, d));
    i = d + 1;
  }
}

/**
 * Read CSV or TSV with a header row. Each row becomes a record keyed by the header; values stay
 * strings (a `repair` schema can coerce them). Sources are `file:line` of the row's first line
 * (a quoted field may span lines). Nothing is lost: every physical line ends in a record or a
 * reject with its raw text. `csv_columns`: a row with the wrong number of fields. `csv_quote`: a
 * quote never closed (or a record over the size limit, or a multi-line record that does not
 * give a row): only its first line is rejected and reading starts again on the next line, so
 * one bad quote cannot swallow the rest of the file. `blank_line` (a run is one reject counted
 * as its lines), `invalid_utf8`, `line_too_long`, `truncated_input` (the unfinished end of a
 * damaged compressed file), `unverified` (each line decoded from a damaged `.gz`/`.zst` since its
 * last good check, and the lines of a row they would complete). A header with duplicate names keeps every column (the later ones
 * are read as `name_2`, ...); such a header, or one that looks like data (an empty or numeric
 * name), is counted and rejected as `csv_header` with the problem, so it is never silent.
 */
export async function* readCsv(path: string, events: ReadEvents, s: ReadSettings, delimiter: ',' | '\t', chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  const delim = delimiter.charCodeAt(0);
  const quoting = delimiter !== '\t';
  let header: string[] | null = null;
  let batch: Doc[] = [];
  let read = 0;
  let bytes = 0;
  const blanks = new BlankRuns(path, events);
  let pending: Line[] = [];
  let pendingBytes = 0;
  let start = 0;

  const reject = (reason: string, line: number, raw: string, detail?: Record<string, unknown>): void => {
    blanks.flush();
    read++;
    const r = rawFields(raw, s.maxRawChars);
    const d = r.detail || detail ? { ...r.detail, ...detail } : undefined;
    events.reject({ reason, source: `${path}:${line}`, raw: r.raw, ...(d ? { detail: d } : {}) });
  };

  const takeHeader = (fields: string[], line: Line): void => {
    const names = fields.map((f, i) => (i === 0 ? f.replace(/^\ufeff/, '') : f));
    // A later duplicate gets the first free `name_N`: free of every name the header spells too,
    // so `text,text_2,text` reads the third column as text_3, not over the real text_2.
    const taken = new Set(names);
    const seen = new Set<string>();
    const problems: string[] = [];
    header = names.map((name) => {
      if (!seen.has(name)) {
        seen.add(name);
        return name;
      }
      let n = 2;
      while (taken.has(`${name}_${n}`)) n++;
      const as = `${name}_${n}`;
      taken.add(as);
      problems.push(`duplicate column '${name}' (read as '${as}')`);
      return as;
    });
    const data = header.filter((h) => h.trim() === '' || /^[-+]?\d+(\.\d+)?$/.test(h.trim()));
    if (data.length > 0) problems.push(`the first row looks like data, not a header (${data.map((h) => `'${h}'`).join(', ')}); CSV/TSV inputs need a header row`);
    if (problems.length > 0) reject('csv_header', line.no, line.text, { problem: problems.join('; '), columns: header });
  };

  /** Parse what the pending lines hold; `final` at the end of the input. */
  const drainPending = (final: boolean): void => {
    while (start < pending.length) {
      const first = pending[start];
      if (first.text.trim() === '') {
        read++;
        blanks.add(first.no);
        start++;
        continue;
      }
      const over = pendingBytes > s.maxLineBytes;
      const a = parseRecord(pending, start, delim, quoting, final || over);
      if ('more' in a) break;
      if ('quote' in a) {
        // Never closed (or over the size limit): reject this line alone and start again on the next.
        reject('csv_quote', first.no, first.text, over ? { limit: s.maxLineBytes } : undefined);
        pendingBytes -= first.text.length;
        start++;
        continue;
      }
      const used = pending.slice(start, start + a.lines);
      if (header === null) {
        takeHeader(a.fields, first);
      } else if (a.fields.length !== header.length) {
        if (a.lines > 1) {
          // A quoted field that ran over lines and did not give a row: the quote is the suspect.
          reject('csv_quote', first.no, first.text, { error: `a quoted field spanning ${a.lines} lines gives ${a.fields.length} fields, the header has ${header.length}` });
          pendingBytes -= first.text.length;
          start++;
          continue;
        }
        reject('csv_columns', first.no, first.text, { error: `${a.fields.length} fields, the header has ${header.length}` });
      } else if (a.fields.some((f) => f.includes('\0'))) {
        // A row holding NUL bytes (a zeroed stretch after a crash, binary data) is not text.
        const raw = used.map((u) => u.text).join('\n');
        reject('binary_content', first.no, raw, { kind: 'NUL bytes', offset: raw.indexOf('\0') });
      } else {
        blanks.flush();
        read++;
        const record: Record<string, string> = {};
        for (let k = 0; k < header.length; k++) setOwn(record, header[k], a.fields[k]);
        // A row whose JSON line would be over the line limit (F47: escapes make it longer).
        const big = tooLarge(record, s.maxLineBytes, `${path}:${first.no}`);
        if (big !== undefined) events.reject(big);
        else batch.push(docAt(record, path, first.no));
      }
      for (const u of used) pendingBytes -= u.text.length;
      start += a.lines;
    }
    if (start > 0 && (start >= 1024 || start === pending.length)) {
      pending = pending.slice(start);
      start = 0;
    }
  };

  /** The lines now split come from unverified bytes (holdback.ts): each is an `unverified` reject. */
  let unverified = false;
  const rejectUnverified = (buf: Buffer, b: number, e: number, no: number, extra?: Record<string, unknown>): void => {
    blanks.flush();
    read++;
    events.reject(unverifiedReject(`${path}:${no}`, buf, b, e, s.maxRawChars, extra));
  };
  /** Unverified bytes begin: the lines waiting for the rest of their row (an open quote) would take some of them. */
  const toUnverified = (): void => {
    for (const l of pending.slice(start)) {
      const b = Buffer.from(l.text);
      rejectUnverified(b, 0, b.length, l.no);
    }
    pending = [];
    pendingBytes = 0;
    start = 0;
    unverified = true;
  };
  const splitter = new LineSplitter(
    (buf, b, e, no, utf8) => {
      if (no === 1 && buf[b] === 0xef && buf[b + 1] === 0xbb && buf[b + 2] === 0xbf) b += 3;
      if (unverified) {
        if (isBlank(buf, b, e)) {
          read++;
          return blanks.add(no);
        }
        return rejectUnverified(buf, b, e, no);
      }
      if (!utf8 && !validUtf8(buf, b, e)) {
        blanks.flush();
        read++;
        events.reject({ reason: 'invalid_utf8', source: `${path}:${no}`, raw_base64: buf.toString('base64', b, e) });
        return;
      }
      const text = buf.toString('utf8', b, e);
      // (The splitter drops a line's CR before its LF: then the byte at `e` is that CR.)
      pending.push(buf[e] === 13 ? { text, no, crlf: true } : { text, no });
      pendingBytes += text.length;
      if (pending.length - start === 1 || pendingBytes > s.maxLineBytes || pending[pending.length - 1].text.includes('"')) drainPending(false);
    },
    (head, n, no) => {
      drainPending(true);
      reject('line_too_long', no, head.toString('utf8'), { bytes: n, limit: s.maxLineBytes, raw_truncated: true });
    },
    s.maxLineBytes,
  );
  const flush = (): Doc[] => {
    events.read(read, bytes);
    read = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  const it = refuseWideBom(chunks ?? openDecoded(path))[Symbol.asyncIterator]();
  // Left before its end, its input is closed now, not by the garbage collector (new-user review 10 #20).
  try {
    for (;;) {
      let r = await nextChunk(it);
      // A stretch could only be read past by guessing where a row starts again.
      if (r instanceof Error) r = stopsHere(r, 'a CSV is not read on after a damaged zstd frame (a quoted field may span the stretch, so the rows after it could be misread)');
      if (r instanceof Error && unverified) {
        // Damaged input after unverified bytes: its unfinished last line is one of them.
        const partial = splitter.takePartial();
        const cut = partial !== null && partial.length > 0;
        if (cut) rejectUnverified(partial, 0, partial.length, splitter.lineNo + 1, { unfinished: true });
        blanks.flush();
        events.fileError(fileErrorOf(path, r, splitter.lineNo + (cut ? 1 : 0), cut));
        break;
      }
      if (r instanceof Error) {
        // Damaged input: the rows still pending and the unfinished last line are what it cut.
        drainPending(false);
        const partial = splitter.takePartial();
        const rest = pending.slice(start).map((l) => l.text);
        if (partial !== null && partial.length > 0) rest.push(partial.toString('utf8'));
        if (rest.length > 0) reject('truncated_input', pending[start]?.no ?? splitter.lineNo + 1, rest.join('\n'));
        pending = [];
        start = 0;
        blanks.flush();
        events.fileError(fileErrorOf(path, r, splitter.lineNo, rest.length > 0));
        break;
      }
      if (r.done) {
        splitter.end();
        drainPending(true);
        blanks.flush();
        break;
      }
      const held = unverifiedOf(r.value);
      if (held !== undefined) {
        if (!unverified) toUnverified();
        for (const h of held) {
          bytes += h.length;
          splitter.push(h);
        }
      } else {
        bytes += r.value.length;
        splitter.push(r.value);
      }
      // A batch is what a chunk of input holds, up to BATCH rows (as the JSONL reader's): 1,000 rows
      // of 10,000 columns were one batch of 50 MB, which the stages and writer took in one step,
      // a SIGTERM waiting for it (hostile review 6 F24).
      if (batch.length >= BATCH || read >= BATCH || (batch.length > 0 && bytes >= READ_CHUNK)) yield flush();
    }
    const b = flush();
    if (b.length > 0) yield b;
  } finally {
    await it.return?.(undefined);
  }
}
