// Must show: the bundled actions as processes through deploy (0 %) -> smoke-test the new deployment -> promote -> smoke-test the endpoint -> rollback, traffic checked at every step; and a failed smoke test stopping the release.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle, type BundleRun } from '../helpers/runBundle.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function setup(options: EmulatorOptions = {}) {
  const em = await startTestEmulator(options);
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', 'rg-seq')).id as string;
  await arm.createModel(ws, 'phi3-chat-ft', '1');
  await arm.createModel(ws, 'phi3-chat-ft', '2');
  const cwd = mkdtempSync(join(tmpdir(), 'amlft-seq-'));
  writeFileSync(join(cwd, 'cases.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'Who founded Microsoft?' }], contains: 'Bill Gates', 'not-contains': 'sorry' })}\n`);
  const traffic = () => {
    const body = em.state.resource(`${ws}/onlineEndpoints/chat-ep`) as { properties: { traffic: Record<string, number> } } | undefined;
    return Object.fromEntries(Object.entries(body?.properties.traffic ?? {}).filter(([, p]) => p > 0));
  };
  const runs: BundleRun[] = [];
  const run = async (action: 'deploy' | 'smoke-test', inputs: Record<string, string>) => {
    const result = await runBundle(action, {
      cwd,
      env: { ...em.env },
      inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-seq', workspace: 'mlws', auth: 'secret', cloud: em.url, endpoint: 'chat-ep', ...inputs },
      timeoutMs: 60_000,
    });
    runs.push(result);
    return result;
  };
  const ok = (r: BundleRun) => expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  return { em, traffic, run, runs, ok };
}

/** Everything a step printed, summarised or output, without the ::add-mask:: lines the runner consumes. */
function captured(r: BundleRun): string {
  return [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
}

describe('release sequence, bundled actions as processes', () => {
  it('deploy (0 %) -> smoke-test the deployment -> promote -> smoke-test the endpoint -> rollback', async () => {
    const { em, traffic, run, runs, ok } = await setup();
    // v1 live at 100 %: the state before this release.
    ok(await run('deploy', { model: 'azureml:phi3-chat-ft:1' }));
    ok(await run('deploy', { action: 'promote', deployment: 'phi3-chat-ft-v1' }));
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });

    const deployed = await run('deploy', { model: 'azureml:phi3-chat-ft:2' });
    ok(deployed);
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });

    const smokeNew = await run('smoke-test', { deployment: deployed.outputs.deployment!, 'cases-file': 'cases.jsonl', requests: '3' });
    ok(smokeNew);
    expect(smokeNew.outputs.passed).toBe('true');
    expect(smokeNew.stdout).toContain("deployment 'phi3-chat-ft-v2', bypassing live traffic");
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });

    const promoted = await run('deploy', { action: 'promote', deployment: deployed.outputs.deployment!, 'traffic-steps': '50,100', 'step-wait-seconds': '0' });
    ok(promoted);
    expect(JSON.parse(promoted.outputs.traffic!)).toEqual({ 'phi3-chat-ft-v1': 0, 'phi3-chat-ft-v2': 100 });
    expect(traffic()).toEqual({ 'phi3-chat-ft-v2': 100 });

    const smokeLive = await run('smoke-test', { 'cases-file': 'cases.jsonl' });
    ok(smokeLive);
    expect(smokeLive.summary).toContain('passed');
    expect(traffic()).toEqual({ 'phi3-chat-ft-v2': 100 });

    ok(await run('deploy', { action: 'rollback', 'previous-traffic': deployed.outputs['previous-traffic']! }));
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });

    const keys = em.state.secrets();
    for (const r of runs) for (const key of keys) expect(captured(r).includes(key)).toBe(false);
    // The smoke tests did mask the key for the runner.
    expect(smokeNew.stdout).toMatch(/^::add-mask::/m);
  }, 240_000);

  it('a failed smoke test stops the release: no promote, and rollback restores the captured map', async () => {
    const { em, traffic, run, ok } = await setup();
    ok(await run('deploy', { model: 'azureml:phi3-chat-ft:1' }));
    ok(await run('deploy', { action: 'promote', deployment: 'phi3-chat-ft-v1' }));
    const deployed = await run('deploy', { model: 'azureml:phi3-chat-ft:2' });
    ok(deployed);
    for (const rule of faultPresets['smoke-test-fails']!.rules) em.addFault(rule);
    const smoke = await run('smoke-test', { deployment: 'phi3-chat-ft-v2', 'cases-file': 'cases.jsonl' });
    expect(smoke.exitCode).not.toBe(0);
    expect(smoke.stdout).toContain('::error::smoke-test: 1 of 1 request(s) failed');
    expect(smoke.outputs.passed).toBe('false');
    // The workflow's `if: failure()` rollback step, with the map captured by the deploy step.
    ok(await run('deploy', { action: 'rollback', 'previous-traffic': deployed.outputs['previous-traffic']! }));
    expect(traffic()).toEqual({ 'phi3-chat-ft-v1': 100 });
  }, 240_000);
});
