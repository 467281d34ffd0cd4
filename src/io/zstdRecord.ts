/**
 * Which zstd codec a run's .zst files were written with, as `_stats.json` records it: apart from
 * the compressors (zstdEncode.ts), so that a command that writes no zstd, which still says what
 * it wrote with, does not load them (issue #16).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The compressors the writers can use, in the order they are tried. */
export const ZSTD_CODECS = ['node:zlib', '@toondepauw/node-zstd', 'zstd-codec'] as const;
/** One of `ZSTD_CODECS`. */
export type ZstdCodecName = (typeof ZSTD_CODECS)[number];

/**
 * A zstd codec as `_stats.json` names it (`zstd`): the compressed bytes a run writes depend on it
 * (its libzstd version, its block splits), so the README's byte-identity promise holds between
 * runs whose records name the same one (new-user review 13 #4).
 */
export interface ZstdCodecRecord {
  /** One of `ZSTD_CODECS`. */
  codec: ZstdCodecName;
  /** The package's version; for `node:zlib`, the Node version (and its libzstd, where Node says it). */
  version: string;
}

/** The codec this process's writers compressed with (`zstdEncoder()` without a name), once they have. */
let writtenWith: ZstdCodecName | undefined;

/** Note that the writers compressed with `name` (zstdEncode.ts, at `zstdEncoder()` without a name). */
export function zstdWrote(name: ZstdCodecName): void {
  writtenWith = name;
}

/**
 * The codec the writers of this process used, as `_stats.json` records it, or undefined when they
 * wrote no zstd (a codec asked for by name, as bench/zstd-codecs.ts does, is not counted).
 */
export function zstdWrittenWith(): ZstdCodecRecord | undefined {
  return writtenWith === undefined ? undefined : zstdCodecRecord(writtenWith);
}

/** A codec with its version. */
export function zstdCodecRecord(name: ZstdCodecName): ZstdCodecRecord {
  if (name === 'node:zlib') {
    const lib = (process.versions as Record<string, string | undefined>).zstd;
    return { codec: name, version: lib !== undefined ? `libzstd ${lib}, node ${process.version}` : `node ${process.version}` };
  }
  let version = 'unknown';
  try {
    version = String((require(`${name}/package.json`) as { version?: unknown }).version ?? version);
  } catch {
    // A package whose exports hide its package.json: the codec is still named.
  }
  return { codec: name, version };
}

/** The records of `lists` (per task, per segment), each codec and version once, in the order first seen. */
export function zstdRecords(lists: Iterable<readonly ZstdCodecRecord[] | ZstdCodecRecord | undefined>): ZstdCodecRecord[] {
  const out: ZstdCodecRecord[] = [];
  for (const l of lists) {
    for (const r of l === undefined ? [] : Array.isArray(l) ? l : [l as ZstdCodecRecord]) {
      if (!out.some((x) => x.codec === r.codec && x.version === r.version)) out.push({ codec: r.codec, version: r.version });
    }
  }
  return out;
}

/**
 * `_stats.json`'s `zstd` field: the codec the command's .zst files were written with, a list when
 * its tasks wrote with several (Slurm nodes or a resume on another install), nothing when none.
 */
export function zstdField(lists: Iterable<readonly ZstdCodecRecord[] | ZstdCodecRecord | undefined>): { zstd?: ZstdCodecRecord | ZstdCodecRecord[] } {
  const all = zstdRecords(lists);
  return all.length === 0 ? {} : { zstd: all.length === 1 ? all[0] : all };
}
