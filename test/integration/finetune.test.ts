// The finetune library against the emulator, in-process: submit and complete, attach on re-run, failure, timeout, abort, throttling, serverless.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/src/index.js';
import { instantClock, type Clock } from '../../src/clock.js';
import { parseFinetuneInputs } from '../../src/finetune/finetuneInputs.js';
import { runFinetune } from '../../src/finetune/runFinetune.js';
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

/** The emulator's jobs move in real time: the test clock jumps ahead like instantClock, and yields a few real ms per sleep. */
function steppingClock(): Clock & { slept: number[] } {
  const inner = instantClock();
  return { slept: inner.slept, now: inner.now, sleep: async (ms, signal) => {
    await inner.sleep(ms, signal);
    await new Promise((r) => setTimeout(r, 10));
    if (signal?.aborted) throw signal.reason;
  } };
}

async function start(options: EmulatorOptions = {}, location = 'eastus2'): Promise<{ em: Emulator; arm: ArmTestClient; ws: string }> {
  const em = await startTestEmulator(options);
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', 'rg-ft', location)).id as string;
  const cluster = await arm.put(`${ws}/computes/gpu-cluster`, { location, properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } } });
  if (cluster.status < 300 && cluster.header('azure-asyncoperation')) await arm.waitAsync(cluster);
  await arm.put(`${ws}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
  return { em, arm, ws };
}

function env(em: Emulator): NodeJS.ProcessEnv {
  const { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET } = em.env;
  return { AZURE_AUTHORITY_HOST, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: '0123456789abcdef' };
}

async function finetune(em: Emulator, extra: Record<string, string> = {}, options: { abortSignal?: AbortSignal; workspace?: string; clock?: Clock } = {}) {
  const reporter = recordingReporter();
  const e = env(em);
  const inputs = parseFinetuneInputs(
    inputsFromRecord({ 'subscription-id': em.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-ft', workspace: options.workspace ?? 'mlws', auth: 'secret', cloud: em.url, 'train-data': 'azureml:chat-train:1', 'poll-seconds': '5', ...extra }),
    e,
  );
  const from = em.requests.length;
  const clock = options.clock ?? steppingClock();
  const outcome = await runFinetune(inputs, { env: e, clock, httpClient: trustingHttpClient(em.ca), getIdToken: () => Promise.reject(new Error('no GitHub OIDC here')), tags: { 'created-by': 'amlft', repository: 'octo/phi3-chat', commit: '0123456789abcdef' }, ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}) }, reporter).then(
    (result) => ({ result, error: undefined }),
    (error: unknown) => ({ result: undefined, error: error as Error }),
  );
  const requests = em.requests.slice(from);
  const submits = requests.filter((r) => r.method === 'PUT' && /\/jobs\/[^/]+$/.test(r.path));
  const cancels = requests.filter((r) => r.method === 'POST' && /\/jobs\/[^/]+\/cancel$/.test(r.path));
  return { ...outcome, reporter, requests, submits, cancels, log: reporter.logs.join('\n') };
}

describe('finetune against the emulator', () => {
  it('submits the pinned pipeline, waits, registers the model and verifies it; a re-run attaches without a second submit', async () => {
    const { em } = await start();
    const first = await finetune(em);
    expect(first.error).toBeUndefined();
    expect(first.submits).toHaveLength(1);
    const out = first.reporter.outputs;
    expect(out['job-name']).toMatch(/^ft-phi3-chat-0123456-[0-9a-f]{10}$/);
    expect(out.status).toBe('Completed');
    expect(out.model).toBe('azureml:phi3-chat-ft:1');
    expect(out['model-id']).toMatch(/\/models\/phi3-chat-ft\/versions\/1$/);
    expect(out['studio-url']).toContain(out['job-name']);
    expect(JSON.parse(out.metrics!)).toEqual({ train_loss: 0.4213, validation_loss: 0.5127 });
    expect(Number(out['duration-seconds'])).toBeGreaterThanOrEqual(0);
    expect(first.log).toMatch(/Azure ML studio: https:\/\//);
    expect(first.log).toMatch(/\d{4}-\d{2}-\d{2}T[\d:.]+Z Running \(\+\d/);
    const body = first.submits[0]!.body as any;
    expect(body.properties.jobs.chat_completion_pipeline.componentId).toMatch(/chat_completion_pipeline\/versions\/0\.0\.\d+$/);
    expect(body.properties.tags).toMatchObject({ repository: 'octo/phi3-chat', commit: '0123456789abcdef' });
    const model = em.state.resource(out['model-id']!)!;
    expect(model.tags ?? (model as any).properties?.tags).toMatchObject({ job: out['job-name'], commit: '0123456789abcdef' });
    expect(first.reporter.summaries.join('\n')).toMatch(/\| Running \| \d/);

    const again = await finetune(em);
    expect(again.error).toBeUndefined();
    expect(again.submits).toHaveLength(0);
    expect(again.reporter.outputs['job-name']).toBe(out['job-name']);
    expect(again.reporter.outputs.model).toBe('azureml:phi3-chat-ft:1'); // not a second version
    expect(again.log).toContain('attaching to it instead of submitting a second run');
  }, 30_000);

  it('a failed job fails the step with its error and log tail; the re-run submits attempt 2', async () => {
    const { em } = await start({ faults: 'job-fails' });
    const failed = await finetune(em);
    expect(failed.error).toBeInstanceOf(UserFacingError);
    expect(failed.error!.message).toMatch(/ended Failed: UserError: torch\.cuda\.OutOfMemoryError: CUDA out of memory/);
    expect(failed.log).toContain('Traceback (most recent call last):');
    expect(failed.reporter.outputs.status).toBe('Failed');
    em.clearFaults();
    const retry = await finetune(em);
    expect(retry.error).toBeUndefined();
    expect(retry.submits).toHaveLength(1);
    expect(retry.reporter.outputs['job-name']).toBe(`${failed.reporter.outputs['job-name']}-a2`);
    expect(retry.log).toContain('attempt 2');
  }, 30_000);

  it('a timeout fails the step and leaves the job running; cancel-on-timeout cancels it', async () => {
    const { em } = await start({ faults: 'job-hangs' });
    const timedOut = await finetune(em, { 'timeout-minutes': '1', 'poll-seconds': '30' });
    expect(timedOut.error!.message).toMatch(/did not finish within timeout-minutes \(1\); it keeps running/);
    expect(timedOut.cancels).toHaveLength(0);
    const named = await finetune(em, { 'timeout-minutes': '1', 'poll-seconds': '30', 'job-name': 'hang-2' });
    expect(named.error!.message).toContain('hang-2 did not finish');
    expect(named.cancels).toHaveLength(0);
    const withCancel = await finetune(em, { 'timeout-minutes': '1', 'poll-seconds': '30', 'job-name': 'hang-3', 'cancel-on-timeout': 'true' });
    expect(withCancel.error!.message).toContain('it was cancelled');
    expect(withCancel.cancels).toHaveLength(1);
  }, 30_000);

  it('an abort (workflow cancelled) cancels the Azure ML job, unless cancel-on-abort is false', async () => {
    const { em } = await start({ faults: 'job-hangs' });
    const controller = new AbortController();
    const clock = steppingClock();
    const running = finetune(em, { 'job-name': 'abort-1' }, { abortSignal: controller.signal, clock });
    while (!clock.slept.length) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('SIGTERM'));
    const aborted = await running;
    expect(aborted.error!.message).toContain('the workflow was cancelled; Azure ML job abort-1 was asked to cancel');
    expect(aborted.cancels).toHaveLength(1);

    const keep = new AbortController();
    keep.abort(new Error('SIGTERM'));
    const kept = await finetune(em, { 'job-name': 'abort-2', 'cancel-on-abort': 'false' }, { abortSignal: keep.signal });
    expect(kept.error!.message).toContain('keeps running (cancel-on-abort: false)');
    expect(kept.cancels).toHaveLength(0);
  }, 30_000);

  it('throttling during the wait never fails the step', async () => {
    const { em } = await start({ faults: 'throttle-arm' });
    const run = await finetune(em, { 'job-name': 'throttled' });
    expect(run.error).toBeUndefined();
    expect(run.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(run.reporter.outputs.status).toBe('Completed');
  }, 30_000);

  it('a poll that fails even after the pipeline retries is logged and polled again', async () => {
    const { em } = await start();
    em.addFault({ name: 'job-reads-503', match: { method: 'GET', host: 'arm', path: '/jobs/poll-1$' }, after: 1, times: 12, respond: { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'try later' } } } });
    const run = await finetune(em, { 'job-name': 'poll-1' });
    expect(run.error).toBeUndefined();
    expect(run.log).toMatch(/poll 1 failed \(1 in a row\): read job 'poll-1' failed: 503 ServiceUnavailable/);
    expect(run.reporter.outputs.status).toBe('Completed');
  }, 30_000);

  it('managed-compute as a FineTuning job with computeId: the service registers the model; unknown extra keys are warned', async () => {
    const { em } = await start();
    const run = await finetune(em, { 'managed-job-type': 'finetuning', 'job-name': 'ft-job-1', 'extra-parameters': '{"max_steps": 20, "max_stpes": 2}' });
    expect(run.error).toBeUndefined();
    const body = run.submits[0]!.body as any;
    expect(body.properties.jobType).toBe('FineTuning');
    expect(body.properties.computeId).toMatch(/\/computes\/gpu-cluster$/);
    expect(body.properties.fineTuningDetails.hyperParameters).toMatchObject({ max_steps: '20', max_stpes: '2', num_train_epochs: '1' });
    expect(run.reporter.outputs.model).toBe('azureml:phi3-chat-ft:1');
    expect(run.reporter.annotations).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining("'max_stpes'") })]);
  }, 30_000);

  it('wait: false returns at once with the job name', async () => {
    const { em } = await start();
    const run = await finetune(em, { wait: 'false' });
    expect(run.error).toBeUndefined();
    expect(run.reporter.outputs['job-name']).toMatch(/^ft-/);
    expect(run.reporter.outputs.status).toMatch(/NotStarted|Queued/);
    expect(run.reporter.outputs.model).toBeUndefined();
  });

  it('serverless outside its regions is refused before anything is submitted, naming the supported regions', async () => {
    const { em } = await start({}, 'westeurope');
    const run = await finetune(em, { mode: 'serverless' });
    expect(run.error!.message).toMatch(/not offered in westeurope; supported regions: eastus2/);
    expect(run.submits).toHaveLength(0);
  });

  it('serverless FineTuning in a hub project: the service registers the model, we verify it', async () => {
    const { em, arm } = await start();
    const hub = await arm.put(arm.ws('hub-ft', 'rg-ft'), arm.workspaceBody('rg-ft', 'eastus2', { kind: 'Hub' }));
    if (hub.status === 202) await arm.waitLocation(hub);
    const project = await arm.put(arm.ws('proj-ft', 'rg-ft'), { location: 'eastus2', kind: 'Project', properties: { hubResourceId: arm.ws('hub-ft', 'rg-ft') } });
    if (project.status === 202) await arm.waitLocation(project);
    await arm.put(`${arm.ws('proj-ft', 'rg-ft')}/data/chat-train/versions/1`, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
    const run = await finetune(em, { mode: 'serverless', 'model-name': 'phi3-maas' }, { workspace: 'proj-ft' });
    expect(run.error).toBeUndefined();
    expect((run.submits[0]!.body as any).properties.computeId).toBeUndefined();
    expect(run.reporter.outputs.model).toBe('azureml:phi3-maas:1');
    expect(run.log).toContain('The service registered the model');
    expect(run.requests.filter((r) => r.method === 'PUT' && /\/models\//.test(r.path))).toHaveLength(0);
  }, 30_000);
});
