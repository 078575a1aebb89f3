// Dataset upload throughput against Azurite behind the emulator, in one run:
//  (a) the toolkit's upload (content hash, then parallel 8 MiB blocks)
//  (b) one raw Put Blob of the same file (the whole file in a single request)
//  (c) the toolkit's re-run (hash, find the blob, upload nothing)
// Usage: npm run build:lib && node bench/upload.mjs [--mb 128]
// On loopback Azurite there is no network to parallelise over: (b) wins and (a) pays for the SHA-256
// that makes (c) possible. Against Azure, where one connection tops out far below the account's
// bandwidth, parallel blocks are what make big files fast; the defaults (8 MiB x 8) follow Azure's
// guidance for block uploads.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { startEmulator, loopbackRequest } = await import(join(root, 'build/emulator/src/index.js'));
const mbArg = process.argv.indexOf('--mb');
const megabytes = mbArg > 0 ? Number(process.argv[mbArg + 1]) : 128;

const scratch = mkdtempSync(join(tmpdir(), 'amlft-bench-upload-'));
const file = join(scratch, 'train.jsonl');
const fd = openSync(file, 'w');
const line = Buffer.from(`${JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(900) }, { role: 'assistant', content: 'y'.repeat(90) }] })}\n`);
for (let written = 0; written < megabytes * 1e6; written += line.length) writeSync(fd, line);
closeSync(fd);

const emulator = await startEmulator({ azurite: true, timing: { workspaceMs: 20 } });
try {
  const env = emulator.env;
  const token = (await loopbackRequest(`${emulator.url}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST', ca: emulator.ca, headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: env.AZURE_CLIENT_ID, client_secret: env.AZURE_CLIENT_SECRET, scope: `${emulator.url}/.default` }).toString(),
  })).json().access_token;
  const arm = (method, path, body) => loopbackRequest(`${emulator.url}${path}?api-version=2024-10-01`, { method, ca: emulator.ca, headers: { Authorization: `Bearer ${token}` }, body });
  const rg = `/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/rg-bench`;
  await arm('PUT', rg, { location: 'eastus2' });
  const ws = await arm('PUT', `${rg}/providers/Microsoft.MachineLearningServices/workspaces/bench`, {
    location: 'eastus2',
    properties: { storageAccount: `${rg}/providers/Microsoft.Storage/storageAccounts/st`, keyVault: `${rg}/providers/Microsoft.KeyVault/vaults/kv` },
  });
  if (ws.status >= 300) throw new Error(`workspace: ${ws.status} ${ws.text}`);
  await new Promise((r) => setTimeout(r, 200));

  // The measurements run in a child process that trusts the emulator's CA, as an action would.
  const child = `
    import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
    import { readFileSync } from 'node:fs';
    import { datasetStoreConnector } from '${root}/build/src/dataset/datasetStore.js';
    import { uploadDatasetFiles } from '${root}/build/src/dataset/uploadDataset.js';
    import { blobServiceUrl } from '${root}/build/src/azure/blobStorage.js';
    import { systemClock } from '${root}/build/src/clock.js';
    const file = ${JSON.stringify(file)};
    const connect = datasetStoreConnector({ env: process.env, getIdToken: async () => '', clock: systemClock, maskSecret: () => {} });
    const upload = { signIn: { subscriptionId: process.env.AZURE_SUBSCRIPTION_ID, resourceGroup: 'rg-bench', workspace: 'bench', auth: 'secret', cloud: process.env.AMLFT_CLOUD }, dataName: 'bench', datastore: 'workspaceblobstore' };
    const store = await connect(upload);
    const files = [{ role: 'train', path: file, displayPath: 'train.jsonl' }];
    let t = performance.now();
    const [first] = await uploadDatasetFiles(files, store.workspace, store.container, { dataName: 'bench', datastore: 'workspaceblobstore', tags: {} });
    const toolkit = (performance.now() - t) / 1000;
    t = performance.now();
    const [again] = await uploadDatasetFiles(files, store.workspace, store.container, { dataName: 'bench', datastore: 'workspaceblobstore', tags: {} });
    const rerun = (performance.now() - t) / 1000;
    const ds = await store.workspace.getBlobDatastore('workspaceblobstore');
    const secret = await store.workspace.getDatastoreSecret('workspaceblobstore');
    const raw = new BlobServiceClient(blobServiceUrl(ds), new StorageSharedKeyCredential(ds.accountName, secret.key)).getContainerClient(ds.containerName).getBlockBlobClient('raw/train.jsonl');
    const bytes = readFileSync(file);
    t = performance.now();
    await raw.upload(bytes, bytes.length);
    const single = (performance.now() - t) / 1000;
    console.log(JSON.stringify({ toolkit, rerun, single, uploaded: first.uploaded, reuploaded: again.uploaded }));
  `;
  // Asynchronously: the emulator serves the child from this process's event loop.
  const { stdout: out } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child], { cwd: root, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', maxBuffer: 1 << 24 });
  const r = JSON.parse(out.trim().split('\n').pop());
  const mbps = (s) => (megabytes / s).toFixed(1);
  console.log(`file: ${megabytes} MB; Azurite (in memory) behind the emulator's datastore`);
  console.log(`(a) toolkit upload: SHA-256 + 8 MiB blocks x 8 in parallel  ${r.toolkit.toFixed(2)} s  ${mbps(r.toolkit)} MB/s  (uploaded: ${r.uploaded})`);
  console.log(`(b) one raw Put Blob of the whole file                      ${r.single.toFixed(2)} s  ${mbps(r.single)} MB/s`);
  console.log(`(c) toolkit re-run: SHA-256, blob found, nothing uploaded   ${r.rerun.toFixed(2)} s  (uploaded: ${r.reuploaded})`);
  console.log(`\nspeed (a)/(b): ${(r.single / r.toolkit).toFixed(2)}   re-run (c) vs (a): ${(r.rerun / r.toolkit).toFixed(2)} of the time`);
} finally {
  await emulator.stop();
  rmSync(scratch, { recursive: true, force: true });
}
