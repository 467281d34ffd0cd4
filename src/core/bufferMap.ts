/**
 * Makes V8's map of a plain Uint8Array take, at load, the one change Node makes to it later:
 * nothing is exported; importing this module is what it does (core/doc.ts imports it, and with it
 * every stage and the pipeline).
 *
 * Node makes a Buffer in C++ (an addon's `napi_create_buffer`, such as the zstd writer's
 * `@toondepauw/node-zstd`; `v8.serialize`; a child process's output) as a plain Uint8Array
 * whose prototype it then sets to `Buffer.prototype`. The first such Buffer of a process takes
 * the Uint8Array map off its "stable" state for good, and every function TurboFan compiled
 * while it was stable, trusting the map of a Uint8Array table it reads without checking it
 * (quality's tokeniser and signals, langid's script scan, normalize's tables), is thrown away at
 * that moment ("code dependencies") and compiled again: once per process, in the middle of the
 * work, when the first frame of a run's `_rejects.jsonl.zst` was written after the stages had
 * warmed up (read -> normalize -> langid -> quality in one process: 14 functions; issue #16,
 * nineteenth pass, bench/RESULTS.md).
 * The same change made here, before any of them is compiled, leaves nothing to throw away: they
 * are compiled once, with a map check on each table's read (one comparison, usually moved out of
 * the loop), as they are anyway once Node has made its first Buffer. The prototype is Node's
 * own, so Node's later Buffers take the same transition and make no new map.
 */
Object.setPrototypeOf(new Uint8Array(0), Buffer.prototype);
