// Online endpoints, deployments, traffic rules, scoring and serverless chat completions.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackRequest, type Emulator, type LoopbackResponse } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator, waitFor } from './helpers.js';

let emulator: Emulator;
let arm: ArmTestClient;
let ws: Record<string, any>;
let model1: string;
let model2: string;
let endpoint: string;
beforeAll(async () => {
  emulator = await startTestEmulator();
  arm = new ArmTestClient(emulator);
  ws = await arm.createWorkspace();
  model1 = await arm.createModel(ws.id, 'phi3-ft', '1');
  model2 = await arm.createModel(ws.id, 'phi3-ft', '2');
  endpoint = `${ws.id}/onlineEndpoints/chat-ep`;
});
afterAll(() => emulator?.stop());

const chat = (content: string, parameters: Record<string, unknown> = { temperature: 0.7, max_new_tokens: 128 }) => ({
  input_data: { input_string: [{ role: 'user', content }], parameters },
});

async function score(body: unknown, headers: Record<string, string> = {}): Promise<LoopbackResponse> {
  const ep = (await arm.get(endpoint)).json<{ properties: { scoringUri: string } }>();
  return loopbackRequest(ep.properties.scoringUri, { method: 'POST', ca: emulator.ca, body, headers });
}

describe('online endpoint', () => {
  it('creates with 201 + Azure-AsyncOperation; scoringUri stays null until Succeeded', async () => {
    const res = await arm.put(endpoint, { location: 'eastus2', properties: { authMode: 'Key' } });
    expect(res.status).toBe(201);
    expect(res.header('azure-asyncoperation')).toMatch(new RegExp(`^${emulator.url}/subscriptions/.+/locations/eastus2/mfeOperationsStatus/.+\\?api-version=`));
    expect(res.header('x-ms-async-operation-timeout')).toBe('PT30M');
    expect(res.json()).toMatchObject({ properties: { provisioningState: 'Creating', scoringUri: null, traffic: {} } });
    expect((await arm.get(res.header('azure-asyncoperation')!)).json()).toMatchObject({ status: 'Updating' });
    expect((await arm.get(endpoint)).json()).toMatchObject({ properties: { scoringUri: null } });
    expect(await arm.waitAsync(res)).toMatchObject({ status: 'Succeeded', endTime: expect.any(String) });
    expect((await arm.get(endpoint)).json()).toMatchObject({
      properties: { provisioningState: 'Succeeded', scoringUri: `${emulator.url}/inference/eastus2/chat-ep/score` },
      identity: { type: 'SystemAssigned' },
    });
    expect((await arm.get(`${ws.id}/onlineEndpoints`)).json<{ value: unknown[] }>().value).toHaveLength(1);
  });

  it('validates names (3-32, letter first, letters/digits/hyphens), authMode, and per-region uniqueness', async () => {
    for (const name of ['ab', '1abc', 'abc-', 'a'.repeat(33), 'has_underscore']) {
      const res = await arm.put(`${ws.id}/onlineEndpoints/${name}`, { location: 'eastus2', properties: { authMode: 'Key' } });
      expect(res.json(), name).toMatchObject({ error: { code: 'UserError', message: expect.stringContaining('must be 3-32 characters') } });
    }
    expect((await arm.put(`${ws.id}/onlineEndpoints/ep-two`, { location: 'eastus2', properties: {} })).json()).toMatchObject({ error: { message: expect.stringContaining('Allowed values: Key, AMLToken, AADToken') } });
    const other = await arm.createWorkspace('otherws', 'rg2');
    expect((await arm.put(`${other.id}/onlineEndpoints/chat-ep`, { location: 'eastus2', properties: { authMode: 'Key' } })).status).toBe(409);
  });

  it('lists and regenerates keys', async () => {
    const keys = await arm.listKeys(endpoint);
    expect(keys.primaryKey).not.toBe(keys.secondaryKey);
    const res = await arm.post(`${endpoint}/regenerateKeys`, { keyType: 'Secondary' });
    expect(res.status).toBe(202);
    const after = await arm.listKeys(endpoint);
    expect(after.primaryKey).toBe(keys.primaryKey);
    expect(after.secondaryKey).not.toBe(keys.secondaryKey);
    expect(emulator.state.secrets()).toEqual(expect.arrayContaining([after.primaryKey, after.secondaryKey]));
  });
});

