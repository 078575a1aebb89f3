// The bundled deploy action run as processes against the emulator: deploy (0 %) -> promote -> deploy v2 (0 %) -> promote in steps -> rollback, traffic checked at every step.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle } from '../helpers/runBundle.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe('actions/deploy bundle', () => {
  it('runs the release sequence with the traffic map read from the emulator after every step, and outputs no key', async () => {
    const em = await startTestEmulator({ timing: { deploymentMs: 300 } });
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-dep')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    await arm.createModel(ws, 'phi3-chat-ft', '2');
    const traffic = () => {
      const body = em.state.resource(`${ws}/onlineEndpoints/chat-ep`) as { properties: { traffic: Record<string, number> } } | undefined;
      return Object.fromEntries(Object.entries(body?.properties.traffic ?? {}).filter(([, p]) => p > 0));
    };
    const run = (inputs: Record<string, string>) =>
      runBundle('deploy', {
        cwd: mkdtempSync(join(tmpdir(), 'amlft-deploy-')),
        env: { ...em.env },
        inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-dep', workspace: 'mlws', auth: 'secret', cloud: em.url, endpoint: 'chat-ep', 'step-wait-seconds': '0', ...inputs },
        timeoutMs: 60_000,
      });
    const runs = [];

    const v1 = await run({ model: 'azureml:phi3-chat-ft:1' });
    runs.push(v1);
    expect(v1.exitCode, v1.stdout + v1.stderr).toBe(0);
    expect(v1.outputs).toMatchObject({ endpoint: 'chat-ep', deployment: 'phi3-chat-ft-v1', 'previous-traffic': '{}', traffic: '{}' });
    expect(v1.outputs['scoring-uri']).toMatch(/^https:\/\/.*chat-ep.*\/score$/);
    expect(v1.outputs['studio-url']).toContain('endpoints/realtime/chat-ep');
    expect(traffic()).toEqual({});

    const p1 = await run({ action: 'promote', deployment: 'phi3-chat-ft-v1' });
    runs.push(p1);
    expect(p1.exitCode, p1.stdout + p1.stderr).toBe(0);
    expect(JSON.parse(p1.outputs.traffic!)).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });

    const v2 = await run({ model: 'azureml:phi3-chat-ft:2' });
    runs.push(v2);
    expect(v2.exitCode, v2.stdout + v2.stderr).toBe(0);
    expect(v2.outputs.deployment).toBe('phi3-chat-ft-v2');
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });

    const p2 = await run({ action: 'promote', deployment: 'phi3-chat-ft-v2', 'traffic-steps': '10,50,100' });
    runs.push(p2);
    expect(p2.exitCode, p2.stdout + p2.stderr).toBe(0);
    expect(p2.stdout).toContain('Step 1/3: phi3-chat-ft-v1 90%, phi3-chat-ft-v2 10%');
    expect(p2.stdout).toContain('Step 2/3: phi3-chat-ft-v1 50%, phi3-chat-ft-v2 50%');
    expect(JSON.parse(p2.outputs['previous-traffic']!)).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(traffic()).toEqual({ 'phi3-chat-ft-v2': 100 });

    const back = await run({ action: 'rollback', 'previous-traffic': p2.outputs['previous-traffic']! });
    runs.push(back);
    expect(back.exitCode, back.stdout + back.stderr).toBe(0);
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(back.summary).toContain('Live traffic now');

    const bad = await run({ action: 'promote' });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).toContain("deploy: input 'deployment'");

    // No endpoint key anywhere in what the steps printed, output or summarised.
    const keys = em.state.secrets();
    expect(keys.length).toBeGreaterThan(0);
    for (const r of runs) {
      const captured = [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
      for (const key of keys) expect(captured.includes(key)).toBe(false);
    }
  }, 120_000);
});
