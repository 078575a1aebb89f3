// Azure ML workspaces (Default, Hub, Project): create, update, PATCH, DELETE, lists; each gets its default datastore.

import { randomUUID } from 'node:crypto';
import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { ArmError, userError } from './armErrors.js';
import {
  apiVersionAtLeast,
  checkName,
  enumValue,
  isoNow,
  listReply,
  mlType,
  nameRules,
  optionalString,
  propertiesOf,
  requireLocation,
  requireRegistered,
  requireResourceGroup,
  requireWorkspace,
  resourceGroupId,
  systemData,
  tagsOf,
  workspaceIdOf,
} from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { createDefaultDatastore } from './datastores.js';
import { acceptedReply, beginLro } from './lro.js';

const ws = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';
const kinds = ['Default', 'Hub', 'Project', 'FeatureStore'] as const;
const identityTypes = ['None', 'SystemAssigned', 'UserAssigned', 'SystemAssigned,UserAssigned'] as const;

const armIdPattern = (type: string) => new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${type.replace('.', '\\.')}/[^/]+$`, 'i');
const dependentIds: Record<string, RegExp> = {
  storageAccount: armIdPattern('Microsoft.Storage/storageAccounts'),
  keyVault: armIdPattern('Microsoft.KeyVault/vaults'),
  applicationInsights: armIdPattern('Microsoft.Insights/components'),
  containerRegistry: armIdPattern('Microsoft.ContainerRegistry/registries'),
};

/** A managed-identity block as Azure returns it: principal ids for the system identity, client/principal for user ones. */
export function resolveIdentity(ctx: ArmContext, value: unknown, previous?: Json): Json | undefined {
  if (value === undefined || value === null) return previous;
  if (typeof value !== 'object' || Array.isArray(value)) throw userError('identity must be an object.', 'identity');
  const identity = value as Json;
  const type = enumValue(typeof identity.type === 'string' ? identity.type.replace(/\s+/g, '') : identity.type, identityTypes, 'identity.type');
  const result: Json = { type };
  if (type.includes('SystemAssigned')) {
    result.principalId = previous?.principalId ?? randomUUID();
    result.tenantId = ctx.core.options.tenantId;
  }
  if (type.includes('UserAssigned')) {
    const given = identity.userAssignedIdentities;
    if (typeof given !== 'object' || given === null || Object.keys(given).length === 0) {
      throw userError("identity.userAssignedIdentities must name at least one identity when identity.type is 'UserAssigned'.", 'identity.userAssignedIdentities', 'RequiredField');
    }
    result.userAssignedIdentities = {};
    for (const id of Object.keys(given)) {
      const uami = ctx.core.store.get(id);
      if (!uami || uami.type !== 'Microsoft.ManagedIdentity/userAssignedIdentities') {
        throw userError(`The user-assigned identity '${id}' was not found.`, 'identity.userAssignedIdentities');
      }
      result.userAssignedIdentities[uami.id] = { principalId: uami.body.properties.principalId, clientId: uami.body.properties.clientId };
    }
  }
  return result;
}

async function put(ctx: ArmContext): Promise<Reply> {
  requireResourceGroup(ctx);
  requireRegistered(ctx, 'Microsoft.MachineLearningServices');
  const { sub, rg } = ctx.params;
  const name = ctx.params.ws!;
  checkName('Workspace', name, nameRules.workspace);
  const id = workspaceIdOf(sub!, rg!, name);
  const existing = ctx.core.store.get(id);
  if (existing?.body.properties.provisioningState === 'Deleting') throw new ArmError(409, 'Conflict', `Workspace '${name}' is being deleted.`);
  const location = requireLocation(ctx, ctx.body.location);
  const properties = propertiesOf(ctx.body, false);
  const kind = enumValue(ctx.body.kind, kinds, 'kind', existing?.body.kind ?? 'Default');
  if (kind !== 'Default' && !apiVersionAtLeast(ctx.apiVersion, '2023-08-01')) {
    throw userError(`Workspace kind '${kind}' needs api-version 2023-08-01-preview or later (got ${ctx.apiVersion}).`, 'kind');
  }
  for (const [field, pattern] of Object.entries(dependentIds)) {
    const value = optionalString(properties, field, `properties.${field}`);
    if (value !== undefined && !pattern.test(value)) throw userError(`properties.${field} '${value}' is not a valid ARM id of the expected resource type.`, `properties.${field}`);
  }
  let hub: StoredResource | undefined;
  if (kind === 'Project') {
    const hubId = properties.hubResourceId;
    if (typeof hubId !== 'string' || hubId === '') throw userError("properties.hubResourceId is required for a workspace of kind 'Project'.", 'properties.hubResourceId', 'RequiredField');
    hub = ctx.core.store.get(hubId);
    if (!hub || hub.type !== mlType || hub.body.kind !== 'Hub') throw userError(`properties.hubResourceId '${hubId}' is not an existing workspace of kind 'Hub'.`, 'properties.hubResourceId');
    if (hub.body.location !== location) throw userError(`A project must be in its hub's region '${hub.body.location}' (got '${location}').`, 'location');
  } else if (!existing) {
    for (const field of ['storageAccount', 'keyVault']) {
      if (properties[field] === undefined || properties[field] === null) {
        throw userError(`properties.${field} is required: the ARM id of the workspace's ${field === 'storageAccount' ? 'storage account' : 'key vault'}.`, `properties.${field}`, 'RequiredField');
      }
    }
  }
  if (existing) {
    if (existing.body.location !== location) throw userError(`The location of workspace '${name}' cannot change (it is '${existing.body.location}').`, 'location');
    if (existing.body.kind !== kind) throw userError(`The kind of workspace '${name}' cannot change (it is '${existing.body.kind}').`, 'kind');
    for (const field of ['storageAccount', 'keyVault']) {
      const given = properties[field];
      if (given !== undefined && given !== null && String(given).toLowerCase() !== String(existing.body.properties[field]).toLowerCase()) {
        throw userError(`properties.${field} of an existing workspace cannot be changed.`, `properties.${field}`);
      }
    }
    const registry = existing.body.properties.containerRegistry as string | null;
    const newRegistry = properties.containerRegistry as string | undefined | null;
    if (registry && newRegistry && registry.toLowerCase() !== newRegistry.toLowerCase()) {
      throw userError('properties.containerRegistry of an existing workspace cannot be replaced once set.', 'properties.containerRegistry');
    }
  }

  const previous = (existing?.body.properties ?? {}) as Json;
  const workspaceId = (previous.workspaceId as string | undefined) ?? randomUUID();
  const creating = !existing && ctx.core.options.timing.workspaceMs > 0;
  const body: Json = {
    id: existing?.id ?? id,
    name: existing?.name ?? name,
    type: mlType,
    location,
    kind,
    tags: tagsOf(ctx.body.tags),
    sku: { name: 'Basic', tier: 'Basic' },
    identity: resolveIdentity(ctx, ctx.body.identity, existing?.body.identity) ?? { type: 'None' },
    systemData: systemData(ctx, existing?.body.systemData),
    properties: {
      ...previous,
      ...properties,
      friendlyName: properties.friendlyName ?? previous.friendlyName ?? name,
      description: properties.description ?? previous.description ?? '',
      storageAccount: hub ? hub.body.properties.storageAccount : (properties.storageAccount ?? previous.storageAccount),
      keyVault: hub ? hub.body.properties.keyVault : (properties.keyVault ?? previous.keyVault),
      applicationInsights: hub ? hub.body.properties.applicationInsights : (properties.applicationInsights ?? previous.applicationInsights ?? null),
      containerRegistry: hub ? hub.body.properties.containerRegistry : (properties.containerRegistry ?? previous.containerRegistry ?? null),
      workspaceId,
      tenantId: ctx.core.options.tenantId,
      discoveryUrl: `${ctx.core.url}/mlservices/${location}/discovery`,
      mlFlowTrackingUri: `azureml://${new URL(ctx.core.url).host}/mlflow/v1.0${existing?.id ?? id}`,
      publicNetworkAccess: properties.publicNetworkAccess ?? previous.publicNetworkAccess ?? 'Enabled',
      hbiWorkspace: properties.hbiWorkspace ?? previous.hbiWorkspace ?? false,
      v1LegacyMode: false,
      storageHnsEnabled: false,
      provisioningState: creating ? 'Creating' : 'Succeeded',
      creationTime: previous.creationTime ?? isoNow(),
      ...(hub ? { hubResourceId: hub.id } : {}),
    },
  };
  const stored = ctx.core.store.put({ id, name, type: mlType, body });
  if (hub) {
    const associated = new Set<string>((hub.body.properties.associatedWorkspaces as string[] | undefined) ?? []);
    associated.add(stored.id);
    hub.body.properties.associatedWorkspaces = [...associated];
  }
  if (!existing) await createDefaultDatastore(ctx, stored);
  if (!creating) return { status: existing ? 200 : 201, body: stored.body };
  const op = beginLro(ctx, {
    resourceId: stored.id,
    location,
    kind: 'create',
    durationMs: ctx.core.options.timing.workspaceMs,
    onSucceeded: () => (stored.body.properties.provisioningState = 'Succeeded'),
    onFailed: () => (stored.body.properties.provisioningState = 'Failed'),
    result: () => stored.body,
  });
  return { ...acceptedReply(ctx, op), body: stored.body };
}

