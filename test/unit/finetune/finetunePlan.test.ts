// Pure planning of a fine-tuning run: names, bodies per route, polling, timeline, metrics.
import { describe, expect, it } from 'vitest';
import { parseFinetuneInputs } from '../../../src/finetune/finetuneInputs.js';
import {
  attemptName,
  CHAT_COMPLETION_PIPELINE,
  deterministicJobName,
  extractMetrics,
  formatElapsed,
  nextModelVersion,
  planJob,
  pollIntervalMs,
  sanitizeNamePart,
  serverlessRefusal,
  stateDurations,
} from '../../../src/finetune/finetunePlan.js';
import { inputsFromRecord } from '../../../src/inputs/parseInputs.js';

const base = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws', 'train-data': 'azureml:chat-train:1' };
const parse = (extra: Record<string, string> = {}) => parseFinetuneInputs(inputsFromRecord({ ...base, ...extra }), {});
const computeId = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlws/computes/gpu-cluster';

describe('deterministicJobName', () => {
  const name = (extra: Record<string, string> = {}, repository = 'octo/Phi3_Chat', commit = 'ABCDEF1234567') => deterministicJobName({ repository, commit, inputs: parse(extra) });

  it('is the same for the same run and valid for Azure', () => {
    expect(name()).toBe(name());
    expect(name()).toMatch(/^ft-phi3-chat-abcdef1-[0-9a-f]{10}$/);
    expect(name()).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/);
  });

  it.each([
    [{ epochs: '2' }],
    [{ 'learning-rate': '0.0001' }],
    [{ 'train-data': 'azureml:chat-train:2' }],
    [{ 'validation-data': 'azureml:chat-val:1' }],
    [{ model: 'Phi-3-mini-4k-instruct:14' }],
    [{ 'extra-parameters': '{"max_steps": 5}' }],
    [{ compute: 'other-cluster' }],
  ])('changes with %j', (extra) => {
    expect(name(extra)).not.toBe(name());
  });

  it('changes with the commit and repository, and survives odd names', () => {
    expect(name({}, 'octo/phi3_chat', 'abcdef9')).not.toBe(name({}, 'octo/phi3_chat', 'abcdef1'));
    expect(name({}, '', '')).toMatch(/^ft-local-nocommit-[0-9a-f]{10}$/);
    expect(name({}, 'o/' + 'x'.repeat(300), 'c')).toMatch(/^ft-x{40}-c-[0-9a-f]{10}$/);
  });

  it('numbers attempts after the first', () => {
    expect(attemptName('ft-a', 1)).toBe('ft-a');
    expect(attemptName('ft-a', 3)).toBe('ft-a-a3');
    expect(sanitizeNamePart('--Hello__World--', 20)).toBe('hello-world');
  });
});

