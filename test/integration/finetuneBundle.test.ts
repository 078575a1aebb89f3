// The bundled finetune action run as a process against the emulator: complete + attach, SIGTERM cancels the job, OIDC expiry, bad input.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle, type RunBundleOptions } from '../helpers/runBundle.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(options: EmulatorOptions = {}): Promise<Emulator> {
  const em = await startTestEmulator(options);
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', 'rg-ftb')).id as string;
  const cluster = await arm.put(`${ws}/computes/gpu-cluster`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
  if (cluster.status < 300 && cluster.header('azure-asyncoperation')) await arm.waitAsync(cluster);
  await arm.put(`${ws}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
  return em;
}

const run = (em: Emulator, inputs: Record<string, string>, extra: Partial<RunBundleOptions> = {}) =>
  runBundle('finetune', {
    cwd: mkdtempSync(join(tmpdir(), 'amlft-finetune-')),
    env: { ...em.env, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: 'abc1234def', GITHUB_RUN_ID: '78' },
    inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-ftb', workspace: 'mlws', auth: 'secret', cloud: em.url, 'train-data': 'azureml:chat-train:1', 'poll-seconds': '1', ...inputs },
    timeoutMs: 60_000,
    ...extra,
  });

const jobWrites = (em: Emulator, from: number, method: string, suffix: RegExp) => em.requests.slice(from).filter((r) => r.method === method && suffix.test(r.path));

describe('actions/finetune bundle', () => {
  it('submits and completes with every output; a re-run attaches without a second submit; a bad input fails in one line', async () => {
    const em = await start();
    let from = em.requests.length;
    const first = await run(em, {});
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    expect(jobWrites(em, from, 'PUT', /\/jobs\/[^/]+$/)).toHaveLength(1);
    expect(first.outputs).toMatchObject({ status: 'Completed', model: 'azureml:phi3-chat-ft:1' });
    expect(first.outputs['job-name']).toMatch(/^ft-phi3-chat-abc1234-/);
    expect(first.outputs['model-id']).toMatch(/\/models\/phi3-chat-ft\/versions\/1$/);
    expect(JSON.parse(first.outputs.metrics!)).toHaveProperty('train_loss');
    expect(first.stdout).toContain('::group::Waiting for job');
    expect(first.summary).toContain('Fine-tuning job');
    const job = em.state.resource(`${new ArmTestClient(em).ws('mlws', 'rg-ftb')}/jobs/${first.outputs['job-name']}`)!;
    expect(job.tags ?? (job as any).properties?.tags).toMatchObject({ repository: 'octo/phi3-chat', commit: 'abc1234def', run: 'https://github.com/octo/phi3-chat/actions/runs/78' });

    from = em.requests.length;
    const again = await run(em, {});
    expect(again.exitCode).toBe(0);
    expect(jobWrites(em, from, 'PUT', /\/jobs\/[^/]+$/)).toHaveLength(0);
    expect(again.outputs['job-name']).toBe(first.outputs['job-name']);

    const bad = await run(em, { epochs: '0' });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain("::error::finetune: input 'epochs': '0' is not valid; expected a whole number >= 1 and <= 100");
  }, 90_000);

  it('SIGTERM while the job runs cancels the Azure ML job and exits non-zero', async () => {
    const em = await start({ faults: 'job-hangs' });
    const from = em.requests.length;
    const result = await run(em, { 'job-name': 'sigterm-1' }, {
      onStart: (child, output) => {
        const timer = setInterval(() => {
          if (/ Running \(\+/.test(output())) {
            clearInterval(timer);
            child.kill('SIGTERM');
          }
        }, 20);
        child.on('close', () => clearInterval(timer));
      },
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('Received SIGTERM');
    expect(result.stdout).toContain('cancelled Azure ML job sigterm-1 (cancel-on-abort)');
    expect(jobWrites(em, from, 'POST', /\/jobs\/sigterm-1\/cancel$/)).toHaveLength(1);
  }, 60_000);

  it('keeps waiting past the expiry of both the GitHub OIDC token and the Entra token', async () => {
    // Lifetimes of a few seconds (not 1 s): on a loaded machine a 1 s GitHub token can expire between issue and exchange.
    const em = await start({ tokenLifetimeSeconds: 4, githubTokenLifetimeSeconds: 3, timing: { jobRunningMs: 6500 } });
    const before = em.state.counters.githubIdTokens;
    const result = await run(em, { auth: 'oidc', 'client-id': em.env.AZURE_CLIENT_ID!, 'tenant-id': em.env.AZURE_TENANT_ID!, 'job-name': 'long-1' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.outputs.status).toBe('Completed');
    expect(em.state.counters.githubIdTokens - before).toBeGreaterThan(1);
  }, 60_000);
});
