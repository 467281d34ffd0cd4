/**
 * An Aho-Corasick automaton over UTF-16 code units, so that the cost of scanning a text does not
 * grow with the number of terms. Terms are matched case-insensitively for ASCII letters. A term
 * written in Latin letters or digits only matches on word boundaries (the code units before and
 * after the hit are not letters or digits): English is matched by words. A term holding any other
 * character (CJK, kana, hangul, punctuation) matches anywhere: Chinese is matched by characters.
 *
 * Transitions live in one open-addressing hash table keyed by (state, code unit); the root's are a
 * dense 64K array, since almost every step of a scan over ordinary text starts from the root.
 */

/** One hit: the term index, and the hit's span [start, end) in code units. */
export interface Hit {
  term: number;
  start: number;
  end: number;
}

/** ASCII upper case to lower case; other code units unchanged. */
function fold(c: number): number {
  return c >= 65 && c <= 90 ? c | 32 : c;
}

/** True for code units that make up a word in a Latin-script text: ASCII and Latin-1/Extended letters and digits. */
export function isWordUnit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7);
}

/** True when the term needs word boundaries: it holds only Latin letters, digits, spaces and ASCII punctuation. */
export function isWordTerm(term: string): boolean {
  for (let i = 0; i < term.length; i++) if (term.charCodeAt(i) > 0x24f) return false;
  return true;
}

export class AhoCorasick {
  /** The terms, as given (after trimming). */
  readonly terms: readonly string[];
  private readonly lengths: Int32Array;
  private readonly bounded: Uint8Array;
  private readonly root: Int32Array;
  /** Full transitions (goto or failure, resolved) on ASCII code units: one lookup per step of English text. */
  private ascii!: Int32Array;
  private keys: Float64Array;
  private vals: Int32Array;
  private mask: number;
  private fail: Int32Array;
  /** Term ending at this state, or -1. */
  private out: Int32Array;
  /** Next state on the failure chain that ends a term, or -1 (dictionary suffix link). */
  private dict: Int32Array;
  private states = 1;

  constructor(terms: readonly string[]) {
    this.terms = terms;
    this.lengths = Int32Array.from(terms, (t) => t.length);
    this.bounded = Uint8Array.from(terms, (t) => (isWordTerm(t) ? 1 : 0));
    const total = terms.reduce((a, t) => a + t.length, 0) + 1;
    let cap = 16;
    while (cap < total * 2) cap *= 2;
    this.keys = new Float64Array(cap).fill(-1);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.root = new Int32Array(65536);
    const outs: number[] = [-1];
    terms.forEach((t, ti) => {
      let s = 0;
      for (let i = 0; i < t.length; i++) {
        const c = fold(t.charCodeAt(i));
        let n = this.next(s, c);
        if (n <= 0) {
          n = this.states++;
          outs.push(-1);
          this.put(s, c, n);
        }
        s = n;
      }
      if (s !== 0 && outs[s] === -1) outs[s] = ti;
    });
    this.out = Int32Array.from(outs);
    this.fail = new Int32Array(this.states);
    this.dict = new Int32Array(this.states).fill(-1);
    this.buildLinks();
  }

  /** Goto of a built trie edge, 0 when absent (0 is the root, never a child). */
  private next(s: number, c: number): number {
    if (s === 0) return this.root[c];
    const key = s * 65536 + c;
    let i = this.slot(key);
    for (;;) {
      const k = this.keys[i];
      if (k === key) return this.vals[i];
      if (k === -1) return 0;
      i = (i + 1) & this.mask;
    }
  }

  private slot(key: number): number {
    return (Math.imul(key | 0, 0x9e3779b1) ^ Math.floor(key / 4294967296)) & this.mask;
  }

  private put(s: number, c: number, n: number): void {
    if (s === 0) {
      this.root[c] = n;
      return;
    }
    const key = s * 65536 + c;
    let i = this.slot(key);
    while (this.keys[i] !== -1) i = (i + 1) & this.mask;
    this.keys[i] = key;
    this.vals[i] = n;
  }

  private buildLinks(): void {
    // Children per state, to walk the trie breadth first.
    const children: [number, number][][] = Array.from({ length: this.states }, () => []);
    for (let c = 0; c < 65536; c++) if (this.root[c] > 0) children[0].push([c, this.root[c]]);
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (k !== -1) children[Math.floor(k / 65536)].push([k % 65536, this.vals[i]]);
    }
    const queue: number[] = [];
    for (const [, n] of children[0]) {
      this.fail[n] = 0;
      queue.push(n);
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      for (const [c, n] of children[s]) {
        let f = this.fail[s];
        while (f !== 0 && this.next(f, c) <= 0) f = this.fail[f];
        const g = this.next(f, c);
        this.fail[n] = g > 0 && g !== n ? g : 0;
        const fn = this.fail[n];
        this.dict[n] = this.out[fn] >= 0 ? fn : this.dict[fn];
        queue.push(n);
      }
    }
    // The ASCII rows of the automaton, filled in breadth-first order so a failure state's row is ready.
    const ascii = new Int32Array(this.states * 128);
    for (let c = 0; c < 128; c++) ascii[c] = this.root[c];
    for (const st of queue) {
      const f = this.fail[st];
      for (let c = 0; c < 128; c++) {
        const g = this.next(st, c);
        ascii[st * 128 + c] = g > 0 ? g : ascii[f * 128 + c];
      }
    }
    this.ascii = ascii;
  }

  /**
   * Every hit in `text`, in order of end position (for one end position, longest first).
   * Calls `onHit(term, start, end)`; word terms are reported only on word boundaries.
   */
  scan(text: string, onHit: (term: number, start: number, end: number) => void): void {
    const root = this.root;
    const fail = this.fail;
    const out = this.out;
    const dict = this.dict;
    let s = 0;
    const n = text.length;
    const ascii = this.ascii;
    for (let i = 0; i < n; i++) {
      const c = fold(text.charCodeAt(i));
      if (c < 128) {
        s = ascii[s * 128 + c];
        if (s === 0) continue;
      } else if (s === 0) {
        s = root[c];
        if (s === 0) continue;
      } else {
        let g = this.next(s, c);
        while (g <= 0 && s !== 0) {
          s = fail[s];
          g = s === 0 ? root[c] : this.next(s, c);
        }
        s = g;
        if (s === 0) continue;
      }
      let o = out[s] >= 0 ? s : dict[s];
      while (o >= 0) {
        const t = out[o];
        const start = i + 1 - this.lengths[t];
        if (this.bounded[t] === 0 || this.atBoundary(text, start, i + 1)) onHit(t, start, i + 1);
        o = dict[o];
      }
    }
  }

  private atBoundary(text: string, start: number, end: number): boolean {
    if (start > 0 && isWordUnit(text.charCodeAt(start - 1)) && isWordUnit(text.charCodeAt(start))) return false;
    if (end < text.length && isWordUnit(text.charCodeAt(end)) && isWordUnit(text.charCodeAt(end - 1))) return false;
    return true;
  }

  /** All hits as objects (for tests and reports). */
  findAll(text: string): Hit[] {
    const hits: Hit[] = [];
    this.scan(text, (term, start, end) => hits.push({ term, start, end }));
    return hits;
  }
}
