// Must show: the bundled actions as processes through deploy (0 %) -> smoke-test the new deployment -> promote (in steps) -> smoke-test the endpoint -> rollback, traffic checked at every step and every output; and a failed smoke test stopping the release.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle, type BundleRun } from '../helpers/runBundle.js';

// One emulator for the file; each test has its own endpoint, so they run side by side.
let em: Emulator;
let arm: ArmTestClient;
let ws: string;
let cwd: string;
beforeAll(async () => {
  em = await startTestEmulator({ timing: { deploymentMs: 300 } });
  arm = new ArmTestClient(em);
  ws = (await arm.createWorkspace('mlws', 'rg-seq')).id as string;
  await arm.createModel(ws, 'phi3-chat-ft', '1');
  await arm.createModel(ws, 'phi3-chat-ft', '2');
  cwd = mkdtempSync(join(tmpdir(), 'amlft-seq-'));
  writeFileSync(join(cwd, 'cases.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'Who founded Microsoft?' }], contains: 'Bill Gates', 'not-contains': 'sorry' })}\n`);
});
afterAll(() => em?.stop());

/** The live traffic of an endpoint as the emulator holds it (deployments at 0 % left out). */
function traffic(endpoint: string): Record<string, number> {
  const body = em.state.resource(`${ws}/onlineEndpoints/${endpoint}`) as { properties: { traffic: Record<string, number> } } | undefined;
  return Object.fromEntries(Object.entries(body?.properties.traffic ?? {}).filter(([, p]) => p > 0));
}

function release(endpoint: string) {
  const runs: BundleRun[] = [];
  const run = async (action: 'deploy' | 'smoke-test', inputs: Record<string, string>) => {
    const result = await runBundle(action, {
      cwd,
      env: { ...em.env },
      inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-seq', workspace: 'mlws', auth: 'secret', cloud: em.url, endpoint, ...inputs },
      timeoutMs: 60_000,
    });
    runs.push(result);
    return result;
  };
  return { run, runs };
}

const ok = (r: BundleRun) => expect(r.exitCode, r.stdout + r.stderr).toBe(0);

/** Everything a step printed, summarised or output, without the ::add-mask:: lines the runner consumes. */
function captured(r: BundleRun): string {
  return [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
}

describe('release sequence, bundled actions as processes', () => {
  it.concurrent('deploy (0 %) -> smoke-test the deployment -> promote in steps -> smoke-test the endpoint -> rollback, with every output checked', async () => {
    const { run, runs } = release('chat-ep');
    // v1 live at 100 %: the state before this release.
    const v1 = await run('deploy', { model: 'azureml:phi3-chat-ft:1' });
    ok(v1);
    expect(v1.outputs).toMatchObject({ endpoint: 'chat-ep', deployment: 'phi3-chat-ft-v1', 'previous-traffic': '{}', traffic: '{}' });
    expect(v1.outputs['scoring-uri']).toMatch(/^https:\/\/.*chat-ep.*\/score$/);
    expect(v1.outputs['studio-url']).toContain('endpoints/realtime/chat-ep');
    expect(traffic('chat-ep')).toEqual({});
    const p1 = await run('deploy', { action: 'promote', deployment: 'phi3-chat-ft-v1' });
    ok(p1);
    expect(JSON.parse(p1.outputs.traffic!)).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v1': 100 });

    const deployed = await run('deploy', { model: 'azureml:phi3-chat-ft:2' });
    ok(deployed);
    expect(deployed.outputs.deployment).toBe('phi3-chat-ft-v2');
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v1': 100 });

    const smokeNew = await run('smoke-test', { deployment: deployed.outputs.deployment!, 'cases-file': 'cases.jsonl', requests: '3' });
    ok(smokeNew);
    expect(smokeNew.outputs.passed).toBe('true');
    expect(smokeNew.stdout).toContain("deployment 'phi3-chat-ft-v2', bypassing live traffic");
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v1': 100 });

    const promoted = await run('deploy', { action: 'promote', deployment: deployed.outputs.deployment!, 'traffic-steps': '10,50,100', 'step-wait-seconds': '0' });
    ok(promoted);
    expect(promoted.stdout).toContain('Step 1/3: phi3-chat-ft-v1 90%, phi3-chat-ft-v2 10%');
    expect(promoted.stdout).toContain('Step 2/3: phi3-chat-ft-v1 50%, phi3-chat-ft-v2 50%');
    expect(JSON.parse(promoted.outputs['previous-traffic']!)).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(JSON.parse(promoted.outputs.traffic!)).toEqual({ 'phi3-chat-ft-v1': 0, 'phi3-chat-ft-v2': 100 });
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v2': 100 });

    const smokeLive = await run('smoke-test', { 'cases-file': 'cases.jsonl' });
    ok(smokeLive);
    expect(smokeLive.summary).toContain('passed');
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v2': 100 });

    const back = await run('deploy', { action: 'rollback', 'previous-traffic': deployed.outputs['previous-traffic']! });
    ok(back);
    expect(back.summary).toContain('Live traffic now');
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v1': 100 });

    const bad = await run('deploy', { action: 'promote' });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).toContain("deploy: input 'deployment'");
    expect(traffic('chat-ep')).toEqual({ 'phi3-chat-ft-v1': 100 });

    // No key or token in anything a step printed, output or summarised; the smoke tests did mask the key for the runner.
    const secrets = em.state.secrets();
    expect(secrets.length).toBeGreaterThan(3);
    for (const r of runs) for (const secret of secrets) expect(captured(r).includes(secret)).toBe(false);
    expect(smokeNew.stdout).toMatch(/^::add-mask::/m);
  }, 240_000);

  it.concurrent('a failed smoke test stops the release: no promote, and rollback restores the captured map', async () => {
    // v1 live at 100 % on its own endpoint, set up directly: this test is about what happens after the next deploy.
    const endpoint = await arm.createEndpoint(ws, 'chat-ep-fail');
    expect((await arm.createDeployment(endpoint, 'phi3-chat-ft-v1', `${ws}/models/phi3-chat-ft/versions/1`)).status).toBe('Succeeded');
    await arm.setTraffic(endpoint, { 'phi3-chat-ft-v1': 100 });
    const { run } = release('chat-ep-fail');
    const deployed = await run('deploy', { model: 'azureml:phi3-chat-ft:2' });
    ok(deployed);
    expect(JSON.parse(deployed.outputs['previous-traffic']!)).toEqual({ 'phi3-chat-ft-v1': 100 });
    // The preset, only for this endpoint's scoring (the other test scores side by side).
    for (const rule of faultPresets['smoke-test-fails']!.rules) em.addFault({ ...rule, match: { ...rule.match, path: '/inference/[^/]+/chat-ep-fail/' } });
    const smoke = await run('smoke-test', { deployment: 'phi3-chat-ft-v2', 'cases-file': 'cases.jsonl' });
    expect(smoke.exitCode).not.toBe(0);
    expect(smoke.stdout).toContain('::error::smoke-test: 1 of 1 request(s) failed');
    expect(smoke.outputs.passed).toBe('false');
    expect(traffic('chat-ep-fail')).toEqual({ 'phi3-chat-ft-v1': 100 });
    // The workflow's `if: failure()` rollback step, with the map captured by the deploy step.
    ok(await run('deploy', { action: 'rollback', 'previous-traffic': deployed.outputs['previous-traffic']! }));
    expect(traffic('chat-ep-fail')).toEqual({ 'phi3-chat-ft-v1': 100 });
  }, 240_000);
});
