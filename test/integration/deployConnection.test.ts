// connection-name against the emulator: the CustomKeys connection holds the scoring URI and the endpoint key, is updated in place on a re-run, and the key is masked and never said.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { everythingSaid, runDeployOn } from '../helpers/deployRun.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe('deploy with connection-name', () => {
  it('creates the CustomKeys connection on deploy, updates it in place on promote, and never says the key', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-conn')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    const connectionId = `${ws}/connections/phi3-chat`;

    const deployed = await runDeployOn(em, 'rg-conn', { endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:1', 'connection-name': 'phi3-chat' });
    expect(deployed.error).toBeUndefined();
    const key = (await arm.listKeys(`${ws}/onlineEndpoints/chat-ep`)).primaryKey;
    const scoringUri = deployed.reporter.outputs['scoring-uri']!;
    expect(scoringUri).toMatch(/^https:\/\/.*\/score$/);
    expect(deployed.reporter.outputs['connection-name']).toBe('phi3-chat');
    expect(deployed.reporter.secrets).toContain(key);
    expect(deployed.reporter.summaries.join('\n')).toContain('phi3-chat');
    expect(deployed.reporter.summaries.join('\n')).toContain('created');

    const body = em.state.resource(connectionId) as { properties: Record<string, unknown> };
    expect(body.properties).toMatchObject({ category: 'CustomKeys', authType: 'CustomKeys', metadata: { endpoint: scoringUri } });
    const secrets = (await arm.post(`${connectionId}/listsecrets`)).json<{ properties: { credentials: { keys: Record<string, string> } } }>();
    expect(secrets.properties.credentials.keys).toEqual({ key });

    const from = em.requests.length;
    const promoted = await runDeployOn(em, 'rg-conn', { endpoint: 'chat-ep', action: 'promote', deployment: 'phi3-chat-ft-v1', 'connection-name': 'phi3-chat' });
    expect(promoted.error).toBeUndefined();
    const connectionPuts = em.requests.slice(from).filter((r) => r.method === 'PUT' && /\/connections\/phi3-chat$/i.test(r.path));
    expect(connectionPuts.map((r) => r.status)).toEqual([200]);
    expect(em.state.resources('Microsoft.MachineLearningServices/workspaces/connections')).toHaveLength(1);
    expect(promoted.reporter.summaries.join('\n')).toContain('updated');

    for (const run of [deployed, promoted]) expect(everythingSaid(run).includes(key)).toBe(false);
  }, 60_000);

  it('refuses to replace a connection of another category and leaves that one as it was', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-conn2')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    const other = await arm.put(`${ws}/connections/shared-openai`, { properties: { category: 'ApiKey', authType: 'ApiKey', credentials: { key: 'someone-elses-key' }, target: 'https://example.test' } });
    expect(other.status).toBeLessThan(300);
    const run = await runDeployOn(em, 'rg-conn2', { endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:1', 'connection-name': 'shared-openai' });
    expect(String((run.error as Error).message)).toContain('category ApiKey');
    expect((em.state.resource(`${ws}/connections/shared-openai`) as { properties: { category: string } }).properties.category).toBe('ApiKey');
  }, 60_000);
});
