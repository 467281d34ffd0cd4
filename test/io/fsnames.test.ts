import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fsPath, nameFromBytes, showPath } from '../../src/core/fsname.js';
import { openDecoded } from '../../src/io/decode.js';
import { runCli, tempDir } from '../helpers/run.js';

// Issue #10 (I3, review-late F4): files whose names are not UTF-8 are read, and named without
// loss in one form that is valid UTF-8, the same in messages, JSON, YAML and the report: `\xNN`
// for each byte NN that does not decode, a real backslash doubled where it could be misread.

/** A UTF-16 surrogate without its partner: what strict UTF-8 JSON tools (serde_json, Go, jq) refuse or turn into U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string (keys too) in a parsed JSON/YAML value. */
function* strings(v: unknown): Generator<string> {
  if (typeof v === 'string') yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      yield k;
      yield* strings(x);
    }
  }
}

/** A file's bytes, decompressed when it is .zst/.gz. */
async function contents(path: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of openDecoded(path)) parts.push(c);
  return Buffer.concat(parts);
}

/** Every file under `dir` (recursively), as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

const bytesName = (...parts: (string | number)[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from([p]))));

describe('file names that are not UTF-8', () => {
  it('nameFromBytes and fsPath give back every byte string, and UTF-8 names unchanged', () => {
    expect(nameFromBytes(Buffer.from('café/数据.jsonl'))).toBe('café/数据.jsonl');
    expect(fsPath('café/数据.jsonl')).toBe('café/数据.jsonl');
    expect(nameFromBytes(Buffer.from('a\uFFFDb'))).toBe('a\uFFFDb');
    const latin = bytesName('caf', 0xe9, '.jsonl');
    expect(nameFromBytes(latin)).toBe('caf\\xe9.jsonl');
    expect(showPath(nameFromBytes(latin))).toBe('caf\\xe9.jsonl');
    // A real backslash is doubled only where it could be misread: before an escape, another
    // backslash, or `x` and two hex digits 80-ff; elsewhere (`a\\b`, `\\x41`, `\\xE9`) it stays.
    expect(nameFromBytes(Buffer.from('a\\xe9'))).toBe('a\\\\xe9');
    expect(nameFromBytes(Buffer.from('a\\\\b'))).toBe('a\\\\\\b');
    expect(nameFromBytes(bytesName('a\\', 0xe9))).toBe('a\\\\\\xe9');
    for (const plain of ['a\\b', 'a\\x41', 'a\\xE9', 'a\\', 'a\\x']) expect(nameFromBytes(Buffer.from(plain))).toBe(plain);
    // The old form (U+DCNN, run folders planned before) still opens the same bytes.
    expect(Buffer.from(fsPath('caf\udce9.jsonl')).equals(latin)).toBe(true);
    // A surrogate pair (an emoji) is not an escaped byte.
    expect(fsPath('😀')).toBe('😀');
    let seed = 7;
    // Random byte strings, half of them drawn from `\\`, `x`, hex digits and bytes 80-ff: every
    // name gives its bytes back, is well-formed text, and different bytes give different names.
    const names = new Map<string, string>();
    const pool = Buffer.from('\\\\xe9aF8');
    for (let n = 0; n < 4000; n++) {
      const b = Buffer.alloc(1 + (n % 9));
      for (let i = 0; i < b.length; i++) {
        const r = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
        b[i] = n % 2 === 0 ? r : r < 128 ? pool[r % pool.length] : r;
      }
      const name = nameFromBytes(b);
      expect(Buffer.from(fsPath(name)).equals(b), b.toString('hex')).toBe(true);
      expect(LONE_SURROGATE.test(name), b.toString('hex')).toBe(false);
      const other = names.get(name);
      expect(other === undefined || other === b.toString('hex'), `${other} and ${b.toString('hex')} are both '${name}'`).toBe(true);
      names.set(name, b.toString('hex'));
    }
    // Different bytes give different names (no two files share one).
    expect(nameFromBytes(bytesName('caf', 0xe8))).not.toBe(nameFromBytes(bytesName('caf', 0xe9)));
  });

  it('cat, a stage command, a glob and a typed name read them; rejects and stats name them losslessly; run reads them too', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'in');
    await mkdir(sub);
    await writeFile(join(sub, 'ok.jsonl'), '{"text":"a"}\n');
    await writeFile(bytesName(`${sub}/caf`, 0xe9, '.jsonl'), '{"text":"b"}\n');
    await writeFile(bytesName(`${sub}/caf`, 0xe8, '.jsonl'), '{"text":"c"}\n{"text":"x","text":"y"}\n');
    // A folder whose own name is not UTF-8, holding a text file.
    await mkdir(bytesName(`${sub}/d`, 0xff));
    await writeFile(bytesName(`${sub}/d`, 0xff, '/t.txt'), 'plain text file');
    const rej = join(dir, 'rej.jsonl');
    const stats = join(dir, 'stats.json');
    const r = await runCli(['cat', sub, '--rejects', rej, '--stats', stats, '--max-reject-rate', '1']);
    expect(r.stderr).not.toMatch(/ENOENT|not valid UTF-8/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).text)).toEqual(['c', 'b', 'plain text file', 'a']);
    // Stderr names the bytes as \xNN.
    expect(r.stderr).toContain('in/caf\\xe8.jsonl: read 2 = written 1 + rejected 1');
    // The rejects file and the stats hold the same \xNN (a JSON string `\\xNN`), the bytes recoverable.
    const rejText = await readFile(rej, 'utf8');
    expect(rejText).toContain('in/caf\\\\xe8.jsonl:2');
    const source = JSON.parse(rejText).source as string;
    expect(Buffer.from(fsPath(source.slice(0, source.lastIndexOf(':')))).equals(bytesName(`${sub}/caf`, 0xe8, '.jsonl'))).toBe(true);
    const st = JSON.parse(await readFile(stats, 'utf8')) as { perFile: Record<string, unknown>; inputs: string[] };
    expect(Object.keys(st.perFile)).toContain(`${sub}/d\\xff/t.txt`);
    expect(st.inputs).toContain(`${sub}/caf\\xe9.jsonl`);

    // A stage command over the folder.
    const norm = await runCli(['normalize', sub, '--max-reject-rate', '1']);
    expect(norm.code).toBe(0);
    expect(norm.stdout.trim().split('\n')).toHaveLength(4);
    // A glob matching them.
    const glob = await runCli(['cat', `${sub}/caf*.jsonl`, '--max-reject-rate', '1']);
    expect(glob.code).toBe(0);
    expect(glob.stdout.trim().split('\n')).toHaveLength(2);
    // A typed name arrives with U+FFFD (Node reads argv as UTF-8): found when one file fits ...
    const typed = await runCli(['cat', join(sub, 'd\uFFFD', 't.txt')]);
    expect(typed.code).toBe(0);
    expect(JSON.parse(typed.stdout).text).toBe('plain text file');
    // ... and refused, naming the candidates, when several do.
    const two = await runCli(['cat', join(sub, 'caf\uFFFD.jsonl')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/not valid UTF-8 and could be any of .*caf\\xe8\.jsonl.*caf\\xe9\.jsonl/);
    // run plans and reads its tasks (threads, and per-file stats) by the same escaped names.
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    for (const w of ['1', '2']) {
      const out = join(dir, `out${w}`);
      const run = await runCli(['run', join(dir, 'r.yaml'), '-i', sub, '-o', out, '-w', w, '-q', '--max-reject-rate', '1']);
      expect(run.stderr).not.toMatch(/ENOENT|not UTF-8 yet/);
      expect(run.code).toBe(0);
      const back = await runCli(['cat', out, '-q']);
      expect(back.stdout.trim().split('\n').map((l) => JSON.parse(l).text).sort()).toEqual(['a', 'b', 'c', 'plain text file']);
      const rs = JSON.parse(await readFile(join(out, '_stats.json'), 'utf8')) as { perFile: Record<string, { read: number }> };
      expect(rs.perFile[`${sub}/caf\\xe8.jsonl`].read).toBe(2);
    }
    await rm(dir, { recursive: true });
  }, 120_000);

  it('a run: every artefact is strict UTF-8 with no lone surrogate and names the file one way (stderr, JSON, YAML, report); a resumed run opens it from the plan', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'in');
    await mkdir(sub);
    // Latin-1 `café`, a name with a real backslash that reads like an escape, an HTML page (its
    // record's id is the path), and a plain name. A bad line in each JSONL file: a reject naming it.
    await writeFile(bytesName(`${sub}/caf`, 0xe9, '.jsonl'), '{"text":"latin one"}\n{bad\n{"text":"latin two"}\n');
    await writeFile(join(sub, 'lit\\xe9.jsonl'), '{"text":"backslash one"}\n{bad\n');
    await writeFile(bytesName(`${sub}/p`, 0xe9, '.html'), '<html><head><title>T</title></head><body><p>A page whose name is Latin-1.</p></body></html>');
    await writeFile(join(sub, 'ok.jsonl'), '{"text":"plain"}\n');
    // A name with ESC and a newline too: the report shows it as stderr does, not raw.
    await writeFile(bytesName(`${sub}/n\x1b[31mew\nl`, 0xe9, '.jsonl'), '{"text":"control"}\n');
    await writeFile(join(dir, 'r.yaml'), 'stages:\n  - normalize: {}\n');
    const out = join(dir, 'out');
    const args = ['run', join(dir, 'r.yaml'), '-i', sub, '-o', out, '--max-reject-rate', '1'];
    // The task fails (the five small files are packed into one task): the run stops; the rerun resumes from _plan.json.
    const first = await runCli(args, { env: { CORPUS_CLEAN_FAIL_UNIT: '0-tasks/0' } });
    expect(first.code, first.stderr).toBe(1);
    const plan = JSON.parse(await readFile(join(out, '_plan.json'), 'utf8')) as { tasks: Array<{ file: string; files?: string[] }> };
    expect(plan.tasks).toHaveLength(1);
    expect(plan.tasks[0].files?.[4]).toBe(`${sub}/p\\xe9.html`);
    // The failed unit run by itself from the plan, as a Slurm array task runs it; then the rerun.
    const task = await runCli(['task', out, '--phase', '0', '--unit', '0']);
    expect(task.code, task.stderr).toBe(0);
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/resuming the unfinished run .*: 1 of 1 unit done/);
    const back = await runCli(['cat', out, '-q']);
    expect(back.stdout.trim().split('\n').map((l) => JSON.parse(l).text).sort()).toEqual(['A page whose name is Latin-1.', 'backslash one', 'control', 'latin one', 'latin two', 'plain']);

    const latin = `${sub}/caf\\xe9.jsonl`;
    const literal = `${sub}/lit\\\\xe9.jsonl`;
    const page = `${sub}/p\\xe9.html`;
    // Stderr, as everywhere.
    expect(again.stderr).toContain(`${latin}: read 3 = written 2 + rejected 1`);
    expect(again.stderr).toContain(`${literal}: read 2 = written 1 + rejected 1`);
    // Every file of the run folder: strict UTF-8; JSON, JSON lines and YAML parse, and none of
    // their strings holds a lone surrogate; none holds U+FFFD (the lossy form).
    const seen = new Set<string>();
    const files = await filesUnder(out);
    for (const f of ['_plan.json', '_stats.json', '_recipe.resolved.yaml', '_report.html', '_rejects.jsonl.zst']) expect(files).toContain(f);
    for (const f of files) {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(await contents(join(out, f)));
      expect(text, f).not.toContain('\uFFFD');
      const values = /\.json$/.test(f) ? [JSON.parse(text)] : /\.jsonl(\.zst|\.gz)?$/.test(f) ? text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : /\.ya?ml$/.test(f) ? [parseYaml(text)] : [];
      for (const s of values.flatMap((v) => [...strings(v)])) {
        expect(LONE_SURROGATE.test(s), `${f}: ${JSON.stringify(s)}`).toBe(false);
        for (const name of [latin, literal, page]) if (s.includes(name)) seen.add(`${f.split('/')[0]} ${name}`);
      }
    }
    // The names where they belong: the plan's tasks and the stats, the rejects' source, the
    // resolved recipe's inputs, the HTML record's id (in a shard).
    expect(plan.tasks.flatMap((t) => t.files ?? [t.file]).sort()).toEqual([latin, literal, `${sub}/n\x1b[31mew\nl\\xe9.jsonl`, `${sub}/ok.jsonl`, page].sort());
    for (const name of [latin, literal, page]) for (const f of ['_plan.json', '_stats.json', '_recipe.resolved.yaml']) expect(seen, `${f} ${name}`).toContain(`${f} ${name}`);
    expect(seen).toContain(`_rejects.jsonl.zst ${latin}`);
    expect(seen).toContain(`_rejects.jsonl.zst ${literal}`);
    expect([...seen].some((s) => s.startsWith('part-') && s.endsWith(page))).toBe(true);
    // The report: each name one way, as in the JSON, HTML-escaped only where HTML needs it.
    const report = await readFile(join(out, '_report.html'), 'utf8');
    expect(report).toContain('caf\\xe9.jsonl');
    expect(report.match(/caf[^<>"]{0,12}\.jsonl/g)?.every((m) => m === 'caf\\xe9.jsonl')).toBe(true);
    expect(report).toContain('lit\\\\xe9.jsonl');
    expect(report).toContain('n\\x1b[31mew\\x0al\\xe9.jsonl');
    expect(report).not.toContain('\x1b');
    expect(again.stderr).toContain('n\\x1b[31mew\\x0al\\xe9.jsonl: read 1 = written 1');
    // A name copied from a message opens its file; a real backslash typed as it is too (the
    // name as typed is tried first).
    expect(JSON.parse((await runCli(['cat', latin, '-q'])).stdout.split('\n')[0]).text).toBe('latin one');
    expect(JSON.parse((await runCli(['cat', join(sub, 'lit\\xe9.jsonl'), '-q'])).stdout.split('\n')[0]).text).toBe('backslash one');
    expect(JSON.parse((await runCli(['cat', literal, '-q'])).stdout.split('\n')[0]).text).toBe('backslash one');
    // The resolved recipe runs again (its inputs are read in the same form).
    const rerun = await runCli(['run', join(out, '_recipe.resolved.yaml'), '-o', join(dir, 'out2'), '-q', '--max-reject-rate', '1']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await runCli(['cat', join(dir, 'out2'), '-q'])).stdout).toBe(back.stdout);
    await rm(dir, { recursive: true });
  }, 120_000);

  it('the HTML reader names a record by its path: a Latin-1 name goes to Parquet (it was a lone-surrogate reject)', async () => {
    const dir = await tempDir();
    await writeFile(bytesName(`${dir}/p`, 0xe9, '.html'), '<html><body><p>Hello world, a page.</p></body></html>');
    // Beside the input folder, not in it (an output inside an input folder is refused).
    const out = `${dir}.o.parquet`;
    const r = await runCli(['cat', dir, '--output', out]);
    expect(r.code, r.stderr).toBe(0);
    const back = await runCli(['cat', out, '-q']);
    await rm(out, { force: true });
    expect(JSON.parse(back.stdout).id).toBe(`${dir}/p\\xe9.html`);
    await rm(dir, { recursive: true });
  });
});
