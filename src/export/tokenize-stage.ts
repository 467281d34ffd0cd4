import type { Doc } from '../core/doc.js';
import { UsageError } from '../core/errors.js';
import type { StageFactory } from '../core/registry.js';
import type { Stage } from '../core/stage.js';
import { count, emptySummary, observe } from '../core/stats.js';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorText } from '../core/show.js';
import { showPath } from '../core/fsname.js';
import { SentencePieceTokenizer } from '../tokenize/tokenizer.js';
import type { SampleKind, SampleOptions } from './sample.js';
import { encodeSample, SampleError } from './sample.js';
import { toXtunerV1 } from './xtuner-v1.js';

/** Resolved options of the `tokenize` stage. */
export interface TokenizeOptions {
  /** Path of the SentencePiece `.model` file. Required for `internevo`, and for `xtuner-v1` with `minLength`. Default null. */
  tokenizer: string | null;
  /** `internevo`: token ids into `attrs.tokens` for `InternEvoWriter`; `xtuner-v1`: the record becomes `{"content"}` / `{"messages"}`. Default `internevo`. */
  format: 'internevo' | 'xtuner-v1';
  /** `auto`, `pretrain` or `chat` (see `encodeSample`). Default `auto`. */
  kind: SampleKind;
  /** Samples with fewer tokens are rejected as `too_short` (InternEvo keeps `length >= min_length`). Default 0 (off). */
  minLength: number;
  /** Add EOS after pretraining text. Default true. */
  eos: boolean;
  /** Split chat tokens written in pretraining text. Default false. */
  specialInText: boolean;
}

/** InternLM2's tokenizer model as this package ships it (Apache-2.0; fixtures/tokenizer/README.md). */
export const BUNDLED_INTERNLM2 = resolve(import.meta.dirname, '../../fixtures/tokenizer/internlm2.model');

/** The one help hint for a tokenizer model, shared by every command that takes one. */
export const TOKENIZER_HINT = "SentencePiece .model file (InternLM2's tokenizer.model is bundled: fixtures/tokenizer/internlm2.model in this package)";

/**
 * The words that end a message about a missing or wrong model: where the bundled InternLM2 model
 * is, as `how` gives it (`--tokenizer ` or `tokenizer: `; `at` where the stage cannot tell a command
 * line from a recipe, hostile review 15 F3); empty when the package lacks it.
 */
export function bundledTokenizer(how: '--tokenizer ' | 'tokenizer: ' | 'at'): string {
  if (!existsSync(BUNDLED_INTERNLM2)) return '';
  return how === 'at' ? `; InternLM2's is bundled at ${showPath(BUNDLED_INTERNLM2)}` : `; InternLM2's is bundled: ${how}${showPath(BUNDLED_INTERNLM2)}`;
}

/**
 * Load a tokenizer model for a command or a stage, or a usage error naming the file and what is
 * wrong with it: not found, a folder, or not a SentencePiece model (a Hugging Face
 * tokenizer.json, say), with where the bundled InternLM2 model is.
 */
export function loadTokenizer(path: string): SentencePieceTokenizer {
  const bundled = bundledTokenizer('--tokenizer ');
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`tokenizer model '${showPath(path)}' not found${bundled}`);
    if (code === 'EISDIR') throw new UsageError(`--tokenizer '${showPath(path)}' is a folder; give the .model file${bundled}`);
    throw new UsageError(`cannot read tokenizer model '${showPath(path)}': ${errorText(e)}`);
  }
  try {
    return SentencePieceTokenizer.fromBytes(bytes);
  } catch (e) {
    const hf = /\.json$/i.test(path) || bytes.subarray(0, 64).toString('latin1').trimStart().startsWith('{') ? ' (a Hugging Face tokenizer.json is not supported: give the SentencePiece tokenizer.model)' : '';
    throw new UsageError(`--tokenizer '${showPath(path)}' is not a SentencePiece .model file${hf}: ${errorText(e)}${bundled}`);
  }
}

/**
 * Options of the `tokenize` stage, as the registry, recipes and the CLI see them. The output kind
 * is `to` (as in `convert`), so that `--format` means the input format in every command; the
 * older name `format` is still accepted in recipes and the API.
 */
