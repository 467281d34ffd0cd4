import { Readable } from 'node:stream';
import { parse } from 'fast-csv';
import type { Doc } from '../../core/doc.js';
import { makeDoc } from '../../core/doc.js';
import type { ReadEvents } from '../../core/pipeline.js';
import { openDecoded } from '../decode.js';
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
  let batch: Doc[] = [];
  let n = 0;
  let row = 1;
  let done = false;
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Valid and invalid rows arrive as events in file order; numbering them here keeps `file:N` exact.
  rows.on('data', (rec: Record<string, string>) => {
    row++;
    n++;
    batch.push(makeDoc(rec, `${path}:${row}`));
    if (batch.length >= BATCH) rows.pause();
    poke();
  });
  rows.on('data-invalid', (bad: unknown) => {
    row++;
    n++;
    const raw = Array.isArray(bad) ? bad.join(delimiter) : JSON.stringify(bad);
    events.reject({ reason: 'csv_columns', source: `${path}:${row}`, raw: raw.slice(0, s.maxRawChars) });
  });
  rows.on('end', () => {
    done = true;
    poke();
  });
  rows.on('error', (e: Error) => {
    failure = e;
    done = true;
    poke();
  });
  src.pipe(rows);
  const flush = (): Doc[] => {
    events.read(n, bytes);
    n = 0;
    bytes = 0;
    const b = batch;
    batch = [];
    return b;
  };
  for (;;) {
    if (batch.length >= BATCH || (done && (batch.length > 0 || n > 0))) {
      const b = flush();
      if (b.length > 0) yield b;
      if (rows.isPaused()) rows.resume();
      continue;
    }
    if (done) break;
    await new Promise<void>((r) => (wake = r));
  }
  if (failure !== null) events.fileError({ file: path, message: (failure as Error).message, recordsBefore: row - 1 });
}
