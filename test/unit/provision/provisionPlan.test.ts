// Planning is pure: desired state from inputs, and one line per resource against what Azure has.
import { describe, expect, it } from 'vitest';
import { inputsFromRecord } from '../../../src/inputs/parseInputs.js';
import { parseProvisionInputs } from '../../../src/provision/provisionInputs.js';
import { desiredState, isoDurationSeconds, newTrainingNodes, planProvisioning, PlanConflictError, dependentNames, type ObservedState, type ObservedWorkspace } from '../../../src/provision/provisionPlan.js';
import { roleAssignmentName } from '../../../src/provision/roleAssignmentName.js';
import { planLines, planMarkdown } from '../../../src/provision/planReport.js';

const SUB = 'aaaaaaaa-0000-4000-8000-000000000002';
const base = { 'subscription-id': SUB, 'resource-group': 'rg-ml', workspace: 'mlws', location: 'eastus2', 'create-resource-group': 'true' };
const desired = (extra: Record<string, string> = {}) => desiredState(parseProvisionInputs(inputsFromRecord({ ...base, ...extra }), {}), { 'created-by': 'amlft' });

const nothing: ObservedState = { providers: {}, dependents: { storageAccount: false, keyVault: false, applicationInsights: false, containerRegistry: false }, roleAssignments: [] };

