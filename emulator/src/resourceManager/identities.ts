// Microsoft.ManagedIdentity user-assigned identities: PUT (principalId / clientId GUIDs), GET, DELETE, lists.

import { randomUUID } from 'node:crypto';
import type { Reply } from '../httpKit.js';
import { resourceNotFound } from './armErrors.js';
import { checkName, listReply, nameRules, requireLocation, requireRegistered, requireResourceGroup, resourceGroupId, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

export const identityType = 'Microsoft.ManagedIdentity/userAssignedIdentities';
const identities = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities';

const idOf = (ctx: ArmContext) => `${resourceGroupId(ctx.params.sub!, ctx.params.rg!)}/providers/${identityType}/${ctx.params.name}`;

function put(ctx: ArmContext): Reply {
  requireResourceGroup(ctx);
  requireRegistered(ctx, 'Microsoft.ManagedIdentity');
  const name = ctx.params.name!;
  checkName('Managed identity', name, nameRules.identity);
  const id = idOf(ctx);
  const existing = ctx.core.store.get(id);
  const location = requireLocation(ctx, ctx.body.location);
  const stored = ctx.core.store.put({
    id,
    name,
    type: identityType,
    runtime: existing?.runtime ?? { createdAt: Date.now() },
    body: {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type: identityType,
      location,
      tags: tagsOf(ctx.body.tags),
      properties: existing?.body.properties ?? { tenantId: ctx.core.options.tenantId, principalId: randomUUID(), clientId: randomUUID(), isolationScope: 'None' },
    },
  });
  return { status: existing ? 200 : 201, body: stored.body };
}

function get(ctx: ArmContext): Reply {
  requireResourceGroup(ctx);
  const identity = ctx.core.store.get(idOf(ctx));
  if (!identity) throw resourceNotFound(identityType, ctx.params.name!, ctx.params.rg!);
  return { status: 200, body: identity.body };
}

export const identityRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${identities}/{name}`, family: 'msi', handle: put },
  { method: 'GET', path: `${identities}/{name}`, family: 'msi', handle: get },
  {
    method: 'DELETE',
    path: `${identities}/{name}`,
    family: 'msi',
    handle: (ctx) => {
      requireResourceGroup(ctx);
      const id = idOf(ctx);
      if (!ctx.core.store.has(id)) return { status: 204 };
      ctx.core.store.delete(id);
      return { status: 200 };
    },
  },
  {
    method: 'GET',
    path: identities,
    family: 'msi',
    handle: (ctx) => {
      requireResourceGroup(ctx);
      return listReply(ctx.core.store.children(`${resourceGroupId(ctx.params.sub!, ctx.params.rg!)}/providers/Microsoft.ManagedIdentity`, 'userAssignedIdentities'));
    },
  },
  {
    method: 'GET',
    path: '/subscriptions/{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities',
    family: 'msi',
    handle: (ctx) => listReply(ctx.core.store.all(identityType)),
  },
];