describe('deployments', () => {
  it('refuses a deployment of a missing endpoint with ParentResourceNotFound', async () => {
    const res = await arm.put(`${ws.id}/onlineEndpoints/no-such-ep/deployments/blue`, arm.deploymentBody(model1));
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'ParentResourceNotFound' } });
  });

  it('validates the model reference, instance type, capacity and quota', async () => {
    const put = async (body: Record<string, unknown>) => (await arm.put(`${endpoint}/deployments/bad`, body)).json<{ error: { message: string; details: { code: string }[] } }>().error;
    expect((await put(arm.deploymentBody('azureml:phi3-ft:1'))).message).toContain("must be a model version's ARM id");
    expect((await put(arm.deploymentBody(`${ws.id}/models/phi3-ft/versions/9`))).message).toContain('no such model version');
    expect((await put(arm.deploymentBody(model1, { instanceType: 'Standard_Nope' }))).message).toContain("'Standard_Nope' is not available in region 'eastus2'");
    expect((await put({ ...arm.deploymentBody(model1), sku: { name: 'Default', capacity: 0 } })).message).toContain('sku.capacity must be a whole number from 1');
    const quota = await put({ ...arm.deploymentBody(model1), sku: { name: 'Default', capacity: 9 } });
    expect(quota.message).toMatch(/^Not enough quota available for Standard_NC6s_v3 .* Current usage\/limit: 0\/48\. Additional needed: 54/);
    expect(quota.details[0]!.code).toBe('OutOfQuota');
    expect((await put(arm.deploymentBody(model1, { instanceType: 'Standard_NC40ads_H100_v5' }))).details[0]!.code).toBe('OutOfQuota');
  });

  it('creates a deployment through its LRO and explains itself in getLogs', async () => {
    const res = await arm.put(`${endpoint}/deployments/blue`, arm.deploymentBody(model1, { livenessProbe: { initialDelay: 'PT500S', failureThreshold: 30 }, requestSettings: { requestTimeout: 'PT180S' } }));
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ sku: { capacity: 1 }, properties: { provisioningState: 'Creating', livenessProbe: { initialDelay: 'PT500S' } } });
    expect(await arm.waitAsync(res)).toMatchObject({ status: 'Succeeded' });
    const logs = (await arm.post(`${endpoint}/deployments/blue/getLogs`, { containerType: 'InferenceServer', tail: 2 })).json<{ content: string }>().content;
    expect(logs.split('\n')).toHaveLength(2);
    expect(logs).toContain('Readiness probe: OK');
    const storage = (await arm.post(`${endpoint}/deployments/blue/getLogs`, { containerType: 'StorageInitializer' })).json<{ content: string }>().content;
    expect(storage).toContain('Downloading model phi3-ft:1');
    expect((await arm.post(`${endpoint}/deployments/blue/getLogs`, { containerType: 'Sidecar' })).status).toBe(400);
  });
});

