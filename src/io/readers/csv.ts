import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Doc } from '../../core/doc.js';
import { docAt } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { batchesOf } from '../events.js';
import type { ReadSettings } from './options.js';

const BATCH = 1000;

interface Parsed {
  record: Record<string, string>;
  raw: string;
}

interface Skipped extends Error {
  code?: string;
  raw?: string;
}

/** Lines a record's raw text spans (its terminator included). */
function linesOf(raw: string): number {
  let n = 0;
  for (let i = raw.indexOf('\n'); i !== -1; i = raw.indexOf('\n', i + 1)) n++;
  return raw.endsWith('\n') ? n : n + 1;
}

/** Stable reason codes for csv-parse's record errors. */
function reasonOf(e: Skipped): string {
  if (e.raw !== undefined && e.raw.trim() === '') return 'blank_line';
  if (e.code === 'CSV_RECORD_INCONSISTENT_COLUMNS' || e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') return 'csv_columns';
  if (e.code?.includes('QUOTE')) return 'csv_quote';
  return 'csv_parse';
}

/**
 * Read CSV or TSV with a header row (csv-parse). Each row becomes a record keyed by the header;
 * values stay strings (a `repair` schema can coerce them). Sources are `file:line` of the row's
 * first line (a quoted field may span lines). A bad row is rejected with its raw text and the
 * reading goes on: `csv_columns` (wrong number of fields), `csv_quote` (a quote never closed),
 * `blank_line`, `csv_parse`. Quotes inside an unquoted field are taken as text (`relax_quotes`).
 *
 * Why not fast-csv, which the design named: on a malformed quote it ends the stream and drops
 * the rows already parsed in the same chunk; csv-parse skips just the bad row and says which.
 */
export async function* readCsv(path: string, events: ReadEvents, s: ReadSettings, delimiter: ',' | '\t', chunks?: AsyncIterable<Buffer>): AsyncGenerator<Doc[]> {
  let bytes = 0;
  async function* counted(): AsyncGenerator<Buffer> {
    for await (const c of chunks ?? openDecoded(path)) {
      bytes += c.length;
      yield c;
    }
  }
  const src = Readable.from(counted());
  const rows = parse({
    columns: true,
    delimiter,
    quote: delimiter === '\t' ? false : '"',
    bom: true,
    raw: true,
    relax_quotes: true,
    skip_empty_lines: false,
    skip_records_with_error: true,
  });
  src.on('error', (e) => rows.destroy(e));
  // The header is line 1; every record and every skipped record accounts for its lines, in order.
  let line = 1;
  const take = (p: Parsed): Doc => {
    const doc = docAt(p.record, path, line + 1);
    line += linesOf(p.raw);
    return doc;
  };
  const skip = (e: unknown): void => {
    const err = e as Skipped;
    const raw = err.raw ?? '';
    events.reject({ reason: reasonOf(err), source: `${path}:${line + 1}`, raw: raw.replace(/\r?\n$/, '').slice(0, s.maxRawChars), detail: { error: err.message } });
    line += Math.max(1, linesOf(raw));
  };
  const onEnd = (e: Error | null): void => {
    if (e) events.fileError({ file: path, message: e.message, recordsBefore: line - 1 });
  };
  src.pipe(rows);
  for await (const { items, seen } of batchesOf(rows, take, BATCH, onEnd, { skip })) {
    events.read(seen, bytes);
    bytes = 0;
    if (items.length > 0) yield items;
  }
  if (bytes > 0) events.read(0, bytes);
}
