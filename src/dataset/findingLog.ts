// Collects findings with bounded memory: every finding is counted, the first few hundred per check are kept.

import { CHECKS, type CheckId, type Finding } from './checks.js';

export class FindingLog {
  private readonly kept: Finding[] = [];
  private readonly counts = new Map<CheckId, number>();
  private readonly keepPerCheck: number;

  constructor(keepPerCheck = 500) {
    this.keepPerCheck = keepPerCheck;
  }

  add(file: string, line: number, check: CheckId, message: string): void {
    const count = (this.counts.get(check) ?? 0) + 1;
    this.counts.set(check, count);
    if (count <= this.keepPerCheck) {
      this.kept.push({ file, line, check, severity: CHECKS[check].severity, message });
    }
  }

  /** Kept findings, in file then line order. */
  findings(fileOrder: readonly string[]): Finding[] {
    const rank = (file: string) => {
      const index = fileOrder.indexOf(file);
      return index < 0 ? fileOrder.length : index;
    };
    return [...this.kept].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
  }

  /** Counts findings that were found but not kept (a worker keeps a bounded number per check). */
  countOnly(check: CheckId, times: number): void {
    if (times <= 0) return;
    const count = (this.counts.get(check) ?? 0) + times;
    this.counts.set(check, count);
  }

  countOf(check: CheckId): number {
    return this.counts.get(check) ?? 0;
  }

  countsByCheck(): Partial<Record<CheckId, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<CheckId, number>>;
  }

  total(severity: 'error' | 'warning'): number {
    let sum = 0;
    for (const [check, count] of this.counts) if (CHECKS[check].severity === severity) sum += count;
    return sum;
  }

  /** Whether any finding was counted but not kept. */
  truncated(): boolean {
    let counted = 0;
    for (const count of this.counts.values()) counted += count;
    return counted > this.kept.length;
  }
}