function provisioned(d = desired()): ObservedState {
  const ws: ObservedWorkspace = { id: d.workspace.id, kind: 'Default', location: 'eastus2', workspaceGuid: 'g', storageAccount: d.dependents.storageAccount, containerRegistry: d.dependents.containerRegistry };
  return {
    providers: { 'Microsoft.MachineLearningServices': 'Registered', 'microsoft.network': 'Registered', 'Microsoft.ManagedIdentity': 'Registered' },
    resourceGroup: { location: 'eastus2' },
    dependents: { storageAccount: true, keyVault: true, applicationInsights: true, containerRegistry: true },
    workspace: ws,
    identity: { id: d.identity.id, principalId: '11111111-2222-4333-8444-555555555555', clientId: 'c' },
    roleAssignments: [
      { scope: d.resourceGroupId, roleDefinitionGuid: 'b24988ac-6180-42a0-ab88-20f7382dd24c' },
      { scope: d.dependents.storageAccount.toUpperCase(), roleDefinitionGuid: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' },
      { scope: d.dependents.containerRegistry, roleDefinitionGuid: '7F951DDA-4ED3-4680-A7CA-43FE172D538D' },
    ],
    compute: { vmSize: 'standard_nc24ads_a100_v4', vmPriority: 'Dedicated', minNodes: 0, maxNodes: 1, idleSeconds: 120, identityIds: [d.identity.id] },
  };
}

describe('planProvisioning', () => {
  it('on a fresh subscription creates everything, in dependency order', () => {
    const plan = planProvisioning(desired(), nothing);
    expect(plan.steps.map((s) => `${s.action} ${s.resource}`)).toEqual([
      'register resource provider',
      'register resource provider',
      'register resource provider',
      'create resource group',
      'create storage account',
      'create key vault',
      'create Application Insights',
      'create container registry',
      'create workspace',
      'create managed identity',
      'create role assignment',
      'create role assignment',
      'create role assignment',
      'create compute cluster',
    ]);
    expect(plan.writes).toBe(14);
    // The principal does not exist yet: the assignment names are decided when it does.
    expect(plan.steps.filter((s) => s.write?.kind === 'role-assignment' && 'name' in s.write)).toHaveLength(0);
  });

  it('on a provisioned workspace says "no change" everywhere (ids compared case-insensitively)', () => {
    const plan = planProvisioning(desired(), provisioned());
    expect(plan.writes).toBe(0);
    expect(new Set(plan.steps.map((s) => s.action))).toEqual(new Set(['no change']));
    expect(plan.steps).toHaveLength(10);
  });

  it.each([
    ['max-nodes', '2', ['maxNodeCount 1 -> 2'], 'scale'],
    ['min-nodes', '1', ['minNodeCount 0 -> 1'], 'scale'],
    ['idle-seconds', '600', ['nodeIdleTimeBeforeScaleDown PT120S -> PT600S'], 'scale'],
  ])('cluster drift on %s is an update with the changed field', (input, value, changes, mode) => {
    const plan = planProvisioning(desired({ [input]: value, 'max-nodes': input === 'max-nodes' ? value : '1' }), provisioned());
    const compute = plan.steps.find((s) => s.resource === 'compute cluster')!;
    expect(compute).toMatchObject({ action: 'update', changes, write: { kind: 'compute', mode } });
    expect(plan.writes).toBe(1);
  });

  it('attaching the identity to an existing cluster is a full PUT', () => {
    const observed = { ...provisioned(), compute: { ...provisioned().compute!, identityIds: [] } };
    const step = planProvisioning(desired(), observed).steps.find((s) => s.resource === 'compute cluster')!;
    expect(step).toMatchObject({ action: 'update', changes: ['identity + mlws-identity'], write: { mode: 'put' } });
    expect(planProvisioning(desired({ 'attach-identity': 'false' }), observed).writes).toBe(0);
  });

  it('creates only what a partly provisioned subscription lacks', () => {
    const p = provisioned();
    const observed: ObservedState = { ...p, identity: undefined, roleAssignments: [], compute: undefined, providers: { 'Microsoft.MachineLearningServices': 'Registered', 'Microsoft.Network': 'NotRegistered', 'Microsoft.ManagedIdentity': 'Registered' } };
    const plan = planProvisioning(desired(), observed);
    expect(plan.steps.filter((s) => s.write).map((s) => `${s.action} ${s.resource} ${s.name}`)).toEqual([
      'register resource provider Microsoft.Network',
      'create managed identity mlws-identity',
      'create role assignment Contributor on resource group rg-ml',
      `create role assignment Storage Blob Data Reader on storage account ${dependentNames(SUB, 'rg-ml', 'mlws').storageAccount}`,
      `create role assignment AcrPull on container registry ${dependentNames(SUB, 'rg-ml', 'mlws').containerRegistry}`,
      'create compute cluster gpu-cluster',
    ]);
  });

  it('an existing workspace without a registry gets one attached, and roles name it', () => {
    const d = desired();
    const p = provisioned(d);
    const observed: ObservedState = { ...p, workspace: { ...p.workspace!, containerRegistry: undefined, storageAccount: '/subscriptions/x/resourceGroups/rg-ml/providers/Microsoft.Storage/storageAccounts/theirs' }, dependents: { ...p.dependents, containerRegistry: false }, roleAssignments: [] };
    const plan = planProvisioning(d, observed);
    expect(plan.steps.filter((s) => s.write).map((s) => s.write!.kind)).toEqual(['dependent', 'attach-registry', 'role-assignment', 'role-assignment', 'role-assignment']);
    expect(plan.storageAccount).toMatch(/theirs$/);
    const named = plan.steps.filter((s) => s.write?.kind === 'role-assignment').map((s) => (s.write as { name?: string }).name);
    expect(named.every((n) => n !== undefined && /^[0-9a-f-]{36}$/.test(n))).toBe(true);
  });

  it('a project plans its hub with the dependents, then the project', () => {
    const plan = planProvisioning(desired({ 'workspace-kind': 'project' }), nothing);
    const kinds = plan.steps.filter((s) => s.resource.includes('workspace')).map((s) => `${s.action} ${s.resource} ${s.name}`);
    expect(kinds).toEqual(['create hub workspace mlws-hub', 'create project workspace mlws']);
  });

  it('assign-roles: false plans no role assignment', () => {
    expect(planProvisioning(desired({ 'assign-roles': 'false' }), nothing).steps.some((s) => s.resource === 'role assignment')).toBe(false);
  });

  it.each<[string, Record<string, string>, (o: ObservedState) => ObservedState, RegExp]>([
    ['a missing resource group without create-resource-group', { 'create-resource-group': 'false' }, () => nothing, /resource group 'rg-ml' does not exist.*create-resource-group: true/],
    ['a workspace in another region', {}, (o) => ({ ...o, workspace: { ...o.workspace!, location: 'westus3' } }), /exists in westus3, not in eastus2/],
    ['a workspace of another kind', { 'workspace-kind': 'project' }, (o) => ({ ...o, hub: { ...o.workspace!, kind: 'Hub' } }), /kind Default, not Project/],
    ['a cluster of another size', { 'vm-size': 'Standard_NC48ads_A100_v4' }, (o) => o, /vmSize standard_nc24ads_a100_v4.*cannot change/],
    ['a cluster of another priority', { 'vm-priority': 'low-priority' }, (o) => o, /vmPriority Dedicated.*vm-priority: dedicated/],
  ])('refuses %s before any write', (_name, extra, observe, message) => {
    expect(() => planProvisioning(desired(extra), observe(provisioned()))).toThrow(PlanConflictError);
    expect(() => planProvisioning(desired(extra), observe(provisioned()))).toThrow(message);
  });

  it('prints one line per resource and a table', () => {
    const plan = planProvisioning(desired({ 'max-nodes': '3' }), provisioned());
    expect(planLines(plan)).toContain("update    compute cluster 'gpu-cluster': maxNodeCount 1 -> 3");
    expect(planMarkdown(plan, 'Plan')).toContain('| compute cluster | gpu-cluster | update | maxNodeCount 1 -&gt; 3 |'.replace('-&gt;', '->'));
    expect(planMarkdown(plan, 'Plan')).toContain('1 write planned.');
  });
});

describe('newTrainingNodes', () => {
  it.each<[string, Record<string, string>, ObservedState, number]>([
    ['a new cluster counts all of max-nodes', { 'max-nodes': '3' }, nothing, 3],
    ['an unchanged cluster counts nothing', {}, provisioned(), 0],
    ['a larger cluster counts the increase', { 'max-nodes': '4' }, provisioned(), 3],
    ['a smaller cluster counts nothing', { 'max-nodes': '1' }, { ...provisioned(), compute: { ...provisioned().compute!, maxNodes: 5 } }, 0],
  ])('%s', (_name, extra, observed, nodes) => {
    expect(newTrainingNodes(desired(extra), observed)).toBe(nodes);
  });
});

describe('dependent names', () => {
  it.each(['mlws', 'My_Workspace-With-A-Very-Long-Name1', 'a-b'])('follow Azure rules for %s', (ws) => {
    const n = dependentNames(SUB, 'rg', ws);
    expect(n.storageAccount).toMatch(/^[a-z0-9]{3,24}$/);
    expect(n.keyVault).toMatch(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/);
    expect(n.containerRegistry).toMatch(/^[a-zA-Z0-9]{5,50}$/);
    expect(dependentNames(SUB, 'rg', ws)).toEqual(n);
    expect(dependentNames(SUB, 'rg2', ws).storageAccount).not.toBe(n.storageAccount);
  });
});

describe('isoDurationSeconds', () => {
  it.each([['PT120S', 120], ['PT2M', 120], ['PT1H30M', 5400], ['P1DT1S', 86401], ['PT0S', 0], ['nonsense', undefined], ['PT', undefined]])('%s is %s s', (text, seconds) => {
    expect(isoDurationSeconds(text)).toBe(seconds);
  });
});

describe('role assignment names', () => {
  it('are deterministic, case-insensitive, and differ per scope, role and principal', () => {
    const a = roleAssignmentName('/subscriptions/S/resourceGroups/rg', 'b24988ac-6180-42a0-ab88-20f7382dd24c', 'P');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(roleAssignmentName('/subscriptions/s/resourcegroups/RG', 'B24988AC-6180-42a0-ab88-20f7382dd24c', 'p')).toBe(a);
    expect(roleAssignmentName('/subscriptions/s/resourceGroups/rg2', 'b24988ac-6180-42a0-ab88-20f7382dd24c', 'p')).not.toBe(a);
    expect(roleAssignmentName('/subscriptions/s/resourceGroups/rg', '7f951dda-4ed3-4680-a7ca-43fe172d538d', 'p')).not.toBe(a);
    expect(roleAssignmentName('/subscriptions/s/resourceGroups/rg', 'b24988ac-6180-42a0-ab88-20f7382dd24c', 'q')).not.toBe(a);
  });
});
