// The bundled finetune action with config-file, as a process against the emulator: the file's values reach the
// submitted job, an input set in the workflow wins, and a bad file fails in one line before any request.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { repoRoot, runBundle } from '../helpers/runBundle.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

async function start(): Promise<Emulator> {
  const em = await startTestEmulator();
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', 'rg-ftc')).id as string;
  const cluster = await arm.put(`${ws}/computes/gpu-cluster`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
  if (cluster.status < 300 && cluster.header('azure-asyncoperation')) await arm.waitAsync(cluster);
  await arm.put(`${ws}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
  return em;
}

const run = (em: Emulator, cwd: string, inputs: Record<string, string>) =>
  runBundle('finetune', {
    cwd,
    env: { ...em.env, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: 'abc1234def', GITHUB_RUN_ID: '79' },
    inputs: { 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-ftc', workspace: 'mlws', auth: 'secret', cloud: em.url, 'train-data': 'azureml:chat-train:1', 'poll-seconds': '1', ...inputs },
    timeoutMs: 60_000,
  });

/** Every string value under `key` anywhere in a request body. */
function valuesOf(body: unknown, key: string): unknown[] {
  if (body === null || typeof body !== 'object') return [];
  return Object.entries(body as Record<string, unknown>).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
}

describe('actions/finetune bundle with config-file', () => {
  it("submits the repository's finetune.config.json values, with the workflow's explicit epochs winning", async () => {
    const em = await start();
    const cwd = mkdtempSync(join(tmpdir(), 'amlft-ftc-'));
    copyFileSync(join(repoRoot, 'finetune.config.json'), join(cwd, 'finetune.config.json'));
    const result = await run(em, cwd, { 'config-file': 'finetune.config.json', epochs: '2' });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('Config file finetune.config.json: defaults for model, mode, compute, learning-rate,');
    const submit = em.requests.find((r) => r.method === 'PUT' && /\/jobs\/ft-[^/]+$/.test(r.path));
    expect(submit).toBeDefined();
    const value = (key: string) => JSON.stringify(valuesOf(submit!.body, key));
    expect(value('num_train_epochs')).toContain('"2"');
    expect(value('learning_rate')).toContain('"0.0001"');
    expect(value('gradient_accumulation_steps')).toContain('"8"');
    expect(value('lr_scheduler_type')).toContain('"cosine"');
    expect(value('lora_r')).toContain('"16"');
    expect(value('precision')).toContain('"bf16"');
    expect(result.outputs.model).toBe('azureml:phi3-chat-ft:1');
  }, 90_000);

  it('a bad config file fails in one line naming the file, pointer, value and what is allowed, before any request', async () => {
    const em = await start();
    const cwd = mkdtempSync(join(tmpdir(), 'amlft-ftc-'));
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ epochs: 0, 'learning-rate': 0.0001 }));
    const before = em.requests.length;
    const result = await run(em, cwd, { 'config-file': 'bad.json' });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("::error::finetune: config-file 'bad.json' at /epochs: 0 is not valid; expected a whole number >= 1 and <= 100");
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
    expect(em.requests.slice(before)).toEqual([]);
  }, 60_000);
});
