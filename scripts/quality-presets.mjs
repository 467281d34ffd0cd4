// Run by `npm run build`: the shipped quality rule sets (rules/quality/*.yaml) parsed once at build
// time into dist/stages/quality/presets.json, each beside its YAML text. The quality stage uses an
// entry only when the YAML file it reads has exactly that text, so an edited preset is parsed
// from its YAML as before; a process that finds its preset here never loads the YAML parser
// (about 100 ms of start-up on this machine kind, bench/results/profile.md).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';

const dir = new URL('../rules/quality/', import.meta.url);
const out = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
  const yaml = readFileSync(new URL(file, dir), 'utf8');
  const json = parse(yaml);
  // Only values JSON keeps as they are (no dates, infinities, undefined).
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(json)), json)) out.push({ file, yaml, json });
}
const target = new URL('../dist/stages/quality/', import.meta.url);
mkdirSync(target, { recursive: true });
writeFileSync(new URL('presets.json', target), JSON.stringify(out));
