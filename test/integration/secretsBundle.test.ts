// No key in anything a step shows: the deploy and smoke-test processes, passing and failing, searched for every secret the emulator holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle, type BundleRun } from '../helpers/runBundle.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

describe('secrets', () => {
  it('no endpoint key or client secret appears in stdout, stderr, summary or outputs of deploy and smoke-test, passing or failing', async () => {
    const em = await startTestEmulator();
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-sec')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    await arm.createModel(ws, 'phi3-chat-ft', '2');
    const cwd = mkdtempSync(join(tmpdir(), 'amlft-sec-'));
    const runs: BundleRun[] = [];
    const run = async (action: 'deploy' | 'smoke-test', inputs: Record<string, string>) => {
      const r = await runBundle(action, { cwd, env: { ...em.env }, inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-sec', workspace: 'mlws', auth: 'secret', cloud: em.url, endpoint: 'chat-ep', ...inputs }, timeoutMs: 60_000 });
      runs.push(r);
      return r;
    };
    expect((await run('deploy', { model: 'azureml:phi3-chat-ft:1' })).exitCode).toBe(0);
    expect((await run('deploy', { action: 'promote', deployment: 'phi3-chat-ft-v1' })).exitCode).toBe(0);
    expect((await run('smoke-test', { deployment: 'phi3-chat-ft-v1' })).exitCode).toBe(0);
    const key = (await arm.listKeys(`${ws}/onlineEndpoints/chat-ep`)).primaryKey;
    const uri = (em.state.resource(`${ws}/onlineEndpoints/chat-ep`) as { properties: { scoringUri: string } }).properties.scoringUri;
    expect((await run('smoke-test', { endpoint: '', 'scoring-uri': uri, 'api-key': key })).exitCode).toBe(0);
    // Failing paths: the error messages too.
    for (const rule of faultPresets['scoring-5xx']!.rules) em.addFault(rule);
    expect((await run('smoke-test', { 'timeout-seconds': '5' })).exitCode).not.toBe(0);
    expect((await run('smoke-test', { endpoint: '', 'scoring-uri': uri, 'api-key': key, 'timeout-seconds': '5' })).exitCode).not.toBe(0);
    for (const rule of faultPresets['deployment-fails']!.rules) em.addFault(rule);
    expect((await run('deploy', { model: 'azureml:phi3-chat-ft:2' })).exitCode).not.toBe(0);
    expect((await run('deploy', { action: 'rollback', 'previous-traffic': '{"gone":100}' })).exitCode).not.toBe(0);

    const secrets = em.state.secrets();
    expect(secrets).toContain(key);
    for (const r of runs) {
      const text = [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
      for (const secret of secrets) expect(text.includes(secret), `a secret in: ${text.slice(0, 300)}`).toBe(false);
    }
  }, 240_000);
});
