import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/run.js';

// New-user review 12 #12: `convert` over BELLE's eval set (question/std_answer) said "map other
// field names first with 'corpus-clean repair --schema NAME'" without naming the schema that fits:
// alpaca reads those keys as aliases of instruction/output.

describe('convert: records of no format it reads (convert:unknown_format)', () => {
  it('the note names the shipped schema whose aliases they hold, and that repair makes them convertible', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'belle.jsonl'), '{"question":"What is 2+2?","std_answer":"4","class":"math"}\n{"question":"Capital of France?","std_answer":"Paris","class":"geo"}\n');
    const r = await runCli(['convert', 'belle.jsonl', '--to', 'xtuner-openai', '-o', 'x.jsonl'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "most records were rejected as convert/convert:unknown_format (2 of 2); records must be Alpaca, ShareGPT, OpenAI messages, XTuner conversation or text; these hold question, std_answer, which the alpaca schema reads as aliases of its fields: map them with 'corpus-clean repair --schema alpaca' first (e.g. 'corpus-clean repair IN --schema alpaca | corpus-clean convert --to ...')",
    );
    const fixed = await runCli(['repair', 'belle.jsonl', '--schema', 'alpaca'], { cwd: dir });
    const again = await runCli(['convert', '--to', 'xtuner-openai', '-o', 'y.jsonl'], { cwd: dir, input: fixed.stdout });
    expect(again.stderr).toContain('read 2 = written 2 + rejected 0');
  });

  it('records no schema fits keep the general hint', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'odd.jsonl'), '{"foo":"a","bar":"b"}\n');
    const r = await runCli(['convert', 'odd.jsonl', '--to', 'xtuner-openai', '-o', 'x.jsonl'], { cwd: dir });
    expect(r.stderr).toContain("map other field names first with 'corpus-clean repair --schema NAME' (or a schema file of your own)");
  });
});
