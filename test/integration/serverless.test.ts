// target: serverless against the emulator: a serverless endpoint for the fine-tuned model, its inference URI as scoring-uri, the connection with the serverless key; a re-run changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { loopbackRequest } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { everythingSaid, runDeployOn } from '../helpers/deployRun.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe('deploy with target: serverless', () => {
  it('creates the serverless endpoint, waits for it, outputs the inference URI, and writes the connection with its key', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-maas')).id as string;
    const modelId = await arm.createModel(ws, 'phi3-chat-ft', '1');

    const run = await runDeployOn(em, 'rg-maas', { target: 'serverless', endpoint: 'phi3-chat-maas', model: 'azureml:phi3-chat-ft:1', 'connection-name': 'phi3-maas' });
    expect(run.error).toBeUndefined();
    const endpoint = em.state.resource(`${ws}/serverlessEndpoints/phi3-chat-maas`) as { properties: { provisioningState: string; modelSettings: { modelId: string }; authMode: string; inferenceEndpoint: { uri: string } } };
    expect(endpoint.properties).toMatchObject({ provisioningState: 'Succeeded', authMode: 'Key', modelSettings: { modelId } });
    const uri = run.reporter.outputs['scoring-uri']!;
    expect(uri).toBe(endpoint.properties.inferenceEndpoint.uri);
    expect(run.reporter.outputs).toMatchObject({ endpoint: 'phi3-chat-maas', 'connection-name': 'phi3-maas' });
    expect(run.reporter.outputs.traffic).toBeUndefined();
    expect(run.reporter.summaries.join('\n')).toContain('serverless');
    // The operation was followed to its end (Azure-AsyncOperation), not assumed.
    expect(em.requests.some((r) => r.method === 'GET' && /operationsStatus|operationResults|asyncOperations/i.test(r.path))).toBe(true);

    const key = (await arm.post(`${ws}/serverlessEndpoints/phi3-chat-maas/listKeys`)).json<{ primaryKey: string }>().primaryKey;
    const secrets = (await arm.post(`${ws}/connections/phi3-maas/listsecrets`)).json<{ properties: { metadata: Record<string, string>; credentials: { keys: Record<string, string> } } }>();
    expect(secrets.properties.metadata.endpoint).toBe(uri);
    expect(secrets.properties.credentials.keys).toEqual({ key });
    expect(run.reporter.secrets).toContain(key);
    expect(everythingSaid(run).includes(key)).toBe(false);

    // The key and URI really chat (OpenAI-compatible route of a serverless endpoint).
    const chat = await loopbackRequest(`${uri}/v1/chat/completions`, { method: 'POST', ca: em.ca, headers: { Authorization: `Bearer ${key}` }, body: { messages: [{ role: 'user', content: 'Who founded Microsoft?' }] } });
    expect(chat.status).toBe(200);

    const from = em.requests.length;
    const again = await runDeployOn(em, 'rg-maas', { target: 'serverless', endpoint: 'phi3-chat-maas', model: 'azureml:phi3-chat-ft:1' });
    expect(again.error).toBeUndefined();
    expect(again.reporter.logs.join('\n')).toContain('nothing to change');
    expect(em.requests.slice(from).filter((r) => r.method === 'PUT')).toEqual([]);
  }, 60_000);

  it('refuses another model on an existing serverless endpoint, naming both', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-maas2')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    await arm.createModel(ws, 'phi3-chat-ft', '2');
    expect((await runDeployOn(em, 'rg-maas2', { target: 'serverless', endpoint: 'phi3-chat-maas', model: 'azureml:phi3-chat-ft:1' })).error).toBeUndefined();
    const second = await runDeployOn(em, 'rg-maas2', { target: 'serverless', endpoint: 'phi3-chat-maas', model: 'azureml:phi3-chat-ft:2' });
    expect(String((second.error as Error).message)).toMatch(/serves .*versions\/1.*cannot change the model/);
  }, 60_000);

  it('a model version that does not exist fails the step with the Azure error and creates nothing', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-maas3')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    const run = await runDeployOn(em, 'rg-maas3', { target: 'serverless', endpoint: 'phi3-chat-maas', model: 'azureml:phi3-chat-ft:9' });
    expect(String((run.error as Error).message)).toContain('was not found');
    expect(em.state.resource(`${ws}/serverlessEndpoints/phi3-chat-maas`)).toBeUndefined();
  }, 60_000);
});
