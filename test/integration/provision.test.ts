// The provision action's library against the emulator, in-process: fresh, partly provisioned, quota, 403, dry-run, throttling.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/src/index.js';
import { instantClock } from '../../src/clock.js';
import { UserFacingError } from '../../src/github/runAction.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { parseProvisionInputs } from '../../src/provision/provisionInputs.js';
import { runProvision } from '../../src/provision/runProvision.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { recordingReporter } from '../helpers/recordingReporter.js';
import { trustingHttpClient } from '../helpers/trustingHttpClient.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  emulator = await startTestEmulator(options);
  return emulator;
}

function env(em: Emulator): NodeJS.ProcessEnv {
  const { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET } = em.env;
  return { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET };
}

async function provision(em: Emulator, extra: Record<string, string> = {}) {
  const reporter = recordingReporter();
  const inputs = parseProvisionInputs(
    inputsFromRecord({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-prov', workspace: 'mlws', location: 'eastus2', 'create-resource-group': 'true', auth: 'secret', cloud: em.url, ...extra }),
    env(em),
  );
  const from = em.requests.length;
  const outcome = await runProvision(inputs, { env: env(em), clock: instantClock(), httpClient: trustingHttpClient(em.ca), getIdToken: () => Promise.reject(new Error('no GitHub OIDC in this test')), tags: { 'created-by': 'amlft' } }, reporter).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error }),
  );
  const requests = em.requests.slice(from).filter((r) => r.host === 'arm');
  const writes = requests.filter((r) => ['PUT', 'POST', 'PATCH', 'DELETE'].includes(r.method));
  return { ...outcome, reporter, requests, writes, writeLines: writes.map((r) => `${r.method} ${r.path.replace(/^\/subscriptions\/[^/]+/, '')}`) };
}

const write = (lines: string[], pattern: RegExp) => lines.findIndex((l) => pattern.test(l));

