/** The `quality` stage family: signals, rule sets, score and the stage factory. */
export { qualityStage, qualityOptions, createQuality, AUTO_CJK_SHARE } from './quality.js';
export { profile } from './profile.js';
export type { TextProfile } from './profile.js';
export { SignalComputer } from './signals.js';
export type { SignalConfig, Signals } from './signals.js';
export { C4Lines } from './c4.js';
export type { C4Config, C4Result, C4LineReason } from './c4.js';
export { loadPreset, loadRuleSet, parseRuleSet, adjustRules, presetPath, signalNames, PRESETS } from './ruleset.js';
export type { Rule, RuleSet } from './ruleset.js';
export { ruleScore, overallScore } from './score.js';
export { KeyCounter } from './hashtable.js';
