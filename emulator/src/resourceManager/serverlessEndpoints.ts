// Serverless (models-as-a-service) endpoints: LRO create for a model that exists, keys, DELETE, inference URI.

import { randomBytes } from 'node:crypto';
import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { conflict, userError } from './armErrors.js';
import { apiVersionAtLeast, checkName, enumValue, listReply, nameRules, propertiesOf, requireLocation, requireResource, requireWorkspace, requiredString, systemData, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { acceptedReply, asyncOperationHeaders, beginLro } from './lro.js';

export const serverlessType = 'Microsoft.MachineLearningServices/workspaces/serverlessEndpoints';
const serverless = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/serverlessEndpoints';

/** Registry models the emulator's model catalog offers as a service. */
export const catalogModels = ['Phi-3-mini-4k-instruct', 'Phi-3-mini-128k-instruct', 'Phi-3-medium-4k-instruct', 'Phi-3.5-mini-instruct', 'Meta-Llama-3.1-8B-Instruct', 'Mistral-small'];

const newKey = () => randomBytes(24).toString('base64url');

export function serverlessUri(ctx: ArmContext, location: string, name: string): string {
  return `${ctx.core.url}/serverless/${location}/${name}`;
}

function checkModelId(ctx: ArmContext, workspace: StoredResource, modelId: string): void {
  const registry = /^azureml:\/\/registries\/([^/]+)\/models\/([^/]+)(?:\/versions\/[^/]+|\/labels\/[^/]+)?$/i.exec(modelId);
  if (registry) {
    if (!catalogModels.some((m) => m.toLowerCase() === registry[2]!.toLowerCase())) {
      throw userError(`properties.modelSettings.modelId '${modelId}': model '${registry[2]}' is not offered as a serverless API. Catalog: ${catalogModels.join(', ')}.`, 'properties.modelSettings.modelId');
    }
    return;
  }
  const local = /\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(modelId);
  if (local) {
    const id = modelId.startsWith('/subscriptions/') ? modelId : `${workspace.id}/models/${local[2]}/versions/${local[3]}`;
    if (!ctx.core.store.has(id)) throw userError(`properties.modelSettings.modelId '${modelId}' was not found: no such model version.`, 'properties.modelSettings.modelId');
    return;
  }
  throw userError(`properties.modelSettings.modelId '${modelId}' must be azureml://registries/<registry>/models/<name>[/versions/<v>] or a model version's ARM id.`, 'properties.modelSettings.modelId');
}

function put(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  if (!apiVersionAtLeast(ctx.apiVersion, '2023-08-01')) {
    throw userError(`Serverless endpoints need api-version 2024-04-01 or later (got ${ctx.apiVersion}).`, 'api-version');
  }
  const name = ctx.params.name!;
  checkName('Serverless endpoint', name, nameRules.serverlessEndpoint);
  const id = `${workspace.id}/serverlessEndpoints/${name}`;
  const existing = ctx.core.store.get(id);
  if (existing && ['Creating', 'Updating', 'Deleting'].includes(String(existing.body.properties.provisioningState))) {
    throw conflict(`Serverless endpoint '${name}' is busy (provisioningState ${existing.body.properties.provisioningState}).`);
  }
  const location = requireLocation(ctx, ctx.body.location);
  if (location !== workspace.body.location) throw userError(`location '${location}' must be the workspace's region '${workspace.body.location}'.`, 'location');
  const sku = (ctx.body.sku ?? {}) as Json;
  enumValue(sku.name, ['Consumption'] as const, 'sku.name');
  const properties = propertiesOf(ctx.body);
  const modelSettings = (properties.modelSettings ?? {}) as Json;
  const modelId = requiredString(modelSettings, 'modelId', 'properties.modelSettings.modelId');
  checkModelId(ctx, workspace, modelId);
  if (existing && existing.body.properties.modelSettings.modelId !== modelId) {
    throw userError(`properties.modelSettings.modelId of serverless endpoint '${name}' cannot change; create a new endpoint.`, 'properties.modelSettings.modelId');
  }
  const authMode = enumValue(properties.authMode, ['Key'] as const, 'properties.authMode');
  const stored = ctx.core.store.put({
    id,
    name,
    type: serverlessType,
    secrets: existing?.secrets ?? { primaryKey: newKey(), secondaryKey: newKey() },
    body: {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type: serverlessType,
      location,
      kind: ctx.body.kind ?? null,
      tags: tagsOf(ctx.body.tags),
      sku: { name: 'Consumption' },
      systemData: systemData(ctx, existing?.body.systemData),
      properties: {
        ...properties,
        modelSettings: { modelId },
        authMode,
        contentSafety: properties.contentSafety ?? { contentSafetyStatus: 'Disabled' },
        endpointState: existing ? 'Updating' : 'Creating',
        provisioningState: existing ? 'Updating' : 'Creating',
        inferenceEndpoint: existing?.body.properties.inferenceEndpoint ?? null,
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
      stored.body.properties.endpointState = 'Online';
      stored.body.properties.inferenceEndpoint = { uri: serverlessUri(ctx, location, stored.name), headers: {} };
    },
    onFailed: () => {
      stored.body.properties.provisioningState = 'Failed';
      stored.body.properties.endpointState = 'CreationFailed';
    },
  });
  return { status: existing ? 200 : 201, body: stored.body, headers: asyncOperationHeaders(ctx, op) };
}

function endpointOf(ctx: ArmContext): StoredResource {
  const workspace = requireWorkspace(ctx);
  return requireResource(ctx, `${workspace.id}/serverlessEndpoints/${ctx.params.name}`, serverlessType, `${ctx.params.ws}/${ctx.params.name}`);
}

export const serverlessEndpointRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${serverless}/{name}`, family: 'ml', handle: put },
  { method: 'GET', path: `${serverless}/{name}`, family: 'ml', handle: (ctx) => ({ status: 200, body: endpointOf(ctx).body }) },
  {
    method: 'DELETE',
    path: `${serverless}/{name}`,
    family: 'ml',
    handle: (ctx) => {
      const workspace = requireWorkspace(ctx);
      const endpoint = ctx.core.store.get(`${workspace.id}/serverlessEndpoints/${ctx.params.name}`);
      if (!endpoint) return { status: 204 };
      endpoint.body.properties.provisioningState = 'Deleting';
      const op = beginLro(ctx, {
        resourceId: endpoint.id,
        location: String(endpoint.body.location),
        kind: 'delete',
        durationMs: ctx.core.options.timing.lroMs,
        onSucceeded: () => ctx.core.store.delete(endpoint.id),
      });
      return acceptedReply(ctx, op);
    },
  },
  {
    method: 'POST',
    path: `${serverless}/{name}/listKeys`,
    family: 'ml',
    handle: (ctx) => {
      const endpoint = endpointOf(ctx);
      return { status: 200, body: { primaryKey: endpoint.secrets.primaryKey, secondaryKey: endpoint.secrets.secondaryKey } };
    },
  },
  {
    method: 'POST',
    path: `${serverless}/{name}/regenerateKeys`,
    family: 'ml',
    handle: (ctx) => {
      const endpoint = endpointOf(ctx);
      const keyType = enumValue(ctx.body.keyType, ['Primary', 'Secondary'] as const, 'keyType');
      const field = keyType === 'Primary' ? 'primaryKey' : 'secondaryKey';
      endpoint.secrets[field] = typeof ctx.body.keyValue === 'string' && ctx.body.keyValue ? ctx.body.keyValue : newKey();
      ctx.core.secrets.add(String(endpoint.secrets[field]));
      return { status: 200, body: { primaryKey: endpoint.secrets.primaryKey, secondaryKey: endpoint.secrets.secondaryKey } };
    },
  },
  { method: 'GET', path: serverless, family: 'ml', handle: (ctx) => listReply(ctx.core.store.children(requireWorkspace(ctx).id, 'serverlessEndpoints')) },
];
