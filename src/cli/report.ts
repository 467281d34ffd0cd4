import type { RunStats } from '../core/stats.js';
import { balanced } from '../core/stats.js';

/** Input reasons that are not damage: blank lines separate records in text and are common in JSONL. */
const NOT_BAD = new Set(['blank_line']);

/**
 * Records rejected as bad input (did not parse, no usable text), as opposed to filtered by a
 * stage on purpose or blank lines.
 */
export function badInput(s: RunStats): number {
  let n = 0;
  for (const [reason, v] of Object.entries(s.input.dropped)) if (!NOT_BAD.has(reason)) n += v;
  return n;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** The accounting line every command ends with: `read N = written W + rejected R`. */
export function accountingLine(command: string, s: RunStats): string {
  const secs = s.ms / 1000;
  const rate = secs > 0 ? `, ${mb(s.bytesRead / secs)} MB/s` : '';
  // The largest reasons first; the rest are counted, and all are in --stats.
  const all = [s.input, ...s.stages]
    .flatMap((st) => Object.entries(st.dropped).map(([r, n]) => ({ label: `${st.stage}/${r}`, n })))
    .sort((a, b) => b.n - a.n || (a.label < b.label ? -1 : 1));
  const shown = all.slice(0, 8).map((x) => `${x.label} ${x.n}`);
  const rest = all.slice(8);
  if (rest.length > 0) shown.push(`+${rest.length} more reasons, ${rest.reduce((a, x) => a + x.n, 0)} records`);
  const reasons = shown.join(', ');
  const ok = balanced(s) ? '' : ' (MISMATCH: records unaccounted for; this is a bug, please report it)';
  return (
    `corpus-clean ${command}: read ${s.read} = written ${s.written} + rejected ${s.rejected}${ok}` +
    (reasons ? ` [${reasons}]` : '') +
    ` in ${secs.toFixed(2)} s (${mb(s.bytesRead)} MB${rate})`
  );
}

/** Live progress on a terminal: a single line rewritten at most twice a second. */
export function progressPrinter(command: string, enabled: boolean): { update(s: Readonly<RunStats>): void; done(): void } {
  if (!enabled) return { update() {}, done() {} };
  const start = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(s) {
      const t = performance.now();
      if (t - last < 500) return;
      last = t;
      shown = true;
      const secs = (t - start) / 1000;
      process.stderr.write(
        `\r\x1b[K${command}: ${s.files} files, read ${s.read}, written ${s.written}, rejected ${s.rejected}, ${mb(s.bytesRead)} MB at ${mb(s.bytesRead / secs)} MB/s`,
      );
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}
