// The smoke test in-process against the emulator: one deployment through the header, the endpoint, warm-up retries, failures named, keys masked.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { runSmokeTest } from '../../src/chat/runSmokeTest.js';
import { parseSmokeTestInputs } from '../../src/chat/smokeTestInputs.js';
import { instantClock } from '../../src/clock.js';
import { UserFacingError } from '../../src/github/runAction.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { recordingReporter } from '../helpers/recordingReporter.js';
import { trustingHttpClient } from '../helpers/trustingHttpClient.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}) {
  const em = await startTestEmulator(options);
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', 'rg-smoke')).id as string;
  const model = await arm.createModel(ws, 'phi3-chat-ft', '1');
  const ep = await arm.createEndpoint(ws, 'chat-ep');
  const created = await arm.createDeployment(ep, 'blue', model);
  expect(created.status).toBe('Succeeded');
  await arm.setTraffic(ep, { blue: 100 });
  return { em, arm, ep };
}

async function smoke(em: Emulator, extra: Record<string, string>) {
  const reporter = recordingReporter();
  const { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET } = em.env;
  const env = { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET };
  const inputs = parseSmokeTestInputs(inputsFromRecord({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-smoke', workspace: 'mlws', auth: 'secret', cloud: em.url, ...extra }), env);
  const outcome = await runSmokeTest(inputs, { env, clock: instantClock(), httpClient: trustingHttpClient(em.ca), getIdToken: () => Promise.reject(new Error('no OIDC')) }, reporter).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error: error as Error }),
  );
  return { ...outcome, reporter };
}

