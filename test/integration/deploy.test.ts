// Deploy, promote and rollback in-process against the emulator: the traffic map is read from the emulator after every step.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { connectAzure } from '../../src/azure/azureSession.js';
import { resolveApiVersions } from '../../src/azure/machineLearningClient.js';
import { parseSignInInputs } from '../../src/azure/signInInputs.js';
import { instantClock, type Clock } from '../../src/clock.js';
import { UserFacingError } from '../../src/github/runAction.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { deploy, promote, rollback, type DeployRequest, type ReleaseContext } from '../../src/serving/release.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { trustingHttpClient } from '../helpers/trustingHttpClient.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

/** The emulator's operations move in real time: the test clock jumps ahead and yields a few real ms per sleep. */
function steppingClock(): Clock {
  const inner = instantClock();
  return { now: inner.now, sleep: async (ms, signal) => {
    await inner.sleep(ms, signal);
    await new Promise((r) => setTimeout(r, 20));
  } };
}

interface Setup { em: Emulator; arm: ArmTestClient; ws: string; ctx: ReleaseContext; logs: string[]; models: string[] }

async function start(options: EmulatorOptions = {}): Promise<Setup> {
  const em = await startTestEmulator(options);
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', 'rg-serve', 'eastus2')).id as string;
  const models = [await arm.createModel(ws, 'phi3-chat-ft', '1'), await arm.createModel(ws, 'phi3-chat-ft', '2')];
  const { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET } = em.env;
  const env = { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET };
  const signIn = parseSignInInputs(inputsFromRecord({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-serve', workspace: 'mlws', auth: 'secret', cloud: em.url }), env);
  const clock = steppingClock();
  const logs: string[] = [];
  const session = await connectAzure(signIn, { env, clock, httpClient: trustingHttpClient(em.ca), getIdToken: () => Promise.reject(new Error('no OIDC here')) });
  const target = { transport: session.transport, resourceManager: session.cloud.resourceManager, ref: { subscriptionId: signIn.subscriptionId, resourceGroup: 'rg-serve', workspace: 'mlws' }, apiVersions: resolveApiVersions(env) };
  return { em, arm, ws, models, logs, ctx: { target, clock, log: (m) => logs.push(m) } };
}

const request = (s: Setup, version: 1 | 2, extra: Partial<DeployRequest> = {}): DeployRequest => ({
  endpoint: 'chat-ep',
  model: { id: s.models[version - 1]!, name: 'phi3-chat-ft', version: String(version) },
  instanceType: 'Standard_NC6s_v3',
  instanceCount: 1,
  requestTimeoutMs: 90_000,
  maxConcurrentRequests: 1,
  probeInitialDelaySeconds: 600,
  environmentVariables: {},
  mirrorPercent: 0,
  deleteFailed: true,
  timeoutMs: 600_000,
  logTailLines: 50,
  ...extra,
});

const trafficIn = (s: Setup) => {
  const body = s.em.state.resource(`${s.ws}/onlineEndpoints/chat-ep`) as { properties: { traffic: Record<string, number>; mirrorTraffic: Record<string, number> } } | undefined;
  const live = Object.fromEntries(Object.entries(body?.properties.traffic ?? {}).filter(([, p]) => p > 0));
  return live;
};
const endpointPuts = (s: Setup, from: number) => s.em.requests.slice(from).filter((r) => r.method === 'PUT' && /\/onlineEndpoints\/chat-ep$/i.test(r.path));

/** v1 deployed and live at 100 %. */
async function blueLive(s: Setup): Promise<void> {
  const first = await deploy(s.ctx, request(s, 1));
  expect(first.deployment).toBe('phi3-chat-ft-v1');
  expect(trafficIn(s)).toEqual({});
  await promote(s.ctx, { endpoint: 'chat-ep', deployment: 'phi3-chat-ft-v1', steps: [100], stepWaitMs: 0, timeoutMs: 600_000 });
  expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });
}

describe('deploy, promote, rollback against the emulator', () => {
  it('deploys at 0 %, promotes in steps with each step verified, and rolls back to the captured map', async () => {
    const s = await start();
    await blueLive(s);
    const green = await deploy(s.ctx, request(s, 2));
    expect(green).toMatchObject({ deployment: 'phi3-chat-ft-v2', previousTraffic: { 'phi3-chat-ft-v1': 100 }, reused: false });
    expect(green.scoringUri).toMatch(/^https:\/\//);
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });

    const from = s.em.requests.length;
    const promoted = await promote(s.ctx, { endpoint: 'chat-ep', deployment: 'phi3-chat-ft-v2', steps: [10, 50, 100], stepWaitMs: 30_000, timeoutMs: 600_000 });
    const puts = endpointPuts(s, from).map((r) => (r.body as { properties: { traffic: Record<string, number> } }).properties.traffic);
    expect(puts).toEqual([
      { 'phi3-chat-ft-v1': 90, 'phi3-chat-ft-v2': 10 },
      { 'phi3-chat-ft-v1': 50, 'phi3-chat-ft-v2': 50 },
      { 'phi3-chat-ft-v1': 0, 'phi3-chat-ft-v2': 100 },
    ]);
    expect(promoted.previousTraffic).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v2': 100 });
    // PATCH cannot change traffic: every change is a full PUT.
    expect(s.em.requests.slice(from).some((r) => r.method === 'PATCH')).toBe(false);

    await rollback(s.ctx, { endpoint: 'chat-ep', previousTraffic: promoted.previousTraffic, timeoutMs: 600_000 });
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });
  }, 60_000);

  it('a failed deployment leaves live traffic exactly as it was, prints the log tails and is deleted', async () => {
    const s = await start();
    await blueLive(s);
    for (const rule of faultPresets['deployment-fails']!.rules) s.em.addFault(rule);
    const failure = await deploy(s.ctx, request(s, 2)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect((failure as Error).message).toContain("deployment 'phi3-chat-ft-v2' failed");
    expect((failure as Error).message).toContain('Live traffic was not changed');
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(s.logs.join('\n')).toContain('--- InferenceServer log');
    expect(s.logs.join('\n')).toContain('CUDA out of memory');
    expect(s.logs.join('\n')).toContain('--- StorageInitializer log');
    expect(s.em.state.resource(`${s.ws}/onlineEndpoints/chat-ep/deployments/phi3-chat-ft-v2`)).toBeUndefined();
  }, 60_000);

  it('keeps a failed deployment when delete-failed is false', async () => {
    const s = await start({ faults: 'deployment-fails' });
    await expect(deploy(s.ctx, request(s, 1, { deleteFailed: false }))).rejects.toThrow(/failed/);
    expect(s.em.state.resource(`${s.ws}/onlineEndpoints/chat-ep/deployments/phi3-chat-ft-v1`)).toBeDefined();
    expect(trafficIn(s)).toEqual({});
  }, 60_000);

  it('says so and creates nothing when the same model is already on a Succeeded deployment', async () => {
    const s = await start();
    await blueLive(s);
    const from = s.em.requests.length;
    const again = await deploy(s.ctx, request(s, 1, { deployment: 'other-name' }));
    expect(again).toMatchObject({ deployment: 'phi3-chat-ft-v1', reused: true });
    expect(s.logs.join('\n')).toContain('already deployed');
    expect(s.em.requests.slice(from).filter((r) => r.method === 'PUT')).toEqual([]);
  }, 60_000);

  it('refuses to promote a deployment that is gone, leaving traffic untouched', async () => {
    const s = await start();
    await blueLive(s);
    await expect(promote(s.ctx, { endpoint: 'chat-ep', deployment: 'deleted-meanwhile', steps: [100], stepWaitMs: 0, timeoutMs: 600_000 })).rejects.toThrow(/does not exist/);
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });
  }, 60_000);

  it('promotes through a 429 storm and still verifies the traffic map', async () => {
    const s = await start();
    await blueLive(s);
    await deploy(s.ctx, request(s, 2));
    for (const rule of faultPresets['throttle-arm']!.rules) s.em.addFault({ ...rule, after: 0 });
    const from = s.em.requests.length;
    await promote(s.ctx, { endpoint: 'chat-ep', deployment: 'phi3-chat-ft-v2', steps: [50, 100], stepWaitMs: 1000, timeoutMs: 600_000 });
    expect(s.em.requests.slice(from).filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v2': 100 });
  }, 60_000);

  it('refuses a rollback to a deployment that no longer exists, without changing traffic', async () => {
    const s = await start();
    await blueLive(s);
    await expect(rollback(s.ctx, { endpoint: 'chat-ep', previousTraffic: { gone: 100 }, timeoutMs: 600_000 })).rejects.toThrow(/does not exist/);
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });
  }, 60_000);

  it('mirrors shadow traffic to the new deployment within the limit', async () => {
    const s = await start();
    await blueLive(s);
    await deploy(s.ctx, request(s, 2, { mirrorPercent: 20 }));
    const body = s.em.state.resource(`${s.ws}/onlineEndpoints/chat-ep`) as { properties: { mirrorTraffic: Record<string, number> } };
    expect(body.properties.mirrorTraffic).toEqual({ 'phi3-chat-ft-v2': 20 });
    expect(trafficIn(s)).toEqual({ 'phi3-chat-ft-v1': 100 });
  }, 60_000);
});
