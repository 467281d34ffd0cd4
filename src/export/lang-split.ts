import type { Doc } from '../core/doc.js';
import { textFieldOf, type TextField } from '../core/doc.js';
import type { DocSink } from '../core/pipeline.js';
import { CHINESE_VARIETIES } from '../stages/langid/iso639.js';
import { emptyCounts, scanScripts } from '../stages/langid/script.js';
import { chatMessages } from './sample.js';

/** The type folders `--type by-lang` writes: Chinese records to `cn`, every other one to `en` (InternEvo's two text types). */
export const LANG_TYPES = ['cn', 'en'] as const;
export type LangType = (typeof LANG_TYPES)[number];

/** Characters of a text the script test reads (as `export`'s sampled default type does). */
const SCRIPT_CHARS = 4096;

/** The text of a record for the script test: a chat's messages joined, else its text field. */
export function sampleText(data: Record<string, unknown>, textField: TextField | undefined): string {
  try {
    const chat = chatMessages(data);
    if (chat !== null) {
      const t = chat.map((m) => m.content).join('\n');
      if (t !== '') return t;
    }
  } catch {
    // not a chat record: its text field below
  }
  const f = textFieldOf(data, textField);
  const t = f === undefined ? undefined : data[f];
  return typeof t === 'string' ? t : '';
}

/** Latin letters a Han character weighs against: about one English word's letters (a Han character is about a word). */
const HAN_WEIGHT = 4;

/**
 * True when the first SCRIPT_CHARS characters of `text` are Chinese text by their script: Han
 * characters outnumber kana and Hangul together (Japanese, Korean) and, weighed as a word each
 * (HAN_WEIGHT letters), the Latin letters. Counted letter for letter, Chinese technical text
 * (command lines, English names) went to en: 108 of the 127 records of the Debian handbook in
 * Chinese (hostile review 13 H1).
 */
export function mostlyHan(text: string): boolean {
  const c = emptyCounts();
  scanScripts(text, 0, Math.min(text.length, SCRIPT_CHARS), c);
  return c.han > 0 && c.han > c.kana + c.hangul && c.han * HAN_WEIGHT >= c.latin;
}

/**
 * The type folder of one record under `--type by-lang`: `cn` when its `attrs.lang` (written by
 * `langid`) is a Chinese variety, `en` when it names another language; a record without one is
 * `cn` when most letters of its text (a chat's messages) are Han, else `en`.
 */
export function langTypeOf(doc: Doc, textField: TextField | undefined): LangType {
  const lang = doc.attrs.lang;
  // The language's primary subtag decides (zh-Hant, zh_TW, ZH-cn: zh; hostile review 13 H2), and
  // ISO 639-2/3 zho/chi are zh too.
  if (typeof lang === 'string' && lang !== '') {
    const primary = lang.toLowerCase().split(/[-_]/)[0];
    return CHINESE_VARIETIES.has(primary) || primary === 'zho' || primary === 'chi' ? 'cn' : 'en';
  }
  return mostlyHan(sampleText(doc.data, textField)) ? 'cn' : 'en';
}

/**
 * A sink that hands each record to the sink of its type folder (`langTypeOf`), keeping the
 * order of the records within each: the datatrove user's `${language}` in an output name, for
 * InternEvo's type folders. Closing closes every sink; an abort aborts every one.
 */
export class LangSplitSink implements DocSink {
  /** Records given to each type folder. */
  readonly counts: Record<LangType, number> = { cn: 0, en: 0 };

  constructor(
    private readonly sinks: Record<LangType, DocSink>,
    private readonly textField: TextField | undefined,
  ) {}

  async write(batch: Doc[]): Promise<void> {
    const parts: Record<LangType, Doc[]> = { cn: [], en: [] };
    for (const d of batch) parts[langTypeOf(d, this.textField)].push(d);
    for (const t of LANG_TYPES) {
      if (parts[t].length === 0) continue;
      this.counts[t] += parts[t].length;
      await this.sinks[t].write(parts[t]);
    }
  }

  /** Every type folder's last shard written, none published (a hold-out finishes train/ and valid/ before it publishes either). */
  async finish(): Promise<void> {
    for (const t of LANG_TYPES) await (this.sinks[t] as DocSink & { finish?(): Promise<void> }).finish?.();
  }

  async close(): Promise<void> {
    // Every folder's last shard is written before any folder is published (hostile review 13 H3:
    // a kill -9 while cn/ was renamed into place, before en/ was finished, left cn/ looking done).
    await this.finish();
    for (const t of LANG_TYPES) await this.sinks[t].close();
  }

  async abort(): Promise<void> {
    await Promise.allSettled(LANG_TYPES.map((t) => this.sinks[t].abort()));
  }
}