describe('traffic', () => {
  it('must add up to 100 (or 0) and name only Succeeded deployments', async () => {
    expect((await arm.setTraffic(endpoint, { blue: 50 })).json()).toMatchObject({ error: { message: expect.stringContaining('must add up to 100 (or 0); it adds up to 50') } });
    expect((await arm.setTraffic(endpoint, { nope: 100 })).json()).toMatchObject({ error: { message: expect.stringContaining("deployment 'nope', which does not exist") } });
    const green = await arm.put(`${endpoint}/deployments/green`, arm.deploymentBody(model2));
    expect((await arm.setTraffic(endpoint, { blue: 90, green: 10 })).json()).toMatchObject({ error: { message: expect.stringContaining('whose provisioningState is Creating') } });
    expect((await arm.setTraffic(endpoint, { blue: 100 })).status).toBe(200);
    await arm.waitAsync(green);
    expect((await arm.setTraffic(endpoint, { blue: 90, green: 10 })).status).toBe(200);
    expect((await arm.get(endpoint)).json()).toMatchObject({ properties: { traffic: { blue: 90, green: 10 } } });
  });

  it('limits mirror traffic to 50% and to deployments without live traffic', async () => {
    expect((await arm.setTraffic(endpoint, { blue: 100 }, { green: 60 })).json()).toMatchObject({ error: { message: expect.stringContaining('from 0 to 50') } });
    expect((await arm.setTraffic(endpoint, { blue: 90, green: 10 }, { green: 20 })).json()).toMatchObject({ error: { message: expect.stringContaining('both live traffic and mirror traffic') } });
  });

  it('ignores traffic in a PATCH (202 + Location), as Azure does: only tags and identity change', async () => {
    const res = await arm.patch(endpoint, { tags: { stage: 'prod' }, properties: { traffic: { green: 100 } } });
    expect(res.status).toBe(202);
    const done = await arm.waitLocation(res);
    expect(done.status).toBe(200);
    expect(done.json()).toMatchObject({ tags: { stage: 'prod' }, properties: { traffic: { blue: 90, green: 10 } } });
  });
});

