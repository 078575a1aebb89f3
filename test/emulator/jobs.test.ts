// Jobs: submit, state machine, outputs and models, cancel, validation, run history, failing and hanging faults.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackRequest, type Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, sleep, startTestEmulator, waitFor } from './helpers.js';

let emulator: Emulator;
let arm: ArmTestClient;
let ws: Record<string, any>;
let trainData: string;
beforeAll(async () => {
  emulator = await startTestEmulator();
  arm = new ArmTestClient(emulator);
  ws = await arm.createWorkspace();
  const cluster = await arm.put(`${ws.id}/computes/gpu-cluster`, {
    location: 'eastus2',
    properties: { computeType: 'AmlCompute', properties: { vmSize: 'Standard_NC24ads_A100_v4', scaleSettings: { minNodeCount: 0, maxNodeCount: 1 } } },
  });
  await arm.waitAsync(cluster);
  trainData = `${ws.id}/data/chat-train/versions/1`;
  await arm.put(trainData, { properties: { dataType: 'uri_file', dataUri: 'azureml://datastores/workspaceblobstore/paths/LocalUpload/abc/train.jsonl' } });
});
afterAll(() => emulator?.stop());

const status = async (job: string) => (await arm.get(job)).json<{ properties: { status: string } }>().properties.status;
const waitStatus = (job: string, wanted: string, timeoutMs = 5_000) => waitFor(() => status(job), (s) => s === wanted, timeoutMs);

function pipelineJob(outputUri?: string) {
  return {
    properties: {
      jobType: 'Pipeline',
      displayName: 'phi3 chat fine-tune',
      experimentName: 'amlft',
      settings: { default_compute: `${ws.id}/computes/gpu-cluster` },
      inputs: {
        mlflow_model_path: { jobInputType: 'mlflow_model', uri: 'azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/7' },
        train_file_path: { jobInputType: 'uri_file', uri: 'azureml:chat-train:1' },
        num_train_epochs: { jobInputType: 'literal', value: '1' },
      },
      jobs: { finetune: { type: 'pipeline', componentId: 'azureml://registries/azureml/components/chat_completion_pipeline/versions/0.0.65', inputs: {} } },
      outputs: { mlflow_model_folder: { jobOutputType: 'mlflow_model', ...(outputUri ? { uri: outputUri } : {}) } },
      tags: { repository: 'octo/repo' },
    },
  };
}

function fineTuningJob(extra: Record<string, unknown> = {}) {
  return {
    properties: {
      jobType: 'FineTuning',
      fineTuningDetails: {
        modelProvider: 'Custom',
        taskType: 'ChatCompletion',
        model: { jobInputType: 'mlflow_model', uri: 'azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/7' },
        trainingData: { jobInputType: 'uri_file', uri: trainData },
        hyperParameters: { learning_rate: '0.00002', num_train_epochs: '1', per_device_train_batch_size: '1' },
      },
      outputs: { registered_model: { jobOutputType: 'mlflow_model', assetName: 'phi3-chat-ft' } },
      ...extra,
    },
  };
}

