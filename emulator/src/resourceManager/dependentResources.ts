// Resources a workspace depends on (storage, key vault, insights, registry): stored as sent, not emulated further.

import { ArmError, resourceNotFound } from './armErrors.js';
import { listReply, requireLocation, requireRegistered, requireResourceGroup, resourceGroupId, systemData, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

export const dependentTypes = [
  'Microsoft.Storage/storageAccounts',
  'Microsoft.KeyVault/vaults',
  'Microsoft.Insights/components',
  'Microsoft.ContainerRegistry/registries',
  'Microsoft.OperationalInsights/workspaces',
];

function typeOf(ctx: ArmContext): string {
  const wanted = `${ctx.params.namespace}/${ctx.params.type}`.toLowerCase();
  const type = dependentTypes.find((t) => t.toLowerCase() === wanted);
  if (!type) {
    throw new ArmError(400, 'NoRegisteredProviderFound', `The emulator does not emulate resource type '${ctx.params.namespace}/${ctx.params.type}'. Emulated dependent types: ${dependentTypes.join(', ')}.`);
  }
  return type;
}

const idOf = (ctx: ArmContext, type: string) => `${resourceGroupId(ctx.params.sub!, ctx.params.rg!)}/providers/${type}/${ctx.params.name}`;
const path = '/subscriptions/{sub}/resourcegroups/{rg}/providers/{namespace}/{type}/{name}';

export const dependentResourceRoutes: ArmRouteSpec[] = [
  {
    method: 'PUT',
    path,
    family: 'other',
    handle: (ctx) => {
      const type = typeOf(ctx);
      requireResourceGroup(ctx);
      requireRegistered(ctx, type.split('/')[0]!);
      const id = idOf(ctx, type);
      const existing = ctx.core.store.get(id);
      const location = requireLocation(ctx, ctx.body.location);
      const properties = typeof ctx.body.properties === 'object' && ctx.body.properties !== null ? ctx.body.properties : {};
      const stored = ctx.core.store.put({
        id,
        name: ctx.params.name!,
        type,
        body: {
          ...ctx.body,
          id: existing?.id ?? id,
          name: existing?.name ?? ctx.params.name,
          type,
          location,
          tags: tagsOf(ctx.body.tags),
          properties: { ...properties, provisioningState: 'Succeeded' },
          systemData: systemData(ctx, existing?.body.systemData),
        },
      });
      return { status: existing ? 200 : 201, body: stored.body };
    },
  },
  {
    method: 'GET',
    path,
    family: 'other',
    handle: (ctx) => {
      const type = typeOf(ctx);
      requireResourceGroup(ctx);
      const resource = ctx.core.store.get(idOf(ctx, type));
      if (!resource) throw resourceNotFound(type, ctx.params.name!, ctx.params.rg!);
      return { status: 200, body: resource.body };
    },
  },
  {
    method: 'DELETE',
    path,
    family: 'other',
    handle: (ctx) => {
      const type = typeOf(ctx);
      requireResourceGroup(ctx);
      const id = idOf(ctx, type);
      if (!ctx.core.store.has(id)) return { status: 204 };
      ctx.core.store.delete(id);
      return { status: 200 };
    },
  },
  {
    method: 'GET',
    path: '/subscriptions/{sub}/resourcegroups/{rg}/providers/{namespace}/{type}',
    family: 'other',
    handle: (ctx) => {
      const type = typeOf(ctx);
      requireResourceGroup(ctx);
      return listReply(ctx.core.store.children(`${resourceGroupId(ctx.params.sub!, ctx.params.rg!)}/providers/${type.split('/')[0]}`, type.split('/')[1]!));
    },
  },
];
