// Quota arithmetic: vCPUs per VM x nodes per family, the family row and the regional total.
import { describe, expect, it } from 'vitest';
import { checkQuota, VmSizeUnavailableError, type QuotaNeed, type RegionVmSize, type UsageRow } from '../../../src/provision/quotaCheck.js';

const sizes: RegionVmSize[] = [
  { name: 'Standard_NC24ads_A100_v4', family: 'standardNCADSA100v4Family', vCPUs: 24 },
  { name: 'Standard_NC6s_v3', family: 'standardNCSv3Family', vCPUs: 6 },
  { name: 'Standard_NC12s_v3', family: 'standardNCSv3Family', vCPUs: 12 },
];
const row = (name: string, label: string, currentValue: number, limit: number): UsageRow => ({ name, label, currentValue, limit });
const usages = (a100: number, ncsv3: number, total: number, used = 0): UsageRow[] => [
  row('Total Cluster Dedicated Regional vCPUs', 'Total Cluster Dedicated Regional vCPUs', used, total),
  row('Total Cluster LowPriority Regional vCPUs', 'Total Cluster LowPriority Regional vCPUs', 0, 12),
  row('standardNCADSA100v4Family', 'Standard NCADSA100v4 Family Cluster Dedicated vCPUs', 0, a100),
  row('standardNCSv3Family', 'Standard NCSv3 Family Cluster Dedicated vCPUs', used, ncsv3),
];
const train = (count: number, priority: QuotaNeed['priority'] = 'dedicated'): QuotaNeed => ({ input: 'vm-size', vmSize: 'Standard_NC24ads_A100_v4', count, priority });
const serve = (count: number, vmSize = 'Standard_NC6s_v3'): QuotaNeed => ({ input: 'serving-vm-size', vmSize, count, priority: 'dedicated' });

describe('checkQuota', () => {
  it.each<[string, QuotaNeed[], UsageRow[], string[]]>([
    ['enough for one node and one instance', [train(1), serve(1)], usages(48, 48, 100), []],
    ['exactly enough', [train(2), serve(2, 'Standard_NC12s_v3')], usages(48, 24, 72), []],
    [
      'no A100 quota (the issue example)',
      [train(1), serve(1)],
      usages(0, 48, 100),
      ['Standard NCADSA100v4 Family Cluster Dedicated vCPUs in eastus2: need 24, have 0 of 0 free — request 24 more in Azure ML studio > Quota'],
    ],
    ['family partly used', [serve(3)], usages(0, 24, 100, 6), []],
    ['family over-used', [serve(4)], usages(0, 24, 100, 6), ['Standard NCSv3 Family Cluster Dedicated vCPUs in eastus2: need 24, have 18 of 24 free — request 6 more in Azure ML studio > Quota']],
    ['regional total short', [train(1), serve(1)], usages(48, 48, 24), ['Total Cluster Dedicated Regional vCPUs in eastus2: need 30, have 24 of 24 free — request 6 more in Azure ML studio > Quota']],
    ['training and serving sharing a family add up', [serve(2), { ...serve(1, 'Standard_NC12s_v3'), input: 'vm-size' }], usages(0, 18, 100), ['Standard NCSv3 Family Cluster Dedicated vCPUs in eastus2: need 24, have 18 of 18 free — request 6 more in Azure ML studio > Quota']],
    ['low priority uses the low-priority total, not the family', [train(1, 'low-priority')], usages(0, 0, 0), ['Total Cluster LowPriority Regional vCPUs in eastus2: need 24, have 12 of 12 free — request 12 more in Azure ML studio > Quota']],
    ['zero serving instances need nothing', [serve(0, 'Standard_Unknown')], usages(0, 0, 0), []],
  ])('%s', (_name, needs, rows, shortfalls) => {
    expect(checkQuota(needs, sizes, rows, 'eastus2').shortfalls).toEqual(shortfalls);
  });

  it('a missing family row counts as a limit of 0', () => {
    const result = checkQuota([train(1)], sizes, usages(48, 48, 100).filter((r) => !r.name.startsWith('standardNCADS')), 'westus3');
    expect(result.shortfalls).toEqual(['standardNCADSA100v4Family Cluster Dedicated vCPUs in westus3: need 24, have 0 of 0 free — request 24 more in Azure ML studio > Quota']);
  });

  it('a size the region does not offer names the sizes it does', () => {
    const run = () => checkQuota([{ input: 'vm-size', vmSize: 'Standard_NC40ads_H100_v5', count: 1, priority: 'dedicated' }], sizes, usages(48, 48, 100), 'eastus');
    expect(run).toThrow(VmSizeUnavailableError);
    expect(run).toThrow("input 'vm-size': VM size 'Standard_NC40ads_H100_v5' is not offered by Azure ML in eastus; sizes offered there: Standard_NC12s_v3, Standard_NC24ads_A100_v4, Standard_NC6s_v3");
  });
});
