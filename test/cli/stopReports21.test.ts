import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signalWhen, tempDir } from '../helpers/run.js';

// Hostile review 20 F1: a signal after the final accounting line ('read N = written N + ...'),
// while the stats and the marker were being written, removed the output (rightly: what is left is
// finished or nothing) but said no more than "interrupted; unfinished output removed": the last
// '= written' line of the log was the success one. The stopped line now follows it.

const records = (n: number): string => Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, text: `record ${i} with a few words of text` })).join('\n') + '\n';

describe('a signal after the accounting line, before the output is finished', () => {
  it('a folder output, paused in its _SUCCESS: the stopped line says every record was written and all is removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(500));
    const out = join(dir, 'sd');
    const r = await signalWhen(['cat', join(dir, 'in.jsonl'), '-o', `${out}/`, '--shard-records', '200', '--stats', join(dir, 'st.json')], out, (names) => names.some((n) => n.startsWith('._SUCCESS.tmp-')), 'SIGINT', { CORPUS_CLEAN_PAUSE_ATOMIC: '_SUCCESS' });
    expect(r.code, r.stderr).toBe(130);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^corpus-clean cat: read 500 = written 500 \+ rejected 0 in /);
    expect(lines[1]).toBe('corpus-clean cat: interrupted; unfinished output removed');
    expect(lines[2]).toMatch(/^corpus-clean cat: stopped after read 500 = written 500 \(removed with the unfinished output\) \+ rejected 0 in [\d.]+ s \([\d.]+ MB\): the signal came after the accounting line above, before the output was finished \(its _SUCCESS marker not yet written\): it is removed all the same, as an unfinished output$/);
    expect(lines).toHaveLength(3);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'st.json'))).toBe(false);
  });

  it('a single file with rejects, paused in its stats: both counts say they were removed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), records(300) + 'not json\n');
    const r = await signalWhen(['cat', join(dir, 'in.jsonl'), '-o', join(dir, 'o.jsonl'), '--rejects', join(dir, 'r.jsonl'), '--stats', join(dir, 'st.json'), '--max-reject-rate', '1'], dir, (names) => names.some((n) => n.startsWith('.st.json.tmp-')), 'SIGTERM', { CORPUS_CLEAN_PAUSE_ATOMIC: 'st.json' });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/\ncorpus-clean cat: terminated; unfinished output removed\ncorpus-clean cat: stopped after read 301 = written 300 \(removed with the unfinished output\) \+ rejected 1 \(removed with the rejects file\) in [\d.]+ s \([\d.]+ MB\): the signal came after the accounting line above, before the output was finished \(its stats '[^']*st\.json' not yet written\): it is removed all the same, as an unfinished output\n$/);
    expect((await readdir(dir)).sort()).toEqual(['in.jsonl']);
  });
});
