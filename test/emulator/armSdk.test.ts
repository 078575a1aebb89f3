// @azure/arm-machinelearning (api-version 2022-10-01) against the emulator: reads, LRO pollers, retries, dropped fields.

import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ManagedServiceIdentityClient } from '@azure/arm-msi';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator, trustEmulator } from './helpers.js';

let emulator: Emulator;
let arm: ArmTestClient;
let client: AzureMachineLearningWorkspaces;
let credential: ClientSecretCredential;
let model: string;
beforeAll(async () => {
  // No Retry-After on polls, so the SDK polls at updateIntervalInMs.
  emulator = await startTestEmulator({ timing: { retryAfterSeconds: 0 } });
  arm = new ArmTestClient(emulator);
  await arm.createWorkspace();
  model = await arm.createModel(arm.ws());
  credential = new ClientSecretCredential(emulator.env.AZURE_TENANT_ID!, emulator.env.AZURE_CLIENT_ID!, emulator.env.AZURE_CLIENT_SECRET!, {
    authorityHost: emulator.url,
    disableInstanceDiscovery: true,
    additionalPolicies: [trustEmulator(emulator)],
  });
  client = new AzureMachineLearningWorkspaces(credential, emulator.env.AZURE_SUBSCRIPTION_ID!, {
    $host: emulator.url,
    endpoint: emulator.url,
    additionalPolicies: [trustEmulator(emulator)],
    retryOptions: { maxRetries: 3, retryDelayInMs: 50, maxRetryDelayInMs: 2_000 },
  });
});
afterAll(() => emulator?.stop());

const poll = { updateIntervalInMs: 25 };

const sdkOptions = () => ({ $host: emulator.url, endpoint: emulator.url, additionalPolicies: [trustEmulator(emulator)] });

