/**
 * `paragraphs`: remove paragraphs (or lines) that recur in many documents of the corpus —
 * navigation, cookie notices, copyright footers, 转载请注明出处 — as CCNet and datatrove do with
 * lines and dolma with paragraphs. Every occurrence of a unit found in at least
 * `min_occurrences` documents is removed, so the result depends only on the corpus, never on
 * the order of records or tasks. Every record counts, copies too: a line of 3 pages given twice
 * is in 6 documents, so a recipe removes exact copies first (`dedup` method exact before this
 * stage, as rules/recipes/web-*.yaml do; new-user review 22 A2). Counting each distinct text once
 * here would need that same global key table again. Counting uses a count-min sketch of fixed size (bounded
 * memory; a count is never under-estimated), and the one-process form spills records to a
 * temporary file between its two passes.
 *
 * A global stage: in the executor's phased form, every task counts its records into a sketch
 * (`collect`), one step adds the sketches up (`merge`), and every task removes the frequent
 * units from its own records (`apply`).
 */
import { readdir, rm } from 'node:fs/promises';
import { removeDeadTemporaries } from '../../io/outputs.js';
import { mkdtempSync, statSync } from 'node:fs';
import { atExit, removeTreeSync } from '../../io/atExit.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Doc } from '../../core/doc.js';
import { getText, setText } from '../../core/doc.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage, StageContext } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import { CountMinSketch, GrowingSketch, mergeSketchFile, type Counts } from './sketch.js';
import { checkSeal, sealFiles } from '../../core/workSeal.js';
import { readSpill, SpillWriter } from './spill.js';

export const paragraphsOptions: OptionsSpec = {
  unit: { type: 'string', default: 'paragraph', values: ['paragraph', 'line'], doc: 'what is counted and removed: paragraphs (split at blank lines) or lines' },
  minOccurrences: { type: 'integer', default: 5, min: 2, max: 255, doc: 'remove a unit found in at least this many documents; every copy of a document counts, so run dedup method exact before this stage (the bundled web recipes do)' },
  minLength: { type: 'integer', default: 10, min: 1, doc: 'units shorter than this (characters, trimmed) are never counted or removed' },
  minDocChars: { type: 'integer', default: 50, min: 0, doc: 'drop a document left with fewer non-space characters than this after removal (paragraphs:too_short)' },
  sketchBytes: { type: 'size', default: 64 * 1024 * 1024, min: 4096, max: 1024 * 1024 * 1024, doc: 'most memory of the count-min sketch (4 rows of 8-bit counters): the whole run\'s, loaded by every task that filters; a task\'s own sketch holds only the cells it touched while they are few (at most 1 GiB: files are read whole, and every worker holds one)' },
  holdBytes: { type: 'size', default: 256 * 1024 * 1024, min: 0, doc: 'one-process form: text held in memory between the two passes; past it, records spill to a temporary file' },
  spillDir: { type: 'string', default: null, nullable: true, path: true, doc: 'folder for the temporary spill of the one-process form (default: the system temp folder)' },
};

/** Reject reason of a document left too short. */
export const TOO_SHORT = 'paragraphs:too_short';
/** Every paragraph of the text was removed (only with min_doc_chars 0; else that is too_short). */
export const TEXT_EMPTY = 'paragraphs:text_empty';

/**
 * Two 32-bit hashes of a string's UTF-16 code units in one pass (FNV-1a and a multiply-rotate
 * hash, each finished with murmur3's mixer), written to `H[0]`, `H[1]` (H[1] odd, for double
 * hashing). Plain JavaScript: no UTF-8 encoding into WebAssembly memory per paragraph.
 */
const H = new Int32Array(2);
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
export function hash2(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b = (b << 13) | (b >>> 19);
  }
  H[0] = fmix(a ^ s.length);
  H[1] = fmix(b) | 1;
}

/** The units of a text and the separator that joins them again. */
function units(text: string, unit: string): { parts: string[]; sep: string } {
  if (unit === 'line') return { parts: text.split('\n'), sep: '\n' };
  return { parts: text.split(/\n[ \t]*\n/), sep: '\n\n' };
}

/** Counting and removal, shared by the one-process and the phased forms. */
export class ParagraphCounter {
  constructor(readonly opts: { unit: string; minOccurrences: number; minLength: number; minDocChars: number; sketchBytes: number }) {}

