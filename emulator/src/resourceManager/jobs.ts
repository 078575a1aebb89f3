// Jobs (Pipeline, FineTuning, Command): synchronous PUT, a state machine to Completed, cancel, outputs, models.

import { createHash } from 'node:crypto';
import { inBackground } from '../core.js';
import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { ArmError, userError } from './armErrors.js';
import { checkAssetUri, registerModelVersion } from './assets.js';
import {
  apiVersionAtLeast,
  checkName,
  enumValue,
  isoNow,
  listReply,
  nameRules,
  propertiesOf,
  requireResource,
  requireWorkspace,
  requiredString,
  systemData,
  tagsOf,
} from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { defaultDatastoreName } from './datastores.js';
import { acceptedReply } from './lro.js';

const type = 'Microsoft.MachineLearningServices/workspaces/jobs';
const jobs = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/jobs';

export const terminalStatuses = ['Completed', 'Failed', 'Canceled', 'NotResponding'];
const jobTypes = ['Pipeline', 'FineTuning', 'Command', 'Sweep', 'AutoML', 'Spark'] as const;
const inputTypes = ['literal', 'uri_file', 'uri_folder', 'mltable', 'mlflow_model', 'custom_model', 'triton_model'] as const;
const outputTypes = ['uri_file', 'uri_folder', 'mltable', 'mlflow_model', 'custom_model', 'triton_model'] as const;
const editable = ['displayName', 'description', 'tags', 'properties', 'experimentName', 'isArchived'];

/** Runtime bookkeeping of a job, kept in StoredResource.runtime. */
export interface JobRuntime {
  history: { status: string; at: number }[];
  logs: string[];
  error?: { code: string; message: string };
  metrics: Record<string, number>;
  cancelPending: Array<() => void>;
  fingerprint: string;
  registeredModelId?: string;
}

export const jobRuntime = (job: StoredResource): JobRuntime => job.runtime as JobRuntime;

const stamp = (at: number) => new Date(at).toISOString();

