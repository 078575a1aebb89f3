// Role assignments at any scope (409 RoleAssignmentExists, 403, PrincipalNotFound) and built-in role definitions.

import type { Reply } from '../httpKit.js';
import { defaultIdentities } from '../options.js';
import type { StoredResource } from '../store.js';
import { ArmError, resourceGroupNotFound } from './armErrors.js';
import { enumValue, isoNow, resourceGroupId } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { identityType } from './identities.js';

const type = 'Microsoft.Authorization/roleAssignments';
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const builtInRoles: Record<string, string> = {
  '8e3af657-a8ff-443c-a75c-2fe8c4bcb635': 'Owner',
  'b24988ac-6180-42a0-ab88-20f7382dd24c': 'Contributor',
  'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
  '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9': 'User Access Administrator',
  '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1': 'Storage Blob Data Reader',
  'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  '7f951dda-4ed3-4680-a7ca-43fe172d538d': 'AcrPull',
  'f6c7c914-8db3-469d-8ca1-694a8f32e121': 'AzureML Data Scientist',
  '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
  '64702f94-c441-49e6-a78b-ef80e0188fee': 'Azure AI Developer',
};

const scopeOf = (ctx: ArmContext) => ctx.params.scope!.replace(/\/+$/, '');
const idOf = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;

function checkScope(ctx: ArmContext, scope: string): void {
  const group = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/i.exec(scope);
  if (group && !ctx.core.store.has(resourceGroupId(group[1]!, group[2]!))) throw resourceGroupNotFound(group[2]!);
}

/** Whether Entra knows the principal yet; new managed identities replicate after `principalReplicationMs`. */
function principalState(ctx: ArmContext, principalId: string): 'known' | 'replicating' | 'unknown' {
  const wanted = principalId.toLowerCase();
  const fixed = [defaultIdentities.servicePrincipalObjectId, defaultIdentities.managedIdentityPrincipalId, ...ctx.core.options.extraPrincipals];
  if (fixed.some((p) => p.toLowerCase() === wanted)) return 'known';
  for (const resource of ctx.core.store.all()) {
    if (resource.type === identityType && String(resource.body.properties.principalId).toLowerCase() === wanted) {
      const age = Date.now() - Number(resource.runtime.createdAt ?? 0);
      return age >= ctx.core.options.timing.principalReplicationMs ? 'known' : 'replicating';
    }
    if (String(resource.body.identity?.principalId ?? '').toLowerCase() === wanted) return 'known';
  }
  return 'unknown';
}