describe('provision against the emulator', () => {
  it('creates everything on a fresh subscription in dependency order, then a re-run writes nothing', async () => {
    const em = await start({ unregisteredProviders: ['microsoft.network'] });
    const first = await provision(em);
    expect(first.error).toBeUndefined();
    const order = [/^POST \/providers\/Microsoft\.Network\/register$/, /^PUT \/resourceGroups\/rg-prov$/i, /storageAccounts/, /vaults/, /components/, /registries\/[^/]+$/, /workspaces\/mlws$/, /userAssignedIdentities/, /roleAssignments/, /computes\/gpu-cluster$/];
    const positions = order.map((p) => write(first.writeLines, p));
    expect(positions.every((p) => p >= 0), first.writeLines.join('\n')).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(first.writeLines.filter((l) => /roleAssignments/.test(l))).toHaveLength(3);
    expect(first.writes.filter((r) => r.status >= 400)).toEqual([]);
    expect(first.result!.changes).toBe(12); // 1 provider + rg + 4 dependents + workspace + identity + 3 roles + compute
    const out = first.reporter.outputs;
    expect(out).toMatchObject({ location: 'eastus2', changes: '12' });
    expect(out['workspace-id']).toMatch(/\/resourceGroups\/rg-prov\/providers\/Microsoft\.MachineLearningServices\/workspaces\/mlws$/);
    expect(out['workspace-guid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(out['identity-principal-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(out['identity-client-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(out['container-registry']).toMatch(/Microsoft\.ContainerRegistry\/registries\/crmlws/);
    expect(out['storage-account']).toMatch(/Microsoft\.Storage\/storageAccounts\/stmlws/);
    expect(out['studio-url']).toContain('wsid=');
    expect(out.compute).toMatch(/computes\/gpu-cluster$/);
    // The cluster really has what was asked, with the identity attached.
    const compute = em.state.resource(out.compute!)!;
    expect(compute.properties.properties).toMatchObject({ vmSize: 'Standard_NC24ads_A100_v4', vmPriority: 'Dedicated', scaleSettings: { minNodeCount: 0, maxNodeCount: 1, nodeIdleTimeBeforeScaleDown: 'PT120S' } });
    expect(Object.keys(compute.identity.userAssignedIdentities)).toEqual([out['identity-id']]);
    expect(first.reporter.summaries[0]).toContain('| compute cluster | gpu-cluster | create |');

    const second = await provision(em);
    expect(second.error).toBeUndefined();
    expect(second.writes).toEqual([]);
    expect(second.reporter.outputs.changes).toBe('0');
    expect(second.result!.plan.steps.every((s) => s.action === 'no change')).toBe(true);
    expect(second.reporter.outputs['identity-principal-id']).toBe(out['identity-principal-id']);
    expect(second.reporter.outputs['workspace-guid']).toBe(out['workspace-guid']);
  }, 30_000);

  it('on a partly provisioned subscription creates only what is missing and fixes max-nodes drift', async () => {
    const em = await start();
    const arm = new ArmTestClient(em);
    await arm.createWorkspace('mlws', 'rg-prov');
    const compute = `${arm.ws('mlws', 'rg-prov')}/computes/gpu-cluster`;
    const put = await arm.put(compute, { properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', vmPriority: 'Dedicated', scaleSettings: { minNodeCount: 0, maxNodeCount: 3, nodeIdleTimeBeforeScaleDown: 'PT120S' } } } });
    await arm.waitAsync(put);
    const run = await provision(em, { 'attach-identity': 'false' });
    expect(run.error).toBeUndefined();
    const steps = run.result!.plan.steps;
    expect(steps.find((s) => s.resource === 'compute cluster')).toMatchObject({ action: 'update', changes: ['maxNodeCount 3 -> 1'] });
    expect(steps.filter((s) => s.action === 'create').map((s) => s.resource)).toEqual(expect.arrayContaining(['managed identity', 'role assignment']));
    expect(run.writeLines.some((l) => /(resourceGroups\/rg-prov|storageAccounts\/[^/]+|vaults\/[^/]+|workspaces\/mlws)$/i.test(l) && l.startsWith('PUT'))).toBe(false);
    expect(run.writeLines.filter((l) => /computes/.test(l))).toEqual([expect.stringMatching(/^PATCH .*computes\/gpu-cluster$/)]);
    expect((await (await arm.get(compute)).json<{ properties: { properties: { scaleSettings: { maxNodeCount: number } } } }>()).properties.properties.scaleSettings.maxNodeCount).toBe(1);
    const again = await provision(em, { 'attach-identity': 'false' });
    expect(again.writes).toEqual([]);
  }, 30_000);

  it('stops before any write when quota is short, naming family, region, numbers and the fix', async () => {
    const em = await start();
    const run = await provision(em, { location: 'westus3', 'serving-instances': '0' });
    expect(run.error).toBeInstanceOf(UserFacingError);
    expect((run.error as Error).message).toContain('Standard NCADSA100v4 Family Cluster Dedicated vCPUs in westus3: need 24, have 0 of 0 free — request 24 more in Azure ML studio > Quota');
    expect(run.writes).toEqual([]);
    expect(run.reporter.summaries.join('\n')).toContain('| create |');
  });

  it('says which sizes a region offers when it lacks the VM size, before any write', async () => {
    const em = await start();
    const run = await provision(em, { location: 'eastus', 'vm-size': 'Standard_NC40ads_H100_v5' });
    expect((run.error as Error).message).toMatch(/^input 'vm-size': VM size 'Standard_NC40ads_H100_v5' is not offered by Azure ML in eastus; sizes offered there: .*Standard_NC24ads_A100_v4/);
    expect(run.writes).toEqual([]);
  });

  it('check-quota: false skips the preflight', async () => {
    const em = await start();
    const run = await provision(em, { location: 'westus3', 'serving-instances': '0', 'check-quota': 'false', 'assign-roles': 'false' });
    expect(run.error).toBeUndefined();
    expect(run.requests.some((r) => /usages|vmSizes/.test(r.path))).toBe(false);
  }, 30_000);

  it('a 403 on a role assignment gives the advice, and assign-roles: false then completes', async () => {
    const em = await start({ cannotAssignRoles: ['*'] });
    const run = await provision(em);
    expect(run.error).toBeInstanceOf(UserFacingError);
    expect((run.error as Error).message).toBe(
      `the signed-in principal cannot assign roles on /subscriptions/${em.env.AZURE_SUBSCRIPTION_ID}/resourceGroups/rg-prov; it needs Owner or User Access Administrator there, or set assign-roles: false and assign them once by hand`,
    );
    expect(run.writeLines.some((l) => /computes/.test(l))).toBe(false);
    const retry = await provision(em, { 'assign-roles': 'false' });
    expect(retry.error).toBeUndefined();
    expect(retry.writeLines).toEqual([expect.stringMatching(/^PUT .*computes\/gpu-cluster$/)]);
  }, 30_000);

  it('finds an assignment made by hand under another name, and writes nothing', async () => {
    const em = await start();
    const first = await provision(em);
    expect(first.error).toBeUndefined();
    // Same (scope, role, principal) under a name the toolkit did not choose: Azure answers 409 to ours.
    const arm = new ArmTestClient(em);
    const rgScope = `/subscriptions/${em.env.AZURE_SUBSCRIPTION_ID}/resourceGroups/rg-prov`;
    const contributor = first.writes.find((r) => /roleAssignments/.test(r.path) && JSON.stringify(r.body).includes('b24988ac'))!;
    await arm.delete(contributor.path);
    const byHand = await arm.put(`${rgScope}/providers/Microsoft.Authorization/roleAssignments/0b7c6f5e-1d2c-4e3f-9a8b-7c6d5e4f3a2b`, contributor.body, { apiVersion: '2022-04-01' });
    expect(byHand.status).toBe(201);
    const second = await provision(em);
    expect(second.error).toBeUndefined();
    expect(second.writes).toEqual([]);
  }, 30_000);

  it('takes a 409 RoleAssignmentExists as success', async () => {
    const em = await start();
    em.addFault({ name: 'exists', match: { method: 'PUT', path: '/roleAssignments/' }, respond: { status: 409, body: { error: { code: 'RoleAssignmentExists', message: 'The role assignment already exists.' } } } });
    const run = await provision(em);
    expect(run.error).toBeUndefined();
    expect(run.writes.filter((r) => r.status === 409)).toHaveLength(3);
    expect(run.reporter.outputs.changes).toBe('8');
    expect(run.reporter.logs.filter((l) => /already assigned/.test(l))).toHaveLength(3);
  }, 30_000);

  it('creates a hub and a project in it (workspace-kind: project), on a subscription without the ML providers registered', async () => {
    const em = await start({ unregisteredProviders: ['microsoft.machinelearningservices', 'microsoft.managedidentity'] });
    const run = await provision(em, { 'workspace-kind': 'project' });
    expect(run.error).toBeUndefined();
    expect(run.requests.some((r) => r.method === 'GET' && /workspaces|userAssignedIdentities/.test(r.path) && r.status === 404)).toBe(false);
    const hub = write(run.writeLines, /^PUT .*workspaces\/mlws-hub$/);
    const project = write(run.writeLines, /^PUT .*workspaces\/mlws$/);
    expect(hub).toBeGreaterThan(write(run.writeLines, /registries\/[^/]+$/));
    expect(project).toBeGreaterThan(hub);
    const body = em.state.resource(run.reporter.outputs['workspace-id']!)!;
    expect(body.kind).toBe('Project');
    expect(body.properties.hubResourceId).toMatch(/workspaces\/mlws-hub$/);
    // Roles go to the hub's storage and registry, which the project uses.
    expect(run.reporter.outputs['container-registry']).toMatch(/registries\/crmlwshub/);
    expect(run.writeLines.filter((l) => /registries\/crmlwshub[0-9a-f]+\/providers\/Microsoft\.Authorization\/roleAssignments/.test(l))).toHaveLength(1);
    const again = await provision(em, { 'workspace-kind': 'project' });
    expect(again.writes).toEqual([]);
  }, 30_000);

  it('dry-run prints the plan and writes nothing', async () => {
    const em = await start();
    const run = await provision(em, { 'dry-run': 'true' });
    expect(run.error).toBeUndefined();
    expect(run.writes).toEqual([]);
    expect(run.result!.plan.writes).toBe(11);
    expect(run.reporter.outputs.changes).toBe('0');
    expect(run.reporter.logs.filter((l) => /^ {2}create /.test(l))).toHaveLength(11);
    expect(run.reporter.summaries[0]).toContain('(dry run)');
  });

  it('succeeds through throttling (429 with Retry-After), retrying', async () => {
    const em = await start({ faults: 'throttle-arm' });
    const run = await provision(em);
    expect(run.error).toBeUndefined();
    expect(run.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(run.reporter.outputs.changes).toBe('11');
  }, 30_000);

  it('refuses invalid names before any call', async () => {
    const em = await start();
    const before = em.requests.length;
    expect(() => parseProvisionInputs(inputsFromRecord({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg', workspace: 'mlws', location: 'eastus2', compute: 'gpu_cluster' }), {})).toThrow(/input 'compute'.*letters, digits or hyphens/);
    expect(em.requests.length).toBe(before);
  });
});
