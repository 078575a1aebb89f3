// Per-region VM sizes and vCPU quota: the usages, quotas and vmSizes lists, and the checks deployments make.

import type { EmulatorCore } from '../core.js';
import type { Reply } from '../httpKit.js';
import { vmSizeCatalog, type RegionQuota, type VmSize } from '../options.js';
import { userError } from './armErrors.js';
import { requireLocation } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

const locations = '/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/locations/{location}';

export function regionQuota(core: EmulatorCore, location: string): RegionQuota {
  return core.options.quota[location] ?? { vmSizes: [], families: {}, totalDedicated: { limit: 0 }, lowPriority: { limit: 0 } };
}

export function vmSizeByName(name: string): VmSize | undefined {
  return vmSizeCatalog.find((s) => s.name.toLowerCase() === name.toLowerCase());
}

/** The VM size if the region offers it; 400 naming the sizes it does offer otherwise. */
export function requireVmSize(core: EmulatorCore, location: string, name: string, target: string): VmSize {
  const offered = regionQuota(core, location).vmSizes;
  const size = vmSizeByName(name);
  if (!size || !offered.some((s) => s.toLowerCase() === name.toLowerCase())) {
    throw userError(`${target} '${name}' is not available in region '${location}'. Sizes available there: ${offered.join(', ') || '(none)'}.`, target, 'InvalidVmSize');
  }
  return size;
}

/** vCPUs in use per family in a region: the configured current usage plus every live online deployment. */
export function familyUsage(core: EmulatorCore, location: string): Map<string, number> {
  const quota = regionQuota(core, location);
  const usage = new Map<string, number>();
  for (const [family, row] of Object.entries(quota.families)) usage.set(family, row.currentValue ?? 0);
  for (const deployment of core.store.all('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments')) {
    if (deployment.body.location !== location || ['Failed', 'Deleting'].includes(deployment.body.properties.provisioningState as string)) continue;
    const size = vmSizeByName(String(deployment.body.properties.instanceType ?? ''));
    if (size) usage.set(size.family, (usage.get(size.family) ?? 0) + size.vCPUs * Number(deployment.body.sku?.capacity ?? 1));
  }
  return usage;
}

/** Regional dedicated vCPUs in use: the configured total (or the sum of configured family usage) plus deployments. */
function totalUsage(core: EmulatorCore, location: string): number {
  const quota = regionQuota(core, location);
  const configuredFamilies = Object.values(quota.families).reduce((sum, row) => sum + (row.currentValue ?? 0), 0);
  const allFamilies = [...familyUsage(core, location).values()].reduce((a, b) => a + b, 0);
  return (quota.totalDedicated.currentValue ?? configuredFamilies) + allFamilies - configuredFamilies;
}

/** Azure's refusal when a deployment needs more vCPUs than the family (or region) has free. */
export function checkDeploymentQuota(core: EmulatorCore, location: string, size: VmSize, instances: number, excluding = 0): void {
  const quota = regionQuota(core, location);
  const limit = quota.families[size.family]?.limit ?? 0;
  const used = (familyUsage(core, location).get(size.family) ?? 0) - excluding;
  const needed = size.vCPUs * instances;
  const total = totalUsage(core, location) - excluding;
  if (used + needed > limit || total + needed > quota.totalDedicated.limit) {
    throw userError(
      `Not enough quota available for ${size.name} in SubscriptionId ${core.options.subscriptionId}. Current usage/limit: ${used}/${limit}. Additional needed: ${needed}. Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-outofquota`,
      'properties.instanceType',
      'OutOfQuota',
    );
  }
}

function usages(ctx: ArmContext): Reply {
  const location = requireLocation(ctx, ctx.params.location);
  const quota = regionQuota(ctx.core, location);
  const usage = familyUsage(ctx.core, location);
  const families = new Map<string, string>();
  for (const size of vmSizeCatalog) families.set(size.family, size.familyLabel);
  const base = `/subscriptions/${ctx.core.options.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${location}/usages`;
  const value = [
    {
      id: `${base}/TotalCores`,
      amlWorkspaceLocation: location,
      type: 'Microsoft.MachineLearningServices/totalCores/usages',
      unit: 'Count',
      currentValue: totalUsage(ctx.core, location),
      limit: quota.totalDedicated.limit,
      name: { value: 'Total Cluster Dedicated Regional vCPUs', localizedValue: 'Total Cluster Dedicated Regional vCPUs' },
    },
    {
      id: `${base}/TotalLowPriorityCores`,
      amlWorkspaceLocation: location,
      type: 'Microsoft.MachineLearningServices/totalCores/usages',
      unit: 'Count',
      currentValue: quota.lowPriority.currentValue ?? 0,
      limit: quota.lowPriority.limit,
      name: { value: 'Total Cluster LowPriority Regional vCPUs', localizedValue: 'Total Cluster LowPriority Regional vCPUs' },
    },
    ...[...families].map(([family, label]) => ({
      id: `${base}/${family}`,
      amlWorkspaceLocation: location,
      type: 'Microsoft.MachineLearningServices/vmFamily/usages',
      unit: 'Count',
      currentValue: usage.get(family) ?? 0,
      limit: quota.families[family]?.limit ?? 0,
      name: { value: family, localizedValue: `${label} Cluster Dedicated vCPUs` },
    })),
  ];
  return { status: 200, body: { value } };
}

function quotas(ctx: ArmContext): Reply {
  const location = requireLocation(ctx, ctx.params.location);
  const quota = regionQuota(ctx.core, location);
  const base = `/subscriptions/${ctx.core.options.subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${location}/quotas`;
  const families = [...new Map(vmSizeCatalog.map((s) => [s.family, s.familyLabel]))];
  return {
    status: 200,
    body: {
      value: families.map(([family, label]) => ({
        id: `${base}/${family}`,
        type: 'Microsoft.MachineLearningServices/vmFamily',
        limit: quota.families[family]?.limit ?? 0,
        unit: 'Count',
        name: { value: family, localizedValue: `${label} Cluster Dedicated vCPUs` },
      })),
    },
  };
}

function vmSizes(ctx: ArmContext): Reply {
  const location = requireLocation(ctx, ctx.params.location);
  const offered = new Set(regionQuota(ctx.core, location).vmSizes.map((s) => s.toLowerCase()));
  return {
    status: 200,
    body: {
      value: vmSizeCatalog
        .filter((s) => offered.has(s.name.toLowerCase()))
        .map((s) => ({
          name: s.name,
          family: s.family,
          vCPUs: s.vCPUs,
          gpus: s.gpus,
          osVhdSizeMB: 1047552,
          maxResourceVolumeMB: s.memoryGB * 2048,
          memoryGB: s.memoryGB,
          lowPriorityCapable: true,
          premiumIO: true,
          supportedComputeTypes: ['AmlCompute', 'ComputeInstance', 'ManagedOnlineEndpoint'],
        })),
    },
  };
}

export const quotaRoutes: ArmRouteSpec[] = [
  { method: 'GET', path: `${locations}/usages`, family: 'ml', handle: usages },
  { method: 'GET', path: `${locations}/quotas`, family: 'ml', handle: quotas },
  { method: 'GET', path: `${locations}/vmSizes`, family: 'ml', handle: vmSizes },
];
