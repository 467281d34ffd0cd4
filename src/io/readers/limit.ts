/**
 * `--limit N` (datatrove readers' `limit=`): read at most the first N records of a source, in
 * input order, counting every record read (good, bad or blank, as the accounting's `read`
 * counts them), then stop reading. Readers report rejects through events as they meet them and
 * hand over records in batches, so the cut is made on what one batch brought: its rejects and
 * records in input order (by their `file:line`, `file:row` or `file:[index]` position), the first
 * ones up to the limit passed on, the rest dropped as never read.
 */
import type { Doc } from '../../core/doc.js';
import type { DocSource, ReadEvents } from '../../core/pipeline.js';
import type { Reject } from '../../core/stage.js';

/** Whether a limited source stopped before the end of its input. */
export interface LimitState {
  /** True once records past the limit were met (the inputs hold more than N). */
  reached: boolean;
}

/** The position of a source (`file:12`, `file:[3]`) in its file, or undefined. */
function position(source: unknown): number | undefined {
  if (typeof source !== 'string') return undefined;
  const m = /:\[?(\d+)\]?$/.exec(source);
  return m === null ? undefined : Number(m[1]);
}

type Item = { file: number; at: number; order: number; doc?: Doc; reject?: { r: Omit<Reject, 'stage'>; n: number } };

/** `source` cut to its first `n` records; `state.reached` says whether it had more. */
export function limitRecords(source: DocSource, n: number, state: LimitState = { reached: false }): DocSource {
  return {
    async *read(events: ReadEvents) {
      let left = n;
      let file = 0;
      let order = 0;
      let pending: Item[] = [];
      let counted = 0;
      let bytes = 0;
      const inner: ReadEvents = {
        read(records, b) {
          counted += records;
          bytes += b;
        },
        reject(r, count = 1) {
          pending.push({ file, at: position(r.source) ?? Number.NEGATIVE_INFINITY, order: order++, reject: { r, n: count } });
        },
        file(path) {
          if (left <= 0) return;
          file++;
          events.file(path);
        },
        fileError(e) {
          if (left > 0) events.fileError(e);
        },
        // the records taken pass as read: their lines are still their JSON
        ...(events.recordText === true ? { recordText: true } : {}),
      };
      /** Pass on the first `left` of what the reader brought since the last batch; returns the records to yield. */
      const cut = (docs: Doc[]): Doc[] => {
        const items = pending;
        pending = [];
        const total = items.reduce((a, x) => a + x.reject!.n, docs.length);
        if (total <= left) {
          // All of it fits: the reader's own counts, as without a limit.
          for (const x of items) events.reject(x.reject!.r, x.reject!.n);
          events.read(counted, bytes);
          left -= total;
          counted = bytes = 0;
          return docs;
        }
        for (const d of docs) items.push({ file, at: position(d.source) ?? Number.POSITIVE_INFINITY, order: order++, doc: d });
        items.sort((a, b) => a.file - b.file || a.at - b.at || a.order - b.order);
        const out: Doc[] = [];
        let taken = 0;
        for (const x of items) {
          if (taken >= left) break;
          if (x.doc !== undefined) {
            out.push(x.doc);
            taken++;
          } else {
            const k = Math.min(x.reject!.n, left - taken);
            const r = x.reject!.r;
            // A run of blank lines cut short counts only the lines taken.
            events.reject(k === x.reject!.n ? r : { ...r, detail: { ...r.detail, lines: k, last_line: (position(r.source) ?? 0) + k - 1 } }, k);
            taken += k;
          }
        }
        events.read(taken, bytes);
        left -= taken;
        counted = bytes = 0;
        state.reached = true;
        return out;
      };
      const it = source.read(inner)[Symbol.asyncIterator]();
      try {
        while (left > 0) {
          const r = await it.next();
          const docs = cut(r.done === true ? [] : r.value);
          if (docs.length > 0) yield docs;
          if (r.done === true) return;
        }
        // Exactly N read: one more step of the reader says whether the input holds more.
        if (!state.reached) {
          const r = await it.next();
          if ((r.done !== true && r.value.length > 0) || pending.length > 0 || counted > 0) state.reached = true;
        }
      } finally {
        await it.return?.(undefined);
      }
    },
  };
}
