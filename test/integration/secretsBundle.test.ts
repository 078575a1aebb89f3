// No key or token in anything a step shows: every action's process (dataset with upload, provision, finetune, deploy, smoke-test), passing and failing, searched for every secret the emulator holds or issued.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator, FaultRule } from '../../emulator/src/index.js';
import { faultPresets } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { runBundle, type BundleRun } from '../helpers/runBundle.js';
import { chat, jsonl, tempDir, writeTemp } from '../helpers/tempFiles.js';

// One emulator (with Azurite, for the dataset upload) for every process; each scenario works on its own resources
// and scopes its faults to them, so the processes run side by side.
let em: Emulator;
let arm: ArmTestClient;
let ws: string;
const dataDir = tempDir('amlft-secrets-data-');
writeTemp(dataDir, 'train.jsonl', jsonl(Array.from({ length: 20 }, (_, i) => chat(i))));

beforeAll(async () => {
  em = await startTestEmulator({ azurite: true });
  arm = new ArmTestClient(em);
  ws = (await arm.createWorkspace('mlws', 'rg-sec')).id as string;
  const model = await arm.createModel(ws, 'phi3-chat-ft', '1');
  const cluster = await arm.put(`${ws}/computes/gpu-cluster`, { location: 'eastus2', properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
  await arm.waitAsync(cluster);
  await arm.put(`${ws}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
  // Endpoints for the smoke tests: one that answers, one that fails, one whose errors echo its keys.
  await Promise.all(
    ['smoke-ep', 'smoke-bad-ep', 'smoke-echo-ep'].map(async (name) => {
      const endpoint = await arm.createEndpoint(ws, name);
      await arm.createDeployment(endpoint, 'blue', model);
      await arm.setTraffic(endpoint, { blue: 100 });
    }),
  );
}, 60_000);
afterAll(() => em?.stop());

/** A preset's rules, only for requests whose path also starts with `scope` (so one scenario's fault leaves the others alone). */
function scoped(preset: string, scope: string): FaultRule[] {
  return faultPresets[preset]!.rules.map((rule) => ({ ...rule, match: { ...rule.match, path: `${scope}${rule.match?.path ? `.*${rule.match.path}` : ''}` } }));
}

/** A preset's rules for one exact path (a narrower form of the preset's own path). */
const only = (preset: string, path: string): FaultRule[] => faultPresets[preset]!.rules.map((rule) => ({ ...rule, match: { ...rule.match, path } }));

const signIn = () => ({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, cloud: em.url });
const oidc = () => ({ auth: 'oidc', 'client-id': em.env.AZURE_CLIENT_ID!, 'tenant-id': em.env.AZURE_TENANT_ID! });
const githubEnv = { GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: 'abc1234def', GITHUB_RUN_ID: '79' };

interface Labelled {
  readonly label: string;
  readonly run: BundleRun;
}

const runs: Labelled[] = [];
async function step(label: string, action: string, inputs: Record<string, string>, cwd = mkdtempSync(join(tmpdir(), `amlft-sec-${action}-`))): Promise<BundleRun> {
  const run = await runBundle(action, { cwd, env: { ...em.env, ...githubEnv }, inputs, timeoutMs: 60_000 });
  runs.push({ label, run });
  return run;
}

const passes = (r: BundleRun) => expect(r.exitCode, r.stdout + r.stderr).toBe(0);
const fails = (r: BundleRun) => expect(r.exitCode, r.stdout + r.stderr).toBe(1);

/** Everything a step printed, summarised or output, without the ::add-mask:: lines the runner consumes. */
function captured(r: BundleRun): string {
  return [r.stdout, r.stderr, r.summary, JSON.stringify(r.outputs)].join('\n').split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
}

const issuerOf = (jwt: string): string | undefined => {
  try {
    return (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: string }).iss;
  } catch {
    return undefined;
  }
};

async function dataset(): Promise<void> {
  const upload = { 'train-file': 'train.jsonl', 'validation-split': '0.2', upload: 'true', 'resource-group': 'rg-sec', workspace: 'mlws', ...signIn() };
  const ok = await step('dataset upload (oidc)', 'dataset', { ...upload, ...oidc() }, dataDir);
  passes(ok);
  expect(ok.outputs['train-data']).toMatch(/^azureml:phi3-chat-chat-train:/);
  // Registration refused (403 AuthorizationFailed) for this data name only.
  em.addFault({
    name: 'data-write-forbidden',
    match: { method: 'PUT', host: 'arm', path: '/data/refused-[^/]+/versions/[^/]+$' },
    respond: { status: 403, body: { error: { code: 'AuthorizationFailed', message: "The client does not have authorization to perform action 'Microsoft.MachineLearningServices/workspaces/data/versions/write'." } } },
  });
  const refused = await step('dataset upload refused', 'dataset', { ...upload, auth: 'secret', 'data-name': 'refused', 'validation-split': '0.3' }, dataDir);
  fails(refused);
  expect(refused.stdout).toContain('AuthorizationFailed');
}

async function provision(): Promise<void> {
  const inputs = { ...signIn(), workspace: 'mlws', location: 'eastus2', 'create-resource-group': 'true', auth: 'secret' };
  const ok = await step('provision', 'provision', { ...inputs, 'resource-group': 'rg-prov' });
  passes(ok);
  expect(Number(ok.outputs.changes)).toBeGreaterThan(0);
  for (const rule of scoped('role-assignment-forbidden', '/resourceGroups/rg-prov-bad/')) em.addFault(rule);
  const refused = await step('provision, roles refused', 'provision', { ...inputs, 'resource-group': 'rg-prov-bad' });
  fails(refused);
  expect(refused.stdout).toContain('cannot assign roles');
}

async function finetune(): Promise<void> {
  const inputs = { ...signIn(), 'resource-group': 'rg-sec', workspace: 'mlws', 'train-data': 'azureml:chat-train:1', 'poll-seconds': '1' };
  const ok = await step('finetune (oidc)', 'finetune', { ...inputs, ...oidc(), 'job-name': 'ft-sec-ok' });
  passes(ok);
  expect(ok.outputs.status).toBe('Completed');
  for (const rule of only('job-fails', '/jobs/ft-sec-bad$')) em.addFault(rule);
  const failed = await step('finetune, job fails', 'finetune', { ...inputs, auth: 'secret', 'job-name': 'ft-sec-bad' });
  fails(failed);
  expect(failed.stdout).toContain('CUDA out of memory');
}

async function deploy(): Promise<void> {
  const inputs = { ...signIn(), 'resource-group': 'rg-sec', workspace: 'mlws', auth: 'secret' };
  passes(await step('deploy', 'deploy', { ...inputs, endpoint: 'dep-ep', model: 'azureml:phi3-chat-ft:1' }));
  passes(await step('promote', 'deploy', { ...inputs, endpoint: 'dep-ep', action: 'promote', deployment: 'phi3-chat-ft-v1' }));
  fails(await step('rollback refused', 'deploy', { ...inputs, endpoint: 'dep-ep', action: 'rollback', 'previous-traffic': '{"gone":100}' }));
  for (const rule of only('deployment-fails', '/onlineEndpoints/dep-bad-ep/deployments/[^/]+$')) em.addFault(rule);
  const failed = await step('deploy, deployment fails', 'deploy', { ...inputs, endpoint: 'dep-bad-ep', model: 'azureml:phi3-chat-ft:1' });
  fails(failed);
  expect(failed.stdout).toContain('CUDA out of memory');
}

async function smokeTest(): Promise<void> {
  const inputs = { ...signIn(), 'resource-group': 'rg-sec', workspace: 'mlws', auth: 'secret' };
  const uriOf = (name: string) => (em.state.resource(`${ws}/onlineEndpoints/${name}`) as { properties: { scoringUri: string } }).properties.scoringUri;
  const keys = await arm.listKeys(`${ws}/onlineEndpoints/smoke-echo-ep`);
  const badKey = (await arm.listKeys(`${ws}/onlineEndpoints/smoke-bad-ep`)).primaryKey;
  passes(await step('smoke-test deployment', 'smoke-test', { ...inputs, endpoint: 'smoke-ep', deployment: 'blue' }));
  passes(await step('smoke-test scoring-uri + api-key', 'smoke-test', { 'scoring-uri': uriOf('smoke-ep'), 'api-key': (await arm.listKeys(`${ws}/onlineEndpoints/smoke-ep`)).primaryKey }));
  for (const rule of scoped('scoring-5xx', '/inference/[^/]+/smoke-bad-ep/')) em.addFault(rule);
  fails(await step('smoke-test 5xx', 'smoke-test', { ...inputs, endpoint: 'smoke-bad-ep', 'timeout-seconds': '5' }));
  fails(await step('smoke-test 5xx, api-key', 'smoke-test', { 'scoring-uri': uriOf('smoke-bad-ep'), 'api-key': badKey, 'timeout-seconds': '5' }));
  // An error body that echoes both keys: the quoted error masks them.
  em.addFault({ name: 'echo-keys', match: { host: 'scoring', path: '/inference/[^/]+/smoke-echo-ep/' }, respond: { status: 401, body: { message: `key ${keys.primaryKey} rejected; try ${keys.secondaryKey}` } } });
  const echoed = await step('smoke-test, error echoes the keys', 'smoke-test', { ...inputs, endpoint: 'smoke-echo-ep' });
  fails(echoed);
  expect(echoed.stdout).toContain('HTTP 401: key *** rejected; try ***');
}

describe('secrets', () => {
  it('no key or token appears in stdout, stderr, summary or outputs of any action, passing or failing', async () => {
    const outcomes = await Promise.allSettled([dataset(), provision(), finetune(), deploy(), smokeTest()]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    expect(runs).toHaveLength(15);

    const secrets = em.state.secrets();
    // The search is only as good as the list: every kind is in it.
    expect(secrets).toEqual(expect.arrayContaining([em.env.AZURE_CLIENT_SECRET, em.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN, em.state.azurite!.accountKey]));
    expect(secrets).toEqual(expect.arrayContaining([(await arm.listKeys(`${ws}/onlineEndpoints/smoke-ep`)).primaryKey, (await arm.listKeys(`${ws}/onlineEndpoints/dep-ep`)).secondaryKey]));
    expect(secrets.filter((s) => issuerOf(s)?.startsWith('https://sts.windows.net/')).length).toBeGreaterThan(5);
    expect(secrets.filter((s) => issuerOf(s) === 'https://token.actions.githubusercontent.com').length).toBeGreaterThanOrEqual(2);
    for (const { label, run } of runs) {
      const text = captured(run);
      for (const secret of secrets) expect(text.includes(secret), `${label}: a secret (${secret.slice(0, 6)}…) in its output`).toBe(false);
    }
  }, 240_000);
});
