// Azure ML calls of a fine-tuning run, each one request through the shared pipeline: jobs, run history, MLflow, models.

import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { sendJson, type ArmTransport } from '../azure/armPipeline.js';
import type { ApiVersions } from '../azure/machineLearningClient.js';
import { armUrl, jobId, modelVersionId, workspaceId, type WorkspaceRef } from '../azure/resourceIds.js';

export interface FinetuneTarget {
  readonly transport: ArmTransport;
  readonly resourceManager: string;
  readonly ref: WorkspaceRef;
  readonly apiVersions: ApiVersions;
}

export interface WorkspaceFacts {
  readonly location: string;
  readonly kind?: string;
  readonly discoveryUrl?: string;
}

export interface JobView {
  readonly name: string;
  readonly status: string;
  readonly studioUrl?: string;
  readonly tags: Record<string, string>;
  readonly outputs: Record<string, { jobOutputType?: string; uri?: string; assetName?: string; assetVersion?: string }>;
}

export interface RunDetails {
  readonly error?: { code?: string; message?: string };
  readonly logFiles: Record<string, string>;
  readonly startTimeUtc?: string;
  readonly endTimeUtc?: string;
}

export interface ModelVersionView {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly tags: Record<string, string>;
}

export async function readWorkspaceFacts(target: FinetuneTarget): Promise<WorkspaceFacts> {
  const response = await sendJson(target.transport, { method: 'GET', url: armUrl(target.resourceManager, workspaceId(target.ref), target.apiVersions.workspaces), operation: `read workspace '${target.ref.workspace}'` });
  const w = response.body as { location?: string; kind?: string; properties?: { discoveryUrl?: string } };
  return { location: w.location ?? '', ...(w.kind ? { kind: w.kind } : {}), ...(w.properties?.discoveryUrl ? { discoveryUrl: w.properties.discoveryUrl } : {}) };
}

function jobView(body: unknown): JobView {
  const j = body as { name?: string; properties?: { status?: string; tags?: Record<string, string>; outputs?: JobView['outputs']; services?: { Studio?: { endpoint?: string } } } };
  const studio = j.properties?.services?.Studio?.endpoint;
  return { name: j.name ?? '', status: j.properties?.status ?? 'Unknown', ...(studio ? { studioUrl: studio } : {}), tags: j.properties?.tags ?? {}, outputs: j.properties?.outputs ?? {} };
}

const jobUrl = (target: FinetuneTarget, name: string, suffix = '') => armUrl(target.resourceManager, jobId(target.ref, name) + suffix, target.apiVersions.mlJobs);

export async function getJob(target: FinetuneTarget, name: string, abortSignal?: AbortSignal): Promise<JobView | undefined> {
  const response = await sendJson(target.transport, { method: 'GET', url: jobUrl(target, name), operation: `read job '${name}'`, accept: [404], ...(abortSignal ? { abortSignal } : {}) });
  return response.status === 404 ? undefined : jobView(response.body);
}

export async function submitJob(target: FinetuneTarget, name: string, body: unknown): Promise<JobView> {
  const response = await sendJson(target.transport, { method: 'PUT', url: jobUrl(target, name), body, operation: `submit job '${name}'` });
  return jobView(response.body);
}

/** Asks Azure to cancel; the job then goes CancelRequested → Canceled on its own. */
export async function cancelJob(target: FinetuneTarget, name: string): Promise<void> {
  await sendJson(target.transport, { method: 'POST', url: jobUrl(target, name, '/cancel'), operation: `cancel job '${name}'` });
}

/** The data-plane base (run history, MLflow) from the workspace's discovery document. */
export async function dataPlaneBase(target: FinetuneTarget, facts: WorkspaceFacts): Promise<string> {
  if (facts.discoveryUrl) {
    const response = await sendJson(target.transport, { method: 'GET', url: facts.discoveryUrl, operation: 'read the workspace discovery document' });
    const history = (response.body as { history?: string }).history;
    if (history) return history.replace(/\/+$/, '');
  }
  return `https://${facts.location}.api.azureml.ms`;
}

