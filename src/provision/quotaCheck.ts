// Quota preflight arithmetic: vCPUs needed per VM family against the region's family rows and regional total.

export interface RegionVmSize {
  readonly name: string;
  readonly family: string;
  readonly vCPUs: number;
}

export interface UsageRow {
  /** name.value: the family key (standardNCADSA100v4Family) or the total's name. */
  readonly name: string;
  /** name.localizedValue: "Standard NCADSA100v4 Family Cluster Dedicated vCPUs". */
  readonly label: string;
  readonly currentValue: number;
  readonly limit: number;
}

export interface QuotaNeed {
  /** The input that asked for the size, for messages. */
  readonly input: string;
  readonly vmSize: string;
  readonly count: number;
  readonly priority: 'dedicated' | 'low-priority';
}

export interface QuotaLine {
  readonly row: string;
  readonly need: number;
  readonly free: number;
  readonly limit: number;
  readonly ok: boolean;
}

export interface QuotaResult {
  readonly lines: readonly QuotaLine[];
  /** One message per shortfall, naming the row, the region, the numbers and the fix. */
  readonly shortfalls: readonly string[];
}

/** A VM size the region does not offer: names the sizes it does. */
export class VmSizeUnavailableError extends Error {
  constructor(input: string, vmSize: string, location: string, offered: readonly string[]) {
    super(`input '${input}': VM size '${vmSize}' is not offered by Azure ML in ${location}; sizes offered there: ${offered.length > 0 ? [...offered].sort().join(', ') : '(none)'}`);
    this.name = 'VmSizeUnavailableError';
  }
}

const isDedicatedTotal = (row: UsageRow) => /total.*dedicated/i.test(`${row.label} ${row.name}`) || row.name.toLowerCase() === 'totalcores';
const isLowPriorityTotal = (row: UsageRow) => /total.*low\s*priority/i.test(`${row.label} ${row.name}`) || row.name.toLowerCase() === 'totallowprioritycores';

function line(row: string, need: number, current: number, limit: number): QuotaLine {
  const free = Math.max(0, limit - current);
  return { row, need, free, limit, ok: need <= free };
}

export function shortfallMessage(l: QuotaLine, location: string): string {
  return `${l.row} in ${location}: need ${l.need}, have ${l.free} of ${l.limit} free — request ${l.need - l.free} more in Azure ML studio > Quota`;
}

/**
 * vCPUs needed per family = vCPUs per VM x nodes, summed over the needs; each family row and the regional
 * total (dedicated, or low priority) must have that much free. Throws VmSizeUnavailableError for a size
 * the region does not offer.
 */
export function checkQuota(needs: readonly QuotaNeed[], sizes: readonly RegionVmSize[], usages: readonly UsageRow[], location: string): QuotaResult {
  const perFamily = new Map<string, number>();
  let dedicatedTotal = 0;
  let lowPriorityTotal = 0;
  for (const need of needs) {
    if (need.count === 0) continue;
    const size = sizes.find((s) => s.name.toLowerCase() === need.vmSize.toLowerCase());
    if (!size) throw new VmSizeUnavailableError(need.input, need.vmSize, location, sizes.map((s) => s.name));
    const vCPUs = size.vCPUs * need.count;
    if (need.priority === 'low-priority') {
      lowPriorityTotal += vCPUs;
    } else {
      perFamily.set(size.family, (perFamily.get(size.family) ?? 0) + vCPUs);
      dedicatedTotal += vCPUs;
    }
  }
  const lines: QuotaLine[] = [];
  for (const [family, need] of perFamily) {
    const row = usages.find((u) => u.name.toLowerCase() === family.toLowerCase());
    lines.push(line(row?.label ?? `${family} Cluster Dedicated vCPUs`, need, row?.currentValue ?? 0, row?.limit ?? 0));
  }
  if (dedicatedTotal > 0) {
    const total = usages.find(isDedicatedTotal);
    lines.push(line(total?.label ?? 'Total Cluster Dedicated Regional vCPUs', dedicatedTotal, total?.currentValue ?? 0, total?.limit ?? 0));
  }
  if (lowPriorityTotal > 0) {
    const total = usages.find(isLowPriorityTotal);
    lines.push(line(total?.label ?? 'Total Cluster LowPriority Regional vCPUs', lowPriorityTotal, total?.currentValue ?? 0, total?.limit ?? 0));
  }
  return { lines, shortfalls: lines.filter((l) => !l.ok).map((l) => shortfallMessage(l, location)) };
}
