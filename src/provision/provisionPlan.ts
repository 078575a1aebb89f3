// Pure planning: the desired state from the inputs, and what to create or update given what Azure has.

import { createHash } from 'node:crypto';
import { resourceGroupId, workspaceId } from '../azure/resourceIds.js';
import type { ProvisionInputs } from './provisionInputs.js';
import { roleAssignmentName } from './roleAssignmentName.js';

/** Providers the workspace, the cluster and the identity need (Microsoft.Network: the fine-tuning guide asks for it). */
export const REQUIRED_PROVIDERS = ['Microsoft.MachineLearningServices', 'Microsoft.Network', 'Microsoft.ManagedIdentity'] as const;

export const ROLES = {
  contributor: { guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c', name: 'Contributor' },
  storageBlobDataReader: { guid: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1', name: 'Storage Blob Data Reader' },
  acrPull: { guid: '7f951dda-4ed3-4680-a7ca-43fe172d538d', name: 'AcrPull' },
} as const;

export type DependentKind = 'storageAccount' | 'keyVault' | 'applicationInsights' | 'containerRegistry';
export const DEPENDENT_TYPES: Record<DependentKind, { type: string; label: string }> = {
  storageAccount: { type: 'Microsoft.Storage/storageAccounts', label: 'storage account' },
  keyVault: { type: 'Microsoft.KeyVault/vaults', label: 'key vault' },
  applicationInsights: { type: 'Microsoft.Insights/components', label: 'Application Insights' },
  containerRegistry: { type: 'Microsoft.ContainerRegistry/registries', label: 'container registry' },
};
const DEPENDENT_ORDER: readonly DependentKind[] = ['storageAccount', 'keyVault', 'applicationInsights', 'containerRegistry'];

export interface DesiredState {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly resourceGroupId: string;
  readonly location: string;
  readonly createResourceGroup: boolean;
  readonly providers: readonly string[];
  /** Ids of the resources a new workspace (or hub) is created with. */
  readonly dependents: Readonly<Record<DependentKind, string>>;
  readonly hub?: { readonly name: string; readonly id: string };
  readonly workspace: { readonly name: string; readonly id: string; readonly kind: 'Default' | 'Project' };
  readonly identity: { readonly name: string; readonly id: string };
  readonly assignRoles: boolean;
  readonly compute: {
    readonly name: string;
    readonly id: string;
    readonly vmSize: string;
    readonly vmPriority: 'Dedicated' | 'LowPriority';
    readonly minNodes: number;
    readonly maxNodes: number;
    readonly idleSeconds: number;
    readonly attachIdentity: boolean;
  };
  readonly tags: Readonly<Record<string, string>>;
}

export interface ObservedWorkspace {
  readonly id: string;
  readonly kind: string;
  readonly location: string;
  readonly workspaceGuid: string;
  readonly storageAccount?: string;
  readonly containerRegistry?: string;
}

export interface ObservedCompute {
  readonly vmSize: string;
  readonly vmPriority: string;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly idleSeconds: number;
  readonly identityIds: readonly string[];
}

export interface ObservedState {
  /** Registration state per provider namespace (any case). */
  readonly providers: Readonly<Record<string, string>>;
  readonly resourceGroup?: { readonly location: string };
  /** Which of the desired dependents exist. */
  readonly dependents: Readonly<Record<DependentKind, boolean>>;
  readonly hub?: ObservedWorkspace;
  readonly workspace?: ObservedWorkspace;
  readonly identity?: { readonly id: string; readonly principalId: string; readonly clientId: string };
  /** The identity's role assignments (any name). */
  readonly roleAssignments: readonly { readonly scope: string; readonly roleDefinitionGuid: string }[];
  readonly compute?: ObservedCompute;
}

export type Write =
  | { readonly kind: 'register-provider'; readonly namespace: string }
  | { readonly kind: 'resource-group' }
  | { readonly kind: 'dependent'; readonly dependent: DependentKind; readonly id: string }
  | { readonly kind: 'create-workspace'; readonly target: 'hub' | 'workspace' }
  | { readonly kind: 'attach-registry'; readonly target: 'hub' | 'workspace'; readonly registryId: string }
  | { readonly kind: 'identity' }
  | { readonly kind: 'role-assignment'; readonly scope: string; readonly role: { readonly guid: string; readonly name: string }; readonly name?: string }
  | { readonly kind: 'compute'; readonly mode: 'create' | 'scale' | 'put' };

export type PlanAction = 'create' | 'update' | 'register' | 'no change';

export interface PlanStep {
  readonly resource: string;
  readonly name: string;
  readonly action: PlanAction;
  /** For an update: the changed fields, "maxNodeCount 2 -> 1". */
  readonly changes: readonly string[];
  readonly write?: Write;
}

export interface ProvisionPlan {
  readonly steps: readonly PlanStep[];
  /** Number of write requests the plan makes (not counting polls). */
  readonly writes: number;
  /** Storage account and registry the roles are granted on (the hub's for a project). */
  readonly storageAccount: string;
  readonly containerRegistry: string;
}

/** The inputs ask for something Azure cannot change in place. */
export class PlanConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanConflictError';
  }
}