export async function readRunDetails(target: FinetuneTarget, base: string, name: string): Promise<RunDetails> {
  const response = await sendJson(target.transport, { method: 'GET', url: `${base}/history/v1.0${workspaceId(target.ref)}/runs/${encodeURIComponent(name)}/details`, operation: `read the run history of job '${name}'` });
  const d = response.body as { error?: { error?: { code?: string; message?: string } } | null; logFiles?: Record<string, string>; startTimeUtc?: string | null; endTimeUtc?: string | null };
  return {
    ...(d.error?.error ? { error: d.error.error } : {}),
    logFiles: d.logFiles ?? {},
    ...(d.startTimeUtc ? { startTimeUtc: d.startTimeUtc } : {}),
    ...(d.endTimeUtc ? { endTimeUtc: d.endTimeUtc } : {}),
  };
}

/** The last lines of a log file; its URL carries its own SAS, so it goes out without the bearer token. */
export async function readLogTail(target: FinetuneTarget, url: string, lines: number): Promise<string[]> {
  const response = await target.transport.httpClient.sendRequest(createPipelineRequest({ url, method: 'GET', headers: createHttpHeaders({ accept: 'text/plain' }), timeout: 30_000 }));
  if (response.status !== 200) return [];
  return (response.bodyAsText ?? '').split(/\r?\n/).filter((l) => l.trim() !== '').slice(-lines);
}

export async function readMlflowMetrics(target: FinetuneTarget, base: string, name: string): Promise<{ key: string; value: number; step?: number; timestamp?: number }[]> {
  const response = await sendJson(target.transport, { method: 'GET', url: `${base}/mlflow/v1.0${workspaceId(target.ref)}/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(name)}`, operation: `read the metrics of job '${name}'` });
  return (response.body as { run?: { data?: { metrics?: { key: string; value: number; step?: number; timestamp?: number }[] } } }).run?.data?.metrics ?? [];
}

function modelView(body: unknown, name: string, version: string, fallbackId: string): ModelVersionView {
  const m = body as { id?: string; properties?: { tags?: Record<string, string> } };
  return { id: m.id ?? fallbackId, name, version, tags: m.properties?.tags ?? {} };
}

export async function listModelVersions(target: FinetuneTarget, name: string): Promise<ModelVersionView[]> {
  const url = armUrl(target.resourceManager, `${workspaceId(target.ref)}/models/${encodeURIComponent(name)}/versions`, target.apiVersions.mlModels);
  const versions: ModelVersionView[] = [];
  let next: string | undefined = url;
  for (let page = 0; next && page < 50; page++) {
    const response = await sendJson(target.transport, { method: 'GET', url: next, operation: `list versions of model '${name}'`, accept: [404] });
    if (response.status === 404) return [];
    const body = response.body as { value?: { id?: string; name?: string; properties?: { tags?: Record<string, string> } }[]; nextLink?: string };
    for (const v of body.value ?? []) versions.push(modelView(v, name, v.name ?? '', v.id ?? ''));
    next = body.nextLink;
  }
  return versions;
}

export async function getModelVersion(target: FinetuneTarget, name: string, version: string): Promise<ModelVersionView | undefined> {
  const id = modelVersionId(target.ref, name, version);
  const response = await sendJson(target.transport, { method: 'GET', url: armUrl(target.resourceManager, id, target.apiVersions.mlModels), operation: `read model ${name}:${version}`, accept: [404] });
  return response.status === 404 ? undefined : modelView(response.body, name, version, id);
}

export async function createModelVersion(target: FinetuneTarget, model: { name: string; version: string; uri: string; jobName: string; tags: Record<string, string>; description: string }): Promise<ModelVersionView> {
  const id = modelVersionId(target.ref, model.name, model.version);
  const response = await sendJson(target.transport, {
    method: 'PUT',
    url: armUrl(target.resourceManager, id, target.apiVersions.mlModels),
    body: { properties: { modelType: 'mlflow_model', modelUri: model.uri, jobName: model.jobName, tags: model.tags, description: model.description } },
    operation: `register model ${model.name}:${model.version}`,
  });
  return modelView(response.body, model.name, model.version, id);
}
