// The bundled dataset action uploads to the emulator's workspace (real Azurite behind the datastore),
// signs in as the runner would (client secret, then GitHub OIDC), and a re-run uploads and registers nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle } from '../helpers/runBundle.js';
import { chat, jsonl, tempDir, writeTemp } from '../helpers/tempFiles.js';

let emulator: Emulator;
let arm: ArmTestClient;
const ws = tempDir('amlft-upload-ws-');
writeTemp(ws, 'data/train.jsonl', jsonl(Array.from({ length: 50 }, (_, i) => chat(i))));

beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: true });
  arm = new ArmTestClient(emulator);
  await arm.createWorkspace('mlws', 'rg-ml');
}, 60_000);
afterAll(() => emulator?.stop());

function upload(extra: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runBundle('dataset', {
    cwd: ws,
    env: { ...emulator.env, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: 'abc123', GITHUB_RUN_ID: '77', ...env },
    inputs: {
      'train-file': 'data/train.jsonl',
      'validation-split': '0.2',
      upload: 'true',
      'subscription-id': emulator.env.AZURE_SUBSCRIPTION_ID!,
      'resource-group': 'rg-ml',
      workspace: 'mlws',
      cloud: emulator.url,
      auth: 'secret',
      ...extra,
    },
  });
}

describe('actions/dataset with upload: true', () => {
  let first: Awaited<ReturnType<typeof upload>>;

  it('uploads both split files content-addressed and registers versioned data assets', async () => {
    first = await upload();
    expect(first.stderr).toBe('');
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.outputs['train-data']).toMatch(/^azureml:phi3-chat-chat-train:[0-9a-f]{16}$/);
    expect(first.outputs['validation-data']).toMatch(/^azureml:phi3-chat-chat-validation:[0-9a-f]{16}$/);
    expect(first.outputs['train-data-uri']).toMatch(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/amlft\/datasets\/[0-9a-f]{64}\/train\.train\.jsonl$/);
    expect(first.stdout).toMatch(/uploaded 0\.\d+ MiB to workspaceblobstore\/amlft\/datasets\//);
    expect(first.stdout).toContain('registered data asset phi3-chat-chat-train:');
    expect(first.summary).toContain('### Upload');
    const [name, version] = first.outputs['train-data']!.split(':').slice(1);
    const asset = (await arm.get(`${arm.ws('mlws', 'rg-ml')}/data/${name}/versions/${version}`)).json<{ properties: { dataUri: string; tags: Record<string, string> } }>();
    expect(asset.properties.dataUri).toBe(first.outputs['train-data-uri']);
    expect(asset.properties.tags).toMatchObject({ repository: 'octo/phi3-chat', commit: 'abc123', file: expect.stringContaining('train.train.jsonl') });
  }, 60_000);

  it('re-runs without uploading or registering anything, and gives the same outputs', async () => {
    const writesBefore = emulator.requests.filter((r) => r.method === 'PUT').length;
    const again = await upload();
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('already in datastore workspaceblobstore');
    expect(again.stdout).toContain('already registered (same content), reused');
    expect(again.stdout).not.toMatch(/uploaded [\d.]+ MiB/);
    expect(emulator.requests.filter((r) => r.method === 'PUT').length).toBe(writesBefore);
    for (const output of ['train-data', 'validation-data', 'train-data-uri', 'validation-data-uri']) expect(again.outputs[output]).toBe(first.outputs[output]);
  }, 60_000);

  it('signs in with GitHub OIDC as a workflow with id-token: write does', async () => {
    const run = await upload({ auth: 'oidc', 'client-id': emulator.env.AZURE_CLIENT_ID!, 'tenant-id': emulator.env.AZURE_TENANT_ID! }, { AZURE_CLIENT_SECRET: '' });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('signed in with OpenID Connect as app');
  }, 60_000);

  it('fails with one clear line when the workspace does not exist', async () => {
    const run = await upload({ workspace: 'nope-ws' });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/::error::dataset: .*failed: 404 \w+: .* — check the workspace and resource-group inputs/);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('never prints the datastore key or the client secret', async () => {
    const run = await upload();
    // ::add-mask:: lines are how a secret is handed to the runner for masking; the runner never shows them.
    expect(run.stdout).toContain('::add-mask::');
    const shown = run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n');
    const everything = shown + run.stderr + run.summary + JSON.stringify(run.outputs);
    expect(everything).not.toContain(emulator.env.AZURE_CLIENT_SECRET!);
    expect(everything).not.toContain('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq');
  }, 60_000);
});
