import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SentencePieceTokenizer } from '../../src/tokenize/tokenizer.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, runCli, TOKENIZER_MODEL } from '../helpers/run.js';

// New-user review 6 #1: a tool dialogue (what `convert --to xtuner-openai` writes) lost its
// tool_calls and tools in `export internevo` and `export xtuner-v1`, and the call turn became an
// empty training target.
const input = path.join(ROOT, 'fixtures/toolcall/openai_tools.jsonl');
const records = readFileSync(input, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const tok = SentencePieceTokenizer.loadSync(TOKENIZER_MODEL);
const dir = mkdtempSync(path.join(tmpdir(), 'toolcalls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function binFiles(root: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(root)) {
    const p = path.join(root, e);
    if (statSync(p).isDirectory()) out.push(...binFiles(p));
    else if (e.endsWith('.bin')) out.push(p);
  }
  return out.sort();
}

/** Runs of same-sign ids, decoded: `[T]` training target, `[-]` context. */
function spans(ids: number[]): string[] {
  const out: string[] = [];
  let cur: number[] = [];
  let sign = 0;
  const flush = (): void => {
    if (cur.length > 0) out.push(`${sign > 0 ? '[T]' : '[-]'} ${tok.decode(cur)}`);
    cur = [];
  };
  for (const x of ids) {
    const s = x > 0 ? 1 : -1;
    if (s !== sign) flush();
    sign = s;
    cur.push(Math.abs(x));
  }
  flush();
  return out;
}

describe('tool dialogues in the InternLM stack exports (review 6 #1)', () => {
  it('export internevo renders tool_calls as targets in the action syntax and tools as the plugin system turn', async () => {
    const out = path.join(dir, 'ie');
    const r = await runCli(['export', 'internevo', input, '--tokenizer', TOKENIZER_MODEL, '--type', 'sft', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = binFiles(out).flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'));
    expect(lines).toHaveLength(3);
    const first = spans(JSON.parse(lines.find((l) => l.length > 0)!).tokens as number[]);
    const all = lines.map((l) => spans((JSON.parse(l).tokens as number[]).slice(1))); // after BOS
    const tool = all.find((s) => s.join('').includes('generate_invoice'));
    expect(tool, JSON.stringify(first)).toBeDefined();
    const targets = tool!.filter((s) => s.startsWith('[T]'));
    // The call is the target of its turn, never an empty answer.
    expect(targets[0]).toMatch(/^\[T\] <\|action_start\|><\|plugin\|>\n\{"name":"generate_invoice","parameters":\{"customer_name":/);
    expect(targets[0]).toMatch(/<\|action_end\|><\|im_end\|>\n$/);
    expect(targets.every((t) => t !== '[T] <|im_end|>\n')).toBe(true);
    const context = tool!.filter((s) => s.startsWith('[-]')).join('');
    const toolNames = (records[0].tools as { function?: { name: string }; name?: string }[]).map((t) => t.function?.name ?? t.name);
    expect(context).toContain('<|im_start|>system name=<|plugin|>\n');
    for (const n of toolNames) expect(context).toContain(n);
    expect(context).toContain('<|im_start|>environment name=<|plugin|>\n{"invoice_id"');
  }, 60_000);

  it('export xtuner-v1 keeps tool_calls, tool results and the top-level tools', async () => {
    const out = path.join(dir, 'v1.jsonl');
    const r = await runCli(['export', 'xtuner-v1', input, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const got = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(got).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(got[i].tools).toEqual(records[i].tools);
      expect(got[i].messages).toEqual(records[i].messages);
    }
  }, 60_000);
});