const short = (text: string) => createHash('sha1').update(text.toLowerCase()).digest('hex').slice(0, 8);

/**
 * Names for a new workspace's dependents: deterministic (a re-run after a partial failure finds them),
 * and unique enough for the global namespaces of storage, key vault and registry.
 */
export function dependentNames(subscriptionId: string, resourceGroup: string, owner: string): Record<DependentKind, string> {
  const suffix = short(`${subscriptionId}/${resourceGroup}/${owner}`);
  const alnum = owner.toLowerCase().replace(/[^a-z0-9]/g, '');
  const hyphenated = owner.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return {
    storageAccount: `st${alnum.slice(0, 14)}${suffix}`, // 3-24 lowercase letters and digits
    keyVault: `kv-${hyphenated.slice(0, 11).replace(/-$/, '')}-${suffix}`, // 3-24, letter first, no '--'
    applicationInsights: `appi-${owner}`,
    containerRegistry: `cr${alnum.slice(0, 40)}${suffix}`, // 5-50 letters and digits
  };
}

export function desiredState(inputs: ProvisionInputs, tags: Readonly<Record<string, string>>): DesiredState {
  const { subscriptionId, resourceGroup, workspace } = inputs.signIn;
  const rgId = resourceGroupId({ subscriptionId, resourceGroup });
  const owner = inputs.hub ?? workspace;
  const names = dependentNames(subscriptionId, resourceGroup, owner);
  const dependents = Object.fromEntries(DEPENDENT_ORDER.map((d) => [d, `${rgId}/providers/${DEPENDENT_TYPES[d].type}/${names[d]}`])) as Record<DependentKind, string>;
  const wsId = workspaceId({ subscriptionId, resourceGroup, workspace });
  return {
    subscriptionId,
    resourceGroup,
    resourceGroupId: rgId,
    location: inputs.location,
    createResourceGroup: inputs.createResourceGroup,
    providers: REQUIRED_PROVIDERS,
    dependents,
    ...(inputs.hub !== undefined ? { hub: { name: inputs.hub, id: workspaceId({ subscriptionId, resourceGroup, workspace: inputs.hub }) } } : {}),
    workspace: { name: workspace, id: wsId, kind: inputs.workspaceKind === 'project' ? 'Project' : 'Default' },
    identity: { name: inputs.identity, id: `${rgId}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${encodeURIComponent(inputs.identity)}` },
    assignRoles: inputs.assignRoles,
    compute: {
      name: inputs.compute,
      id: `${wsId}/computes/${encodeURIComponent(inputs.compute)}`,
      vmSize: inputs.vmSize,
      vmPriority: inputs.vmPriority === 'low-priority' ? 'LowPriority' : 'Dedicated',
      minNodes: inputs.minNodes,
      maxNodes: inputs.maxNodes,
      idleSeconds: inputs.idleSeconds,
      attachIdentity: inputs.attachIdentity,
    },
    tags,
  };
}

