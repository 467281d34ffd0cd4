import { isUtf8 } from 'node:buffer';
import type { ReadEvents } from '../../core/pipeline.js';

/** Input formats. `auto` decides by extension (and, for `.json` and stdin, by the first byte). */
export type InputFormat = 'auto' | 'jsonl' | 'json' | 'csv' | 'tsv' | 'txt' | 'parquet' | 'warc' | 'html';

/** Every input format, `auto` first (for option checks and `--help`). */
export const INPUT_FORMATS: readonly InputFormat[] = ['auto', 'jsonl', 'json', 'csv', 'tsv', 'txt', 'parquet', 'warc', 'html'];

/** Reader options. */
export interface ReadOptions {
  /** Input format; default `auto`. */
  format?: InputFormat;
  /** `.txt` inputs: one record per file (default) or one per non-blank line. */
  txtMode?: 'file' | 'line';
  /** Longer lines are rejected as `line_too_long` instead of held in memory; default 64 MiB. */
  maxLineBytes?: number;
  /** Raw lines kept in rejects are cut to this many characters (saying so); default 64 Mi, the line limit, so a line is kept whole. */
  maxRawChars?: number;
  /** A JSONL line holding an array becomes `{[wrapArrays]: array}` (e.g. `messages`); default off (`not_object`). */
  wrapArrays?: string;
  /** Check the page checksums of Parquet files (PageHeader.crc, where a page has one); default true. False only to measure what it costs (bench/parquet-crc.ts). */
  parquetPageChecks?: boolean;
  /**
   * `.html` and WARC inputs: by default the reader extracts each page's main text (`text`, `title`).
   * With a field name, it keeps the decoded page unextracted in that field instead, for an
   * `extract` stage to do the extraction with its own options (the CLI sets this when a command's
   * or recipe's first stage is `extract`).
   */
  htmlField?: string;
}

/** Resolved reader options. */
export interface ReadSettings {
  format: InputFormat;
  txtMode: 'file' | 'line';
  maxLineBytes: number;
  maxRawChars: number;
  wrapArrays: string | undefined;
  parquetPageChecks: boolean;
  htmlField: string | undefined;
}

export function readSettings(o: ReadOptions = {}): ReadSettings {
  return {
    format: o.format ?? 'auto',
    txtMode: o.txtMode ?? 'file',
    maxLineBytes: o.maxLineBytes ?? 64 << 20,
    maxRawChars: o.maxRawChars ?? o.maxLineBytes ?? 64 << 20,
    wrapArrays: o.wrapArrays,
    parquetPageChecks: o.parquetPageChecks ?? true,
    htmlField: o.htmlField,
  };
}

/**
 * The `htmlField` reader option for a list of stages: when the first is `extract`, `.html` and
 * WARC pages are kept for it in its `field` (default `html`) instead of being extracted by the
 * reader, so that its `method` and other options apply to them.
 */
export function htmlFieldFor(first: { name: string; options: Readonly<Record<string, unknown>> } | undefined): string | undefined {
  if (first?.name !== 'extract') return undefined;
  const field = first.options.field;
  return typeof field === 'string' ? field : 'html';
}

/** Cut a raw line for the rejects file, saying so when it was cut. */
export function rawFields(raw: string, max: number): { raw: string; detail?: Record<string, unknown> } {
  if (raw.length <= max) return { raw };
  return { raw: raw.slice(0, max), detail: { raw_truncated: true, raw_chars: raw.length } };
}

/** Reader function shared by every format. */
export type FormatReader = (path: string, events: ReadEvents, s: ReadSettings) => AsyncGenerator<import('../../core/doc.js').Doc[]>;

/**
 * The reject of a line (or row, or element) decoded from bytes whose check failed or could not
 * be made (a damaged `.gz`/`.zst`: holdback.ts `unverifiedChunk`): `unverified`, with its raw
 * text (in base64 when it is not UTF-8), never a record. `extra`: `unfinished` for the last,
 * partial line before the damage.
 */
export function unverifiedReject(source: string, buf: Buffer, start: number, end: number, maxRawChars: number, extra?: Record<string, unknown>): Omit<import('../../core/stage.js').Reject, 'stage'> {
  if (!isUtf8(buf.subarray(start, end))) return { reason: 'unverified', source, raw_base64: buf.toString('base64', start, end), ...(extra ? { detail: extra } : {}) };
  const r = rawFields(buf.toString('utf8', start, end), maxRawChars);
  const detail = r.detail || extra ? { ...r.detail, ...extra } : undefined;
  return { reason: 'unverified', source, raw: r.raw, ...(detail ? { detail } : {}) };
}
