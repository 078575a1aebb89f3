// Real Azurite behind the default datastore, used by a process that trusts the emulator's CA; stops cleanly.

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackRequest, type Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator, waitFor } from './helpers.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');

let emulator: Emulator;
let arm: ArmTestClient;
let ws: Record<string, any>;
beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: true });
  arm = new ArmTestClient(emulator);
  ws = await arm.createWorkspace();
});
afterAll(() => emulator?.stop());

/** Runs an ES module snippet in a fresh Node process with the emulator's environment, as an action would run. */
function runNode(code: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (exit) => done({ code: exit, stdout, stderr }));
  });
}

describe('Azurite', () => {
  it('backs the default datastore: upload and download with the account key from listSecrets, and with an Entra token', async () => {
    const datastore = (await arm.get(`${ws.id}/datastores/workspaceblobstore`)).json<{ properties: { accountName: string; containerName: string; endpoint: string; protocol: string } }>().properties;
    expect(datastore.endpoint).toBe(`127.0.0.1:${emulator.state.azurite!.port}`);
    const { key } = (await arm.post(`${ws.id}/datastores/workspaceblobstore/listSecrets`)).json<{ key: string }>();
    // Path-style address (Azurite): <protocol>://<endpoint>/<accountName>.
    const accountUrl = `${datastore.protocol}://${datastore.endpoint}/${datastore.accountName}`;
    const code = `
      import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
      import { ClientSecretCredential } from '@azure/identity';
      const env = process.env;
      const byKey = new BlobServiceClient(env.ACCOUNT_URL, new StorageSharedKeyCredential(env.ACCOUNT_NAME, env.ACCOUNT_KEY));
      const container = byKey.getContainerClient(env.CONTAINER);
      const blob = container.getBlockBlobClient('LocalUpload/0f1e/train.jsonl');
      const text = '{"messages":[{"role":"user","content":"Who founded Microsoft?"}]}\\n';
      await blob.upload(text, Buffer.byteLength(text));
      const back = (await blob.downloadToBuffer()).toString('utf8');
      const credential = new ClientSecretCredential(env.AZURE_TENANT_ID, env.AZURE_CLIENT_ID, env.AZURE_CLIENT_SECRET, { authorityHost: env.AZURE_AUTHORITY_HOST, disableInstanceDiscovery: true });
      const byToken = new BlobServiceClient(env.ACCOUNT_URL, credential).getContainerClient(env.CONTAINER);
      const exists = await byToken.getBlobClient('LocalUpload/0f1e/train.jsonl').exists();
      const missing = await byToken.getBlobClient('LocalUpload/none').exists();
      console.log(JSON.stringify({ same: back === text, exists, missing }));
    `;
    const run = await runNode(code, { ...emulator.env, ACCOUNT_URL: accountUrl, ACCOUNT_NAME: datastore.accountName, ACCOUNT_KEY: key, CONTAINER: datastore.containerName });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ same: true, exists: true, missing: false });
  });

  it('holds the MLmodel a completed pipeline job wrote to its pinned output', async () => {
    await arm.put(`${ws.id}/computes/gpu`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { maxNodeCount: 1 } } } });
    const job = `${ws.id}/jobs/with-output`;
    await arm.put(job, {
      properties: {
        jobType: 'Pipeline',
        settings: { default_compute: 'gpu' },
        jobs: { finetune: { componentId: 'azureml://registries/azureml/components/chat_completion_pipeline/versions/0.0.65' } },
        outputs: { mlflow_model_folder: { jobOutputType: 'mlflow_model', uri: 'azureml://datastores/workspaceblobstore/paths/amlft/with-output/model/' } },
      },
    });
    await waitFor(async () => (await arm.get(job)).json<{ properties: { status: string } }>().properties.status, (s) => s === 'Completed');
    const container = `azureml-blobstore-${ws.properties.workspaceId}`;
    const token = await arm.token('https://storage.azure.com/.default');
    const url = `${emulator.state.azurite!.accountUrl}/${container}/amlft/with-output/model/MLmodel`;
    const res = await waitFor(() => loopbackRequest(url, { ca: emulator.ca, headers: { Authorization: `Bearer ${token}`, 'x-ms-version': '2023-11-03' } }), (r) => r.status === 200);
    expect(res.text).toContain('run_id: with-output');
  });

  it('never tried to reach anything but loopback, and stop() ends the Azurite process', async () => {
    expect(emulator.state.azuriteBlockedOutbound()).toEqual([]);
    const pid = emulator.state.azurite!.pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await emulator.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});