  /** Count the distinct long-enough units of one text into `sketch`. */
  count(text: string, sketch: Counts, seen: Set<number>): void {
    seen.clear();
    for (const p of units(text, this.opts.unit).parts) {
      const t = p.trim();
      if (t.length < this.opts.minLength) continue;
      hash2(t);
      const a = H[0];
      const b = H[1];
      const key = (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
      if (seen.has(key)) continue;
      seen.add(key);
      sketch.add(a, b);
    }
  }

  /** Remove frequent units from a record: returns a reject reason with its detail, or undefined (the text changed in place). */
  apply(doc: Doc, ctx: StageContext, sketch: Counts): { reason: string; detail?: Record<string, unknown> } | undefined {
    const text = getText(doc, ctx.textField);
    const { parts, sep } = units(text, this.opts.unit);
    const kept: string[] = [];
    let removed = 0;
    let bytes = 0;
    for (const p of parts) {
      const t = p.trim();
      if (t.length >= this.opts.minLength && (hash2(t), sketch.estimate(H[0], H[1])) >= this.opts.minOccurrences) {
        removed++;
        bytes += Buffer.byteLength(p) + 1;
      } else kept.push(p);
    }
    if (removed === 0) return undefined;
    const counters = ctx.stats.counters;
    count(counters, 'units_removed', removed);
    count(counters, 'bytes_removed', bytes);
    count(counters, 'docs_changed');
    doc.attrs.paragraphs = { removed };
    const next = kept.join(sep);
    let nonSpace = 0;
    const need = Math.max(1, this.opts.minDocChars);
    for (let i = 0; i < next.length && nonSpace < need; i++) if (next.charCodeAt(i) > 32 && next.charCodeAt(i) !== 0x3000) nonSpace++;
    // What was measured and the threshold (review-newuser7 #9: the reject said neither). The count
    // stops at the threshold, so below it, it is the whole count.
    if (nonSpace < this.opts.minDocChars) return { reason: TOO_SHORT, detail: { non_space_chars: nonSpace, min_doc_chars: this.opts.minDocChars, units_removed: removed } };
    // Every paragraph removed (min_doc_chars 0): an empty text is no document.
    if (nonSpace === 0) return { reason: TEXT_EMPTY, detail: { units_removed: removed } };
    setText(doc, next, ctx.textField);
    return undefined;
  }
}

/** Where a global stage keeps its files, and how many tasks the run has (the executor's scope). */
export interface ParagraphsScope {
  workDir: string;
  tasks: number;
}

const taskFile = (scope: ParagraphsScope, task: number): string => join(scope.workDir, `paragraphs-task-${task}.cms`);
const mergedFile = (scope: ParagraphsScope): string => join(scope.workDir, 'paragraphs-merged.cms');

/** Build the stage from resolved options. */
export async function createParagraphs(options: Record<string, unknown>): Promise<Stage> {
  const opts = {
    unit: options.unit as string,
    minOccurrences: options.minOccurrences as number,
    minLength: options.minLength as number,
    minDocChars: options.minDocChars as number,
    sketchBytes: options.sketchBytes as number,
  };
  const counter = new ParagraphCounter(opts);
  const spillDir = (options.spillDir as string | null) ?? tmpdir();
  const holdBytes = options.holdBytes as number;
  const frozen = Object.freeze({ ...options });

  /** A stage that filters records with a sketch loaded on first use. */
  const applyStage = (load: () => Promise<Counts>): Stage => ({
    name: 'paragraphs',
    needsText: true,
    options: frozen,
    async *run(batches, ctx) {
      let sketch: Counts | undefined;
      for await (const batch of batches) {
        sketch ??= await load();
        const out: Doc[] = [];
        for (const doc of batch) {
          const r = counter.apply(doc, ctx, sketch);
          if (r === undefined) out.push(doc);
          else ctx.reject(doc, r.reason, r.detail);
        }
        if (out.length > 0) yield out;
      }
    },
  });

  let merged: { key: string; sketch: Promise<CountMinSketch> } | undefined;
  const global = {
    collect(scope: ParagraphsScope, task: number): Stage {
      return {
        name: 'paragraphs',
        needsText: true,
        options: frozen,
        async *run(batches, ctx) {
          // As large as the task's distinct units need (a small task: a few KB), at most sketchBytes.
          const sketch = new GrowingSketch(opts.sketchBytes);
          const seen = new Set<number>();
          for await (const batch of batches) {
            for (const doc of batch) counter.count(getText(doc, ctx.textField), sketch, seen);
            yield batch;
          }
          await sketch.save(taskFile(scope, task));
          sealFiles(scope.workDir, { task }, [taskFile(scope, task)]);
        },
      };
    },
    steps(tasks: number) {
      return [
        {
          name: 'merge',
          units: 1,
          async run(scope: ParagraphsScope): Promise<Record<string, number>> {
            const total = new CountMinSketch(opts.sketchBytes);
            for (let t = 0; t < tasks; t++) {
              checkSeal(scope.workDir, { task: t });
              await mergeSketchFile(total, taskFile(scope, t));
            }
            try {
              await total.save(mergedFile(scope));
            } catch (e) {
              // Named (writeWorkFile), with the room it needs: the whole sketch, whatever the input's size (new-user review 19 F9).
              if (e instanceof Error && e.message.startsWith('cannot write ')) e.message += ` (the merged count-min sketch is sketch_bytes, ${opts.sketchBytes % (1 << 20) === 0 ? `${opts.sketchBytes / (1 << 20)} MiB` : `${opts.sketchBytes} bytes`}: free that much there, or give paragraphs a smaller sketch_bytes)`;
              throw e;
            }
            sealFiles(scope.workDir, { step: 0, unit: 0 }, [mergedFile(scope)]);
            return {};
          },
        },
      ];
    },
    apply(scope: ParagraphsScope): Stage {
      // Loaded once per worker for all its tasks (it was read again, sketchBytes, for every task).
      return applyStage(() => {
        const path = mergedFile(scope);
        const st = statSync(path);
        const key = `${path}\0${st.size}\0${st.mtimeMs}`;
        if (merged?.key !== key) {
          checkSeal(scope.workDir, { step: 0, unit: 0 });
          merged = { key, sketch: CountMinSketch.load(path, opts.sketchBytes) };
        }
        return merged.sketch;
      });
    },
  };

  const stage = {
    name: 'paragraphs',
    needsText: true,
    options: frozen,
    scope: 'global' as const,
    global,
    /**
     * One process: count every record, holding records in memory up to `holdBytes` of text and
     * spilling the rest to a temporary file, then filter them in their order.
     */
    async *run(batches: AsyncIterable<Doc[]>, ctx: StageContext): AsyncIterable<Doc[]> {
      const sketch = new GrowingSketch(opts.sketchBytes);
      const seen = new Set<number>();
      const held: Doc[][] = [];
      let heldBytes = 0;
      let dir: string | undefined;
      let out: SpillWriter | undefined;
      let offExit: (() => void) | undefined;
      const spill = async (batch: Doc[]): Promise<void> => {
        if (out === undefined) {
          // A signal ends the process with process.exit, which skips the `finally` below: the
          // spill is removed on exit too (review-hostile5 F8). The folder is made and its removal
          // registered in one synchronous step: made by an awaited mkdtemp, a signal handled
          // between the folder's making and the continuation left it behind, exit 143.
          const d = mkdtempSync(join(spillDir, `corpus-clean-paragraphs-${process.pid}-`));
          dir = d;
          // The spill file's open may still be under way in the thread pool at exit: removeTreeSync
          // lists the folder again when the file appeared after its first listing.
          offExit = atExit(() => removeTreeSync(d));
          out = new SpillWriter(join(dir, 'spill.bin'), { folder: spillDir, given: options.spillDir != null, holdBytes });
        }
        await out.write(batch, ctx.textField);
      };
      // The spill folders of killed runs (kill -9 skips the `finally` below) are removed when
      // their process is gone (the PID is in the name for that): at the start of every run, not
      // only of one that spills, so a later small run clears them too (review-hostile5 F8).
      await removeDeadTemporaries(spillDir, /^corpus-clean-paragraphs-(\d+)-/);
      try {
        for await (const batch of batches) {
          for (const doc of batch) {
            const t = getText(doc, ctx.textField);
            counter.count(t, sketch, seen);
            heldBytes += 2 * t.length;
          }
          if (out === undefined && heldBytes <= holdBytes) held.push(batch);
          else await spill(batch);
        }
        if (out !== undefined) await out.end();
        for (const batch of held) {
          const kept: Doc[] = [];
          for (const doc of batch) {
            const v = counter.apply(doc, ctx, sketch);
            if (v === undefined) kept.push(doc);
            else ctx.reject(doc, v.reason, v.detail);
          }
          if (kept.length > 0) yield kept;
        }
        held.length = 0;
        if (dir === undefined) return;
        for await (const spilled of readSpill(join(dir, 'spill.bin'))) {
          const kept: Doc[] = [];
          for (const doc of spilled) {
            const v = counter.apply(doc, ctx, sketch);
            if (v === undefined) kept.push(doc);
            else ctx.reject(doc, v.reason, v.detail);
          }
          if (kept.length > 0) yield kept;
        }
      } finally {
        out?.destroy();
        // Retried: after an early end the spill file's open may still be under way (see removeTreeSync).
        if (dir !== undefined) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
        offExit?.();
      }
    },
  };
  return stage as Stage;
}

/** Task sketch files left in a work folder (for tests and cleanup). */
export async function sketchFiles(workDir: string): Promise<string[]> {
  return (await readdir(workDir)).filter((f) => f.startsWith('paragraphs-')).sort();
}

/** The `paragraphs` stage factory. */
export const paragraphsStage: StageFactory = {
  name: 'paragraphs',
  summary: 'remove paragraphs or lines that recur in many documents (boilerplate) across the corpus; bounded memory, order-independent',
  options: paragraphsOptions,
  create: createParagraphs,
};
