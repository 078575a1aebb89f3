// Microsoft.Resources resource groups: PUT, GET, HEAD, list, and DELETE (202 + Location, removing what they hold).

import { ArmError, resourceGroupNotFound } from './armErrors.js';
import { isoNow, listReply, requireLocation, resourceGroupId, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { acceptedReply, beginLro } from './lro.js';

const type = 'Microsoft.Resources/resourceGroups';
const groupPath = '/subscriptions/{sub}/resourcegroups/{rg}';

function checkGroupName(name: string): void {
  if (name.length > 90 || !/^[-\w.()]+$/u.test(name) || name.endsWith('.')) {
    throw new ArmError(
      400,
      'InvalidResourceGroup',
      `The provided resource group name '${name}' is invalid. The name can be 1-90 characters: letters, digits, '-', '.', '(', ')' or '_', and cannot end with a period.`,
    );
  }
}

function put(ctx: ArmContext) {
  const { sub, rg } = ctx.params;
  checkGroupName(rg!);
  const id = resourceGroupId(sub!, rg!);
  const existing = ctx.core.store.get(id);
  const location = requireLocation(ctx, ctx.body.location);
  if (existing && existing.body.location !== location) {
    throw new ArmError(409, 'InvalidResourceGroupLocation', `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.body.location}'.`);
  }
  if (existing?.body.properties.provisioningState === 'Deleting') {
    throw new ArmError(409, 'ResourceGroupBeingDeleted', `The resource group '${rg}' is in deprovisioning state and cannot perform this operation.`);
  }
  const tags = tagsOf(ctx.body.tags);
  const stored = ctx.core.store.put({
    id,
    name: rg!,
    type,
    body: { id: existing?.id ?? id, name: existing?.name ?? rg, type, location, tags, properties: { provisioningState: 'Succeeded' }, createdTime: existing?.body.createdTime ?? isoNow() },
  });
  return { status: existing ? 200 : 201, body: stored.body };
}

function get(ctx: ArmContext) {
  const group = ctx.core.store.get(resourceGroupId(ctx.params.sub!, ctx.params.rg!));
  if (!group) {
    if (ctx.call.method === 'HEAD') return { status: 404 };
    throw resourceGroupNotFound(ctx.params.rg!);
  }
  return ctx.call.method === 'HEAD' ? { status: 204 } : { status: 200, body: group.body };
}

function remove(ctx: ArmContext) {
  const id = resourceGroupId(ctx.params.sub!, ctx.params.rg!);
  const group = ctx.core.store.get(id);
  if (!group) throw resourceGroupNotFound(ctx.params.rg!);
  group.body.properties.provisioningState = 'Deleting';
  const op = beginLro(ctx, {
    resourceId: id,
    location: group.body.location as string,
    kind: 'delete',
    durationMs: ctx.core.options.timing.lroMs,
    // Everything in the group (role assignments at its scopes included) has an id below the group's.
    onSucceeded: () => ctx.core.store.delete(id),
  });
  return acceptedReply(ctx, op);
}

export const resourceGroupRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: groupPath, family: 'resources', handle: put },
  { method: 'GET', path: groupPath, family: 'resources', handle: get },
  { method: 'HEAD', path: groupPath, family: 'resources', handle: get },
  { method: 'DELETE', path: groupPath, family: 'resources', handle: remove },
  {
    method: 'GET',
    path: '/subscriptions/{sub}/resourcegroups',
    family: 'resources',
    handle: (ctx) => listReply(ctx.core.store.all(type)),
  },
];
