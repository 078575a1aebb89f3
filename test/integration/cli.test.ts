// The CLI's Azure commands in-process against the emulator: finetune -> deploy -> smoke-test the deployment -> promote -> smoke-test -> rollback, and a failing smoke test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../cli/main.js';
import type { Emulator } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { trustingHttpClient } from '../helpers/trustingHttpClient.js';

let emulator: Emulator;
let ws: string;
const cwd = mkdtempSync(join(tmpdir(), 'amlft-cli-int-'));
writeFileSync(join(cwd, 'cases.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'Who founded Microsoft?' }], contains: 'Bill Gates' })}\n`);
// The library polls Azure every 5-10 s; the emulator's operations take milliseconds, so these runs poll it every 50 ms.
const quickPolls: Clock = { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(Math.min(ms, 50), signal) };

beforeAll(async () => {
  emulator = await startTestEmulator();
  const arm = new ArmTestClient(emulator);
  ws = (await arm.createWorkspace('mlws', 'rg-cli')).id as string;
  const cluster = await arm.put(`${ws}/computes/gpu-cluster`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
  if (cluster.header('azure-asyncoperation')) await arm.waitAsync(cluster);
  await arm.put(`${ws}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
  await arm.createModel(ws, 'phi3-chat-ft', '1');
}, 60_000);
afterAll(() => emulator?.stop());

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET } = emulator.env;
  const code = await runCli([...argv, '--json'], {
    env: { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: 'abc1234def' },
    cwd,
    httpClient: trustingHttpClient(emulator.ca),
    clock: quickPolls,
    write: (t) => void (out += t),
    writeError: (t) => void (err += t),
  });
  return { code, err, json: JSON.parse(out) as { passed: boolean; outputs: Record<string, string>; error?: string } };
}

const azure = () => ['--subscription-id', emulator.env.AZURE_SUBSCRIPTION_ID!, '--resource-group', 'rg-cli', '--workspace', 'mlws', '--auth', 'secret', '--cloud', emulator.url];
const traffic = (endpoint: string) => {
  const body = emulator.state.resource(`${ws}/onlineEndpoints/${endpoint}`) as { properties: { traffic: Record<string, number> } } | undefined;
  return Object.fromEntries(Object.entries(body?.properties.traffic ?? {}).filter(([, p]) => p > 0));
};

describe('amlft Azure commands against the emulator', () => {
  it('finetune -> deploy -> smoke-test the deployment -> promote -> smoke-test the endpoint -> rollback', async () => {
    const tuned = await cli('finetune', ...azure(), '--train-data', 'azureml:chat-train:1', '--poll-seconds', '1');
    expect(tuned.code, tuned.err).toBe(EXIT.ok);
    expect(tuned.json.outputs).toMatchObject({ status: 'Completed', model: 'azureml:phi3-chat-ft:2' });
    expect(tuned.err).toContain('▸ Waiting for job ft-phi3-chat-abc1234-');
    expect(emulator.state.resource(`${ws}/models/phi3-chat-ft/versions/2`)).toBeDefined();

    // v1 live at 100 %: the release before this one.
    expect((await cli('deploy', ...azure(), '--endpoint', 'chat-cli', '--model', 'azureml:phi3-chat-ft:1')).code).toBe(EXIT.ok);
    expect((await cli('promote', ...azure(), '--endpoint', 'chat-cli', '--deployment', 'phi3-chat-ft-v1')).code).toBe(EXIT.ok);
    expect(traffic('chat-cli')).toEqual({ 'phi3-chat-ft-v1': 100 });

    const deployed = await cli('deploy', ...azure(), '--endpoint', 'chat-cli', '--model', tuned.json.outputs.model!);
    expect(deployed.code, deployed.err).toBe(EXIT.ok);
    expect(deployed.json.outputs).toMatchObject({ deployment: 'phi3-chat-ft-v2', 'previous-traffic': '{"phi3-chat-ft-v1":100}' });
    expect(traffic('chat-cli')).toEqual({ 'phi3-chat-ft-v1': 100 });

    const smokeNew = await cli('smoke-test', ...azure(), '--endpoint', 'chat-cli', '--deployment', 'phi3-chat-ft-v2', '--cases-file', 'cases.jsonl');
    expect(smokeNew.code, smokeNew.err).toBe(EXIT.ok);
    expect(smokeNew.json.outputs.reply).toContain('[deployment phi3-chat-ft-v2, model phi3-chat-ft:2]');

    const promoted = await cli('promote', ...azure(), '--endpoint', 'chat-cli', '--deployment', 'phi3-chat-ft-v2', '--traffic-steps', '50,100', '--step-wait-seconds', '0');
    expect(promoted.code, promoted.err).toBe(EXIT.ok);
    expect(promoted.err).toContain('Step 1/2: phi3-chat-ft-v1 50%, phi3-chat-ft-v2 50%');
    expect(traffic('chat-cli')).toEqual({ 'phi3-chat-ft-v2': 100 });

    const smokeLive = await cli('smoke-test', ...azure(), '--endpoint', 'chat-cli', '--expect-contains', 'Bill Gates');
    expect(smokeLive.code).toBe(EXIT.ok);
    expect(smokeLive.json.outputs.reply).toContain('phi3-chat-ft-v2');

    const rolledBack = await cli('rollback', ...azure(), '--endpoint', 'chat-cli', '--previous-traffic', deployed.json.outputs['previous-traffic']!);
    expect(rolledBack.code, rolledBack.err).toBe(EXIT.ok);
    expect(JSON.parse(rolledBack.json.outputs.traffic!)).toMatchObject({ 'phi3-chat-ft-v1': 100 });
    expect(traffic('chat-cli')).toEqual({ 'phi3-chat-ft-v1': 100 });

    // No key the emulator holds reached the terminal.
    const everything = [tuned, deployed, smokeNew, promoted, smokeLive, rolledBack].map((r) => r.err + JSON.stringify(r.json)).join('\n');
    for (const secret of emulator.state.secrets()) expect(everything.includes(secret)).toBe(false);
  }, 120_000);

  it('a failing smoke test exits 1 with passed: false in the JSON, and a missing endpoint fails in one line', async () => {
    expect((await cli('deploy', ...azure(), '--endpoint', 'chat-bad', '--model', 'azureml:phi3-chat-ft:1')).code).toBe(EXIT.ok);
    for (const rule of faultPresets['smoke-test-fails']!.rules) emulator.addFault(rule);
    try {
      const smoke = await cli('smoke-test', ...azure(), '--endpoint', 'chat-bad', '--deployment', 'phi3-chat-ft-v1', '--expect-contains', 'Bill Gates');
      expect(smoke.code).toBe(EXIT.failed);
      expect(smoke.json).toMatchObject({ passed: false, outputs: { passed: 'false' }, error: expect.stringContaining('amlft: 1 of 1 request(s) failed') });
    } finally {
      emulator.clearFaults();
    }
    const missing = await cli('promote', ...azure(), '--endpoint', 'no-such-ep', '--deployment', 'phi3-chat-ft-v1');
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.json.error).toMatch(/^amlft: /);
  }, 60_000);
});
