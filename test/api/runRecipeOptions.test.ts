import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asOptions } from '../../src/cli/commands/run.js';
import { ROOT, runNode, tempDir } from '../helpers/run.js';

// New-user review 15 F10: runRecipe's messages named the CLI's flags ("name the text field with
// --text-field NAME", "pass --allow-empty"), where its caller passes options (`textField`,
// `allowEmpty`). They name the options now; a quoted shell command keeps its flags.
describe('runRecipe names its own options', { timeout: 300_000 }, () => {
  it('asOptions: run flags as options, other flags and quoted commands as they are', () => {
    expect(asOptions("note: name the text field with --text-field NAME (a list is tried in order: --text-field text,NAME)")).toBe("note: name the text field with textField: 'NAME' (a list is tried in order: textField: 'text,NAME')");
    expect(asOptions('error: 5 of 5 records were bad input (100.0 % > --max-reject-rate 0.1); pass --allow-empty when an empty output is expected')).toBe('error: 5 of 5 records were bad input (100.0 % > maxRejectRate: 0.1); pass allowEmpty: true when an empty output is expected');
    expect(asOptions('(--text-field chooses another); --workers 8, --task-size 64MiB')).toBe("(textField chooses another); workers: 8, taskSize: '64MiB'");
    const quoted = "to read them: 'corpus-clean cat r.jsonl --no-require-text --limit 5' or --overwrite";
    expect(asOptions(quoted)).toBe("to read them: 'corpus-clean cat r.jsonl --no-require-text --limit 5' or overwrite: true");
    expect(asOptions('--no-require-text and --rejects FILE are not run flags')).toBe('--no-require-text and --rejects FILE are not run flags');
  });

  it('in the messages of a run that wrote nothing, and in the refusal of an output folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'in.jsonl'), Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: i, raw_content: `record ${i}` })).join('\n') + '\n');
    await writeFile(join(dir, 'r.yaml'), 'name: q\nstages:\n  - normalize: {}\n');
    await writeFile(join(dir, 'r2.yaml'), 'name: q\nstages:\n  - normalize: {}\n  - dedup: { method: exact }\n');
    await writeFile(
      join(dir, 'a.mjs'),
      `import { runRecipe } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};\n` +
        `const r = await runRecipe('r.yaml', { input: 'in.jsonl', output: 'o', workers: 1, quiet: true });\n` +
        `const ok = await runRecipe('r.yaml', { input: 'in.jsonl', output: 'o2', workers: 1, quiet: true, textField: 'raw_content' });\n` +
        `let refusal = '';\n` +
        `try { await runRecipe('r2.yaml', { input: 'in.jsonl', output: 'o2', workers: 1, quiet: true, textField: 'raw_content' }); } catch (e) { refusal = e.constructor.name + ': ' + e.message; }\n` +
        `process.stdout.write(JSON.stringify({ code: r.code, messages: r.messages, ok: ok.code, refusal }));\n`,
    );
    const p = await runNode(['a.mjs'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    const r = JSON.parse(p.stdout) as { code: number; messages: string[]; ok: number; refusal: string };
    expect(r.code).toBe(1);
    const all = r.messages.join('\n');
    expect(all).toContain("textField: 'NAME'");
    expect(all).toContain('maxRejectRate: 0.1');
    expect(all).not.toMatch(/--(text-field|max-reject-rate|allow-empty|overwrite)\b/);
    expect(r.ok).toBe(0);
    expect(r.refusal).toMatch(/^UsageError: .*overwrite: true/);
    expect(r.refusal).not.toContain('--overwrite');
  });
});
