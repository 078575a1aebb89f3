// A compact set of 64-bit example fingerprints with the first line each was seen on (duplicates, overlap, split).

export interface Fingerprint {
  readonly high: number;
  readonly low: number;
}

/** murmur3's 32-bit finaliser: spreads every input bit over the whole output. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Open addressing over typed arrays: 12 bytes a slot, no object per example. */
export class ExampleIndex {
  private highs: Uint32Array;
  private lows: Uint32Array;
  private lines: Uint32Array;
  private used = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.highs = new Uint32Array(size);
    this.lows = new Uint32Array(size);
    this.lines = new Uint32Array(size);
  }

  get size(): number {
    return this.used;
  }

  /** The line the fingerprint was first seen on, or 0. */
  lineOf(key: Fingerprint): number {
    const mask = this.lines.length - 1;
    for (let slot = key.low & mask; ; slot = (slot + 1) & mask) {
      const line = this.lines[slot]!;
      if (line === 0) return 0;
      if (this.highs[slot] === key.high && this.lows[slot] === key.low) return line;
    }
  }

  /** Records the fingerprint at `line` (1-based) unless present; returns the earlier line, or 0. */
  add(key: Fingerprint, line: number): number {
    const earlier = this.lineOf(key);
    if (earlier !== 0) return earlier;
    if ((this.used + 1) * 2 > this.lines.length) this.grow();
    this.insert(key.high, key.low, line);
    this.used += 1;
    return 0;
  }

  private insert(high: number, low: number, line: number): void {
    const mask = this.lines.length - 1;
    let slot = low & mask;
    while (this.lines[slot] !== 0) slot = (slot + 1) & mask;
    this.highs[slot] = high;
    this.lows[slot] = low;
    this.lines[slot] = line;
  }

  private grow(): void {
    const { highs, lows, lines } = this;
    this.highs = new Uint32Array(lines.length * 2);
    this.lows = new Uint32Array(lines.length * 2);
    this.lines = new Uint32Array(lines.length * 2);
    for (let slot = 0; slot < lines.length; slot++) {
      if (lines[slot] !== 0) this.insert(highs[slot]!, lows[slot]!, lines[slot]!);
    }
  }
}
