/**
 * Step 2 of MinHash, the fast path: the signature loop of `signatureInto` in WebAssembly SIMD,
 * four permutations per instruction (i32x4 multiply, add and signed minimum give the same
 * values as `Math.imul`, `| 0` and `<` in the scalar loop: arithmetic mod 2^32, signed order).
 *
 * Why: the scalar loop is one multiply, add and compare per shingle and permutation, ~112 per
 * shingle; it was ~100 ms of the ~1 s `corpus-clean dedup` takes on the 10 MB slice of issue #16
 * (Node has no SIMD for JavaScript; WebAssembly's is in every Node >= 16.4).
 *
 * The module is a few hundred bytes assembled below (no build step, no binary file): one
 * function `sign(sh, n, a, b, m, groups)` that lowers the running minima at `m` with the `n`
 * shingles at `sh`, 16 permutations (4 vectors of a, b and minima, held in registers) per pass
 * over the shingles. Its memory is sized once for the permutations and a fixed chunk of
 * shingles and never grows: growing a WebAssembly memory detaches its ArrayBuffer, which makes
 * V8 deoptimise every function that reads a typed array, for the rest of the process (see
 * core/xxh64.ts). A text with more shingles than a chunk is signed a chunk at a time.
 *
 * Where WebAssembly or its SIMD is missing (`node --jitless`, an old CPU) or its memory cannot be
 * made (`ulimit -v` of 8 GB or less), `simdSigner()` is undefined and `signatureInto` runs the
 * scalar loop; test/stages/dedup/simd.test.ts checks that both give the same signatures.
 */

/** The part of the WebAssembly global used here (TypeScript's `lib` for Node declares none). */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(d: { initial: number });
    readonly buffer: ArrayBuffer;
  }
  class Instance {
    constructor(m: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: Uint8Array): boolean;
}

/** Shingles signed per call (64 KiB of them). */
export const CHUNK = 1 << 14;
/** Permutations per pass over the shingles: 4 vectors of 4 lanes. */
const GROUP = 16;
const VECTORS = GROUP / 4;

// The few opcodes used (WebAssembly core and SIMD binary encodings).
const I32 = 0x7f;
const V128 = 0x7b;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_LOAD32_SPLAT = [SIMD, 0x09];
const V128_STORE = [SIMD, 0x0b];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const I32X4_MUL = [SIMD, 0xb5, 0x01];
const I32X4_MIN_S = [SIMD, 0xb6, 0x01];

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (the immediate of i32.const). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A memory access at `offset` bytes past the address on the stack, aligned to 2^`align` bytes. */
const mem = (op: number[], align: number, offset: number): number[] => [...op, align, ...uleb(offset)];

/** A section: id, size, contents. */
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

/** A name as WebAssembly encodes it (ASCII here). */
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

/** The body of `sign(sh, n, a, b, m, groups)`. */
function signBody(): number[] {
  // params 0..5: sh, n, a, b, m, groups; i32 locals 6..8: g (byte offset of the group), end, p
  const [SH, N, A, B, M, GROUPS, G, ENDP, P] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // v128 locals: a0..a3, b0..b3, m0..m3, x
  const av = (j: number) => 9 + j;
  const bv = (j: number) => 9 + VECTORS + j;
  const mv = (j: number) => 9 + 2 * VECTORS + j;
  const X = 9 + 3 * VECTORS;
  const code: number[] = [];
  // end = sh + 4 n; groups = groups * 64 (bytes of a group's permutations)
  code.push(LOCAL_GET, SH, LOCAL_GET, N, I32_CONST, ...sleb(4), I32_MUL, I32_ADD, LOCAL_SET, ENDP);
  code.push(LOCAL_GET, GROUPS, I32_CONST, ...sleb(GROUP * 4), I32_MUL, LOCAL_SET, GROUPS);
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, G, LOCAL_GET, GROUPS, I32_GE_U, BR_IF, 1);
  for (let j = 0; j < VECTORS; j++) {
    code.push(LOCAL_GET, A, LOCAL_GET, G, I32_ADD, ...mem(V128_LOAD, 4, 16 * j), LOCAL_SET, av(j));
    code.push(LOCAL_GET, B, LOCAL_GET, G, I32_ADD, ...mem(V128_LOAD, 4, 16 * j), LOCAL_SET, bv(j));
    code.push(LOCAL_GET, M, LOCAL_GET, G, I32_ADD, ...mem(V128_LOAD, 4, 16 * j), LOCAL_SET, mv(j));
  }
  code.push(LOCAL_GET, SH, LOCAL_SET, P);
  code.push(BLOCK, VOID, LOOP, VOID);
  code.push(LOCAL_GET, P, LOCAL_GET, ENDP, I32_GE_U, BR_IF, 1);
  code.push(LOCAL_GET, P, ...mem(V128_LOAD32_SPLAT, 2, 0), LOCAL_SET, X);
  for (let j = 0; j < VECTORS; j++) {
    // m_j = min_s(m_j, a_j * x + b_j)
    code.push(LOCAL_GET, mv(j), LOCAL_GET, av(j), LOCAL_GET, X, ...I32X4_MUL, LOCAL_GET, bv(j), ...I32X4_ADD, ...I32X4_MIN_S, LOCAL_SET, mv(j));
  }
  code.push(LOCAL_GET, P, I32_CONST, ...sleb(4), I32_ADD, LOCAL_SET, P, BR, 0, END, END);
  for (let j = 0; j < VECTORS; j++) code.push(LOCAL_GET, M, LOCAL_GET, G, I32_ADD, LOCAL_GET, mv(j), ...mem(V128_STORE, 4, 16 * j));
  code.push(LOCAL_GET, G, I32_CONST, ...sleb(GROUP * 4), I32_ADD, LOCAL_SET, G, BR, 0, END, END);
  code.push(END);
  const locals = [2, 3, I32, 1 + 3 * VECTORS, V128];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The module's bytes: imports memory `m.mem`, exports `sign`. */