function patch(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx, false);
  const properties = propertiesOf(ctx.body, false);
  if (ctx.body.tags !== undefined) workspace.body.tags = tagsOf(ctx.body.tags);
  for (const field of ['friendlyName', 'description', 'imageBuildCompute', 'publicNetworkAccess', 'applicationInsights']) {
    if (properties[field] !== undefined) workspace.body.properties[field] = properties[field];
  }
  if (properties.containerRegistry !== undefined) {
    const current = workspace.body.properties.containerRegistry as string | null;
    if (current && String(properties.containerRegistry).toLowerCase() !== current.toLowerCase()) {
      throw userError('properties.containerRegistry of an existing workspace cannot be replaced once set.', 'properties.containerRegistry');
    }
    workspace.body.properties.containerRegistry = properties.containerRegistry;
  }
  if (ctx.body.identity !== undefined) workspace.body.identity = resolveIdentity(ctx, ctx.body.identity, workspace.body.identity);
  workspace.body.systemData = systemData(ctx, workspace.body.systemData);
  return { status: 200, body: workspace.body };
}

function remove(ctx: ArmContext): Reply {
  requireResourceGroup(ctx);
  const id = workspaceIdOf(ctx.params.sub!, ctx.params.rg!, ctx.params.ws!);
  const workspace = ctx.core.store.get(id);
  if (!workspace) return { status: 204 };
  workspace.body.properties.provisioningState = 'Deleting';
  const op = beginLro(ctx, {
    resourceId: id,
    location: workspace.body.location as string,
    kind: 'delete',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => ctx.core.store.delete(id),
  });
  return acceptedReply(ctx, op);
}

export const workspaceRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: ws, family: 'ml', handle: put },
  { method: 'GET', path: ws, family: 'ml', handle: (ctx) => ({ status: 200, body: requireWorkspace(ctx, false).body }) },
  { method: 'PATCH', path: ws, family: 'ml', handle: patch },
  { method: 'DELETE', path: ws, family: 'ml', handle: remove },
  {
    method: 'GET',
    path: '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces',
    family: 'ml',
    handle: (ctx) => {
      requireResourceGroup(ctx);
      return listReply(ctx.core.store.children(`${resourceGroupId(ctx.params.sub!, ctx.params.rg!)}/providers/Microsoft.MachineLearningServices`, 'workspaces'));
    },
  },
  {
    method: 'GET',
    path: '/subscriptions/{sub}/providers/Microsoft.MachineLearningServices/workspaces',
    family: 'ml',
    handle: (ctx) => listReply(ctx.core.store.all(mlType)),
  },
];
