// The bundled deploy action as a process when the world moves under a promotion: the target deleted by someone mid-promote, a 429 storm. (The release sequence itself: deploySequenceBundle.test.ts.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, RecordedRequest } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator, waitFor } from '../emulator/helpers.js';
import { runBundle, type BundleRun } from '../helpers/runBundle.js';

// One emulator for the file; each test has its own endpoint (and scopes its faults to it), so they run side by side.
let em: Emulator;
let arm: ArmTestClient;
let ws: string;
let model: string;
beforeAll(async () => {
  em = await startTestEmulator();
  arm = new ArmTestClient(em);
  ws = (await arm.createWorkspace('mlws', 'rg-dep')).id as string;
  model = await arm.createModel(ws, 'phi3-chat-ft', '1');
});
afterAll(() => em?.stop());

/** An endpoint with `blue` live at 100 % and the other deployments at 0 %, made directly: the tests are about the promotion. */
async function endpointWith(name: string, deployments: string[]): Promise<string> {
  const endpoint = await arm.createEndpoint(ws, name);
  const states = await Promise.all(['blue', ...deployments].map((d) => arm.createDeployment(endpoint, d, model)));
  expect(states.map((s) => s.status)).toEqual(states.map(() => 'Succeeded'));
  await arm.setTraffic(endpoint, { blue: 100 });
  return endpoint;
}

function traffic(endpoint: string): Record<string, number> {
  const body = em.state.resource(endpoint) as { properties: { traffic: Record<string, number> } } | undefined;
  return Object.fromEntries(Object.entries(body?.properties.traffic ?? {}).filter(([, p]) => p > 0));
}

const promote = (endpoint: string, inputs: Record<string, string>) =>
  runBundle('deploy', {
    cwd: mkdtempSync(join(tmpdir(), 'amlft-deploy-')),
    env: { ...em.env },
    inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-dep', workspace: 'mlws', auth: 'secret', cloud: em.url, endpoint, action: 'promote', ...inputs },
    timeoutMs: 60_000,
  });

function noSecretIn(r: BundleRun): void {
  const text = [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
  for (const secret of em.state.secrets()) expect(text.includes(secret)).toBe(false);
}

const isEndpoint = (name: string) => (r: RecordedRequest) => new RegExp(`/onlineEndpoints/${name}$`, 'i').test(r.path);

describe('actions/deploy bundle: promotions that meet the real world', () => {
  it.concurrent('a deployment deleted by someone mid-promote: the step fails saying so, and the traffic from before the promotion is back', async () => {
    const endpoint = await endpointWith('mid-ep', ['green', 'old']);
    const before = traffic(endpoint);
    expect(before).toEqual({ blue: 100 });
    const running = promote('mid-ep', { deployment: 'green', 'traffic-steps': '10,50,100', 'step-wait-seconds': '2' });

    // Step 1 applied and verified: the PUT with green at 10 %, then the LRO's final GET and the action's verifying GET.
    const put = await waitFor(
      () => em.requests.findIndex((r) => r.method === 'PUT' && isEndpoint('mid-ep')(r) && (r.body as { properties?: { traffic?: Record<string, number> } }).properties?.traffic?.green === 10),
      (i) => i >= 0,
      30_000,
    );
    await waitFor(() => em.requests.slice(put + 1).filter((r) => r.method === 'GET' && isEndpoint('mid-ep')(r) && r.status === 200).length, (n) => n >= 2, 30_000);
    expect(traffic(endpoint)).toEqual({ blue: 90, green: 10 });

    // Insurance for a loaded machine: the action's next read of the endpoint (its requests, unlike this client's, carry
    // a User-Agent) is held 2 s more, so the deletion below always lands inside the step wait.
    em.addFault({ name: 'hold-next-step', match: { method: 'GET', host: 'arm', path: '/onlineEndpoints/mid-ep$', headers: { 'user-agent': '.+' } }, times: 1, delay: 2_000 });
    // Someone else, during the 2 s wait: Azure refuses to delete a deployment with traffic, so they move green's share to `old`, then delete green.
    expect((await arm.setTraffic(endpoint, { blue: 90, old: 10, green: 0 })).status).toBeLessThan(300);
    const deleting = await arm.delete(`${endpoint}/deployments/green`);
    expect(deleting.status).toBe(202);
    expect((await arm.waitLocation(deleting)).status).toBe(204);
    expect(em.state.resource(`${endpoint}/deployments/green`)).toBeUndefined();

    const result = await running;
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(em.requests.filter((r) => r.faults.includes('hold-next-step'))).toHaveLength(1);
    expect(result.stdout).toContain("Cannot continue the promotion: deployment 'green' does not exist on the endpoint.");
    expect(result.stdout).toMatch(/::error::deploy: promote 'green' stopped at .*deployment 'green' does not exist on the endpoint\. The traffic from before was restored\./);
    expect(result.stdout).not.toContain('Step 2/3');
    // The map from before the promotion, read from the emulator: old's 10 % gone back to blue.
    expect(traffic(endpoint)).toEqual(before);
    noSecretIn(result);
  }, 90_000);

  it.concurrent('a 429 storm during a stepped promote: every throttled call retried, each step verified, the promotion completes', async () => {
    const endpoint = await endpointWith('storm-ep', ['green']);
    const from = em.requests.length;
    // throttle-arm (every third call, six times), scoped to this endpoint's calls; retry-after-ms keeps each wait short.
    for (const rule of faultPresets['throttle-arm']!.rules) {
      em.addFault({ ...rule, after: 0, match: { ...rule.match, path: '/onlineEndpoints/storm-ep(/deployments)?$' }, respond: { ...rule.respond!, headers: { ...rule.respond!.headers, 'retry-after-ms': '50' } } });
    }
    const result = await promote('storm-ep', { deployment: 'green', 'traffic-steps': '50,100', 'step-wait-seconds': '0' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const throttled = em.requests.slice(from).filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(throttled.every((r) => /\/onlineEndpoints\/storm-ep/i.test(r.path))).toBe(true);
    expect(result.stdout.match(/: HTTP 429, retry \d+ in /g)?.length).toBe(throttled.length);
    expect(result.stdout).toContain('Step 1/2: blue 50%, green 50%');
    expect(JSON.parse(result.outputs.traffic!)).toEqual({ blue: 0, green: 100 });
    expect(traffic(endpoint)).toEqual({ green: 100 });
    noSecretIn(result);
  }, 90_000);
});
