import { createHash } from 'node:crypto';
import type { JsonObject } from '../../core/doc.js';
import { textFieldOf } from '../../core/doc.js';
import { UsageError } from '../../core/errors.js';
import type { OptionsSpec } from '../../core/options.js';
import type { StageFactory } from '../../core/registry.js';
import type { Stage } from '../../core/stage.js';
import { docStage } from '../../core/stage.js';
import { count } from '../../core/stats.js';
import type { RepairKind } from './check.js';
import { checkConversation, checkToolDialogue, hasTools } from './check.js';
import type { InputFormat, OutputFormat } from './model.js';
import { INPUT_FORMATS, OUTPUT_FORMATS } from './model.js';
import type { AlpacaJoin, ReadResult } from './read.js';
import { detectFormat, isNoInput, readAlpaca, readOpenAi, readShareGpt, readText, readXtuner, seedSample } from './read.js';
import type { LossMode } from './write.js';
import { chatRecord, textRecord, toolsRecord } from './write.js';
import { hasOwn, setOwn } from '../../core/own.js';
import { showText } from '../../core/show.js';
import { adoptExact, indexExact, parseExact } from '../../io/json.js';

/**
 * The field an SFT sample turned into text with its own fields kept (`convert --to pretrain-text
 * --keep instruction,input,output`) carries: the SHA-1 (hex) of the text written. The convert
 * that rebuilds the sample from the kept fields rejects it as `convert:text_changed` when the text
 * no longer has that hash: a stage changed the text (pii, normalize), and the change is not in
 * the kept fields the sample is rebuilt from.
 */
export const SAMPLE_MARK = 'sample_text_sha1';

/** SHA-1 of a text's UTF-8 bytes, hex. */
function textSha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * The fields of each sample format: `core`, the ones whose keeping says the sample is to be
 * rebuilt later; `all`, every field its reader uses (all must then be kept).
 */
const SAMPLE_FIELDS: Record<'alpaca' | 'sharegpt' | 'openai' | 'xtuner', { core: string[]; all: string[] }> = {
  alpaca: { core: ['instruction', 'output'], all: ['instruction', 'input', 'output', 'system', 'history'] },
  sharegpt: { core: ['conversations'], all: ['conversations', 'system', 'tools'] },
  openai: { core: ['messages', 'dialogs'], all: ['messages', 'dialogs', 'tools'] },
  xtuner: { core: ['conversation'], all: ['conversation'] },
};

/** Options of `convert`, with their defaults. */
export const convertOptions: OptionsSpec = {
  from: { type: 'string', default: 'auto', values: INPUT_FORMATS, doc: 'input format; auto detects it per record' },
  to: { type: 'string', default: 'xtuner-conversation', values: OUTPUT_FORMATS, doc: 'output shape', shortcuts: true },
  system: { type: 'string', default: null, nullable: true, doc: 'system prompt for conversations that have none' },
  loss: {
    type: 'string',
    default: 'omit',
    values: ['omit', 'all'],
    doc: 'loss flags on every assistant turn (all) or on none (omit; a record with a turn marked no-loss, loss: false or OpenAI weight: 0, is then rejected as convert:loss_flag)',
  },
  alpacaJoin: {
    type: 'string',
    default: 'newline',
    values: ['newline', 'xtuner'],
    doc: "Alpaca prompt: instruction + '\\n' + input when input is set (newline), or always, as XTuner's alpaca_map_fn (xtuner)",
  },
  alpacaNoInput: {
    type: 'string',
    default: 'drop',
    values: ['drop', 'keep'],
    doc: "Alpaca inputs that mean there is none ('No input', '<noinput>', 'N/A', 'None', '无输入', '不适用' ..., in brackets or quotes, with a full stop: README \"Alpaca placeholder inputs\"): left out of the prompt, counted as repair:no_input_dropped (drop), or written as they are (keep)",
  },
  keep: { type: 'string[]', default: [], doc: 'top-level fields copied to the output (one JSON type each across the run)' },
  toolResults: {
    type: 'string',
    default: 'reject',
    values: ['reject', 'input'],
    doc: "XTuner v0 conversation only: a tool dialogue's results have no role there (its internlm2_chat template writes every input as a user turn; InternLM2 reads them in an environment turn): reject the dialogue as convert:tool_result_v0 (use --to xtuner-openai, whose tool messages XTuner v1 reads), or write each result as the next turn's input as XTuner's msagent_react_map_fn does with observations",
  },
  ktoField: {
    type: 'string',
    default: 'label',
    nullable: true,
    doc: 'KTO label field: a record whose label is false (an undesired answer) is rejected as convert:kto_undesired; null reads no label',
  },
};

/** The tool list of a record (`tools`, a JSON array or a JSON string of one), null when absent; a reason code when malformed. */
function readTools(data: JsonObject): unknown[] | null | string {
  let t = data.tools;
  if (t === undefined || t === null || t === '') return null;
  if (typeof t === 'string') {
    try {
      t = parseExact(t);
    } catch {
      return 'convert:bad_tools';
    }
  }
  return Array.isArray(t) ? t : 'convert:bad_tools';
}

function jsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Build the convert stage. Counters: `from:<format>`, `repair:<kind>` (see `RepairKind`),
 * `records_repaired`, `keep_missing:<field>`, `keep_type:<field>:<JSON type>`.
 */
export function createConvert(options: Record<string, unknown>): Stage {
  const from = options.from as InputFormat;
  const to = options.to as OutputFormat;
  const system = options.system as string | null;
  const loss = options.loss as LossMode;
  const join = options.alpacaJoin as AlpacaJoin;
  const noInput = options.alpacaNoInput as 'drop' | 'keep';
  const keep = options.keep as string[];
  const ktoField = options.ktoField as string | null;
  const toolResultsAsInput = options.toolResults === 'input';
  // A text output may keep a chat's own fields (messages, conversation, tools), to convert the
  // sample back after the text stages (README "Cleaning SFT samples").
  const pretrain = to === 'pretrain-text' || to === 'pretrain-content';
  for (const k of keep) {
    if (k === 'text' || k === 'content' || (!pretrain && (k === 'conversation' || k === 'messages' || k === 'tools'))) {
      throw new UsageError(`convert: option 'keep' cannot name '${showText(k)}', the output's own field`);
    }
  }
  const repairs: RepairKind[] = [];
  return docStage({
    name: 'convert',
    needsText: false,
    options,
    apply(doc, ctx) {
      const counters = ctx.stats.counters;
      const data = doc.data as JsonObject | unknown[];
      // A record holding numbers a double cannot hold as written: where each object and array
      // sits, so that those the output takes (tools, call arguments, kept fields) keep their digits.
      indexExact(data);
      let fmt = from === 'auto' ? detectFormat(data) : from;
      // A record that --from's reader rejects but that looks like another format: counted
      // (`looks_like:alpaca`), so the end of the run can name the --from it needs.
      const misread = (reason: string): string => {
        if (from !== 'auto') {
          const seen = detectFormat(data);
          if (seen !== null && seen !== from) count(counters, `looks_like:${seen}`);
        }
        return reason;
      };
      if (fmt === null && !Array.isArray(data) && textFieldOf(data, ctx.textField) !== undefined) fmt = 'text';
      if (fmt === null) return 'convert:unknown_format';
      if (Array.isArray(data) && fmt !== 'openai') return misread('convert:unknown_format');
      count(counters, `from:${fmt}`);
      const obj = data as JsonObject;
      // A sample taken apart by an earlier convert --to pretrain-text --keep (the SFT round trip):
      // it is rebuilt from the kept fields, so a change made to its text since (pii, normalize,
      // paragraphs) would be lost without a word: the record is a reject instead (new-user review 10 #4).
      if (fmt !== 'text' && !Array.isArray(data) && hasOwn(obj, SAMPLE_MARK)) {
        const f = textFieldOf(obj, ctx.textField);
        const now = f === undefined ? undefined : obj[f];
        if (typeof now !== 'string' || textSha1(now) !== obj[SAMPLE_MARK]) return 'convert:text_changed';
      }
      // A seed task of one instance is that Alpaca record (ux14's note; new-user review 13 #10).
      const seed = fmt === 'alpaca' ? seedSample(obj) : undefined;
      if (typeof seed === 'string') return misread(seed);
      const alpaca = seed ?? obj;
      let parsed: ReadResult;
      switch (fmt) {
        case 'alpaca':
          parsed = readAlpaca(alpaca, join, noInput);
          break;
        case 'sharegpt':
          parsed = readShareGpt(obj);
          break;
        case 'openai':
          parsed = readOpenAi(data);
          break;
        case 'xtuner':
          parsed = readXtuner(obj);
          break;
        case 'text':
          parsed = readText(obj, ctx.textField);
          break;
      }
      if (typeof parsed === 'string') return misread(parsed);
      let out: JsonObject;
      repairs.length = 0;
      if (fmt === 'alpaca' && noInput === 'drop' && typeof alpaca.input === 'string' && alpaca.input !== '' && isNoInput(alpaca.input)) repairs.push('no_input_dropped');
      if (parsed.kind === 'text') {
        if (parsed.text.trim() === '') return 'convert:empty_turn';
        out = textRecord(parsed.text, to);
      } else {
        // KTO (LLaMA-Factory's kto_tag): a `false` label marks an answer NOT to imitate. XTuner's
        // SFT loaders have no such flag and its preference loaders (DPO, ORPO, reward) need
        // paired prompt/chosen/rejected records, so an unpaired undesired answer is rejected.
        if (ktoField !== null && !Array.isArray(data)) {
          const label = obj[ktoField];
          if (label === false || label === 'false') return 'convert:kto_undesired';
          if (label === true || label === 'true') count(counters, 'kto_desired');
        }
        if (hasTools(parsed.messages)) {
          const tools = Array.isArray(data) ? null : readTools(obj);
          if (typeof tools === 'string') return tools;
          const c = checkToolDialogue(parsed.messages, system, repairs);
          if (typeof c === 'string') return c;
          const answers = c.messages.filter((m) => m.role === 'assistant');
          if (answers.length > 0 && answers.every((m) => m.loss === false)) return 'convert:no_loss_turn';
          if (loss === 'omit' && c.messages.some((m) => m.loss === false)) return 'convert:loss_flag';
          // XTuner v0's turns are {system, input, output}: a tool result would be rendered as
          // the user's words. A call that is the dialogue's last word has no result to place.
          if (to === 'xtuner-conversation' && !toolResultsAsInput && c.messages.some((m) => m.role === 'tool')) return 'convert:tool_result_v0';
          count(counters, 'tool_dialogues');
          out = toolsRecord(c, tools, to, loss);
        } else {
          const c = checkConversation(parsed.messages, system, repairs);
          if (typeof c === 'string') return c;
          // Every answer marked no-loss (loss: false, weight: 0): nothing to train on; XTuner drops such a row silently.
          if (c.pairs.every((p) => p.assistant.loss === false)) return 'convert:no_loss_turn';
          if (loss === 'omit' && c.pairs.some((p) => p.assistant.loss === false)) return 'convert:loss_flag';
          out = chatRecord(c, to, loss);
        }
      }
      // A lone UTF-16 surrogate has no UTF-8 bytes: a tokenizer fails on it (Rust/HF: "surrogates
      // not allowed") or reads U+FFFD, hours into training. A reject here, as in export (hostile review 8 F22).
      if (!wellFormedStrings(out)) return 'convert:lone_surrogate';
      // A NUL is no text (normalize removes it); the samples of export are rejected for it too.
      if (holdsNul(out)) return 'convert:nul_character';
      // The SFT round trip's first step (a sample to text, its own fields kept to convert it back):
      // every field of the sample's format that the record holds must be kept, or the last
      // convert rebuilds it without them (new-user review 10 #7: Alpaca `history` and `system`
      // left out gave a 1-turn sample); the text's SHA-1 goes beside it (SAMPLE_MARK).
      const sampleFields = fmt === 'text' || Array.isArray(data) || (to !== 'pretrain-text' && to !== 'pretrain-content') ? undefined : SAMPLE_FIELDS[fmt];
      if (sampleFields !== undefined && sampleFields.core.some((k) => keep.includes(k))) {
        const left = sampleFields.all.filter((k) => !keep.includes(k) && hasOwn(obj, k) && obj[k] !== null && obj[k] !== '' && !(Array.isArray(obj[k]) && (obj[k] as unknown[]).length === 0));
        if (left.length > 0) {
          for (const k of left) count(counters, `keep_left_out:${k}`);
          return 'convert:keep_incomplete';
        }
        setOwn(out, SAMPLE_MARK, textSha1((out.text ?? out.content) as string));
      }
      for (const k of keep) {
        let v = Array.isArray(data) || !hasOwn(obj, k) ? undefined : obj[k];
        if (v === undefined) {
          count(counters, `keep_missing:${k}`);
          v = null;
        } else if (v !== null) {
          // Written as it came: a type rule decided by the first record would make the output
          // depend on record order (new-user review 7 #16). Types are counted per field, so the
          // end of the run can say when a field mixes them (one schema is what pyarrow wants).
          count(counters, `keep_type:${k}:${jsonType(v)}`);
        }
        setOwn(out, k, v);
      }
      if (repairs.length > 0) {
        count(counters, 'records_repaired');
        for (const r of repairs) count(counters, `repair:${r}`);
      }
      adoptExact(out, data, keep);
      doc.data = out;
      return undefined;
    },
  });
}

/**
 * `convert`: read Alpaca, ShareGPT, OpenAI messages, XTuner conversation or raw text (detected
 * per record, or `from`) and write one XTuner shape (`to`, default `xtuner-conversation`),
 * repairing what breaks XTuner where a rule can and rejecting the rest with a `convert:*` reason.
 */
export const convertStage: StageFactory = {
  name: 'convert',
  summary: 'convert Alpaca/ShareGPT/OpenAI/XTuner/text records to an XTuner format',
  options: convertOptions,
  create: createConvert,
};

/** True when a string in `v` (a record the conversion made) holds U+0000. */
function holdsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(holdsNul);
  if (v !== null && typeof v === 'object') {
    for (const k in v) if (holdsNul((v as Record<string, unknown>)[k])) return true;
  }
  return false;
}

/** True when every string in `v` (a record the conversion made: strings, arrays, objects) is well-formed UTF-16. */
function wellFormedStrings(v: unknown): boolean {
  if (typeof v === 'string') return (v as string & { isWellFormed(): boolean }).isWellFormed();
  if (Array.isArray(v)) return v.every(wellFormedStrings);
  if (v !== null && typeof v === 'object') {
    for (const k in v) if (!wellFormedStrings((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}