describe('@azure/arm-machinelearning', () => {
  it('creates a workspace through its 202 + Location poller', async () => {
    const body = arm.workspaceBody() as { location: string; properties: Record<string, string> };
    const workspace = await client.workspaces.beginCreateOrUpdateAndWait('rg', 'sdk-ws', { location: body.location, ...body.properties }, poll);
    expect(workspace.provisioningState).toBe('Succeeded');
    expect(workspace.discoveryUrl).toBe(`${emulator.url}/mlservices/eastus2/discovery`);
  });

  it('gets a workspace and lists the region usages and VM sizes', async () => {
    const workspace = await client.workspaces.get('rg', 'mlws');
    expect(workspace.name).toBe('mlws');
    expect(workspace.workspaceId).toMatch(/^[0-9a-f-]{36}$/);
    expect(workspace.storageAccount).toContain('Microsoft.Storage/storageAccounts');
    const usages = [];
    for await (const usage of client.usages.list('eastus2')) usages.push(usage);
    expect(usages.find((u) => u.name?.localizedValue === 'Standard NCSv3 Family Cluster Dedicated vCPUs')).toMatchObject({ limit: 48 });
    const sizes = await client.virtualMachineSizes.list('eastus2');
    expect(sizes.value?.find((s) => s.name === 'Standard_NC24ads_A100_v4')).toMatchObject({ vCPUs: 24, gpus: 1 });
  });

  it('creates an online endpoint and a deployment through its LRO pollers', async () => {
    const endpoint = await client.onlineEndpoints.beginCreateOrUpdateAndWait('rg', 'mlws', 'sdk-ep', { location: 'eastus2', properties: { authMode: 'Key' } }, poll);
    expect(endpoint.properties.provisioningState).toBe('Succeeded');
    expect(endpoint.properties.scoringUri).toBe(`${emulator.url}/inference/eastus2/sdk-ep/score`);
    const deployment = await client.onlineDeployments.beginCreateOrUpdateAndWait(
      'rg',
      'mlws',
      'sdk-ep',
      'blue',
      { location: 'eastus2', sku: { name: 'Default', capacity: 1 }, properties: { endpointComputeType: 'Managed', model, instanceType: 'Standard_NC6s_v3' } },
      poll,
    );
    expect(deployment.properties.provisioningState).toBe('Succeeded');
    const keys = await client.onlineEndpoints.listKeys('rg', 'mlws', 'sdk-ep');
    expect(keys.primaryKey).toBeTruthy();
    const logs = await client.onlineDeployments.getLogs('rg', 'mlws', 'sdk-ep', 'blue', { containerType: 'StorageInitializer', tail: 10 });
    expect(logs.content).toContain('phi3-ft:1');
  });

  it('creates a compute cluster and deletes it through the Location poller', async () => {
    const compute = await client.computeOperations.beginCreateOrUpdateAndWait(
      'rg',
      'mlws',
      'sdk-cluster',
      { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 2 } } } },
      poll,
    );
    expect(compute.properties?.provisioningState).toBe('Succeeded');
    await client.computeOperations.beginDeleteAndWait('rg', 'mlws', 'sdk-cluster', 'Delete', poll);
    await expect(client.computeOperations.get('rg', 'mlws', 'sdk-cluster')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('retries a 429 after its Retry-After and surfaces ARM errors as RestError', async () => {
    emulator.addFault({ name: 'sdk-429', match: { method: 'GET', path: '/workspaces/mlws$' }, times: 1, respond: { status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests', message: 'slow' } } } });
    const started = Date.now();
    expect((await client.workspaces.get('rg', 'mlws')).name).toBe('mlws');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(emulator.requests.filter((r) => r.faults.includes('sdk-429'))).toHaveLength(1);
    emulator.clearFaults();
    await expect(client.workspaces.get('rg', 'no-such-ws')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
  });

  it('drops fields it has no model for (mirrorTraffic): the emulator records what really arrived', async () => {
    await client.onlineEndpoints.beginCreateOrUpdateAndWait('rg', 'mlws', 'sdk-ep', { location: 'eastus2', properties: { authMode: 'Key', traffic: { blue: 100 }, mirrorTraffic: { blue: 0 } } as never }, poll);
    const put = emulator.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/onlineEndpoints/sdk-ep')).at(-1)!;
    expect(put.query['api-version']).toBe('2022-10-01');
    expect((put.body as { properties: Record<string, unknown> }).properties.traffic).toEqual({ blue: 100 });
    expect((put.body as { properties: Record<string, unknown> }).properties).not.toHaveProperty('mirrorTraffic');
  });
});

describe('@azure/arm-msi and @azure/arm-authorization', () => {
  it('create a user-assigned identity and assign it a role (RoleAssignmentExists on a duplicate)', async () => {
    const msi = new ManagedServiceIdentityClient(credential, emulator.env.AZURE_SUBSCRIPTION_ID!, sdkOptions());
    const identity = await msi.userAssignedIdentities.createOrUpdate('rg', 'id-sdk', { location: 'eastus2' });
    expect(identity.principalId).toMatch(/^[0-9a-f-]{36}$/);
    const authorization = new AuthorizationManagementClient(credential, emulator.env.AZURE_SUBSCRIPTION_ID!, sdkOptions());
    const scope = arm.rg();
    const roleDefinitionId = `${arm.sub}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`;
    const assignment = await authorization.roleAssignments.create(scope, '8d3b0a9e-4f0e-4a59-9b1a-1c2d3e4f5a6b', { roleDefinitionId, principalId: identity.principalId!, principalType: 'ServicePrincipal' });
    expect(assignment.scope).toBe(scope);
    await expect(authorization.roleAssignments.create(scope, '8d3b0a9e-4f0e-4a59-9b1a-1c2d3e4f5a6c', { roleDefinitionId, principalId: identity.principalId! })).rejects.toMatchObject({ statusCode: 409, code: 'RoleAssignmentExists' });
    const put = emulator.requests.filter((r) => r.method === 'PUT' && r.path.includes('/roleAssignments/')).at(-1)!;
    expect(put.path).toBe(`${scope}/providers/Microsoft.Authorization/roleAssignments/8d3b0a9e-4f0e-4a59-9b1a-1c2d3e4f5a6c`);
  });
});
