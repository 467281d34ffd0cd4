/**
 * The XTuner format rules from shared/reference/internlm-formats.md, as checks over a whole
 * output file's records. Each returns the list of violations (empty = the file is fine).
 */

type Rec = Record<string, unknown>;
const isObj = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const keySig = (o: Rec): string => Object.keys(o).sort().join(',');

/** XTuner v0 conversation: one key set everywhere, strings only, system only in turn 0, real answers. */
export function conversationViolations(records: readonly Rec[]): string[] {
  const bad: string[] = [];
  const topKeys = new Set(records.map(keySig));
  if (topKeys.size > 1) bad.push(`top-level key sets differ: ${[...topKeys].join(' | ')}`);
  const turnKeys = new Set<string>();
  records.forEach((r, i) => {
    const c = r.conversation;
    if (!Array.isArray(c) || c.length === 0) return bad.push(`${i}: conversation missing or empty`);
    c.forEach((t, j) => {
      if (!isObj(t)) return bad.push(`${i}.${j}: turn not an object`);
      turnKeys.add(keySig(t));
      for (const k of ['system', 'input', 'output']) if (typeof t[k] !== 'string') bad.push(`${i}.${j}: ${k} not a string`);
      if (j > 0 && t.system !== '') bad.push(`${i}.${j}: system after turn 0`);
      if (typeof t.output === 'string' && t.output.trim() === '') bad.push(`${i}.${j}: empty output`);
      const pretraining = c.length === 1 && t.input === '' && t.system === '';
      if (!pretraining && typeof t.input === 'string' && t.input.trim() === '') bad.push(`${i}.${j}: empty input`);
      if ('output_with_loss' in t && typeof t.output_with_loss !== 'boolean') bad.push(`${i}.${j}: output_with_loss not boolean`);
    });
  });
  if (turnKeys.size > 1) bad.push(`turn key sets differ: ${[...turnKeys].join(' | ')}`);
  return bad;
}

const V1_ROLES = new Set(['assistant', 'user', 'system', 'developer', 'pretrain', 'tool']);

/** XTuner OpenAI messages: legal roles, no extra keys, alternation, ends with the assistant, loss on all or none. */
export function messagesViolations(records: readonly Rec[]): string[] {
  const bad: string[] = [];
  let withLoss = 0;
  let withoutLoss = 0;
  records.forEach((r, i) => {
    const ms = r.messages;
    if (!Array.isArray(ms) || ms.length === 0) return bad.push(`${i}: messages missing or empty`);
    let expect: 'user' | 'assistant' = 'user';
    ms.forEach((m, j) => {
      if (!isObj(m)) return bad.push(`${i}.${j}: not an object`);
      const calls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
      const allowed = m.role === 'tool' ? ['role', 'content', 'tool_call_id', 'name'] : m.role === 'assistant' ? ['role', 'content', 'loss', 'tool_calls'] : ['role', 'content', 'loss'];
      for (const k of Object.keys(m)) if (!allowed.includes(k)) bad.push(`${i}.${j}: extra key ${k}`);
      if (!V1_ROLES.has(m.role as string)) bad.push(`${i}.${j}: role ${String(m.role)}`);
      if (typeof m.content !== 'string' || (m.content.trim() === '' && !calls)) bad.push(`${i}.${j}: empty or non-string content`);
      if (m.role === 'pretrain') return;
      // Tool results follow a call or another result; the answer after them is still expected.
      if (m.role === 'tool') {
        const p = ms[j - 1] as Rec;
        if (!(p.role === 'tool' || (p.role === 'assistant' && Array.isArray(p.tool_calls)))) bad.push(`${i}.${j}: tool result without a call`);
        return;
      }
      if (m.role === 'system') {
        if (j !== 0) bad.push(`${i}.${j}: system not first`);
        return;
      }
      const afterTool = (ms[j - 1] as Rec | undefined)?.role === 'tool';
      if (m.role !== expect && !(afterTool && m.role === 'assistant')) bad.push(`${i}.${j}: ${String(m.role)} where ${expect} expected`);
      expect = calls ? 'assistant' : m.role === 'assistant' ? 'user' : 'assistant';
      if (m.role === 'assistant') {
        if ('loss' in m) withLoss++;
        else withoutLoss++;
      }
    });
    const last = ms[ms.length - 1] as Rec;
    if ((last.role !== 'assistant' || Array.isArray(last.tool_calls)) && last.role !== 'pretrain') bad.push(`${i}: does not end with an assistant answer`);
  });
  if (withLoss > 0 && withoutLoss > 0) bad.push(`loss on ${withLoss} assistant messages but not on ${withoutLoss}`);
  return bad;
}

/** Pretraining: exactly one non-empty string field named `key`. */
export function pretrainViolations(records: readonly Rec[], key: 'text' | 'content'): string[] {
  const bad: string[] = [];
  records.forEach((r, i) => {
    if (keySig(r) !== key) bad.push(`${i}: keys ${keySig(r)}`);
    const v = r[key];
    if (typeof v !== 'string' || v.trim() === '') bad.push(`${i}: empty ${key}`);
  });
  return bad;
}