describe('scoring', () => {
  it('needs a key: none or a wrong one is 401, the primary and secondary keys work', async () => {
    const keys = await arm.listKeys(endpoint);
    expect((await score(chat('hi'))).status).toBe(401);
    expect((await score(chat('hi'), { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await score(chat('hi'), { Authorization: `Bearer ${keys.primaryKey}` })).status).toBe(200);
    expect((await score(chat('hi'), { Authorization: `Bearer ${keys.secondaryKey}` })).status).toBe(200);
  });

  it('answers the chat format deterministically, naming the deployment and model; targets a deployment by header', async () => {
    const auth = { Authorization: `Bearer ${(await arm.listKeys(endpoint)).primaryKey}` };
    const green = await score(chat('Who founded Microsoft?'), { ...auth, 'azureml-model-deployment': 'green' });
    expect(green.json()).toEqual({ output: 'Microsoft was founded by Bill Gates and Paul Allen. [deployment green, model phi3-ft:2]' });
    expect(green.header('azureml-model-deployment')).toBe('green');
    const echo = await score(chat('Tell me a joke'), { ...auth, 'azureml-model-deployment': 'blue' });
    expect(echo.json()).toEqual({ output: 'You said: "Tell me a joke". [deployment blue, model phi3-ft:1]' });
    const short = await score(chat('Who founded Microsoft?', { max_new_tokens: 3 }), { ...auth, 'azureml-model-deployment': 'blue' });
    expect(short.json()).toEqual({ output: 'Microsoft was founded' });
    const text = await score({ input_data: { input_string: ['Who founded Microsoft?'], parameters: {} } }, { ...auth, 'azureml-model-deployment': 'blue' });
    expect(text.json()).toEqual([{ '0': 'Microsoft was founded by Bill Gates and Paul Allen. [deployment blue, model phi3-ft:1]' }]);
    expect((await score(chat('x'), { ...auth, 'azureml-model-deployment': 'purple' })).status).toBe(404);
    const malformed = await score({ data: [1, 2] }, auth);
    expect(malformed.status).toBe(424);
    expect(malformed.header('ms-azureml-model-error-statuscode')).toBe('400');
  });

  it('routes by traffic weight deterministically: 90/10 gives exactly 18 and 2 in 20 requests', async () => {
    const auth = { Authorization: `Bearer ${(await arm.listKeys(endpoint)).primaryKey}` };
    const before = { ...emulator.state.scoring.served };
    const served: string[] = [];
    for (let i = 0; i < 20; i++) served.push((await score(chat('hello'), auth)).header('azureml-model-deployment')!);
    expect(served.filter((d) => d === 'blue')).toHaveLength(18);
    expect(served.filter((d) => d === 'green')).toHaveLength(2);
    expect((emulator.state.scoring.served['chat-ep/green'] ?? 0) - (before['chat-ep/green'] ?? 0)).toBe(2);
  });

  it('copies mirror traffic to its deployment and answers 404 when no deployment has traffic', async () => {
    const auth = { Authorization: `Bearer ${(await arm.listKeys(endpoint)).primaryKey}` };
    expect((await arm.setTraffic(endpoint, { blue: 100, green: 0 }, { green: 20 })).status).toBe(200);
    const mirroredBefore = emulator.state.scoring.mirrored['chat-ep/green'] ?? 0;
    for (let i = 0; i < 10; i++) expect((await score(chat('hello'), auth)).header('azureml-model-deployment')).toBe('blue');
    expect(emulator.state.scoring.mirrored['chat-ep/green']! - mirroredBefore).toBe(2);
    expect((await arm.setTraffic(endpoint, { blue: 0, green: 0 }, {})).status).toBe(200);
    const none = await score(chat('hello'), auth);
    expect(none.status).toBe(404);
    expect(none.json<{ message: string }>().message).toMatch(/^No valid deployments to route to/);
    expect((await score(chat('hello'), { ...auth, 'azureml-model-deployment': 'green' })).status).toBe(200);
  });
});

describe('deleting', () => {
  it('refuses to delete a deployment that has traffic, deletes one without (202 + Location)', async () => {
    expect((await arm.setTraffic(endpoint, { blue: 100 }, { green: 10 })).status).toBe(200);
    const refused = await arm.delete(`${endpoint}/deployments/green`);
    expect(refused.status).toBe(400);
    expect(refused.json()).toMatchObject({ error: { message: expect.stringContaining('while it receives traffic (live 0%, mirror 10%)') } });
    expect((await arm.setTraffic(endpoint, { blue: 100 }, {})).status).toBe(200);
    const res = await arm.delete(`${endpoint}/deployments/green`);
    expect(res.status).toBe(202);
    expect(res.header('location')).toContain('/mfeOperationResults/');
    expect((await arm.waitLocation(res)).status).toBe(204);
    expect((await arm.get(`${endpoint}/deployments/green`)).json()).toMatchObject({ error: { code: 'ResourceNotFound' } });
    expect((await arm.get(`${endpoint}/deployments`)).json<{ value: { name: string }[] }>().value.map((d) => d.name)).toEqual(['blue']);
  });

  it('deletes an endpoint with its deployments', async () => {
    const doomed = await arm.createEndpoint(ws.id, 'doomed-ep');
    await arm.createDeployment(doomed, 'blue', model1);
    const res = await arm.delete(doomed);
    expect(res.status).toBe(202);
    expect((await arm.get(doomed)).json()).toMatchObject({ properties: { provisioningState: 'Deleting' } });
    await arm.waitLocation(res);
    expect((await arm.get(doomed)).status).toBe(404);
    expect(emulator.state.resource(`${doomed}/deployments/blue`)).toBeUndefined();
  });
});

describe('serverless endpoints', () => {
  const serverless = () => `${ws.id}/serverlessEndpoints/phi3-mini`;

  it('creates an endpoint for a catalog model (LRO) and refuses unknown models', async () => {
    const res = await arm.put(serverless(), { location: 'eastus2', sku: { name: 'Consumption' }, properties: { modelSettings: { modelId: 'azureml://registries/azureml/models/Phi-3-mini-4k-instruct' }, authMode: 'Key' } });
    expect(res.status).toBe(201);
    expect(res.json()).toMatchObject({ properties: { provisioningState: 'Creating', inferenceEndpoint: null } });
    expect(await arm.waitAsync(res)).toMatchObject({ status: 'Succeeded' });
    expect((await arm.get(serverless())).json()).toMatchObject({ properties: { inferenceEndpoint: { uri: `${emulator.url}/serverless/eastus2/phi3-mini` } } });
    const unknown = await arm.put(`${ws.id}/serverlessEndpoints/nope`, { location: 'eastus2', sku: { name: 'Consumption' }, properties: { modelSettings: { modelId: 'azureml://registries/azureml/models/GPT-9' }, authMode: 'Key' } });
    expect(unknown.json()).toMatchObject({ error: { message: expect.stringContaining("model 'GPT-9' is not offered") } });
    const missing = await arm.put(`${ws.id}/serverlessEndpoints/nope`, { location: 'eastus2', sku: { name: 'Consumption' }, properties: { modelSettings: { modelId: `${ws.id}/models/phi3-ft/versions/7` }, authMode: 'Key' } });
    expect(missing.json()).toMatchObject({ error: { message: expect.stringContaining('no such model version') } });
    expect((await arm.put(serverless(), {}, { apiVersion: '2023-04-01' })).status).toBe(400);
  });

  it('answers OpenAI-compatible chat completions with its key', async () => {
    const uri = (await arm.get(serverless())).json<{ properties: { inferenceEndpoint: { uri: string } } }>().properties.inferenceEndpoint.uri;
    const keys = (await arm.post(`${serverless()}/listKeys`)).json<{ primaryKey: string }>();
    const body = { messages: [{ role: 'system', content: 'You are helpful.' }, { role: 'user', content: 'Who founded Microsoft?' }], max_tokens: 64 };
    expect((await loopbackRequest(`${uri}/v1/chat/completions`, { method: 'POST', ca: emulator.ca, body })).status).toBe(401);
    const res = await loopbackRequest(`${uri}/v1/chat/completions`, { method: 'POST', ca: emulator.ca, body, headers: { Authorization: `Bearer ${keys.primaryKey}` } });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      object: 'chat.completion',
      model: 'Phi-3-mini-4k-instruct',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Microsoft was founded by Bill Gates and Paul Allen. [serverless phi3-mini, model Phi-3-mini-4k-instruct]' }, finish_reason: 'stop' }],
      usage: { total_tokens: expect.any(Number) },
    });
    const viaApiKey = await loopbackRequest(`${uri}/v1/chat/completions`, { method: 'POST', ca: emulator.ca, body: { messages: [] }, headers: { 'api-key': keys.primaryKey } });
    expect(viaApiKey.status).toBe(400);
    expect(viaApiKey.json()).toMatchObject({ error: { param: 'messages', type: 'invalid_request_error' } });
  });
});

describe('a deployment that fails', () => {
  it('ends Failed with logs that say why, and cannot receive traffic', async () => {
    emulator.addFault({ preset: 'deployment-fails' });
    let res: LoopbackResponse;
    try {
      res = await arm.put(`${endpoint}/deployments/oom`, arm.deploymentBody(model2));
    } finally {
      emulator.clearFaults();
    }
    const final = await arm.waitAsync(res);
    expect(final).toMatchObject({ status: 'Failed', error: { code: 'ResourceNotReady' } });
    expect((await arm.get(`${endpoint}/deployments/oom`)).json()).toMatchObject({ properties: { provisioningState: 'Failed' } });
    const logs = (await arm.post(`${endpoint}/deployments/oom/getLogs`, { containerType: 'InferenceServer', tail: 50 })).json<{ content: string }>().content;
    expect(logs).toContain('CUDA out of memory');
    expect((await arm.setTraffic(endpoint, { blue: 50, oom: 50 })).json()).toMatchObject({ error: { message: expect.stringContaining('whose provisioningState is Failed') } });
    await waitFor(async () => (await arm.get(endpoint)).json<{ properties: { traffic: Record<string, number> } }>().properties.traffic, (t) => t.blue === 100);
  });
});