function fingerprint(properties: Json): string {
  const fixed = Object.fromEntries(Object.entries(properties).filter(([k]) => !editable.includes(k)).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(JSON.stringify(fixed)).digest('hex');
}

/** A compute named by id or name must exist in the workspace. */
function checkCompute(ctx: ArmContext, workspace: StoredResource, computeId: unknown, target: string): void {
  if (computeId === undefined || computeId === null || computeId === '') return;
  if (typeof computeId !== 'string') throw userError(`${target} must be a string.`, target);
  const name = computeId.split('/').at(-1)!.replace(/^azureml:/, '');
  if (['serverless', 'local'].includes(name.toLowerCase())) return;
  if (!ctx.core.store.has(`${workspace.id}/computes/${name}`)) {
    throw userError(`${target}: compute '${name}' was not found in workspace '${workspace.name}'.`, target);
  }
}

/** `azureml:name:version` and ARM-id asset references must name an existing data or model version. */
function checkInputUri(ctx: ArmContext, workspace: StoredResource, uri: string, inputType: string, target: string): void {
  const short = /^azureml:([^:/]+):([^:/]+)$/.exec(uri);
  const armId = /\/workspaces\/[^/]+\/(data|models)\/([^/]+)\/versions\/([^/]+)$/i.exec(uri);
  if (short || armId) {
    const kind = armId ? armId[1]!.toLowerCase() : ['mlflow_model', 'custom_model', 'triton_model'].includes(inputType) ? 'models' : 'data';
    const name = armId ? armId[2]! : short![1]!;
    const version = armId ? armId[3]! : short![2]!;
    const id = armId && uri.startsWith('/subscriptions/') ? uri : `${workspace.id}/${kind}/${name}/versions/${version}`;
    if (!ctx.core.store.has(id)) {
      throw userError(`${target} '${uri}': ${kind === 'data' ? 'data asset' : 'model'} '${name}' version '${version}' was not found in workspace '${workspace.name}'.`, target);
    }
    return;
  }
  if (/^azureml:\/\/registries\//i.test(uri) || /^azureml:\/\/locations\//i.test(uri)) return;
  checkAssetUri(ctx, workspace, uri, target);
}

function checkInputs(ctx: ArmContext, workspace: StoredResource, inputs: unknown, target: string): void {
  if (inputs === undefined || inputs === null) return;
  if (typeof inputs !== 'object' || Array.isArray(inputs)) throw userError(`${target} must be an object of named inputs.`, target);
  for (const [name, input] of Object.entries(inputs as Json)) {
    if (typeof input !== 'object' || input === null) throw userError(`${target}.${name} must be an object with jobInputType.`, `${target}.${name}`);
    const inputType = enumValue((input as Json).jobInputType, inputTypes, `${target}.${name}.jobInputType`);
    if (inputType === 'literal') continue;
    const uri = requiredString(input as Json, 'uri', `${target}.${name}.uri`);
    checkInputUri(ctx, workspace, uri, inputType, `${target}.${name}.uri`);
  }
}

function checkOutputs(outputs: unknown, target: string): Json {
  if (outputs === undefined || outputs === null) return {};
  if (typeof outputs !== 'object' || Array.isArray(outputs)) throw userError(`${target} must be an object of named outputs.`, target);
  for (const [name, output] of Object.entries(outputs as Json)) {
    if (typeof output !== 'object' || output === null) throw userError(`${target}.${name} must be an object with jobOutputType.`, `${target}.${name}`);
    enumValue((output as Json).jobOutputType, outputTypes, `${target}.${name}.jobOutputType`);
  }
  return outputs as Json;
}

function validateFineTuning(ctx: ArmContext, workspace: StoredResource, properties: Json): void {
  if (!apiVersionAtLeast(ctx.apiVersion, '2024-10-01')) {
    throw userError(`jobType 'FineTuning' needs api-version 2024-10-01-preview or later (got ${ctx.apiVersion}).`, 'properties.jobType');
  }
  // Where the model is not offered as a service, Azure refuses before looking at the rest.
  if (!properties.computeId) {
    const region = String(workspace.body.location);
    if (!ctx.core.options.serverlessFineTuningRegions.includes(region)) {
      throw new ArmError(400, 'UserError', `Serverless FineTuning not supported in ${region}. Supported regions: ${ctx.core.options.serverlessFineTuningRegions.join(', ')}.`, [
        { code: 'ModelNotSupportedByMaaS', message: `The model is not offered for serverless fine-tuning in ${region}.` },
      ]);
    }
    if (workspace.body.kind !== 'Project') {
      throw new ArmError(400, 'UserError', `Serverless FineTuning needs a workspace of kind 'Project' (a hub project); '${workspace.name}' is of kind '${workspace.body.kind}'.`, [
        { code: 'ModelNotSupportedByMaaS', message: 'Serverless fine-tuning runs in hub projects only.' },
      ]);
    }
  }
  const details = properties.fineTuningDetails;
  if (typeof details !== 'object' || details === null) throw userError('properties.fineTuningDetails is required for a FineTuning job.', 'properties.fineTuningDetails', 'RequiredField');
  const d = details as Json;
  enumValue(d.modelProvider, ['Custom', 'OpenAI'] as const, 'properties.fineTuningDetails.modelProvider');
  enumValue(d.taskType, ['ChatCompletion', 'TextCompletion', 'TextClassification', 'QuestionAnswering', 'TextSummarization', 'TokenClassification', 'TextTranslation', 'ImageClassification', 'ImageInstanceSegmentation', 'ImageObjectDetection', 'VideoMultiObjectTracking'] as const, 'properties.fineTuningDetails.taskType');
  for (const field of ['model', 'trainingData']) {
    const input = d[field];
    if (typeof input !== 'object' || input === null) throw userError(`properties.fineTuningDetails.${field} is required.`, `properties.fineTuningDetails.${field}`, 'RequiredField');
  }
  checkInputs(ctx, workspace, { model: d.model, trainingData: d.trainingData, ...(d.validationData ? { validationData: d.validationData } : {}) }, 'properties.fineTuningDetails');
  if (d.hyperParameters !== undefined && (typeof d.hyperParameters !== 'object' || Object.values(d.hyperParameters as Json).some((v) => typeof v !== 'string'))) {
    throw userError('properties.fineTuningDetails.hyperParameters must be an object of string values.', 'properties.fineTuningDetails.hyperParameters');
  }
  const outputs = checkOutputs(properties.outputs, 'properties.outputs');
  if (!Object.values(outputs).some((o) => ['mlflow_model', 'custom_model'].includes(String((o as Json).jobOutputType)))) {
    throw userError('properties.outputs needs a model output (jobOutputType mlflow_model), e.g. registered_model with assetName.', 'properties.outputs', 'RequiredField');
  }
}

function validate(ctx: ArmContext, workspace: StoredResource, properties: Json, jobType: string): void {
  checkCompute(ctx, workspace, properties.computeId, 'properties.computeId');
  if (jobType === 'FineTuning') return validateFineTuning(ctx, workspace, properties);
  checkInputs(ctx, workspace, properties.inputs, 'properties.inputs');
  checkOutputs(properties.outputs, 'properties.outputs');
  if (jobType === 'Pipeline') {
    const nodes = properties.jobs;
    if (typeof nodes !== 'object' || nodes === null || Object.keys(nodes).length === 0) {
      throw userError('properties.jobs is required for a Pipeline job: at least one node.', 'properties.jobs', 'RequiredField');
    }
    const settings = (properties.settings ?? {}) as Json;
    checkCompute(ctx, workspace, settings.default_compute ?? settings.defaultCompute, 'properties.settings.default_compute');
    for (const [name, node] of Object.entries(nodes as Json)) {
      if (typeof node !== 'object' || node === null) throw userError(`properties.jobs.${name} must be an object.`, `properties.jobs.${name}`);
      checkCompute(ctx, workspace, (node as Json).computeId ?? (node as Json).compute, `properties.jobs.${name}.computeId`);
    }
  } else if (jobType === 'Command') {
    requiredString(properties, 'command', 'properties.command');
    requiredString(properties, 'environmentId', 'properties.environmentId');
  } else {
    throw userError(`jobType '${jobType}' is not emulated; use Pipeline, FineTuning or Command.`, 'properties.jobType');
  }
}

function setStatus(job: StoredResource, status: string, at: number, line?: string): void {
  job.body.properties.status = status;
  const runtime = jobRuntime(job);
  runtime.history.push({ status, at });
  runtime.logs.push(`${stamp(at)} ${line ?? `Job status: ${status}`}`);
}

function complete(ctx: ArmContext, workspace: StoredResource, job: StoredResource, at: number): void {
  const runtime = jobRuntime(job);
  runtime.metrics = { train_loss: 0.4213, eval_loss: 0.5127 };
  runtime.logs.push(`${stamp(at)} Epoch 1/1: train_loss=0.4213 eval_loss=0.5127`);
  setStatus(job, 'Completed', at, 'Job completed successfully.');
  const properties = job.body.properties as Json;
  const outputs = (properties.outputs ?? {}) as Json;
  for (const [name, output] of Object.entries(outputs)) {
    const o = output as Json;
    if (!o.uri) o.uri = `azureml://datastores/${defaultDatastoreName}/paths/azureml/${job.name}/${name}/`;
    if (o.jobOutputType === 'mlflow_model') writeMlflowModel(ctx, workspace, String(o.uri), job.name);
    if (properties.jobType === 'FineTuning' && typeof o.assetName === 'string') {
      const model = registerModelVersion(ctx, workspace, o.assetName, `azureml://jobs/${job.name}/outputs/${name}`, job.name);
      o.assetVersion = model.name;
      runtime.registeredModelId = model.id;
    }
  }
}

/** Writes an MLmodel file where a pipeline pinned its model output (best effort; Azurite may be off). */
function writeMlflowModel(ctx: ArmContext, workspace: StoredResource, uri: string, jobName: string): void {
  const match = /^azureml:\/\/(?:.*\/)?datastores\/([^/]+)\/paths\/(.+)$/i.exec(uri);
  const azurite = ctx.core.azurite;
  if (!match || !azurite) return;
  const datastore = ctx.core.store.get(`${workspace.id}/datastores/${match[1]}`);
  if (!datastore || datastore.body.properties.accountName !== azurite.accountName) return;
  const path = `${match[2]!.replace(/\/+$/, '')}/MLmodel`;
  const content = `artifact_path: mlflow_model_folder\nflavors:\n  python_function:\n    loader_module: mlflow.transformers\n  transformers:\n    task: chat-completion\nrun_id: ${jobName}\n`;
  inBackground(ctx.core, () => azurite.putBlob(String(datastore.body.properties.containerName), path, content));
}

function startStateMachine(ctx: ArmContext, workspace: StoredResource, job: StoredResource): void {
  const { timing } = ctx.core.options;
  const { store } = ctx.core;
  const runtime = jobRuntime(job);
  const fault = ctx.effects.job;
  const t0 = Date.now();
  const compute = String(job.body.properties.computeId ?? (job.body.properties.settings as Json | undefined)?.default_compute ?? 'serverless').split('/').at(-1);
  runtime.cancelPending.push(store.schedule(t0, (at) => setStatus(job, 'Queued', at, `Job queued on ${compute}.`)));
  runtime.cancelPending.push(
    store.schedule(t0 + timing.jobQueuedMs, (at) => {
      setStatus(job, 'Running', at, 'Job is running.');
      runtime.logs.push(`${stamp(at)} Epoch 1/1: step 1/120 loss=2.31`);
    }),
  );
  if (fault?.outcome === 'hang') return;
  runtime.cancelPending.push(
    store.schedule(t0 + timing.jobQueuedMs + timing.jobRunningMs, (at) => {
      if (fault?.outcome === 'fail') {
        runtime.error = fault.error ?? { code: 'UserError', message: 'The job failed: injected fault (job: fail).' };
        for (const line of fault.logs ?? []) runtime.logs.push(`${stamp(at)} ${line}`);
        setStatus(job, 'Failed', at, `Job failed: ${runtime.error.message}`);
      } else {
        complete(ctx, workspace, job, at);
      }
    }),
  );
}

function put(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  const name = ctx.params.name!;
  checkName('Job', name, nameRules.job);
  const properties = propertiesOf(ctx.body);
  const jobType = enumValue(properties.jobType, jobTypes, 'properties.jobType');
  const id = `${workspace.id}/jobs/${name}`;
  const existing = ctx.core.store.get(id);
  if (existing) {
    const submitted = { ...properties, jobType };
    if (jobRuntime(existing).fingerprint !== fingerprint(submitted)) {
      throw userError(`Job '${name}' already exists in workspace '${workspace.name}'; only ${editable.join(', ')} can change. Use a new job name to submit again.`, 'name', 'JobAlreadyExists');
    }
    for (const field of editable) if (properties[field] !== undefined) existing.body.properties[field] = field === 'tags' ? tagsOf(properties.tags, 'properties.tags') : properties[field];
    existing.body.systemData = systemData(ctx, existing.body.systemData);
    return { status: 200, body: existing.body };
  }
  validate(ctx, workspace, properties, jobType);
  const runtime: JobRuntime = { history: [], logs: [], metrics: {}, cancelPending: [], fingerprint: fingerprint({ ...properties, jobType }) };
  const studio = `https://ml.azure.com/runs/${name}?wsid=${encodeURIComponent(workspace.id)}&tid=${ctx.core.options.tenantId}`;
  const job = ctx.core.store.put({
    id,
    name,
    type,
    runtime,
    body: {
      id,
      name,
      type,
      systemData: systemData(ctx),
      properties: {
        ...structuredClone(properties),
        jobType,
        displayName: properties.displayName ?? name,
        experimentName: properties.experimentName ?? 'Default',
        description: properties.description ?? null,
        tags: tagsOf(properties.tags, 'properties.tags'),
        properties: (properties.properties as Json | undefined) ?? {},
        isArchived: false,
        status: 'NotStarted',
        services: {
          Studio: { jobServiceType: 'Studio', endpoint: studio, status: null, errorMessage: null },
          Tracking: { jobServiceType: 'Tracking', endpoint: String(workspace.body.properties.mlFlowTrackingUri), status: null, errorMessage: null },
        },
        creationContext: { createdAt: isoNow(), createdBy: ctx.principal.appId, createdByType: 'Application' },
      },
    },
  });
  runtime.history.push({ status: 'NotStarted', at: Date.now() });
  runtime.logs.push(`${stamp(Date.now())} Job ${name} submitted (${jobType}).`);
  startStateMachine(ctx, workspace, job);
  return { status: 201, body: job.body };
}

function jobOf(ctx: ArmContext): StoredResource {
  const workspace = requireWorkspace(ctx);
  return requireResource(ctx, `${workspace.id}/jobs/${ctx.params.name}`, type, `${ctx.params.ws}/${ctx.params.name}`);
}

function cancel(ctx: ArmContext): Reply {
  const job = jobOf(ctx);
  const status = String(job.body.properties.status);
  const runtime = jobRuntime(job);
  if (terminalStatuses.includes(status)) {
    throw userError(`Job '${job.name}' is already ${status} and cannot be canceled.`, 'name', 'JobInTerminalState');
  }
  const op = ctx.core.store.startOperation({ resourceId: job.id, subscriptionId: ctx.core.options.subscriptionId, location: String(requireWorkspace(ctx).body.location), kind: 'update' });
  if (status !== 'CancelRequested') {
    for (const cancelTransition of runtime.cancelPending.splice(0)) cancelTransition();
    const now = Date.now();
    setStatus(job, 'CancelRequested', now, 'Cancel requested.');
    runtime.cancelPending.push(
      ctx.core.store.schedule(now + ctx.core.options.timing.jobCancelMs, (at) => {
        setStatus(job, 'Canceled', at, 'Job canceled.');
        op.status = 'Succeeded';
        op.endTime = at;
      }),
    );
  }
  return acceptedReply(ctx, op);
}

export const jobRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${jobs}/{name}`, family: 'ml', handle: put },
  { method: 'GET', path: `${jobs}/{name}`, family: 'ml', handle: (ctx) => ({ status: 200, body: jobOf(ctx).body }) },
  { method: 'POST', path: `${jobs}/{name}/cancel`, family: 'ml', handle: cancel },
  {
    method: 'DELETE',
    path: `${jobs}/{name}`,
    family: 'ml',
    handle: (ctx) => {
      const workspace = requireWorkspace(ctx);
      const job = ctx.core.store.get(`${workspace.id}/jobs/${ctx.params.name}`);
      if (!job) return { status: 204 };
      for (const cancelTransition of jobRuntime(job).cancelPending.splice(0)) cancelTransition();
      ctx.core.store.delete(job.id);
      return { status: 200 };
    },
  },
  {
    method: 'GET',
    path: jobs,
    family: 'ml',
    handle: (ctx) => {
      let list = ctx.core.store.children(requireWorkspace(ctx).id, 'jobs');
      const jobType = ctx.call.query.jobType;
      if (jobType) list = list.filter((j) => String(j.body.properties.jobType).toLowerCase() === jobType.toLowerCase());
      return listReply(list);
    },
  },
];
