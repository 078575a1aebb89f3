// Reads what Azure has for a provisioning plan, and writes only what the plan says, in dependency order.

import { sendJson, type ArmTransport } from '../azure/armPipeline.js';
import { ArmError } from '../azure/armErrors.js';
import { runLongRunning } from '../azure/longRunningOperation.js';
import type { ApiVersions } from '../azure/machineLearningClient.js';
import { armUrl } from '../azure/resourceIds.js';
import { UserFacingError } from '../github/runAction.js';
import { DEPENDENT_TYPES, isoDurationSeconds, type DependentKind, type DesiredState, type ObservedCompute, type ObservedState, type ObservedWorkspace, type PlanStep, type ProvisionPlan, type Write } from './provisionPlan.js';
import type { RegionVmSize, UsageRow } from './quotaCheck.js';
import { roleAssignmentName } from './roleAssignmentName.js';

export interface AzureTarget {
  readonly transport: ArmTransport;
  readonly resourceManager: string;
  readonly apiVersions: ApiVersions;
  /** Longest wait for one long-running operation. */
  readonly lroTimeoutMs: number;
  readonly log: (message: string) => void;
  /** The tenant a new key vault trusts. */
  readonly tenantId: () => Promise<string>;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DEPENDENT_API: Record<DependentKind, keyof ApiVersions> = {
  storageAccount: 'storageAccounts',
  keyVault: 'keyVaults',
  applicationInsights: 'applicationInsights',
  containerRegistry: 'containerRegistries',
};

const lastSegment = (id: string) => decodeURIComponent(id.split('/').pop() ?? id);

async function getOrUndefined(target: AzureTarget, id: string, apiVersion: string, operation: string, extraQuery: Record<string, string> = {}): Promise<Json | undefined> {
  const response = await sendJson(target.transport, { method: 'GET', url: armUrl(target.resourceManager, id, apiVersion, extraQuery), operation, accept: [404] });
  return response.status === 404 ? undefined : ((response.body ?? {}) as Json);
}

function observedWorkspace(body: Json | undefined): ObservedWorkspace | undefined {
  if (!body) return undefined;
  const p = (body.properties ?? {}) as Json;
  return {
    id: String(body.id ?? ''),
    kind: String(body.kind ?? 'Default'),
    location: String(body.location ?? ''),
    workspaceGuid: String(p.workspaceId ?? ''),
    ...(typeof p.storageAccount === 'string' && p.storageAccount ? { storageAccount: p.storageAccount } : {}),
    ...(typeof p.containerRegistry === 'string' && p.containerRegistry ? { containerRegistry: p.containerRegistry } : {}),
  };
}

function observedCompute(body: Json | undefined): ObservedCompute | undefined {
  if (!body) return undefined;
  const inner = (body.properties?.properties ?? {}) as Json;
  const scale = (inner.scaleSettings ?? {}) as Json;
  return {
    vmSize: String(inner.vmSize ?? ''),
    vmPriority: String(inner.vmPriority ?? 'Dedicated'),
    minNodes: Number(scale.minNodeCount ?? 0),
    maxNodes: Number(scale.maxNodeCount ?? 0),
    idleSeconds: isoDurationSeconds(String(scale.nodeIdleTimeBeforeScaleDown ?? 'PT120S')) ?? 120,
    identityIds: Object.keys((body.identity?.userAssignedIdentities ?? {}) as Json),
  };
}

/** Everything the plan compares against: reads only. */
export async function readObservedState(target: AzureTarget, desired: DesiredState): Promise<ObservedState> {
  const v = target.apiVersions;
  const providers: Record<string, string> = {};
  for (const namespace of desired.providers) {
    const body = await getOrUndefined(target, `/subscriptions/${desired.subscriptionId}/providers/${namespace}`, v.resources, `read resource provider ${namespace}`);
    providers[namespace] = String(body?.registrationState ?? 'NotRegistered');
  }
  const noDependents = { storageAccount: false, keyVault: false, applicationInsights: false, containerRegistry: false };
  const group = await getOrUndefined(target, desired.resourceGroupId, v.resources, `read resource group '${desired.resourceGroup}'`);
  if (!group) return { providers, dependents: noDependents, roleAssignments: [] };

  const dependents = { ...noDependents };
  for (const kind of Object.keys(DEPENDENT_TYPES) as DependentKind[]) {
    dependents[kind] = (await getOrUndefined(target, desired.dependents[kind], v[DEPENDENT_API[kind]], `read ${DEPENDENT_TYPES[kind].label} '${lastSegment(desired.dependents[kind])}'`)) !== undefined;
  }
  // Nothing can exist under a namespace the subscription has not registered, and Azure may answer a read
  // there with 409 MissingSubscriptionRegistration rather than 404: do not ask.
  const registered = (namespace: string) => Object.entries(providers).some(([n, state]) => n.toLowerCase() === namespace.toLowerCase() && state === 'Registered');
  const ml = registered('Microsoft.MachineLearningServices');
  const hub = ml && desired.hub ? observedWorkspace(await getOrUndefined(target, desired.hub.id, v.workspaces, `read hub workspace '${desired.hub.name}'`)) : undefined;
  const workspace = !ml ? undefined : observedWorkspace(await getOrUndefined(target, desired.workspace.id, v.workspaces, `read workspace '${desired.workspace.name}'`));
  const identityBody = !registered('Microsoft.ManagedIdentity') ? undefined : await getOrUndefined(target, desired.identity.id, v.identities, `read managed identity '${desired.identity.name}'`);
  const identity = identityBody ? { id: String(identityBody.id ?? desired.identity.id), principalId: String(identityBody.properties?.principalId ?? ''), clientId: String(identityBody.properties?.clientId ?? '') } : undefined;

  const roleAssignments: { scope: string; roleDefinitionGuid: string }[] = [];
  if (identity && desired.assignRoles) {
    const owner = desired.hub ? hub : workspace;
    const scopes = new Set([desired.resourceGroupId, owner?.storageAccount, owner?.containerRegistry].filter((s): s is string => s !== undefined).map((s) => s.toLowerCase()));
    const seen = new Set<string>();
    for (const scope of scopes) {
      const list = await getOrUndefined(target, `${scope}/providers/Microsoft.Authorization/roleAssignments`, v.roleAssignments, `list role assignments of '${desired.identity.name}'`, { $filter: `principalId eq '${identity.principalId}'` });
      for (const a of ((list?.value ?? []) as Json[])) {
        const key = String(a.id ?? '').toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        const role = /roleDefinitions\/([^/]+)$/i.exec(String(a.properties?.roleDefinitionId ?? ''))?.[1];
        if (role && typeof a.properties?.scope === 'string') roleAssignments.push({ scope: a.properties.scope, roleDefinitionGuid: role.toLowerCase() });
      }
    }
  }
  const compute = workspace ? observedCompute(await getOrUndefined(target, desired.compute.id, v.computes, `read compute '${desired.compute.name}'`)) : undefined;
  return {
    providers,
    resourceGroup: { location: String(group.location ?? '') },
    dependents,
    ...(hub ? { hub } : {}),
    ...(workspace ? { workspace } : {}),
    ...(identity ? { identity } : {}),
    roleAssignments,
    ...(compute ? { compute } : {}),
  };
}

/** The region's VM sizes and usages, for the quota preflight. */
export async function readRegionQuota(target: AzureTarget, subscriptionId: string, location: string): Promise<{ sizes: RegionVmSize[]; usages: UsageRow[] }> {
  const base = `/subscriptions/${subscriptionId}/providers/Microsoft.MachineLearningServices/locations/${location}`;
  const sizes = await sendJson(target.transport, { method: 'GET', url: armUrl(target.resourceManager, `${base}/vmSizes`, target.apiVersions.quota), operation: `read the VM sizes of ${location}` });
  const usages = await sendJson(target.transport, { method: 'GET', url: armUrl(target.resourceManager, `${base}/usages`, target.apiVersions.quota), operation: `read the Azure ML quota usage of ${location}` });
  return {
    sizes: (((sizes.body as Json)?.value ?? []) as Json[]).map((s) => ({ name: String(s.name), family: String(s.family ?? ''), vCPUs: Number(s.vCPUs ?? 0) })),
    usages: (((usages.body as Json)?.value ?? []) as Json[]).map((u) => ({ name: String(u.name?.value ?? ''), label: String(u.name?.localizedValue ?? u.name?.value ?? ''), currentValue: Number(u.currentValue ?? 0), limit: Number(u.limit ?? 0) })),
  };
}

export interface AppliedState {
  /** Write requests that changed something. */
  readonly changes: number;
  readonly identity?: { readonly id: string; readonly principalId: string; readonly clientId: string };
}

export function roleAssignmentForbidden(scope: string): string {
  return `the signed-in principal cannot assign roles on ${scope}; it needs Owner or User Access Administrator there, or set assign-roles: false and assign them once by hand`;
}

/** Executes the plan's writes in order; each step logs before it starts. */
export async function applyPlan(target: AzureTarget, desired: DesiredState, plan: ProvisionPlan, observed: ObservedState): Promise<AppliedState> {
  const v = target.apiVersions;
  const url = (id: string, apiVersion: string) => armUrl(target.resourceManager, id, apiVersion);
  const lro = (method: 'PUT' | 'PATCH', id: string, apiVersion: string, body: unknown, operation: string) =>
    runLongRunning(target.transport, { method, url: url(id, apiVersion), body, operation }, { timeoutMs: target.lroTimeoutMs, onStatus: (s) => target.log(`  ${operation}: ${s}`) }) as Promise<Json | undefined>;
  let identity = observed.identity;
  let changes = 0;

  const run = async (step: PlanStep, write: Write): Promise<boolean> => {
    switch (write.kind) {
      case 'register-provider': {
        const id = `/subscriptions/${desired.subscriptionId}/providers/${write.namespace}`;
        await sendJson(target.transport, { method: 'POST', url: armUrl(target.resourceManager, `${id}/register`, v.resources), operation: `register resource provider ${write.namespace}` });
        for (let attempt = 0; ; attempt++) {
          const body = await getOrUndefined(target, id, v.resources, `read resource provider ${write.namespace}`);
          if (body?.registrationState === 'Registered') return true;
          if (attempt >= 90) throw new UserFacingError(`resource provider ${write.namespace} is still ${String(body?.registrationState)} after ${attempt} checks; re-run in a few minutes`);
          await target.transport.clock.sleep(2000);
        }
      }
      case 'resource-group':
        await sendJson(target.transport, { method: 'PUT', url: url(desired.resourceGroupId, v.resources), body: { location: desired.location, tags: desired.tags }, operation: `create resource group '${desired.resourceGroup}'` });
        return true;
      case 'dependent': {
        const tenantId = write.dependent === 'keyVault' ? await target.tenantId() : '';
        const bodies: Record<DependentKind, Json> = {
          storageAccount: { location: desired.location, tags: desired.tags, sku: { name: 'Standard_LRS' }, kind: 'StorageV2', properties: { minimumTlsVersion: 'TLS1_2', allowBlobPublicAccess: false, supportsHttpsTrafficOnly: true } },
          keyVault: { location: desired.location, tags: desired.tags, properties: { tenantId, sku: { family: 'A', name: 'standard' }, enableRbacAuthorization: true, accessPolicies: [] } },
          applicationInsights: { location: desired.location, tags: desired.tags, kind: 'web', properties: { Application_Type: 'web' } },
          containerRegistry: { location: desired.location, tags: desired.tags, sku: { name: 'Basic' }, properties: { adminUserEnabled: false } },
        };
        await lro('PUT', write.id, v[DEPENDENT_API[write.dependent]], bodies[write.dependent], `create ${step.resource} '${step.name}'`);
        return true;
      }
      case 'create-workspace': {
        const isHub = write.target === 'hub';
        const name = isHub ? desired.hub!.name : desired.workspace.name;
        const id = isHub ? desired.hub!.id : desired.workspace.id;
        const kind = isHub ? 'Hub' : desired.workspace.kind;
        const properties =
          kind === 'Project'
            ? { friendlyName: name, hubResourceId: desired.hub!.id }
            : { friendlyName: name, storageAccount: desired.dependents.storageAccount, keyVault: desired.dependents.keyVault, applicationInsights: desired.dependents.applicationInsights, containerRegistry: desired.dependents.containerRegistry };
        await lro('PUT', id, v.workspaces, { location: desired.location, kind, tags: desired.tags, identity: { type: 'SystemAssigned' }, properties }, `create ${step.resource} '${name}'`);
        return true;
      }
      case 'attach-registry': {
        const id = write.target === 'hub' ? desired.hub!.id : desired.workspace.id;
        await lro('PATCH', id, v.workspaces, { properties: { containerRegistry: write.registryId } }, `attach container registry to '${step.name}'`);
        return true;
      }
      case 'identity': {
        const response = await sendJson(target.transport, { method: 'PUT', url: url(desired.identity.id, v.identities), body: { location: desired.location, tags: desired.tags }, operation: `create managed identity '${desired.identity.name}'` });
        const body = response.body as Json;
        identity = { id: String(body.id ?? desired.identity.id), principalId: String(body.properties?.principalId ?? ''), clientId: String(body.properties?.clientId ?? '') };
        return true;
      }
      case 'role-assignment': {
        if (!identity) throw new Error('role assignment planned without an identity');
        const name = write.name ?? roleAssignmentName(write.scope, write.role.guid, identity.principalId);
        const body = { properties: { roleDefinitionId: `/subscriptions/${desired.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${write.role.guid}`, principalId: identity.principalId, principalType: 'ServicePrincipal' } };
        for (let attempt = 1; ; attempt++) {
          try {
            await sendJson(target.transport, { method: 'PUT', url: url(`${write.scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, v.roleAssignments), body, operation: `assign ${step.name} to '${desired.identity.name}'` });
            return true;
          } catch (error) {
            if (!(error instanceof ArmError)) throw error;
            // Made by hand, or by an earlier run under another name: what we wanted is there.
            if (error.status === 409 && error.code === 'RoleAssignmentExists') {
              target.log(`  ${step.name}: already assigned`);
              return false;
            }
            if (error.status === 403) throw new UserFacingError(roleAssignmentForbidden(write.scope), { cause: error });
            // A new identity can take a while to reach the directory the role service reads.
            if (error.code === 'PrincipalNotFound' && attempt < 6) {
              target.log(`  ${step.name}: the new identity is not visible yet, retrying in 10 s`);
              await target.transport.clock.sleep(10_000);
              continue;
            }
            throw error;
          }
        }
      }
      case 'compute': {
        const c = desired.compute;
        const scaleSettings = { minNodeCount: c.minNodes, maxNodeCount: c.maxNodes, nodeIdleTimeBeforeScaleDown: `PT${c.idleSeconds}S` };
        const operation = `${write.mode === 'create' ? 'create' : 'update'} compute '${c.name}'`;
        if (write.mode === 'scale') {
          await lro('PATCH', c.id, v.computes, { properties: { scaleSettings } }, operation);
        } else {
          const attach = c.attachIdentity && identity;
          await lro(
            'PUT',
            c.id,
            v.computes,
            {
              location: desired.location,
              tags: desired.tags,
              ...(attach ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [identity!.id]: {} } } } : {}),
              properties: { computeType: 'AmlCompute', description: 'GPU cluster for fine-tuning (amlft provision)', properties: { vmSize: c.vmSize, vmPriority: c.vmPriority, scaleSettings } },
            },
            operation,
          );
        }
        // Re-read: a cluster that "succeeded" must have the settings asked for.
        const after = observedCompute(await getOrUndefined(target, c.id, v.computes, `read compute '${c.name}'`));
        if (!after || after.maxNodes !== c.maxNodes || after.minNodes !== c.minNodes) {
          throw new UserFacingError(`compute '${c.name}' reports ${after ? `min ${after.minNodes} / max ${after.maxNodes} nodes` : 'nothing'} after the ${write.mode === 'create' ? 'create' : 'update'}, not min ${c.minNodes} / max ${c.maxNodes}`);
        }
        return true;
      }
    }
  };

  for (const step of plan.steps) {
    if (!step.write) continue;
    target.log(`${step.action} ${step.resource} '${step.name}'...`);
    if (await run(step, step.write)) changes++;
  }
  return { changes, ...(identity ? { identity } : {}) };
}
