// AmlCompute clusters: create/update by LRO, PATCH of scale settings, DELETE, reads; VM size checked per region.

import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { ArmError, conflict, userError } from './armErrors.js';
import {
  checkName,
  enumValue,
  integerIn,
  isoDuration,
  isoNow,
  listReply,
  nameRules,
  propertiesOf,
  requireLocation,
  requireResource,
  requireWorkspace,
  requiredString,
  systemData,
  tagsOf,
} from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { acceptedReply, asyncOperationHeaders, beginLro } from './lro.js';
import { requireVmSize } from './quota.js';
import { resolveIdentity } from './workspaces.js';

const type = 'Microsoft.MachineLearningServices/workspaces/computes';
const computes = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/computes';
const computeTypes = ['AmlCompute', 'ComputeInstance', 'Kubernetes', 'AKS', 'VirtualMachine', 'HDInsight', 'DataFactory', 'Databricks', 'DataLakeAnalytics', 'SynapseSpark'] as const;

function scaleSettingsOf(value: unknown, previous?: Json): Json {
  if ((value === undefined || value === null) && previous) return previous;
  if (typeof value !== 'object' || value === null) {
    throw userError('properties.properties.scaleSettings is required (maxNodeCount, minNodeCount, nodeIdleTimeBeforeScaleDown).', 'properties.properties.scaleSettings', 'RequiredField');
  }
  const given = value as Json;
  const maxNodeCount = integerIn(given.maxNodeCount, 0, 1000, 'properties.properties.scaleSettings.maxNodeCount');
  const minNodeCount = integerIn(given.minNodeCount, 0, 1000, 'properties.properties.scaleSettings.minNodeCount', 0);
  if (minNodeCount > maxNodeCount) {
    throw userError(`scaleSettings.minNodeCount (${minNodeCount}) cannot be greater than maxNodeCount (${maxNodeCount}).`, 'properties.properties.scaleSettings.minNodeCount');
  }
  return { maxNodeCount, minNodeCount, nodeIdleTimeBeforeScaleDown: isoDuration(given.nodeIdleTimeBeforeScaleDown, 'properties.properties.scaleSettings.nodeIdleTimeBeforeScaleDown', 'PT120S') };
}

function busy(resource: StoredResource): void {
  const state = resource.body.properties.provisioningState as string;
  if (['Creating', 'Updating', 'Deleting'].includes(state)) {
    throw conflict(`The compute '${resource.name}' is busy (provisioningState ${state}); retry when the current operation has finished.`);
  }
}

function put(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  const name = ctx.params.name!;
  checkName('Compute', name, nameRules.compute);
  const id = `${workspace.id}/computes/${name}`;
  const existing = ctx.core.store.get(id);
  if (existing) busy(existing);
  const location = requireLocation(ctx, ctx.body.location ?? workspace.body.location);
  const properties = propertiesOf(ctx.body);
  const computeType = enumValue(properties.computeType, computeTypes, 'properties.computeType');
  if (computeType !== 'AmlCompute') throw userError(`computeType '${computeType}' is not emulated; use AmlCompute.`, 'properties.computeType');
  const inner = properties.properties;
  if (typeof inner !== 'object' || inner === null) {
    throw userError('properties.properties is required for AmlCompute (vmSize, vmPriority, scaleSettings).', 'properties.properties', 'RequiredField');
  }
  const amlProps = inner as Json;
  const vmSize = requireVmSize(ctx.core, location, requiredString(amlProps, 'vmSize', 'properties.properties.vmSize'), 'properties.properties.vmSize').name;
  const vmPriority = enumValue(amlProps.vmPriority, ['Dedicated', 'LowPriority'] as const, 'properties.properties.vmPriority', 'Dedicated');
  const previous = existing?.body.properties.properties as Json | undefined;
  if (previous && previous.vmSize !== vmSize) throw userError(`Updating vmSize of an existing AmlCompute is not supported (it is ${previous.vmSize}); delete and recreate the cluster.`, 'properties.properties.vmSize');
  if (previous && previous.vmPriority !== vmPriority) throw userError(`Updating vmPriority of an existing AmlCompute is not supported (it is ${previous.vmPriority}).`, 'properties.properties.vmPriority');
  const scaleSettings = scaleSettingsOf(amlProps.scaleSettings, undefined);
  const now = isoNow();
  const stored = ctx.core.store.put({
    id,
    name,
    type,
    body: {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type,
      location,
      tags: tagsOf(ctx.body.tags),
      identity: resolveIdentity(ctx, ctx.body.identity, existing?.body.identity) ?? null,
      systemData: systemData(ctx, existing?.body.systemData),
      properties: {
        computeType,
        computeLocation: location,
        description: properties.description ?? existing?.body.properties.description ?? null,
        provisioningState: existing ? 'Updating' : 'Creating',
        createdOn: existing?.body.properties.createdOn ?? now,
        modifiedOn: now,
        isAttachedCompute: false,
        disableLocalAuth: true,
        provisioningErrors: null,
        properties: {
          ...amlProps,
          vmSize,
          vmPriority,
          scaleSettings,
          osType: amlProps.osType ?? 'Linux',
          remoteLoginPortPublicAccess: amlProps.remoteLoginPortPublicAccess ?? 'Disabled',
          enableNodePublicIp: amlProps.enableNodePublicIp ?? true,
          isolatedNetwork: false,
          subnet: amlProps.subnet ?? null,
          allocationState: 'Steady',
          allocationStateTransitionTime: now,
          currentNodeCount: 0,
          targetNodeCount: scaleSettings.minNodeCount,
          nodeStateCounts: { idleNodeCount: 0, runningNodeCount: 0, preparingNodeCount: 0, unusableNodeCount: 0, leavingNodeCount: 0, preemptedNodeCount: 0 },
          errors: null,
        },
      },
    },
  });
  const op = beginLro(ctx, {
    resourceId: stored.id,
    location,
    kind: existing ? 'update' : 'create',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => (stored.body.properties.provisioningState = 'Succeeded'),
    onFailed: (_at, error) => {
      stored.body.properties.provisioningState = 'Failed';
      stored.body.properties.provisioningErrors = [{ error }];
    },
  });
  return { status: existing ? 200 : 201, body: stored.body, headers: asyncOperationHeaders(ctx, op) };
}