describe('smoke test against the emulator', () => {
  it('passes against one deployment through the header, with the key masked and never printed', async () => {
    const { em } = await start();
    const { result, error, reporter } = await smoke(em, { endpoint: 'chat-ep', deployment: 'blue', 'expect-contains': 'Bill Gates' });
    expect(error).toBeUndefined();
    expect(result!.passed).toBe(true);
    expect(reporter.outputs).toMatchObject({ passed: 'true' });
    expect(reporter.outputs.reply).toContain('Bill Gates');
    expect(Number(reporter.outputs['latency-ms-max'])).toBeGreaterThanOrEqual(0);
    expect(reporter.summaries[0]).toContain('| Who founded Microsoft? |');
    const scoring = em.requests.filter((r) => r.host === 'scoring');
    expect(scoring.at(-1)!.headers['azureml-model-deployment']).toBe('blue');
    const keys = em.state.secrets();
    expect(reporter.secrets.length).toBeGreaterThan(0);
    const text = [...reporter.logs, ...reporter.summaries, JSON.stringify(reporter.outputs)].join('\n');
    for (const key of keys) expect(text.includes(key)).toBe(false);
  }, 30_000);

  it('fails on a wrong reply, naming the expectation', async () => {
    const { em } = await start({ faults: 'smoke-test-fails' });
    const { error, reporter } = await smoke(em, { endpoint: 'chat-ep', deployment: 'blue', 'expect-contains': 'Gates' });
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error!.message).toContain('does not contain "Gates"');
    expect(reporter.outputs.passed).toBe('false');
    expect(reporter.summaries[0]).toContain('fail: does not contain');
  }, 30_000);

  it('retries 503 while the deployment warms up, then passes', async () => {
    const { em } = await start();
    for (const rule of faultPresets['scoring-warmup']!.rules) em.addFault(rule);
    const { error, reporter } = await smoke(em, { endpoint: 'chat-ep' });
    expect(error).toBeUndefined();
    expect(reporter.logs.filter((l) => l.includes('HTTP 503'))).toHaveLength(2);
  }, 30_000);

  it('waits what retry-after-ms says, before Retry-After in seconds', async () => {
    const { em } = await start();
    em.addFault({ name: 'warmup-ms', match: { host: 'scoring' }, times: 1, respond: { status: 503, headers: { 'Retry-After': '1', 'retry-after-ms': '400' }, body: { message: 'warming' } } });
    const { error, reporter } = await smoke(em, { endpoint: 'chat-ep' });
    expect(error).toBeUndefined();
    expect(reporter.logs).toContain('HTTP 503 (warming up?): retry 1 in 0.4 s');
  }, 30_000);

  it.each([
    ['scoring-5xx', 'HTTP 500'],
    ['scoring-empty', 'empty answer'],
  ])('fails with %s', async (fault, message) => {
    const { em } = await start({ faults: fault });
    const { error } = await smoke(em, { endpoint: 'chat-ep', requests: '2' });
    expect(error!.message).toContain(message);
    expect(error!.message).toContain('2 of 2');
  }, 30_000);

  it('gives up warming up at the timeout', async () => {
    const { em } = await start();
    em.addFault({ name: 'always-503', match: { host: 'scoring' }, respond: { status: 503, body: { message: 'warming' } } });
    const { error } = await smoke(em, { endpoint: 'chat-ep', 'timeout-seconds': '20' });
    expect(error!.message).toContain('HTTP 503');
  }, 30_000);

  it('quotes an error body that echoes the keys with every key masked, short and on one line', async () => {
    const { em, arm, ep } = await start();
    const keys = await arm.listKeys(ep);
    em.addFault({ name: 'echo-key', match: { host: 'scoring' }, respond: { status: 401, body: { message: `Key ${keys.primaryKey} is not valid for this deployment;\nexpected ${keys.secondaryKey}. ${'detail '.repeat(40)}` } } });
    const plain = await smoke(em, { endpoint: 'chat-ep' });
    em.clearFaults();
    em.addFault({ name: 'echo-malformed', match: { host: 'scoring' }, respond: { status: 200, body: { echo: { authorization: `Bearer ${keys.primaryKey}` } } } });
    const targeted = await smoke(em, { endpoint: 'chat-ep', deployment: 'blue' });
    expect(plain.error!.message).toContain('HTTP 401: Key *** is not valid for this deployment; expected ***.');
    expect(targeted.error!.message).toContain('malformed answer: {"echo":{"authorization":"Bearer ***"}}');
    for (const { error, reporter } of [plain, targeted]) {
      const shown = [error!.message, ...reporter.logs, ...reporter.summaries, JSON.stringify(reporter.outputs)].join('\n');
      for (const secret of em.state.secrets()) expect(shown.includes(secret)).toBe(false);
      const quoted = /HTTP 401: (.*)$|malformed answer: (.*)$/.exec(error!.message)!;
      expect((quoted[1] ?? quoted[2])!.length).toBeLessThanOrEqual(120);
    }
  }, 30_000);

  it('works with scoring-uri + api-key, masking the key', async () => {
    const { em, arm, ep } = await start();
    const keys = await arm.listKeys(ep);
    const uri = (em.state.resource(ep) as { properties: { scoringUri: string } }).properties.scoringUri;
    const { error, reporter } = await smoke(em, { 'scoring-uri': uri, 'api-key': keys.primaryKey });
    expect(error).toBeUndefined();
    expect(reporter.secrets).toContain(keys.primaryKey);
  }, 30_000);

  it('chats with a serverless endpoint (target: serverless): inference URI and key read from the workspace, OpenAI format, key masked', async () => {
    const { em, arm } = await start();
    const ws = arm.ws('mlws', 'rg-smoke');
    const model = await arm.createModel(ws, 'phi3-chat-ft', '2');
    const created = await arm.put(`${ws}/serverlessEndpoints/phi3-maas`, { location: 'eastus2', sku: { name: 'Consumption' }, properties: { modelSettings: { modelId: model }, authMode: 'Key' } });
    expect((await arm.waitAsync(created)).status).toBe('Succeeded');
    const key = (await arm.post(`${ws}/serverlessEndpoints/phi3-maas/listKeys`)).json<{ primaryKey: string }>().primaryKey;
    const { result, error, reporter } = await smoke(em, { endpoint: 'phi3-maas', target: 'serverless', 'expect-contains': 'Bill Gates' });
    expect(error).toBeUndefined();
    expect(result!.passed).toBe(true);
    const chat = em.requests.filter((r) => r.method === 'POST' && /\/v1\/chat\/completions$/.test(r.path));
    expect(chat.length).toBeGreaterThan(0);
    expect(reporter.secrets).toContain(key);
    expect([...reporter.logs, ...reporter.summaries, JSON.stringify(reporter.outputs)].join('\n').includes(key)).toBe(false);
  }, 30_000);

  it('says what to do when the serverless endpoint does not exist', async () => {
    const { em } = await start();
    const { error } = await smoke(em, { endpoint: 'no-such-maas', target: 'serverless' });
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error!.message).toBe("serverless endpoint 'no-such-maas' does not exist in workspace 'mlws' (deploy it with the deploy action's target: serverless)");
  }, 30_000);
});
