// delete-old / keep-previous against the emulator: after a verified promotion the idle deployments go, oldest first, keeping keep-previous of them; never the promoted one, never one with traffic.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runDeployOn } from '../helpers/deployRun.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

const deploymentsOf = (em: Emulator, ws: string) =>
  em.state
    .resources('Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments')
    .filter((d) => String(d.id).startsWith(`${ws}/onlineEndpoints/chat-ep/`))
    .map((d) => String(d.name))
    .sort();

describe('promote with delete-old', () => {
  it('deletes the idle deployments after the verified promotion, keeping keep-previous of them (the one that served before first) and any with mirror traffic', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-clean')).id as string;
    for (const v of ['1', '2', '3', '4']) await arm.createModel(ws, 'phi3-chat-ft', v);
    const run = (inputs: Record<string, string>) => runDeployOn(em, 'rg-clean', { endpoint: 'chat-ep', ...inputs });
    for (const v of ['1', '2', '3']) {
      const deployed = await run({ model: `azureml:phi3-chat-ft:${v}` });
      expect(deployed.error).toBeUndefined();
    }
    expect((await run({ action: 'promote', deployment: 'phi3-chat-ft-v1' })).error).toBeUndefined();
    // v4 shadows 10 % of the traffic: idle for live traffic, but not idle.
    expect((await run({ model: 'azureml:phi3-chat-ft:4', 'mirror-percent': '10' })).error).toBeUndefined();
    expect(deploymentsOf(em, ws)).toEqual(['phi3-chat-ft-v1', 'phi3-chat-ft-v2', 'phi3-chat-ft-v3', 'phi3-chat-ft-v4']);

    const promoted = await run({ action: 'promote', deployment: 'phi3-chat-ft-v3', 'delete-old': 'true', 'keep-previous': '1' });
    expect(promoted.error).toBeUndefined();
    const endpoint = em.state.resource(`${ws}/onlineEndpoints/chat-ep`) as { properties: { traffic: Record<string, number>; mirrorTraffic: Record<string, number> } };
    expect(Object.entries(endpoint.properties.traffic).filter(([, p]) => p > 0)).toEqual([['phi3-chat-ft-v3', 100]]);
    // Idle after the promotion: v1 (served before: the rollback target, kept) and v2 (never served, deleted).
    expect(deploymentsOf(em, ws)).toEqual(['phi3-chat-ft-v1', 'phi3-chat-ft-v3', 'phi3-chat-ft-v4']);
    expect(JSON.parse(promoted.reporter.outputs['deleted-deployments']!)).toEqual(['phi3-chat-ft-v2']);
    expect(promoted.reporter.summaries.join('\n')).toContain('Deleted (delete-old)');

    const again = await run({ action: 'promote', deployment: 'phi3-chat-ft-v3', 'delete-old': 'true', 'keep-previous': '0' });
    expect(again.error).toBeUndefined();
    expect(deploymentsOf(em, ws)).toEqual(['phi3-chat-ft-v3', 'phi3-chat-ft-v4']);
    expect(JSON.parse(again.reporter.outputs['deleted-deployments']!)).toEqual(['phi3-chat-ft-v1']);
  }, 90_000);

  it('deletes nothing when the promotion fails', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-clean2')).id as string;
    for (const v of ['1', '2']) await arm.createModel(ws, 'phi3-chat-ft', v);
    const run = (inputs: Record<string, string>) => runDeployOn(em, 'rg-clean2', { endpoint: 'chat-ep', ...inputs });
    await run({ model: 'azureml:phi3-chat-ft:1' });
    await run({ model: 'azureml:phi3-chat-ft:2' });
    expect((await run({ action: 'promote', deployment: 'phi3-chat-ft-v1' })).error).toBeUndefined();
    const failed = await run({ action: 'promote', deployment: 'gone-meanwhile', 'delete-old': 'true', 'keep-previous': '0' });
    expect(String((failed.error as Error).message)).toContain('does not exist');
    expect(deploymentsOf(em, ws)).toEqual(['phi3-chat-ft-v1', 'phi3-chat-ft-v2']);
  }, 60_000);
});
