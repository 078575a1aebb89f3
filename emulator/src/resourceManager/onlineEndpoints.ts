// Managed online endpoints: LRO create/update, traffic and mirror rules, PATCH, DELETE, keys; scoringUri on success.

import { randomBytes } from 'node:crypto';
import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { ArmError, conflict, userError } from './armErrors.js';
import { checkName, enumValue, listReply, nameRules, propertiesOf, requireLocation, requireResource, requireWorkspace, systemData, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { acceptedReply, asyncOperationHeaders, beginLro } from './lro.js';
import { resolveIdentity } from './workspaces.js';

export const endpointType = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints';
export const deploymentType = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments';
const endpoints = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/onlineEndpoints';

export const busyStates = ['Creating', 'Updating', 'Deleting'];

export function scoringUriOf(ctx: ArmContext, location: string, name: string): string {
  return `${ctx.core.url}/inference/${location}/${name}/score`;
}

export function endpointOf(ctx: ArmContext, nested = false): StoredResource {
  const workspace = requireWorkspace(ctx);
  const id = `${workspace.id}/onlineEndpoints/${ctx.params.ep}`;
  const endpoint = ctx.core.store.get(id);
  if (!endpoint) {
    if (nested) throw new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${ctx.params.ws}/${ctx.params.ep}' not found.`);
    return requireResource(ctx, id, endpointType, `${ctx.params.ws}/${ctx.params.ep}`);
  }
  return endpoint;
}

const newKey = () => randomBytes(24).toString('base64url');

/** Validates a traffic map: whole percentages, summing to 100 (or 0), naming only Succeeded deployments. */
function checkTraffic(ctx: ArmContext, endpoint: { id: string; name: string }, value: unknown, mirror: boolean): Record<string, number> {
  const target = mirror ? 'properties.mirrorTraffic' : 'properties.traffic';
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw userError(`${target} must be an object of deployment name -> percentage.`, target);
  const result: Record<string, number> = {};
  for (const [deployment, percent] of Object.entries(value as Json)) {
    if (typeof percent !== 'number' || !Number.isInteger(percent) || percent < 0 || percent > (mirror ? 50 : 100)) {
      throw userError(`${target}['${deployment}'] must be a whole percentage from 0 to ${mirror ? 50 : 100} (got ${JSON.stringify(percent)}).`, target, 'InvalidTraffic');
    }
    const stored = ctx.core.store.get(`${endpoint.id}/deployments/${deployment}`);
    if (!stored) throw userError(`${target} names deployment '${deployment}', which does not exist on endpoint '${endpoint.name}'.`, target, 'InvalidTraffic');
    const state = String(stored.body.properties.provisioningState);
    if (percent > 0 && state !== 'Succeeded') {
      throw userError(`${target} gives ${percent}% to deployment '${deployment}', whose provisioningState is ${state}; only Succeeded deployments can receive traffic.`, target, 'InvalidTraffic');
    }
    result[stored.name] = percent;
  }
  const sum = Object.values(result).reduce((a, b) => a + b, 0);
  if (!mirror && sum !== 0 && sum !== 100) throw userError(`${target} must add up to 100 (or 0); it adds up to ${sum}.`, target, 'InvalidTraffic');
  if (mirror && sum > 50) throw userError(`${target} must add up to at most 50; it adds up to ${sum}.`, target, 'InvalidTraffic');
  return result;
}

function put(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  const name = ctx.params.ep!;
  checkName('Online endpoint', name, nameRules.onlineEndpoint);
  const id = `${workspace.id}/onlineEndpoints/${name}`;
  const existing = ctx.core.store.get(id);
  if (existing && busyStates.includes(String(existing.body.properties.provisioningState))) {
    throw conflict(`Endpoint '${name}' is busy (provisioningState ${existing.body.properties.provisioningState}); retry when the current operation has finished.`);
  }
  const location = requireLocation(ctx, ctx.body.location);
  if (location !== workspace.body.location) throw userError(`location '${location}' must be the workspace's region '${workspace.body.location}'.`, 'location');
  const clash = ctx.core.store.all(endpointType).find((e) => e.name.toLowerCase() === name.toLowerCase() && e.body.location === location && e.id.toLowerCase() !== id.toLowerCase());
  if (clash) throw conflict(`An online endpoint named '${name}' already exists in region '${location}'; endpoint names must be unique per region.`, 'EndpointNameAlreadyInUse');
  const properties = propertiesOf(ctx.body);
  const authMode = enumValue(properties.authMode, ['Key', 'AMLToken', 'AADToken'] as const, 'properties.authMode');
  const ref = { id, name: existing?.name ?? name };
  const traffic = checkTraffic(ctx, ref, properties.traffic, false);
  const mirrorTraffic = checkTraffic(ctx, ref, properties.mirrorTraffic, true);
  for (const [deployment, percent] of Object.entries(mirrorTraffic)) {
    if (percent > 0 && (traffic[deployment] ?? 0) > 0) {
      throw userError(`Deployment '${deployment}' cannot receive both live traffic and mirror traffic.`, 'properties.mirrorTraffic', 'InvalidTraffic');
    }
  }
  const previous = existing ? { traffic: existing.body.properties.traffic, mirrorTraffic: existing.body.properties.mirrorTraffic } : undefined;
  const stored = ctx.core.store.put({
    id,
    name,
    type: endpointType,
    secrets: existing?.secrets ?? { primaryKey: newKey(), secondaryKey: newKey() },
    runtime: existing?.runtime ?? {},
    body: {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type: endpointType,
      location,
      kind: ctx.body.kind ?? existing?.body.kind ?? 'Managed',
      tags: tagsOf(ctx.body.tags),
      // Azure gives an endpoint a system-assigned identity unless told otherwise.
      identity: resolveIdentity(ctx, ctx.body.identity ?? (existing ? undefined : { type: 'SystemAssigned' }), existing?.body.identity),
      systemData: systemData(ctx, existing?.body.systemData),
      properties: {
        description: properties.description ?? existing?.body.properties.description ?? null,
        authMode,
        compute: properties.compute ?? null,
        publicNetworkAccess: properties.publicNetworkAccess ?? 'Enabled',
        properties: (properties.properties as Json | undefined) ?? existing?.body.properties.properties ?? {},
        traffic,
        mirrorTraffic,
        provisioningState: existing ? 'Updating' : 'Creating',
        scoringUri: existing?.body.properties.scoringUri ?? null,
        swaggerUri: existing?.body.properties.swaggerUri ?? null,
      },
    },
  });
  for (const key of [stored.secrets.primaryKey, stored.secrets.secondaryKey]) ctx.core.secrets.add(String(key));
  const op = beginLro(ctx, {
    resourceId: stored.id,
    location,
    kind: existing ? 'update' : 'create',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => {
      stored.body.properties.provisioningState = 'Succeeded';
      stored.body.properties.scoringUri = scoringUriOf(ctx, location, stored.name);
      stored.body.properties.swaggerUri = `${scoringUriOf(ctx, location, stored.name).replace(/\/score$/, '')}/swagger.json`;
    },
    onFailed: () => {
      stored.body.properties.provisioningState = 'Failed';
      if (previous) Object.assign(stored.body.properties, previous);
    },
  });
  return { status: existing ? 200 : 201, body: stored.body, headers: asyncOperationHeaders(ctx, op) };
}

/** PATCH takes tags, identity and kind only; like Azure's PartialMinimalTrackedResourceWithIdentity, `properties` (traffic) is ignored. */
function patch(ctx: ArmContext): Reply {
  const endpoint = endpointOf(ctx);
  if (busyStates.includes(String(endpoint.body.properties.provisioningState))) {
    throw conflict(`Endpoint '${endpoint.name}' is busy (provisioningState ${endpoint.body.properties.provisioningState}).`);
  }
  if (ctx.body.tags !== undefined) endpoint.body.tags = tagsOf(ctx.body.tags);
  if (ctx.body.identity !== undefined) endpoint.body.identity = resolveIdentity(ctx, ctx.body.identity, endpoint.body.identity);
  endpoint.body.systemData = systemData(ctx, endpoint.body.systemData);
  endpoint.body.properties.provisioningState = 'Updating';
  const op = beginLro(ctx, {
    resourceId: endpoint.id,
    location: String(endpoint.body.location),
    kind: 'update',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => (endpoint.body.properties.provisioningState = 'Succeeded'),
    onFailed: () => (endpoint.body.properties.provisioningState = 'Failed'),
    result: () => endpoint.body,
  });
  return acceptedReply(ctx, op);
}

function remove(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  const endpoint = ctx.core.store.get(`${workspace.id}/onlineEndpoints/${ctx.params.ep}`);
  if (!endpoint) return { status: 204 };
  if (endpoint.body.properties.provisioningState === 'Deleting') throw conflict(`Endpoint '${endpoint.name}' is already being deleted.`);
  endpoint.body.properties.provisioningState = 'Deleting';
  for (const deployment of ctx.core.store.children(endpoint.id, 'deployments')) deployment.body.properties.provisioningState = 'Deleting';
  const op = beginLro(ctx, {
    resourceId: endpoint.id,
    location: String(endpoint.body.location),
    kind: 'delete',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => ctx.core.store.delete(endpoint.id),
  });
  return acceptedReply(ctx, op);
}

function listKeys(ctx: ArmContext): Reply {
  const endpoint = endpointOf(ctx);
  if (endpoint.body.properties.authMode !== 'Key') {
    throw userError(`Endpoint '${endpoint.name}' uses authMode ${endpoint.body.properties.authMode}; keys exist only for authMode Key.`, 'properties.authMode');
  }
  return { status: 200, body: { primaryKey: endpoint.secrets.primaryKey, secondaryKey: endpoint.secrets.secondaryKey } };
}

function regenerateKeys(ctx: ArmContext): Reply {
  const endpoint = endpointOf(ctx);
  const keyType = enumValue(ctx.body.keyType, ['Primary', 'Secondary'] as const, 'keyType');
  const field = keyType === 'Primary' ? 'primaryKey' : 'secondaryKey';
  endpoint.secrets[field] = typeof ctx.body.keyValue === 'string' && ctx.body.keyValue ? ctx.body.keyValue : newKey();
  ctx.core.secrets.add(String(endpoint.secrets[field]));
  const op = beginLro(ctx, { resourceId: endpoint.id, location: String(endpoint.body.location), kind: 'update', durationMs: 0, onSucceeded: () => undefined });
  return acceptedReply(ctx, op);
}

export const onlineEndpointRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${endpoints}/{ep}`, family: 'ml', handle: put },
  { method: 'GET', path: `${endpoints}/{ep}`, family: 'ml', handle: (ctx) => ({ status: 200, body: endpointOf(ctx).body }) },
  { method: 'PATCH', path: `${endpoints}/{ep}`, family: 'ml', handle: patch },
  { method: 'DELETE', path: `${endpoints}/{ep}`, family: 'ml', handle: remove },
  { method: 'POST', path: `${endpoints}/{ep}/listKeys`, family: 'ml', handle: listKeys },
  { method: 'POST', path: `${endpoints}/{ep}/regenerateKeys`, family: 'ml', handle: regenerateKeys },
  { method: 'GET', path: endpoints, family: 'ml', handle: (ctx) => listReply(ctx.core.store.children(requireWorkspace(ctx).id, 'onlineEndpoints')) },
];