function computeOf(ctx: ArmContext): StoredResource {
  const workspace = requireWorkspace(ctx);
  return requireResource(ctx, `${workspace.id}/computes/${ctx.params.name}`, type, `${ctx.params.ws}/${ctx.params.name}`);
}

function patch(ctx: ArmContext): Reply {
  const compute = computeOf(ctx);
  busy(compute);
  const properties = propertiesOf(ctx.body, false);
  const given = (properties.scaleSettings ?? (properties.properties as Json | undefined)?.scaleSettings) as unknown;
  const amlProps = compute.body.properties.properties as Json;
  if (given !== undefined) amlProps.scaleSettings = scaleSettingsOf(given, amlProps.scaleSettings as Json);
  if (ctx.body.tags !== undefined) compute.body.tags = tagsOf(ctx.body.tags);
  compute.body.properties.provisioningState = 'Updating';
  compute.body.properties.modifiedOn = isoNow();
  const op = beginLro(ctx, {
    resourceId: compute.id,
    location: compute.body.location as string,
    kind: 'update',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => (compute.body.properties.provisioningState = 'Succeeded'),
    onFailed: () => (compute.body.properties.provisioningState = 'Failed'),
    result: () => compute.body,
  });
  return acceptedReply(ctx, op);
}

function remove(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  const action = Object.entries(ctx.call.query).find(([k]) => k.toLowerCase() === 'underlyingresourceaction')?.[1];
  if (!action || !['delete', 'detach'].includes(action.toLowerCase())) {
    throw new ArmError(400, 'UserError', "The query parameter 'underlyingResourceAction' is required: Delete or Detach.", [{ code: 'RequiredField', message: 'underlyingResourceAction is required', target: 'underlyingResourceAction' }]);
  }
  const compute = ctx.core.store.get(`${workspace.id}/computes/${ctx.params.name}`);
  if (!compute) return { status: 204 };
  compute.body.properties.provisioningState = 'Deleting';
  const op = beginLro(ctx, {
    resourceId: compute.id,
    location: compute.body.location as string,
    kind: 'delete',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => ctx.core.store.delete(compute.id),
  });
  return acceptedReply(ctx, op);
}

export const computeRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${computes}/{name}`, family: 'ml', handle: put },
  { method: 'GET', path: `${computes}/{name}`, family: 'ml', handle: (ctx) => ({ status: 200, body: computeOf(ctx).body }) },
  { method: 'PATCH', path: `${computes}/{name}`, family: 'ml', handle: patch },
  { method: 'DELETE', path: `${computes}/{name}`, family: 'ml', handle: remove },
  { method: 'GET', path: computes, family: 'ml', handle: (ctx) => listReply(ctx.core.store.children(requireWorkspace(ctx).id, 'computes')) },
];