describe('job state machine', () => {
  it('answers the PUT synchronously with NotStarted, then runs Queued -> Running -> Completed', async () => {
    const job = `${ws.id}/jobs/ft-pipeline-1`;
    const output = 'azureml://datastores/workspaceblobstore/paths/amlft/ft-pipeline-1/model/';
    const res = await arm.put(job, pipelineJob(output));
    expect(res.status).toBe(201);
    expect(res.header('azure-asyncoperation')).toBeUndefined();
    expect(res.json()).toMatchObject({ name: 'ft-pipeline-1', properties: { status: 'NotStarted', jobType: 'Pipeline', experimentName: 'amlft' } });
    expect(await status(job)).toBe('Queued');
    await waitStatus(job, 'Running');
    const done = await waitFor(async () => (await arm.get(job)).json<Record<string, any>>(), (j) => j.properties.status === 'Completed');
    expect(done.properties.outputs.mlflow_model_folder.uri).toBe(output);
    expect(done.properties.services.Studio.endpoint).toMatch(/^https:\/\/ml\.azure\.com\/runs\/ft-pipeline-1/);
    expect(emulator.state.jobHistory(job).map((h) => h.status)).toEqual(['NotStarted', 'Queued', 'Running', 'Completed']);
  });

  it('registers a model from a Completed job output, and refuses one from a job still running', async () => {
    const job = `${ws.id}/jobs/ft-pipeline-2`;
    await arm.put(job, pipelineJob());
    const early = await arm.put(`${ws.id}/models/phi3-from-job/versions/1`, { properties: { modelType: 'mlflow_model', modelUri: 'azureml://jobs/ft-pipeline-2/outputs/mlflow_model_folder' } });
    expect(early.json()).toMatchObject({ error: { message: expect.stringContaining('not Completed') } });
    await waitStatus(job, 'Completed');
    expect((await arm.get(job)).json<Record<string, any>>().properties.outputs.mlflow_model_folder.uri).toBe('azureml://datastores/workspaceblobstore/paths/azureml/ft-pipeline-2/mlflow_model_folder/');
    const model = await arm.put(`${ws.id}/models/phi3-from-job/versions/1`, { properties: { modelType: 'mlflow_model', modelUri: 'azureml://jobs/ft-pipeline-2/outputs/mlflow_model_folder' } });
    expect(model.status).toBe(201);
  });

  it('a FineTuning job on a cluster registers its model (next version) when it completes', async () => {
    await arm.createModel(ws.id, 'phi3-chat-ft', '1');
    const job = `${ws.id}/jobs/ft-maas-1`;
    expect((await arm.put(job, fineTuningJob({ computeId: `${ws.id}/computes/gpu-cluster` }))).status).toBe(201);
    const done = await waitFor(async () => (await arm.get(job)).json<Record<string, any>>(), (j) => j.properties.status === 'Completed');
    expect(done.properties.outputs.registered_model).toMatchObject({ assetName: 'phi3-chat-ft', assetVersion: '2' });
    expect((await arm.get(`${ws.id}/models/phi3-chat-ft/versions/2`)).json()).toMatchObject({ properties: { jobName: 'ft-maas-1', modelUri: 'azureml://jobs/ft-maas-1/outputs/registered_model' } });
  });

  it('attaches to an existing job on an identical re-submit and refuses a different one under the same name', async () => {
    const job = `${ws.id}/jobs/ft-pipeline-1`;
    const again = await arm.put(job, { properties: { ...pipelineJob('azureml://datastores/workspaceblobstore/paths/amlft/ft-pipeline-1/model/').properties, tags: { rerun: 'yes' } } });
    expect(again.status).toBe(200);
    expect(again.json()).toMatchObject({ properties: { status: 'Completed', tags: { rerun: 'yes' } } });
    expect((await arm.put(job, pipelineJob())).json()).toMatchObject({ error: { details: [{ code: 'JobAlreadyExists' }] } });
  });
});

describe('cancel', () => {
  it('moves a running job to CancelRequested then Canceled (202 + Location); a finished job cannot be canceled', async () => {
    const job = `${ws.id}/jobs/to-cancel`;
    await arm.put(job, pipelineJob());
    await waitStatus(job, 'Running');
    const res = await arm.post(`${job}/cancel`);
    expect(res.status).toBe(202);
    expect(await status(job)).toBe('CancelRequested');
    expect((await arm.waitLocation(res)).status).toBe(204);
    expect(await status(job)).toBe('Canceled');
    await sleep(200);
    expect(await status(job)).toBe('Canceled');
    expect((await arm.post(`${job}/cancel`)).json()).toMatchObject({ error: { message: expect.stringContaining('already Canceled') } });
  });
});

describe('validation', () => {
  it('checks job type, nodes, compute, inputs, and the parent workspace', async () => {
    const put = async (name: string, body: unknown) => (await arm.put(`${ws.id}/jobs/${name}`, body)).json<{ error: { message: string } }>().error;
    expect((await put('v1', { properties: {} })).message).toContain("properties.jobType 'undefined' is not valid");
    expect((await put('v2', { properties: { ...pipelineJob().properties, jobs: {} } })).message).toContain('at least one node');
    expect((await put('v3', { properties: { ...pipelineJob().properties, settings: { default_compute: 'no-such-cluster' } } })).message).toContain("compute 'no-such-cluster' was not found");
    const wrongInput = pipelineJob();
    (wrongInput.properties.inputs as Record<string, unknown>).train_file_path = { jobInputType: 'uri_file', uri: 'azureml:chat-train:9' };
    expect((await put('v4', wrongInput)).message).toContain("data asset 'chat-train' version '9' was not found");
    expect((await put('bad name!', pipelineJob())).message).toContain("Job name 'bad name!' is invalid");
    expect((await arm.put(`${arm.ws('missing-ws')}/jobs/j1`, pipelineJob())).json()).toMatchObject({ error: { code: 'ParentResourceNotFound' } });
    expect((await arm.get(`${ws.id}/jobs/never-submitted`)).json()).toMatchObject({ error: { code: 'ResourceNotFound' } });
  });

  it('needs api-version 2024-10-01-preview for FineTuning, and serverless fine-tuning only in a hub project in a supported region', async () => {
    expect((await arm.put(`${ws.id}/jobs/old-api`, fineTuningJob(), { apiVersion: '2024-04-01' })).json()).toMatchObject({ error: { message: expect.stringContaining('2024-10-01-preview') } });
    expect((await arm.put(`${ws.id}/jobs/maas-default`, fineTuningJob())).json()).toMatchObject({ error: { message: expect.stringContaining("needs a workspace of kind 'Project'") } });
    const eastus = await arm.createWorkspace('ws-eastus', 'rg-eastus', 'eastus');
    const res = await arm.put(`${eastus.id}/jobs/maas-eastus`, fineTuningJob());
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'UserError', message: expect.stringMatching(/^Serverless FineTuning not supported in eastus/), details: [{ code: 'ModelNotSupportedByMaaS' }] } });
  });
});