const lastSegment = (id: string) => decodeURIComponent(id.split('/').pop() ?? id);
const sameId = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Seconds of an ISO 8601 duration such as PT120S, PT2M, PT1H30M. */
export function isoDurationSeconds(value: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(value.trim());
  if (!match || value.trim().toUpperCase() === 'P' || value.trim().toUpperCase() === 'PT') return undefined;
  const [, d, h, m, s] = match;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

export function planProvisioning(desired: DesiredState, observed: ObservedState): ProvisionPlan {
  const steps: PlanStep[] = [];
  const step = (resource: string, name: string, action: PlanAction, write?: Write, changes: readonly string[] = []) =>
    steps.push({ resource, name, action, changes, ...(action !== 'no change' && write ? { write } : {}) });

  for (const namespace of desired.providers) {
    const state = Object.entries(observed.providers).find(([n]) => n.toLowerCase() === namespace.toLowerCase())?.[1];
    if (state === 'Registered') step('resource provider', namespace, 'no change');
    else step('resource provider', namespace, 'register', { kind: 'register-provider', namespace }, [`registrationState ${state ?? 'NotRegistered'} -> Registered`]);
  }

  if (observed.resourceGroup) step('resource group', desired.resourceGroup, 'no change');
  else if (desired.createResourceGroup) step('resource group', desired.resourceGroup, 'create', { kind: 'resource-group' });
  else throw new PlanConflictError(`resource group '${desired.resourceGroup}' does not exist in subscription ${desired.subscriptionId}; set create-resource-group: true to create it in ${desired.location}, or check resource-group and subscription-id`);

  // The workspace that owns storage and registry: the hub of a project, else the workspace itself.
  const ownerTarget: 'hub' | 'workspace' = desired.hub ? 'hub' : 'workspace';
  const owner = desired.hub ?? desired.workspace;
  const ownerObserved = desired.hub ? observed.hub : observed.workspace;
  const ownerLabel = desired.hub ? 'hub workspace' : 'workspace';

  for (const [label, want, seen] of [
    ['hub', desired.hub, observed.hub],
    ['workspace', desired.workspace, observed.workspace],
  ] as const) {
    if (!want || !seen) continue;
    if (seen.location.toLowerCase() !== desired.location) throw new PlanConflictError(`${label} '${want.name}' exists in ${seen.location}, not in ${desired.location}: set location: ${seen.location}, or choose another ${label === 'hub' ? 'hub' : 'workspace'} name`);
    const wantKind = label === 'hub' ? 'Hub' : desired.workspace.kind;
    if (seen.kind.toLowerCase() !== wantKind.toLowerCase()) throw new PlanConflictError(`${label} '${want.name}' exists with kind ${seen.kind}, not ${wantKind}; a workspace's kind cannot change: ${wantKind === 'Project' ? 'choose another workspace name for the project' : 'set workspace-kind to match it, or choose another name'}`);
  }

  let storageAccount: string;
  let containerRegistry: string;
  if (!ownerObserved) {
    for (const dependent of DEPENDENT_ORDER) {
      const id = desired.dependents[dependent];
      if (observed.dependents[dependent]) step(DEPENDENT_TYPES[dependent].label, lastSegment(id), 'no change');
      else step(DEPENDENT_TYPES[dependent].label, lastSegment(id), 'create', { kind: 'dependent', dependent, id });
    }
    step(ownerLabel, owner.name, 'create', { kind: 'create-workspace', target: ownerTarget });
    storageAccount = desired.dependents.storageAccount;
    containerRegistry = desired.dependents.containerRegistry;
  } else {
    storageAccount = ownerObserved.storageAccount ?? desired.dependents.storageAccount;
    if (ownerObserved.containerRegistry) {
      containerRegistry = ownerObserved.containerRegistry;
      step(ownerLabel, owner.name, 'no change');
    } else {
      // AcrPull needs a registry; a workspace has none until one is attached.
      containerRegistry = desired.dependents.containerRegistry;
      if (observed.dependents.containerRegistry) step('container registry', lastSegment(containerRegistry), 'no change');
      else step('container registry', lastSegment(containerRegistry), 'create', { kind: 'dependent', dependent: 'containerRegistry', id: containerRegistry });
      step(ownerLabel, owner.name, 'update', { kind: 'attach-registry', target: ownerTarget, registryId: containerRegistry }, [`containerRegistry (none) -> ${lastSegment(containerRegistry)}`]);
    }
  }
  if (desired.hub) {
    if (observed.workspace) step('project workspace', desired.workspace.name, 'no change');
    else step('project workspace', desired.workspace.name, 'create', { kind: 'create-workspace', target: 'workspace' });
  }

  if (observed.identity) step('managed identity', desired.identity.name, 'no change');
  else step('managed identity', desired.identity.name, 'create', { kind: 'identity' });

  if (desired.assignRoles) {
    const wanted = [
      { scope: desired.resourceGroupId, role: ROLES.contributor, on: `resource group ${desired.resourceGroup}` },
      { scope: storageAccount, role: ROLES.storageBlobDataReader, on: `storage account ${lastSegment(storageAccount)}` },
      { scope: containerRegistry, role: ROLES.acrPull, on: `container registry ${lastSegment(containerRegistry)}` },
    ];
    for (const { scope, role, on } of wanted) {
      const label = `${role.name} on ${on}`;
      const exists = observed.roleAssignments.some((a) => sameId(a.scope, scope) && a.roleDefinitionGuid.toLowerCase() === role.guid);
      if (exists) step('role assignment', label, 'no change');
      else {
        const name = observed.identity ? roleAssignmentName(scope, role.guid, observed.identity.principalId) : undefined;
        step('role assignment', label, 'create', { kind: 'role-assignment', scope, role, ...(name ? { name } : {}) });
      }
    }
  }

  const c = desired.compute;
  const seen = observed.compute;
  if (!seen) step('compute cluster', c.name, 'create', { kind: 'compute', mode: 'create' });
  else {
    if (seen.vmSize.toLowerCase() !== c.vmSize.toLowerCase()) throw new PlanConflictError(`compute '${c.name}' exists with vmSize ${seen.vmSize}, and Azure cannot change the size of a cluster: set vm-size: ${seen.vmSize}, or choose another compute name (or delete the cluster)`);
    if (seen.vmPriority.toLowerCase() !== c.vmPriority.toLowerCase()) throw new PlanConflictError(`compute '${c.name}' exists with vmPriority ${seen.vmPriority}, and Azure cannot change it: set vm-priority: ${seen.vmPriority === 'LowPriority' ? 'low-priority' : 'dedicated'}, or choose another compute name`);
    const scale: string[] = [];
    if (seen.minNodes !== c.minNodes) scale.push(`minNodeCount ${seen.minNodes} -> ${c.minNodes}`);
    if (seen.maxNodes !== c.maxNodes) scale.push(`maxNodeCount ${seen.maxNodes} -> ${c.maxNodes}`);
    if (seen.idleSeconds !== c.idleSeconds) scale.push(`nodeIdleTimeBeforeScaleDown PT${seen.idleSeconds}S -> PT${c.idleSeconds}S`);
    const identityMissing = c.attachIdentity && !seen.identityIds.some((id) => sameId(id, desired.identity.id));
    const changes = identityMissing ? [...scale, `identity + ${desired.identity.name}`] : scale;
    if (changes.length === 0) step('compute cluster', c.name, 'no change');
    else step('compute cluster', c.name, 'update', { kind: 'compute', mode: identityMissing ? 'put' : 'scale' }, changes);
  }

  return { steps, writes: steps.filter((s) => s.write).length, storageAccount, containerRegistry };
}

/**
 * Training nodes the quota preflight must find room for: all of max-nodes for a new cluster, the
 * increase for a larger one, none for a cluster that stays as it is (its quota is already its own).
 */
export function newTrainingNodes(desired: DesiredState, observed: ObservedState): number {
  if (!observed.compute) return desired.compute.maxNodes;
  return Math.max(0, desired.compute.maxNodes - observed.compute.maxNodes);
}
