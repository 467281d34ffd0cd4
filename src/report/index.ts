export { collectRun, findRejects, type RunData, type RunSummary, type Sample } from './collect.js';
export { renderReport } from './html.js';
export { writeReport, REPORT_FILE } from './write.js';