export const tokenizeOptionsSpec = {
  tokenizer: { type: 'string', default: null, nullable: true, path: true, doc: TOKENIZER_HINT },
  to: { type: 'string', default: 'internevo', values: ['internevo', 'xtuner-v1'], aliases: ['format'], doc: 'internevo: ids into attrs.tokens for the .bin writer; xtuner-v1: rewrite records as {"content"} / {"messages"}' },
  kind: { type: 'string', default: 'auto', values: ['auto', 'pretrain', 'chat'], doc: 'auto: chat when the record has messages/conversation, else pretraining text' },
  minLength: { type: 'integer', default: 0, min: 0, doc: 'reject samples with fewer tokens (reason too_short); 0 = off' },
  eos: { type: 'boolean', default: true, doc: 'append EOS to pretraining samples' },
  specialInText: { type: 'boolean', default: false, doc: 'treat <|im_start|> etc. written in pretraining text as chat tokens' },
} as const;

/**
 * Build the stage: per record, the sample's token ids (or its XTuner v1 form), rejecting records
 * that cannot be a sample (`no_text`, `text_empty`, `bad_messages`, `no_target`) or are shorter than
 * `minLength` tokens (`too_short`, with the count in the detail). Counters: `tokens`, `samples`;
 * summary `tokens_per_sample`.
 */
export function tokenizeStage(options: TokenizeOptions, tokenizer?: SentencePieceTokenizer): Stage {
  const tok = tokenizer ?? (options.tokenizer === null ? undefined : loadTokenizer(options.tokenizer));
  if (tok === undefined && (options.format === 'internevo' || options.minLength > 0)) {
    throw new UsageError(`tokenize: a tokenizer model is required${options.format === 'internevo' ? ' for internevo output' : ' with a minimum length'} (--tokenizer MODEL, or tokenizer: MODEL in a recipe)${bundledTokenizer('at')}`);
  }
  const sampleOpts: SampleOptions = { kind: options.kind, eos: options.eos, specialInText: options.specialInText };
  const minLength = options.minLength;
  return {
    name: 'tokenize',
    needsText: false,
    options: Object.freeze({ ...options }),
    async *run(batches, ctx) {
      const counters = ctx.stats.counters;
      const summary = (ctx.stats.summaries.tokens_per_sample ??= emptySummary());
      for await (const batch of batches) {
        const out: Doc[] = [];
        for (const doc of batch) {
          const opts = ctx.textField === undefined ? sampleOpts : { ...sampleOpts, textField: ctx.textField };
          try {
            if (options.format === 'xtuner-v1') {
              const rec = toXtunerV1(doc.data, opts);
              if (tok !== undefined && minLength > 0) {
                const n = encodeSample(doc.data, tok, opts).length;
                if (n < minLength) {
                  ctx.reject(doc, 'too_short', { tokens: n, minLength });
                  continue;
                }
              }
              doc.data = rec;
            } else {
              const ids = encodeSample(doc.data, tok!, opts);
              if (ids.length < minLength) {
                ctx.reject(doc, 'too_short', { tokens: ids.length, minLength });
                continue;
              }
              doc.attrs.tokens = ids;
              count(counters, 'tokens', ids.length);
              observe(summary, ids.length);
            }
            count(counters, 'samples');
            out.push(doc);
          } catch (e) {
            if (!(e instanceof SampleError)) throw e;
            ctx.reject(doc, e.reason, { message: e.message });
          }
        }
        if (out.length > 0) yield out;
      }
    },
  };
}

/** The `tokenize` stage factory: `tokenize --tokenizer M [--format internevo|xtuner-v1] [--min-length N]`. */
export const tokenize: StageFactory = {
  name: 'tokenize',
  summary: 'tokenize records for InternEvo shards (ids into attrs.tokens) or rewrite them for XTuner v1; rejects too_short',
  options: tokenizeOptionsSpec,
  create: ({ to, ...o }) => tokenizeStage({ ...o, format: to } as unknown as TokenizeOptions),
};
