import { Readable } from 'node:stream';
import { parse } from 'fast-csv';
import type { Doc } from '../../core/doc.js';
import { makeDoc } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
import { batchesOf } from '../events.js';
import type { ReadSettings } from './options.js';

const BATCH = 1000;

/**
 * Read CSV or TSV with a header row (fast-csv). Each row becomes a record keyed by the header;
 * values stay strings (a `repair` schema can coerce them). Sources are `file:N` where N is the
 * row's number counting the header as 1 (a quoted field spanning lines still counts as one
 * row). A row with the wrong number of columns is rejected as `csv_columns`.
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
  const rows = parse({ headers: true, delimiter, strictColumnHandling: true, ignoreEmpty: false, quote: delimiter === '\t' ? null : '"' });
  src.on('error', (e) => rows.destroy(e));
  // Valid and invalid rows arrive as events in file order; numbering them here keeps `file:N` exact.
  let row = 1;
  const take = (rec: Record<string, string>): Doc => makeDoc(rec, `${path}:${++row}`);
  const invalid = (bad: unknown): void => {
    const raw = Array.isArray(bad) ? bad.join(delimiter) : JSON.stringify(bad);
    events.reject({ reason: 'csv_columns', source: `${path}:${++row}`, raw: raw.slice(0, s.maxRawChars) });
  };
  const onEnd = (e: Error | null): void => {
    if (e) events.fileError({ file: path, message: e.message, recordsBefore: row - 1 });
  };
  src.pipe(rows);
  for await (const { items, seen } of batchesOf(rows, take, BATCH, onEnd, { 'data-invalid': invalid })) {
    events.read(seen, bytes);
    bytes = 0;
    if (items.length > 0) yield items;
  }
  if (bytes > 0) events.read(0, bytes);
}
