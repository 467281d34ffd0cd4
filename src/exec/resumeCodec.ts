import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zstdCodecName } from '../io/zstdEncode.js';
import { zstdCodecRecord, zstdRecords, type ZstdCodecRecord } from '../io/zstdRecord.js';

/**
 * The warning a resume gets when the finished task segments of the run wrote their .zst files
 * with another zstd codec (or version) than this install writes with: the files decode to the
 * same records, but their compressed bytes differ from those of a run on one install, and that
 * was said only at the end, in the merge's note (ux14's note). Undefined when they agree, or when
 * no finished segment wrote .zst (nothing to compare: a run without .zst output, or none done).
 */
export async function resumeCodecWarning(run: string): Promise<string | undefined> {
  const dir = join(run, '_work', 'stats');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const seen: ZstdCodecRecord[] = [];
  for (const n of names) {
    const text = await readFile(join(dir, n), 'utf8').catch(() => undefined);
    let zstd: unknown;
    try {
      zstd = text === undefined ? undefined : (JSON.parse(text) as { zstd?: unknown }).zstd;
    } catch {
      // A damaged segment's stats are the seal's to find (the merge redoes that task).
      continue;
    }
    if (zstd !== undefined && typeof (zstd as ZstdCodecRecord).codec === 'string') seen.push(zstd as ZstdCodecRecord);
  }
  if (seen.length === 0) return undefined;
  const here = zstdCodecRecord(await zstdCodecName());
  const before = zstdRecords([seen]);
  if (before.every((r) => r.codec === here.codec && r.version === here.version)) return undefined;
  const show = (r: ZstdCodecRecord): string => `${r.codec} ${r.version}`;
  return `the finished tasks of this run wrote their .zst files with ${before.map(show).join('; ')}, and this install writes with ${show(here)}: the resumed run's .zst files decode to the same records, but their compressed bytes differ from those of a run on one install (resume on the first install, or start over with --overwrite, for byte-identical output)`;
}
