// The deploy bundle as a process with connection-name and github-token against the emulator: the connection and the GitHub deployment exist, and no endpoint key, connection secret or GitHub token appears in anything the process printed, output or summarised.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle, type BundleRun } from '../helpers/runBundle.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

const token = 'ghs_bundleDeployToken0123456789';
const sha = '89abcdef0123456789abcdef0123456789abcdef';

/** Everything a run let out, minus the ::add-mask:: commands that hide secrets from the log. */
const captured = (r: BundleRun) =>
  [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)]
    .join('\n')
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');

describe('actions/deploy bundle with connection-name and github-token', () => {
  it('writes the connection and the GitHub deployment record, and lets out no key, connection secret or token', async () => {
    const em = await startTestEmulator({ timing: { deploymentMs: 300 } });
    emulator = em;
    const arm = new ArmTestClient(em);
    const ws = (await arm.createWorkspace('mlws', 'rg-bsec')).id as string;
    await arm.createModel(ws, 'phi3-chat-ft', '1');
    const run = (inputs: Record<string, string>) =>
      runBundle('deploy', {
        cwd: mkdtempSync(join(tmpdir(), 'amlft-deploy-')),
        env: { ...em.env, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: sha, GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ID: '7', GITHUB_SERVER_URL: 'https://github.com' },
        inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-bsec', workspace: 'mlws', auth: 'secret', cloud: em.url, endpoint: 'chat-ep', 'step-wait-seconds': '0', 'connection-name': 'phi3-chat', 'github-token': token, ...inputs },
        timeoutMs: 60_000,
      });
    const runs: BundleRun[] = [];

    const v1 = await run({ model: 'azureml:phi3-chat-ft:1' });
    runs.push(v1);
    expect(v1.exitCode, v1.stdout + v1.stderr).toBe(0);
    expect(v1.outputs['connection-name']).toBe('phi3-chat');
    expect(v1.outputs['github-deployment-id']).toMatch(/^\d+$/);
    expect(v1.summary).toContain('Prompt flow connection');
    expect(v1.summary).toContain('GitHub deployment');

    const p1 = await run({ action: 'promote', deployment: 'phi3-chat-ft-v1' });
    runs.push(p1);
    expect(p1.exitCode, p1.stdout + p1.stderr).toBe(0);
    expect(p1.summary).toContain('updated');

    // A failing step (the model does not exist) marks its GitHub deployment failed, and lets nothing out either.
    const bad = await run({ model: 'azureml:phi3-chat-ft:9' });
    runs.push(bad);
    expect(bad.exitCode).not.toBe(0);

    const repo = em.state.github.repo('octo/phi3-chat');
    expect(repo.deployments.map((d) => [d.environment, d.task, d.sha])).toEqual([
      ['chat-ep', 'deploy', sha],
      ['chat-ep', 'deploy:promote', sha],
      ['chat-ep', 'deploy', sha],
    ]);
    const finalStates = repo.deployments.map((d) => repo.statuses.filter((s) => s.deploymentId === d.id && s.state !== 'inactive').at(-1)?.state);
    expect(finalStates).toEqual(['success', 'success', 'failure']);

    const key = (await arm.listKeys(`${ws}/onlineEndpoints/chat-ep`)).primaryKey;
    const connectionSecret = (await arm.post(`${ws}/connections/phi3-chat/listsecrets`)).json<{ properties: { credentials: { keys: { key: string } } } }>().properties.credentials.keys.key;
    expect(connectionSecret).toBe(key);
    const secrets = [key, connectionSecret, token, ...em.state.secrets()];
    // The processes did mask what they read.
    expect(v1.stdout).toContain(`::add-mask::${key}`);
    expect(v1.stdout).toContain(`::add-mask::${token}`);
    for (const r of runs) for (const secret of secrets) expect(captured(r).includes(secret), `a secret appeared in: ${captured(r).slice(0, 200)}`).toBe(false);
  }, 120_000);
});
