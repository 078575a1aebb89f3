// Deterministic traffic routing: smooth weighted round-robin for live traffic, an accumulator for mirror traffic.

export class WeightedRoundRobin {
  private readonly entries: { name: string; weight: number; current: number }[];
  private readonly total: number;

  constructor(weights: Record<string, number>) {
    this.entries = Object.entries(weights)
      .filter(([, w]) => w > 0)
      .map(([name, weight]) => ({ name, weight, current: 0 }));
    this.total = this.entries.reduce((sum, e) => sum + e.weight, 0);
  }

  /** The next deployment, or undefined when no deployment has a positive weight. */
  next(): string | undefined {
    if (this.entries.length === 0) return undefined;
    let best = this.entries[0]!;
    for (const entry of this.entries) {
      entry.current += entry.weight;
      if (entry.current > best.current) best = entry;
    }
    best.current -= this.total;
    return best.name;
  }
}

/** Mirror traffic: each deployment gets a copy of `percent`% of requests, evenly spread. */
export class MirrorSchedule {
  private readonly accumulated = new Map<string, number>();

  constructor(private readonly percents: Record<string, number>) {}

  /** Deployments that receive a copy of this request. */
  next(): string[] {
    const chosen: string[] = [];
    for (const [name, percent] of Object.entries(this.percents)) {
      if (percent <= 0) continue;
      const value = (this.accumulated.get(name) ?? 0) + percent;
      if (value >= 100) chosen.push(name);
      this.accumulated.set(name, value >= 100 ? value - 100 : value);
    }
    return chosen;
  }
}
