import type { Doc, JsonObject } from '../../core/doc.js';
import type { Stage } from '../../core/stage.js';
import { outputRecord } from './jsonl.js';

/**
 * Column kinds of a written Parquet file. `json` holds any JSON value (nested objects, arrays,
 * and columns whose values mix kinds), so it is also the kind of a column seen only as null.
 */
export type ColumnKind = 'string' | 'boolean' | 'int64' | 'double' | 'json';

/** One column of the run's schema. */
export interface Column {
  name: string;
  kind: ColumnKind;
}

function kindOf(v: unknown): ColumnKind | null {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'number':
      // Past 2^53 a JS number is a double that happens to be whole: stored as DOUBLE it reads
      // back as the same number (the reader turns INT64 past 2^53 into decimal strings).
      return Number.isSafeInteger(v) ? 'int64' : 'double';
    default:
      return 'json';
  }
}

/** The kind a column takes when values of kinds `a` and `b` meet in its first row group. */
function widen(a: ColumnKind | null, b: ColumnKind | null): ColumnKind | null {
  if (a === null) return b;
  if (b === null || a === b) return a;
  if ((a === 'int64' && b === 'double') || (a === 'double' && b === 'int64')) return 'double';
  return 'json';
}

/** True when a value can be stored in a column of this kind without loss. */
export function fits(kind: ColumnKind, v: unknown): boolean {
  if (v === null || v === undefined || kind === 'json') return true;
  const k = kindOf(v);
  return k === kind || (kind === 'double' && k === 'int64');
}

/**
 * The schema of a run, taken from the records of its first row group: the columns in the
 * order their names first appear; a column whose values are all strings is a string column,
 * all integers an INT64 column, all numbers a DOUBLE column, all booleans a BOOLEAN column;
 * anything else (objects, arrays, mixed kinds, only nulls) a JSON column.
 */
export function inferSchema(records: readonly JsonObject[]): Column[] {
  const kinds = new Map<string, ColumnKind | null>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      const v = r[k];
      kinds.set(k, kinds.has(k) ? widen(kinds.get(k)!, kindOf(v)) : kindOf(v));
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, kind: kind ?? 'json' }));
}

/** Shared between the check stage and the writer: the schema, once it is known. */
export class SchemaHolder {
  columns: Column[] | null = null;
  private index = new Map<string, Column>();

  set(columns: Column[]): void {
    this.columns = columns;
    this.index = new Map(columns.map((c) => [c.name, c]));
  }

  /** Why a record does not fit the schema (a reason and the field), or null when it fits. */
  problem(r: JsonObject): { reason: string; detail: Record<string, unknown> } | null {
    for (const k of Object.keys(r)) {
      const c = this.index.get(k);
      const v = r[k];
      if (c === undefined) {
        if (v === null || v === undefined) continue;
        return { reason: 'parquet:new_field', detail: { field: k, columns: this.columns!.map((x) => x.name) } };
      }
      if (!fits(c.kind, v)) return { reason: 'parquet:type', detail: { field: k, expected: c.kind, got: kindOf(v) } };
    }
    return null;
  }
}

/**
 * The stage that keeps a Parquet run's schema stable, placed last before the Parquet writer: it
 * holds back the first `rowGroupSize` records to infer the schema (see `inferSchema`), then
 * rejects each record that does not fit, naming the field: `parquet:new_field` (a field the
 * schema has no column for) or `parquet:type` (a value of another kind, e.g. a string in an
 * INT64 column). Memory: one row group, which the writer holds anyway.
 */
export function parquetSchemaStage(holder: SchemaHolder, rowGroupSize: number, stripAttrs: boolean): Stage {
  return {
    name: 'parquet-schema',
    needsText: false,
    options: Object.freeze({ rowGroupSize }),
    async *run(batches, ctx) {
      let held: Doc[] = [];
      const check = (batch: Doc[]): Doc[] => {
        const out: Doc[] = [];
        for (const doc of batch) {
          const p = holder.problem(outputRecord(doc, stripAttrs));
          if (p === null) out.push(doc);
          else ctx.reject(doc, p.reason, p.detail);
        }
        return out;
      };
      for await (const batch of batches) {
        if (holder.columns === null) {
          held.push(...batch);
          if (held.length < rowGroupSize) continue;
          holder.set(inferSchema(held.slice(0, rowGroupSize).map((d) => outputRecord(d, stripAttrs))));
          const out = check(held);
          held = [];
          if (out.length > 0) yield out;
          continue;
        }
        const out = check(batch);
        if (out.length > 0) yield out;
      }
      if (holder.columns === null) {
        holder.set(inferSchema(held.map((d) => outputRecord(d, stripAttrs))));
        const out = check(held);
        if (out.length > 0) yield out;
      }
    },
  };
}