describe('serverless fine-tuning', () => {
  it('runs in a hub project in eastus2 and registers the model there', async () => {
    const hub = await arm.put(arm.ws('hub-ft'), arm.workspaceBody('rg', 'eastus2', { kind: 'Hub' }));
    await arm.waitLocation(hub);
    const project = await arm.put(arm.ws('proj-ft'), { location: 'eastus2', kind: 'Project', properties: { hubResourceId: arm.ws('hub-ft') } });
    await arm.waitLocation(project);
    const job = `${arm.ws('proj-ft')}/jobs/maas-ok`;
    expect((await arm.put(job, fineTuningJob())).status).toBe(201);
    await waitStatus(job, 'Completed');
    expect((await arm.get(`${arm.ws('proj-ft')}/models/phi3-chat-ft/versions/1`)).status).toBe(200);
  });
});

describe('after a job: run history, logs, metrics', () => {
  it('serves run details with a log file URL, and MLflow metrics once Completed', async () => {
    const job = `${ws.id}/jobs/ft-pipeline-1`;
    const token = await arm.token('https://ml.azure.com/.default');
    const details = await loopbackRequest(`${emulator.url}/history/v1.0${job.replace('/jobs/', '/runs/')}/details`, { ca: emulator.ca, headers: { Authorization: `Bearer ${token}` } });
    expect(details.status).toBe(200);
    const body = details.json<{ status: string; error: unknown; logFiles: Record<string, string> }>();
    expect(body).toMatchObject({ status: 'Completed', error: null });
    const log = await loopbackRequest(body.logFiles['user_logs/std_log.txt']!, { ca: emulator.ca });
    expect(log.text).toContain('Job completed successfully.');
    const mlflow = await loopbackRequest(`${emulator.url}/mlflow/v1.0${ws.id}/api/2.0/mlflow/runs/get?run_id=ft-pipeline-1`, { ca: emulator.ca, headers: { Authorization: `Bearer ${token}` } });
    expect(mlflow.json()).toMatchObject({ run: { info: { status: 'FINISHED' }, data: { metrics: expect.arrayContaining([expect.objectContaining({ key: 'train_loss' })]) } } });
  });

  it('a job-fails fault ends the job Failed with its error in run history and its lines in the log', async () => {
    emulator.addFault({ preset: 'job-fails' });
    const job = `${ws.id}/jobs/doomed`;
    try {
      await arm.put(job, pipelineJob());
    } finally {
      emulator.clearFaults();
    }
    await waitStatus(job, 'Failed');
    const token = await arm.token('https://ml.azure.com/.default');
    const run = await loopbackRequest(`${emulator.url}/history/v1.0${job.replace('/jobs/', '/runs/')}`, { ca: emulator.ca, headers: { Authorization: `Bearer ${token}` } });
    expect(run.json()).toMatchObject({ status: 'Failed', error: { error: { code: 'UserError', message: expect.stringContaining('CUDA out of memory') } } });
    expect(emulator.state.jobLogs(job).join('\n')).toMatch(/Traceback[\s\S]*OutOfMemoryError/);
  });

  it('a job-hangs fault keeps the job Running until it is canceled', async () => {
    emulator.addFault({ name: 'hang', match: { method: 'PUT', path: '/jobs/stuck$' }, job: { outcome: 'hang' } });
    const job = `${ws.id}/jobs/stuck`;
    await arm.put(job, pipelineJob());
    emulator.clearFaults();
    await waitStatus(job, 'Running');
    await sleep(400);
    expect(await status(job)).toBe('Running');
    await arm.post(`${job}/cancel`);
    await waitStatus(job, 'Canceled');
  });
});
