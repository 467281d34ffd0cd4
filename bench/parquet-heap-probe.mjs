// bench/parquet-heap-probe.mjs FILE: the heap kept after a full GC every 50 batches while the reader reads FILE
// (run with node --expose-gc; used by bench/parquet-memory.ts). Flat numbers: nothing is retained per row group.
import { readFiles } from '../dist/io/readers/index.js';
const file = process.argv[2];
const events = { read() {}, reject() {}, file() {}, fileError() {} };
let batches = 0, peakRss = 0; const samples = [];
for await (const b of readFiles([file]).read(events)) {
  batches++;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (batches % 50 === 0) { globalThis.gc(); samples.push(Math.round(process.memoryUsage().heapUsed / 2 ** 20)); }
}
globalThis.gc();
console.log(JSON.stringify({ file: file.split('/').pop(), batches, heapAfterGcMB: samples, peakRssMB: Math.round(peakRss / 2 ** 20), endHeapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }));