function moduleBytes(): Uint8Array {
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('m'), ...name('mem'), 0x02, 0x00, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('sign'), 0x00, 0]),
    ...section(10, [1, ...signBody()]),
  ];
  return Uint8Array.from(bytes);
}

/** Signs shingles with the SIMD module. */
export class SimdSigner {
  private readonly sign: (sh: number, n: number, a: number, b: number, m: number, groups: number) => void;
  private readonly view: Int32Array;
  /** Permutations padded to whole groups. */
  private readonly kPad: number;
  // byte offsets in the memory: a, b, minima, shingles
  private readonly aAt: number;
  private readonly bAt: number;
  private readonly mAt: number;
  private readonly shAt = 0;
  private loaded: { a: Int32Array; b: Int32Array } | undefined;

  constructor(
    module: WebAssembly.Module,
    readonly k: number,
  ) {
    this.kPad = Math.ceil(k / GROUP) * GROUP;
    this.aAt = CHUNK * 4;
    this.bAt = this.aAt + this.kPad * 4;
    this.mAt = this.bAt + this.kPad * 4;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((this.mAt + this.kPad * 4) / 65536) });
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    this.sign = instance.exports.sign as SimdSigner['sign'];
    this.view = new Int32Array(memory.buffer);
  }

  /** Fill `out` (length k) with the signature of `shingles` under permutations `a`, `b` (length k). */
  signInto(shingles: Int32Array, a: Int32Array, b: Int32Array, out: Int32Array): Int32Array {
    const view = this.view;
    const k = this.k;
    const kPad = this.kPad;
    if (this.loaded?.a !== a || this.loaded.b !== b) {
      // padding permutations (x -> x) are signed too and never read
      view.fill(1, this.aAt >> 2, (this.aAt >> 2) + kPad);
      view.fill(0, this.bAt >> 2, (this.bAt >> 2) + kPad);
      view.set(a, this.aAt >> 2);
      view.set(b, this.bAt >> 2);
      this.loaded = { a, b };
    }
    const m = this.mAt >> 2;
    view.fill(0x7fffffff, m, m + kPad);
    const n = shingles.length;
    for (let at = 0; at < n; at += CHUNK) {
      const len = Math.min(CHUNK, n - at);
      view.set(len === n ? shingles : shingles.subarray(at, at + len), this.shAt >> 2);
      this.sign(this.shAt, len, this.aAt, this.bAt, this.mAt, kPad / GROUP);
    }
    out.set(view.subarray(m, m + k));
    return out;
  }
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null when this Node cannot run it. */
function simdModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  } catch {
    // no WebAssembly (--jitless) or no SIMD: the scalar loop
  }
  return compiled;
}

const signers = new Map<number, SimdSigner>();

/**
 * A SIMD signer for `k` permutations, one per k in a process; undefined without WebAssembly SIMD,
 * or when its memory or instance cannot be made: on 64-bit V8 every `WebAssembly.Memory` reserves
 * ~8-10 GiB of address space (guard regions) whatever its size, so under `ulimit -v` of 8 GB or
 * less it throws a RangeError (hostile 19 F1). Decided once per process (the first failure turns
 * the module off for every k): the scalar loop gives the same values.
 */
export function simdSigner(k: number): SimdSigner | undefined {
  let s = signers.get(k);
  if (s === undefined) {
    const module = simdModule();
    if (module === null) return undefined;
    try {
      s = new SimdSigner(module, k);
    } catch {
      compiled = null; // no address space for the memory (ulimit -v): the scalar loop from here on
      return undefined;
    }
    signers.set(k, s);
  }
  return s;
}