function put(ctx: ArmContext): Reply {
  const scope = scopeOf(ctx);
  const name = ctx.params.name!;
  const denied = ctx.core.options.cannotAssignRoles;
  if (denied.includes('*') || denied.some((p) => [ctx.principal.appId, ctx.principal.objectId].map((x) => x.toLowerCase()).includes(p.toLowerCase()))) {
    throw new ArmError(
      403,
      'AuthorizationFailed',
      `The client '${ctx.principal.appId}' with object id '${ctx.principal.objectId}' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${idOf(scope, name)}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  if (!guid.test(name)) throw new ArmError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  checkScope(ctx, scope);
  const properties = (ctx.body.properties ?? {}) as Record<string, unknown>;
  const roleDefinitionId = properties.roleDefinitionId;
  const roleGuid = typeof roleDefinitionId === 'string' ? /\/providers\/Microsoft\.Authorization\/roleDefinitions\/([^/]+)$/i.exec(roleDefinitionId)?.[1]?.toLowerCase() : undefined;
  if (!roleGuid || !builtInRoles[roleGuid]) {
    throw new ArmError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${String(roleDefinitionId ?? '')}' does not exist.`);
  }
  const principalId = properties.principalId;
  if (typeof principalId !== 'string' || !guid.test(principalId)) {
    throw new ArmError(400, 'InvalidPrincipalId', `A valid principal ID must be provided for role assignment (got ${JSON.stringify(principalId)}).`);
  }
  const principalType = properties.principalType === undefined ? undefined : enumValue(properties.principalType, ['User', 'Group', 'ServicePrincipal', 'ForeignGroup', 'Device'] as const, 'properties.principalType');
  const state = principalState(ctx, principalId);
  // Setting principalType is Azure's documented way around the replication delay.
  if (state === 'unknown' || (state === 'replicating' && !principalType)) {
    throw new ArmError(
      400,
      'PrincipalNotFound',
      `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${ctx.core.options.tenantId}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`,
    );
  }
  const id = idOf(scope, name);
  const existing = ctx.core.store.get(id);
  const same = (r: StoredResource) =>
    String(r.body.properties.principalId).toLowerCase() === principalId.toLowerCase() &&
    String(r.body.properties.roleDefinitionId).toLowerCase().endsWith(roleGuid) &&
    String(r.body.properties.scope).toLowerCase() === scope.toLowerCase();
  if (existing) {
    if (!same(existing)) throw new ArmError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
    return { status: 201, body: existing.body };
  }
  const duplicate = ctx.core.store.all(type).find(same);
  if (duplicate) throw new ArmError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const now = isoNow();
  const stored = ctx.core.store.put({
    id,
    name,
    type,
    body: {
      id,
      type,
      name,
      properties: {
        roleDefinitionId: `/subscriptions/${ctx.core.options.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
        principalId,
        principalType: principalType ?? 'ServicePrincipal',
        scope,
        condition: null,
        conditionVersion: null,
        createdOn: now,
        updatedOn: now,
        createdBy: ctx.principal.objectId,
        updatedBy: ctx.principal.objectId,
        delegatedManagedIdentityResourceId: null,
        description: typeof properties.description === 'string' ? properties.description : null,
      },
    },
  });
  return { status: 201, body: stored.body };
}

function get(ctx: ArmContext): Reply {
  const assignment = ctx.core.store.get(idOf(scopeOf(ctx), ctx.params.name!));
  if (!assignment) throw new ArmError(404, 'RoleAssignmentNotFound', `The role assignment '${ctx.params.name}' is not found.`);
  return { status: 200, body: assignment.body };
}

function list(ctx: ArmContext): Reply {
  const scope = scopeOf(ctx).toLowerCase();
  const filter = ctx.call.query.$filter ?? '';
  const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
  const atScope = /atScope\(\)/i.test(filter);
  const value = ctx.core.store.all(type).filter((r) => {
    const s = String(r.body.properties.scope).toLowerCase();
    const aboveOrAt = scope === s || scope.startsWith(`${s}/`);
    const below = s.startsWith(`${scope}/`);
    if (!(aboveOrAt || (!atScope && below))) return false;
    return !principal || String(r.body.properties.principalId).toLowerCase() === principal;
  });
  return { status: 200, body: { value: value.map((r) => r.body) } };
}

function roleDefinition(ctx: ArmContext, roleGuid: string): Record<string, unknown> {
  return {
    id: `/subscriptions/${ctx.core.options.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
    name: roleGuid,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: { roleName: builtInRoles[roleGuid], type: 'BuiltInRole', description: builtInRoles[roleGuid], assignableScopes: ['/'], permissions: [] },
  };
}

export const roleAssignmentRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: '{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}', family: 'authorization', handle: put },
  { method: 'GET', path: '{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}', family: 'authorization', handle: get },
  {
    method: 'DELETE',
    path: '{scope*}/providers/Microsoft.Authorization/roleAssignments/{name}',
    family: 'authorization',
    handle: (ctx) => {
      const assignment = ctx.core.store.get(idOf(scopeOf(ctx), ctx.params.name!));
      if (!assignment) return { status: 204 };
      ctx.core.store.delete(assignment.id);
      return { status: 200, body: assignment.body };
    },
  },
  { method: 'GET', path: '{scope*}/providers/Microsoft.Authorization/roleAssignments', family: 'authorization', handle: list },
  {
    method: 'GET',
    path: '{scope*}/providers/Microsoft.Authorization/roleDefinitions/{role}',
    family: 'authorization',
    handle: (ctx) => {
      const roleGuid = ctx.params.role!.toLowerCase();
      if (!builtInRoles[roleGuid]) throw new ArmError(404, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${ctx.params.role}' does not exist.`);
      return { status: 200, body: roleDefinition(ctx, roleGuid) };
    },
  },
  {
    method: 'GET',
    path: '{scope*}/providers/Microsoft.Authorization/roleDefinitions',
    family: 'authorization',
    handle: (ctx) => {
      const wanted = /roleName\s+eq\s+'([^']+)'/i.exec(ctx.call.query.$filter ?? '')?.[1]?.toLowerCase();
      const value = Object.keys(builtInRoles)
        .filter((g) => !wanted || builtInRoles[g]!.toLowerCase() === wanted)
        .map((g) => roleDefinition(ctx, g));
      return { status: 200, body: { value } };
    },
  },
];
