// Resource Manager families: each happy path and Azure's validation, 404 and 409 answers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azuriteAccount, loopbackRequest, type Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, sleep, startTestEmulator, waitFor } from './helpers.js';

let emulator: Emulator;
let arm: ArmTestClient;
let ws: Record<string, any>;
beforeAll(async () => {
  emulator = await startTestEmulator();
  arm = new ArmTestClient(emulator);
  ws = await arm.createWorkspace('mlws', 'rg');
});
afterAll(() => emulator?.stop());

const contributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c';
const roleId = (guid: string) => `${arm.sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

describe('Resource Manager basics', () => {
  it('requires an api-version, refuses one older than supported, accepts newer ones', async () => {
    const path = `${arm.rg()}`;
    expect((await arm.get(path, { apiVersion: null })).json()).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    expect((await arm.get(ws.id, { apiVersion: '2021-07-01' })).json()).toMatchObject({ error: { code: 'NoRegisteredProviderFound' } });
    expect((await arm.get(ws.id, { apiVersion: 'latest' })).json()).toMatchObject({ error: { code: 'InvalidApiVersionParameter' } });
    expect((await arm.get(ws.id, { apiVersion: '2027-01-01-preview' })).status).toBe(200);
  });

  it('answers 404 SubscriptionNotFound for another subscription and InvalidResourceType for unknown paths', async () => {
    expect((await arm.get('/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg')).json()).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
    expect((await arm.get(`${ws.id}/whatever/x`)).status).toBe(404);
  });

  it('treats paths and names case-insensitively, like Azure', async () => {
    const res = await arm.get(ws.id.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'));
    expect(res.status).toBe(200);
    expect(res.json<{ id: string }>().id).toBe(ws.id);
  });
});

describe('resource groups', () => {
  it('creates (201), updates (200), reads, HEADs and lists', async () => {
    const first = await arm.put(arm.rg('rg-a'), { location: 'eastus', tags: { team: 'ml' } }, { apiVersion: '2021-04-01' });
    expect(first.status).toBe(201);
    expect(first.json()).toMatchObject({ name: 'rg-a', location: 'eastus', tags: { team: 'ml' }, properties: { provisioningState: 'Succeeded' } });
    expect((await arm.put(arm.rg('rg-a'), { location: 'eastus' }, { apiVersion: '2021-04-01' })).status).toBe(200);
    expect((await arm.request('HEAD', arm.rg('rg-a'), { apiVersion: '2021-04-01' })).status).toBe(204);
    expect((await arm.request('HEAD', arm.rg('rg-none'), { apiVersion: '2021-04-01' })).status).toBe(404);
    expect((await arm.get(`${arm.sub}/resourcegroups`, { apiVersion: '2021-04-01' })).json<{ value: { name: string }[] }>().value.map((g) => g.name)).toContain('rg-a');
  });

  it('validates location and name, and answers ResourceGroupNotFound', async () => {
    expect((await arm.put(arm.rg('rg-b'), {}, { apiVersion: '2021-04-01' })).json()).toMatchObject({ error: { code: 'LocationRequired' } });
    expect((await arm.put(arm.rg('rg-b'), { location: 'moon' }, { apiVersion: '2021-04-01' })).json()).toMatchObject({ error: { code: 'LocationNotAvailableForResourceType' } });
    expect((await arm.put(arm.rg('bad name!'), { location: 'eastus2' }, { apiVersion: '2021-04-01' })).json()).toMatchObject({ error: { code: 'InvalidResourceGroup' } });
    expect((await arm.put(arm.rg('rg-a'), { location: 'eastus2' }, { apiVersion: '2021-04-01' })).json()).toMatchObject({ error: { code: 'InvalidResourceGroupLocation' } });
    expect((await arm.get(arm.rg('rg-none'), { apiVersion: '2021-04-01' })).json()).toMatchObject({ error: { code: 'ResourceGroupNotFound', message: "Resource group 'rg-none' could not be found." } });
    expect((await arm.put(arm.ws('w1', 'rg-none'), arm.workspaceBody('rg-none'))).json()).toMatchObject({ error: { code: 'ResourceGroupNotFound' } });
  });

  it('deletes with 202 + Location, taking what the group holds with it', async () => {
    await arm.createWorkspace('ws-doomed', 'rg-doomed');
    const res = await arm.delete(arm.rg('rg-doomed'), { apiVersion: '2021-04-01' });
    expect(res.status).toBe(202);
    // fastTiming's 0.05 s: whole seconds in Retry-After, as Azure sends it, and the exact wait in retry-after-ms.
    expect(res.header('retry-after')).toBe('1');
    expect(res.header('retry-after-ms')).toBe('50');
    expect((await arm.waitLocation(res)).status).toBe(204);
    expect((await arm.get(arm.ws('ws-doomed', 'rg-doomed'))).json()).toMatchObject({ error: { code: 'ResourceGroupNotFound' } });
  });
});

describe('workspaces', () => {
  it('creates with 202 + Location, then Succeeded with a workspaceId GUID, discovery URL and the dependent resources', async () => {
    expect(ws).toMatchObject({ name: 'mlws', type: 'Microsoft.MachineLearningServices/workspaces', kind: 'Default', location: 'eastus2' });
    expect(ws.properties.provisioningState).toBe('Succeeded');
    expect(ws.properties.workspaceId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(ws.properties.containerRegistry).toMatch(/Microsoft.ContainerRegistry\/registries\/cramlft$/);
    const discovery = await loopbackRequest(ws.properties.discoveryUrl, { ca: emulator.ca });
    expect(discovery.json()).toMatchObject({ history: emulator.url, api: emulator.url });
  });

  it('validates required dependent resources, names and kinds', async () => {
    const missing = await arm.put(arm.ws('ws2'), { location: 'eastus2', properties: { keyVault: arm.workspaceBody().properties } });
    expect(missing.status).toBe(400);
    expect((await arm.put(arm.ws('ws2'), { location: 'eastus2', properties: {} })).json()).toMatchObject({
      error: { code: 'UserError', message: expect.stringContaining('properties.storageAccount is required') },
    });
    expect((await arm.put(arm.ws('w'), arm.workspaceBody())).json()).toMatchObject({ error: { code: 'UserError', message: expect.stringContaining("Workspace name 'w' is invalid") } });
    expect((await arm.put(arm.ws('ws2'), arm.workspaceBody('rg', 'eastus2', { kind: 'Galaxy' }))).json()).toMatchObject({ error: { message: expect.stringContaining('Allowed values: Default, Hub, Project') } });
    expect((await arm.put(arm.ws('ws2'), arm.workspaceBody('rg', 'eastus2', { kind: 'Hub' }), { apiVersion: '2023-04-01' })).status).toBe(400);
  });

  it('creates a hub and a project that shares the hub storage', async () => {
    const hub = await arm.put(arm.ws('hub1'), arm.workspaceBody('rg', 'eastus2', { kind: 'Hub' }));
    expect(hub.status).toBeLessThan(300);
    await arm.waitLocation(hub);
    const noHub = await arm.put(arm.ws('proj1'), { location: 'eastus2', kind: 'Project', properties: {} });
    expect(noHub.json()).toMatchObject({ error: { message: expect.stringContaining('hubResourceId is required') } });
    const project = await arm.put(arm.ws('proj1'), { location: 'eastus2', kind: 'Project', properties: { hubResourceId: arm.ws('hub1') } });
    expect(project.status).toBeLessThan(300);
    const body = (await arm.get(arm.ws('proj1'))).json<Record<string, any>>();
    expect(body.kind).toBe('Project');
    expect(body.properties.storageAccount).toBe(ws.properties.storageAccount);
    expect((await arm.get(arm.ws('hub1'))).json<Record<string, any>>().properties.associatedWorkspaces).toContain(body.id);
  });

  it('updates with PUT and PATCH but refuses to change the storage account; 404 ResourceNotFound and ParentResourceNotFound', async () => {
    const patched = await arm.patch(ws.id, { properties: { friendlyName: 'Chat tuning' }, tags: { owner: 'me' } });
    expect(patched.json()).toMatchObject({ tags: { owner: 'me' }, properties: { friendlyName: 'Chat tuning' } });
    const body = arm.workspaceBody();
    (body.properties as Record<string, string>).storageAccount = `${arm.rg()}/providers/Microsoft.Storage/storageAccounts/other`;
    expect((await arm.put(ws.id, body)).json()).toMatchObject({ error: { message: expect.stringContaining('cannot be changed') } });
    expect((await arm.put(ws.id, arm.workspaceBody())).status).toBe(200);
    expect((await arm.get(arm.ws('nope'))).json()).toMatchObject({ error: { code: 'ResourceNotFound' } });
    expect((await arm.get(`${arm.ws('nope')}/jobs/j1`)).json()).toMatchObject({ error: { code: 'ParentResourceNotFound', message: expect.stringContaining("Parent resource 'nope' not found") } });
  });
});

describe('computes', () => {
  const cluster = () => `${ws.id}/computes/gpu-cluster`;
  const body = (vmSize = 'Standard_NC24ads_A100_v4', maxNodeCount = 1, extra: Record<string, unknown> = {}) => ({
    location: 'eastus2',
    properties: { computeType: 'AmlCompute', properties: { vmSize, vmPriority: 'Dedicated', scaleSettings: { minNodeCount: 0, maxNodeCount, nodeIdleTimeBeforeScaleDown: 'PT120S' }, ...extra } },
  });

  it('creates with 201 + Azure-AsyncOperation (Updating, then Succeeded) and refuses a PUT while busy', async () => {
    const res = await arm.put(cluster(), body());
    expect(res.status).toBe(201);
    expect(res.header('x-ms-async-operation-timeout')).toBe('PT30M');
    expect(res.json()).toMatchObject({ properties: { provisioningState: 'Creating', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { maxNodeCount: 1 } } } });
    expect(await arm.waitAsync(res)).toMatchObject({ status: 'Succeeded' });
    expect((await arm.get(cluster())).json()).toMatchObject({ properties: { provisioningState: 'Succeeded' } });
    // While busy: on an emulator whose operations take seconds, so a loaded machine cannot finish it between two calls.
    const slow = await startTestEmulator({ timing: { lroMs: 5_000 } });
    try {
      const slowArm = new ArmTestClient(slow);
      const slowWs = (await slowArm.createWorkspace('mlws', 'rg')).id as string;
      const busy = await slowArm.put(`${slowWs}/computes/gpu-cluster`, body());
      expect(busy.status).toBe(201);
      expect((await slowArm.get(busy.header('azure-asyncoperation')!)).json()).toMatchObject({ status: 'Updating' });
      expect((await slowArm.put(`${slowWs}/computes/gpu-cluster`, body())).json()).toMatchObject({ error: { code: 'Conflict' } });
    } finally {
      await slow.stop();
    }
  });

  it('validates names, sizes per region, scale settings and immutable fields', async () => {
    const bad = async (path: string, b: unknown) => (await arm.put(path, b)).json<{ error: { code: string; message: string } }>().error;
    expect((await bad(`${ws.id}/computes/this-name-is-too-long`, body())).message).toContain('must be 2-16 characters');
    expect((await bad(`${ws.id}/computes/1cluster`, body())).message).toContain('start with a letter');
    expect((await bad(`${ws.id}/computes/c2`, body('Standard_ND96asr_v4'))).message).toMatch(/'Standard_ND96asr_v4' is not available in region 'eastus2'. Sizes available there: Standard_DS3_v2/);
    expect((await bad(`${ws.id}/computes/c2`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 2, maxNodeCount: 1 } } } })).message).toContain('cannot be greater than maxNodeCount');
    expect((await bad(`${ws.id}/computes/c2`, { location: 'eastus2', properties: { computeType: 'Quantum' } })).message).toContain("properties.computeType 'Quantum' is not valid");
    expect((await bad(cluster(), body('Standard_NC48ads_A100_v4'))).message).toContain('Updating vmSize of an existing AmlCompute is not supported');
  });

  it('updates scale settings with PATCH (202 + Location) and deletes with underlyingResourceAction', async () => {
    const res = await arm.patch(cluster(), { properties: { properties: { scaleSettings: { minNodeCount: 0, maxNodeCount: 2 } } } });
    expect(res.status).toBe(202);
    const done = await arm.waitLocation(res);
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ properties: { provisioningState: 'Succeeded', properties: { scaleSettings: { maxNodeCount: 2 } } } });
    expect((await arm.delete(cluster())).json()).toMatchObject({ error: { message: expect.stringContaining('underlyingResourceAction') } });
    const deleting = await arm.delete(`${cluster()}?underlyingResourceAction=Delete`);
    expect(deleting.status).toBe(202);
    expect((await arm.waitLocation(deleting)).status).toBe(204);
    expect((await arm.get(cluster())).status).toBe(404);
  });
});

describe('Retry-After on long-running operations', () => {
  it('a fractional setting: Retry-After in whole seconds (rounded up) plus retry-after-ms, on the 201, the status poll and the 202', async () => {
    const res = await arm.put(`${ws.id}/computes/ra-cluster`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_DS3_v2', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
    expect(res.status).toBe(201);
    expect([res.header('retry-after'), res.header('retry-after-ms')]).toEqual(['1', '50']);
    const poll = await arm.get(res.header('azure-asyncoperation')!);
    expect(poll.json()).toMatchObject({ status: 'Updating' });
    expect([poll.header('retry-after'), poll.header('retry-after-ms')]).toEqual(['1', '50']);
    expect(await arm.waitAsync(res)).toMatchObject({ status: 'Succeeded' });
    const done = await arm.get(res.header('azure-asyncoperation')!);
    expect([done.header('retry-after'), done.header('retry-after-ms')]).toEqual([undefined, undefined]);
    const deleted = await arm.delete(`${ws.id}/computes/ra-cluster?underlyingResourceAction=Delete`);
    expect(deleted.status).toBe(202);
    expect([deleted.header('retry-after'), deleted.header('retry-after-ms')]).toEqual(['1', '50']);
    await arm.waitLocation(deleted);
  });

  it('whole seconds are sent as they are, without retry-after-ms; 0 leaves both out', async () => {
    for (const [seconds, expected] of [[2, ['2', undefined]], [0, [undefined, undefined]], [1.5, ['2', '1500']]] as const) {
      const em = await startTestEmulator({ timing: { retryAfterSeconds: seconds } });
      try {
        const client = new ArmTestClient(em);
        await client.createResourceGroup('rg-ra');
        const res = await client.delete(client.rg('rg-ra'), { apiVersion: '2021-04-01' });
        expect(res.status).toBe(202);
        expect([res.header('retry-after'), res.header('retry-after-ms')], `retryAfterSeconds ${seconds}`).toEqual(expected);
      } finally {
        await em.stop();
      }
    }
  });
});

describe('quota', () => {
  const loc = (region: string, what: string) => `${arm.sub}/providers/Microsoft.MachineLearningServices/locations/${region}/${what}`;

  it('lists usages per family and the regional total', async () => {
    const rows = (await arm.get(loc('eastus2', 'usages'))).json<{ value: { name: { localizedValue: string }; limit: number; currentValue: number }[] }>().value;
    const a100 = rows.find((r) => r.name.localizedValue === 'Standard NCADSA100v4 Family Cluster Dedicated vCPUs');
    expect(a100).toMatchObject({ limit: 48, currentValue: 0 });
    expect(rows.find((r) => r.name.localizedValue === 'Total Cluster Dedicated Regional vCPUs')).toMatchObject({ limit: 200 });
    expect(rows.find((r) => r.name.localizedValue === 'Standard NCadsH100v5 Family Cluster Dedicated vCPUs')).toMatchObject({ limit: 0 });
  });

  it('lists the VM sizes a region offers, with family, vCPUs and GPUs; some regions lack some sizes', async () => {
    const sizes = (await arm.get(loc('eastus2', 'vmSizes'))).json<{ value: { name: string; family: string; vCPUs: number; gpus: number }[] }>().value;
    expect(sizes.find((s) => s.name === 'Standard_NC24ads_A100_v4')).toMatchObject({ family: 'standardNCADSA100v4Family', vCPUs: 24, gpus: 1 });
    expect(sizes.find((s) => s.name === 'Standard_NC6s_v3')).toMatchObject({ family: 'standardNCSv3Family', vCPUs: 6, gpus: 1 });
    for (const name of ['Standard_NC12s_v3', 'Standard_NC24s_v3', 'Standard_DS3_v2', 'Standard_E4s_v3', 'Standard_NC40ads_H100_v5']) expect(sizes.map((s) => s.name)).toContain(name);
    const eastus = (await arm.get(loc('eastus', 'vmSizes'))).json<{ value: { name: string }[] }>().value.map((s) => s.name);
    expect(eastus).not.toContain('Standard_NC40ads_H100_v5');
    expect((await arm.get(loc('eastus', 'quotas'))).json<{ value: unknown[] }>().value.length).toBeGreaterThan(3);
    expect((await arm.get(loc('atlantis', 'usages'))).status).toBe(400);
  });
});

describe('datastores and assets', () => {
  it('gives every workspace a default blob datastore and its key through listSecrets', async () => {
    const store = (await arm.get(`${ws.id}/datastores/workspaceblobstore`)).json<Record<string, any>>();
    expect(store.properties).toMatchObject({ datastoreType: 'AzureBlob', accountName: 'devstoreaccount1', isDefault: true, protocol: 'https', credentials: { credentialsType: 'AccountKey' } });
    expect(store.properties.containerName).toBe(`azureml-blobstore-${ws.properties.workspaceId}`);
    expect(store.properties.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(JSON.stringify(store)).not.toContain(azuriteAccount.key);
    const secrets = (await arm.post(`${ws.id}/datastores/workspaceblobstore/listSecrets`)).json<{ secretsType: string; key: string }>();
    expect(secrets).toEqual({ secretsType: 'AccountKey', key: azuriteAccount.key });
    const sas = (await arm.post(`${ws.id}/datastores/workspaceblobstore/listSecrets`, { expirableSecret: true })).json<{ secretsType: string; sasToken: string }>();
    expect(sas.secretsType).toBe('Sas');
    expect(sas.sasToken).toContain('sig=');
    expect((await arm.get(`${ws.id}/datastores?isDefault=true`)).json<{ value: unknown[] }>().value).toHaveLength(1);
    // Both handed out, so a leak test searches for them: the key, the SAS token and its signature.
    expect(emulator.state.secrets()).toEqual(expect.arrayContaining([azuriteAccount.key, sas.sasToken, new URLSearchParams(sas.sasToken).get('sig')]));
  });

  it('registers data versions, tracks next version, keeps versions immutable', async () => {
    const uri = 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl';
    const first = await arm.put(`${ws.id}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: uri, tags: { sha256: 'abc' } } });
    expect(first.status).toBe(201);
    expect((await arm.put(`${ws.id}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: uri, description: 'same' } })).status).toBe(200);
    expect((await arm.put(`${ws.id}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: `${uri}x` } })).json()).toMatchObject({ error: { message: expect.stringContaining('versions are immutable') } });
    expect((await arm.get(`${ws.id}/data/chat-train`)).json()).toMatchObject({ properties: { latestVersion: '1', nextVersion: '2' } });
    expect((await arm.put(`${ws.id}/data/chat-train/versions/2`, { properties: { dataType: 'uri_blob', dataUri: uri } })).json()).toMatchObject({ error: { message: expect.stringContaining('Allowed values: uri_file, uri_folder, mltable') } });
    expect((await arm.put(`${ws.id}/data/chat-train/versions/2`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/nostore/paths/x' } })).json()).toMatchObject({ error: { message: expect.stringContaining("datastore 'nostore'") } });
    expect((await arm.put(`${ws.id}/data/chat-train/versions/2`, { properties: { dataType: 'uri_file' } })).json()).toMatchObject({ error: { message: 'properties.dataUri is required and must be a non-empty string.' } });
    expect((await arm.get(`${ws.id}/data/chat-train/versions/9`)).json()).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('registers model versions and lists them newest first', async () => {
    await arm.createModel(ws.id, 'phi3-ft', '1');
    await arm.createModel(ws.id, 'phi3-ft', '2');
    const list = (await arm.get(`${ws.id}/models/phi3-ft/versions?$orderBy=createdtime desc&$top=1`)).json<{ value: { name: string }[] }>().value;
    expect(list.map((v) => v.name)).toEqual(['2']);
    expect((await arm.get(`${ws.id}/models/phi3-ft`)).json()).toMatchObject({ properties: { latestVersion: '2', nextVersion: '3' } });
    const semver = await arm.put(`${ws.id}/models/phi3-ft/versions/1.0.0`, { properties: { modelType: 'mlflow_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/m/' } });
    expect(semver.json()).toMatchObject({ error: { message: expect.stringContaining('must be a positive integer') } });
    const longData = await arm.put(`${ws.id}/data/chat-train/versions/${'a'.repeat(31)}`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/x' } });
    expect(longData.json()).toMatchObject({ error: { message: expect.stringContaining('must be 1-30 characters') } });
  });
});

describe('managed identities and role assignments', () => {
  const identity = () => `${arm.rg()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-amlft`;
  let principalId: string;

  it('creates a user-assigned identity with principalId and clientId, stable on re-PUT', async () => {
    const created = await arm.put(identity(), { location: 'eastus2' }, { apiVersion: '2023-01-31' });
    expect(created.status).toBe(201);
    const props = created.json<{ properties: { principalId: string; clientId: string; tenantId: string } }>().properties;
    expect(props.principalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(props.clientId).toMatch(/^[0-9a-f-]{36}$/);
    principalId = props.principalId;
    const again = await arm.put(identity(), { location: 'eastus2' }, { apiVersion: '2023-01-31' });
    expect(again.status).toBe(200);
    expect(again.json<{ properties: { principalId: string } }>().properties.principalId).toBe(principalId);
    expect((await arm.get(`${arm.rg()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/none`, { apiVersion: '2023-01-31' })).status).toBe(404);
  });

  it('assigns a role at any scope, idempotently by name; the same assignment under another name is 409 RoleAssignmentExists', async () => {
    const storageScope = ws.properties.storageAccount as string;
    const path = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    const name = '5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a01';
    const body = { properties: { roleDefinitionId: roleId('2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'), principalId, principalType: 'ServicePrincipal' } };
    const created = await arm.put(path(storageScope, name), body, { apiVersion: '2022-04-01' });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name, properties: { scope: storageScope, principalId } });
    expect((await arm.put(path(storageScope, name), body, { apiVersion: '2022-04-01' })).status).toBe(201);
    const duplicate = await arm.put(path(storageScope, '5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a02'), body, { apiVersion: '2022-04-01' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json()).toMatchObject({ error: { code: 'RoleAssignmentExists', message: 'The role assignment already exists.' } });
    const rgAssignment = await arm.put(path(arm.rg(), '5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a03'), { properties: { roleDefinitionId: roleId(contributor), principalId } }, { apiVersion: '2022-04-01' });
    expect(rgAssignment.status).toBe(201);
    const listed = await arm.get(`${arm.rg()}/providers/Microsoft.Authorization/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${principalId}'`)}`, { apiVersion: '2022-04-01' });
    expect(listed.json<{ value: { name: string }[] }>().value.map((a) => a.name).sort()).toEqual(['5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a01', '5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a03']);
    expect((await arm.get(`${arm.sub}/providers/Microsoft.Authorization/roleDefinitions/${contributor}`, { apiVersion: '2022-04-01' })).json()).toMatchObject({ properties: { roleName: 'Contributor' } });
  });

  it('validates assignment ids, roles and principals', async () => {
    const put = (name: string, properties: Record<string, unknown>) => arm.put(`${arm.rg()}/providers/Microsoft.Authorization/roleAssignments/${name}`, { properties }, { apiVersion: '2022-04-01' });
    expect((await put('not-a-guid', { roleDefinitionId: roleId(contributor), principalId })).json()).toMatchObject({ error: { code: 'InvalidRoleAssignmentId' } });
    expect((await put('5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a04', { roleDefinitionId: roleId('00000000-0000-0000-0000-000000000000'), principalId })).json()).toMatchObject({ error: { code: 'RoleDefinitionDoesNotExist' } });
    expect((await put('5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a04', { roleDefinitionId: roleId(contributor), principalId: '11111111-1111-4111-8111-111111111111' })).json()).toMatchObject({ error: { code: 'PrincipalNotFound' } });
    expect((await arm.get(`${arm.rg()}/providers/Microsoft.Authorization/roleAssignments/5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8a09`, { apiVersion: '2022-04-01' })).json()).toMatchObject({ error: { code: 'RoleAssignmentNotFound' } });
  });
});

describe('a fresh subscription: unregistered providers, replication delay, a caller that cannot assign roles', () => {
  let fresh: Emulator;
  let freshArm: ArmTestClient;
  beforeAll(async () => {
    fresh = await startTestEmulator({
      unregisteredProviders: ['Microsoft.MachineLearningServices', 'Microsoft.Network'],
      timing: { principalReplicationMs: 400 },
      cannotAssignRoles: ['aaaaaaaa-0000-4000-8000-000000000005'],
    });
    freshArm = new ArmTestClient(fresh);
  });
  afterAll(() => fresh?.stop());

  it('refuses a workspace until Microsoft.MachineLearningServices is registered (Registering, then Registered)', async () => {
    await freshArm.createResourceGroup();
    expect((await freshArm.put(freshArm.ws(), freshArm.workspaceBody())).json()).toMatchObject({ error: { code: 'MissingSubscriptionRegistration' } });
    const provider = `${freshArm.sub}/providers/Microsoft.MachineLearningServices`;
    expect((await freshArm.get(provider, { apiVersion: '2021-04-01' })).json()).toMatchObject({ registrationState: 'NotRegistered' });
    expect((await freshArm.post(`${provider}/register`, undefined, { apiVersion: '2021-04-01' })).json()).toMatchObject({ registrationState: 'Registering' });
    await waitFor(async () => (await freshArm.get(provider, { apiVersion: '2021-04-01' })).json<{ registrationState: string }>().registrationState, (s) => s === 'Registered');
    expect((await freshArm.put(freshArm.ws(), freshArm.workspaceBody())).status).toBeLessThan(300);
  });

  it('answers PrincipalNotFound for a just-created identity unless principalType is set, then accepts it', async () => {
    const created = await freshArm.put(`${freshArm.rg()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-new`, { location: 'eastus2' }, { apiVersion: '2023-01-31' });
    const principal = created.json<{ properties: { principalId: string } }>().properties.principalId;
    const path = (n: string) => `${freshArm.rg()}/providers/Microsoft.Authorization/roleAssignments/5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8b0${n}`;
    expect((await freshArm.put(path('1'), { properties: { roleDefinitionId: roleId(contributor), principalId: principal } }, { apiVersion: '2022-04-01' })).json()).toMatchObject({
      error: { code: 'PrincipalNotFound', message: expect.stringContaining('replication delay') },
    });
    expect((await freshArm.put(path('2'), { properties: { roleDefinitionId: roleId(contributor), principalId: principal, principalType: 'ServicePrincipal' } }, { apiVersion: '2022-04-01' })).status).toBe(201);
    await sleep(400);
    expect((await freshArm.put(path('3'), { properties: { roleDefinitionId: roleId('acdd72a7-3385-48ef-bd42-f606fba81ae7'), principalId: principal } }, { apiVersion: '2022-04-01' })).status).toBe(201);
  });

  it('answers 403 AuthorizationFailed to a principal that cannot assign roles', async () => {
    const mi = await loopbackRequest(`${fresh.env.IDENTITY_ENDPOINT}?resource=${encodeURIComponent(fresh.url)}&api-version=2019-08-01`, { headers: { 'X-IDENTITY-HEADER': fresh.env.IDENTITY_HEADER! } });
    const token = mi.json<{ access_token: string }>().access_token;
    const res = await freshArm.put(
      `${freshArm.rg()}/providers/Microsoft.Authorization/roleAssignments/5f0c1f64-9c51-4f5e-9f6e-6a0e3e0d8b09`,
      { properties: { roleDefinitionId: roleId(contributor), principalId: 'aaaaaaaa-0000-4000-8000-000000000004' } },
      { apiVersion: '2022-04-01', token },
    );
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'AuthorizationFailed', message: expect.stringContaining("'Microsoft.Authorization/roleAssignments/write'") } });
  });
});

describe('connections', () => {
  it('stores a CustomKeys connection and never echoes the secret except through listsecrets', async () => {
    const secret = 'sk-emulated-secret-value-123';
    const path = `${ws.id}/connections/phi3-chat`;
    const body = { properties: { category: 'CustomKeys', authType: 'CustomKeys', credentials: { keys: { key: secret } }, metadata: { endpoint: 'https://127.0.0.1/score' } } };
    const created = await arm.put(path, body);
    expect(created.status).toBe(201);
    expect(created.text).not.toContain(secret);
    const got = await arm.get(path);
    expect(got.text).not.toContain(secret);
    expect(got.json()).toMatchObject({ properties: { category: 'CustomKeys', metadata: { endpoint: 'https://127.0.0.1/score' } } });
    expect((await arm.post(`${path}/listsecrets`)).json()).toMatchObject({ properties: { credentials: { keys: { key: secret } } } });
    expect(emulator.state.secrets()).toContain(secret);
    expect((await arm.put(path, { properties: { category: 'CustomKeys', authType: 'CustomKeys' } })).json()).toMatchObject({ error: { message: expect.stringContaining('credentials.keys is required') } });
    expect((await arm.put(path, body, { apiVersion: '2022-10-01' })).json()).toMatchObject({ error: { message: expect.stringContaining('CustomKeys connections need api-version') } });
  });
});

describe('dependent resources', () => {
  it('stores storage accounts, key vaults and registries a client creates before the workspace', async () => {
    const path = `${arm.rg()}/providers/Microsoft.Storage/storageAccounts/stamlft2`;
    expect((await arm.put(path, { location: 'eastus2', sku: { name: 'Standard_LRS' }, kind: 'StorageV2' }, { apiVersion: '2023-01-01' })).status).toBe(201);
    expect((await arm.get(path, { apiVersion: '2023-01-01' })).json()).toMatchObject({ sku: { name: 'Standard_LRS' }, properties: { provisioningState: 'Succeeded' } });
    expect((await arm.put(`${arm.rg()}/providers/Microsoft.Web/sites/app`, { location: 'eastus2' }, { apiVersion: '2023-01-01' })).json()).toMatchObject({ error: { code: 'NoRegisteredProviderFound' } });
  });
});