describe('planJob', () => {
  const ctx = { name: 'ft-x', tags: { repository: 'octo/repo' }, computeId, datastore: 'workspaceblobstore' };

  it('managed-compute: the pinned registry pipeline on the cluster, model output pinned to the datastore', () => {
    const plan = planJob(parse({ 'validation-data': 'azureml:chat-val:1', 'extra-parameters': '{"max_steps": 10}' }), ctx);
    const p = plan.body.properties as any;
    expect(p.jobType).toBe('Pipeline');
    expect(p.jobs.chat_completion_pipeline.componentId).toBe(CHAT_COMPLETION_PIPELINE);
    expect(CHAT_COMPLETION_PIPELINE).toMatch(/\/versions\/\d+\.\d+\.\d+$/);
    expect(p.inputs.mlflow_model_path.uri).toContain('/versions/15');
    expect(p.inputs.validation_file_path.uri).toBe('azureml:chat-val:1');
    expect(p.jobs.chat_completion_pipeline.inputs.compute_finetune.value).toBe(computeId);
    expect(p.jobs.chat_completion_pipeline.inputs.max_steps.value).toBe('10');
    expect(p.jobs.chat_completion_pipeline.inputs.apply_lora.value).toBe('true');
    expect(p.outputs.mlflow_model_folder).toEqual({ jobOutputType: 'mlflow_model', uri: 'azureml://datastores/workspaceblobstore/paths/amlft/ft-x/mlflow_model_folder/' });
    expect(p.tags).toEqual({ repository: 'octo/repo' });
    expect(plan.serviceRegistersModel).toBe(false);
  });

  it('managed-compute as a FineTuning job carries the computeId; serverless carries none', () => {
    const managed = planJob(parse({ 'managed-job-type': 'finetuning' }), ctx).body.properties as any;
    expect(managed.jobType).toBe('FineTuning');
    expect(managed.computeId).toBe(computeId);
    const serverless = planJob(parse({ mode: 'serverless', 'model-name': 'mine' }), { ...ctx, computeId: undefined } as any);
    const s = serverless.body.properties as any;
    expect(s.computeId).toBeUndefined();
    expect(s.fineTuningDetails).toMatchObject({ modelProvider: 'Custom', taskType: 'ChatCompletion', trainingData: { jobInputType: 'uri_file', uri: 'azureml:chat-train:1' } });
    expect(s.fineTuningDetails.validationData).toBeUndefined();
    expect(Object.values(s.fineTuningDetails.hyperParameters).every((v) => typeof v === 'string')).toBe(true);
    expect(s.outputs.registered_model).toEqual({ jobOutputType: 'mlflow_model', assetName: 'mine' });
    expect(serverless.serviceRegistersModel).toBe(true);
  });
});

describe('serverlessRefusal', () => {
  it.each([
    ['Phi-3-mini-4k-instruct', 'eastus2', 'Project', undefined],
    ['Phi-3-mini-4k-instruct', 'westeurope', 'Project', 'supported regions: eastus2'],
    ['Phi-3-mini-4k-instruct', 'eastus2', 'Default', 'hub project'],
    ['Unknown-Model', 'westeurope', undefined, undefined],
  ])('%s in %s (%s)', (model, region, kind, expected) => {
    const refusal = serverlessRefusal(model, region, kind);
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toContain(expected);
  });
});

describe('polling and timing', () => {
  it('starts fast and is capped at poll-seconds', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => pollIntervalMs(n, 30))).toEqual([5000, 7500, 11250, 16875, 25313, 30000]);
    expect(pollIntervalMs(0, 1)).toBe(1000);
  });

  it('computes time per state until the end', () => {
    expect(stateDurations([{ status: 'NotStarted', at: 0 }, { status: 'Queued', at: 2000 }, { status: 'Running', at: 62_000 }], 3_662_000)).toEqual([
      { status: 'NotStarted', seconds: 2 },
      { status: 'Queued', seconds: 60 },
      { status: 'Running', seconds: 3600 },
    ]);
    expect(formatElapsed(3_725_000)).toBe('1h02m05s');
    expect(formatElapsed(65_000)).toBe('1m05s');
    expect(formatElapsed(4_000)).toBe('4s');
  });
});

describe('extractMetrics', () => {
  it.each([
    [[{ key: 'train_loss', value: 0.42 }, { key: 'eval_loss', value: 0.51 }], { train_loss: 0.42, validation_loss: 0.51 }],
    [[{ key: 'loss', value: 2, step: 1 }, { key: 'loss', value: 1, step: 9 }, { key: 'loss', value: 3, step: 5 }], { train_loss: 1 }],
    [[{ key: 'accuracy', value: 0.9 }], {}],
    [[{ key: 'train_loss', value: Number.NaN }], {}],
  ])('%j', (metrics, expected) => {
    expect(extractMetrics(metrics)).toEqual(expected);
  });

  it('next model version is one above the highest', () => {
    expect(nextModelVersion([])).toBe('1');
    expect(nextModelVersion(['1', '3', '2', 'x'])).toBe('4');
  });
});
