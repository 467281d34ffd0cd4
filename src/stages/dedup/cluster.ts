/**
 * Step 4 of MinHash: clusters as a union-find forest.
 *
 * Every edge joins a record to a *better* record (earlier in the run's order, or of higher
 * quality): the one it matched in a band bucket. `link(child, parent)` records that edge and
 * `find` follows parents (with path halving) to the root, the cluster's survivor. Because a
 * parent is always better than its child, roots are exactly the kept records and no union ever
 * demotes a record that was already kept: the streaming mode can emit a record the moment it
 * has no better match, and the on-disk mode, which sees the same edges band by band, reaches
 * the same roots.
 *
 * Records are numbered by the caller (dense in memory, packed `(shard, line)` on disk); only
 * records that have a parent take memory.
 */
export class UnionFind {
  private readonly parent = new Map<number, number>();

  /** Number of linked (removed) records. */
  get size(): number {
    return this.parent.size;
  }

  /** True when `x` has been linked to a better record. */
  has(x: number): boolean {
    return this.parent.has(x);
  }

  /** The linked (removed) records, in link order. */
  linked(): IterableIterator<number> {
    return this.parent.keys();
  }

  /** Link `child` under `parent` (a better record). A child keeps its first link. */
  link(child: number, parent: number): void {
    if (child !== parent && !this.parent.has(child)) this.parent.set(child, parent);
  }

  /** The root of `x`: the survivor of its cluster (`x` itself when it was never linked). */
  find(x: number): number {
    const p = this.parent;
    for (;;) {
      const up = p.get(x);
      if (up === undefined) return x;
      const upUp = p.get(up);
      if (upUp === undefined) return up;
      p.set(x, upUp); // path halving
      x = upUp;
    }
  }
}
