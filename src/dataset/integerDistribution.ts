// Exact min / median / percentiles of non-negative integers in constant memory (a dense histogram plus a sparse tail).

const DENSE_LIMIT = 1 << 18;

export interface DistributionSummary {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
  readonly total: number;
}

/** A distribution as plain data, to cross a worker boundary. */
export interface DistributionSnapshot {
  readonly dense: Uint32Array;
  readonly sparse: [number, number][];
}

export class IntegerDistribution {
  private dense = new Uint32Array(1024);
  private readonly sparse = new Map<number, number>();
  private count = 0;
  private total = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  add(value: number): void {
    const v = Math.max(0, Math.floor(value));
    if (v < DENSE_LIMIT) {
      if (v >= this.dense.length) {
        let size = this.dense.length;
        while (size <= v) size *= 2;
        const grown = new Uint32Array(Math.min(size, DENSE_LIMIT));
        grown.set(this.dense);
        this.dense = grown;
      }
      this.dense[v]! += 1;
    } else {
      this.sparse.set(v, (this.sparse.get(v) ?? 0) + 1);
    }
    this.count += 1;
    this.total += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  snapshot(): DistributionSnapshot {
    let used = this.dense.length;
    while (used > 0 && this.dense[used - 1] === 0) used -= 1;
    return { dense: this.dense.slice(0, used), sparse: [...this.sparse] };
  }

  /** Adds every value of a snapshot (from this process or a worker). */
  addSnapshot(snapshot: DistributionSnapshot): void {
    const { dense, sparse } = snapshot;
    for (let v = 0; v < dense.length; v++) {
      const n = dense[v]!;
      if (n > 0) this.addMany(v, n);
    }
    for (const [v, n] of sparse) this.addMany(v, n);
  }

  private addMany(value: number, times: number): void {
    this.add(value);
    if (times === 1) return;
    const extra = times - 1;
    if (value < DENSE_LIMIT) this.dense[value]! += extra;
    else this.sparse.set(value, this.sparse.get(value)! + extra);
    this.count += extra;
    this.total += value * extra;
  }

  /** The smallest value v such that at least q of the values are <= v (nearest-rank). */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let v = 0; v < this.dense.length; v++) {
      seen += this.dense[v]!;
      if (seen >= rank) return v;
    }
    for (const v of [...this.sparse.keys()].sort((a, b) => a - b)) {
      seen += this.sparse.get(v)!;
      if (seen >= rank) return v;
    }
    return this.max;
  }

  summary(): DistributionSummary {
    return {
      count: this.count,
      min: this.count === 0 ? 0 : this.min,
      median: this.quantile(0.5),
      p95: this.quantile(0.95),
      max: this.max,
      mean: this.count === 0 ? 0 : this.total / this.count,
      total: this.total,
    };
  }
}
