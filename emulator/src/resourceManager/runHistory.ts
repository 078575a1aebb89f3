// The Azure ML data plane a client reads after a job: discovery, run history, job logs, MLflow metrics.

import type { EmulatorCore } from '../core.js';
import type { IncomingCall, Reply } from '../httpKit.js';
import type { StoredResource } from '../store.js';
import { resourceNotFound } from './armErrors.js';
import { isoNow, requireWorkspace } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { jobRuntime } from './jobs.js';

const workspacePath = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';
const logFile = 'user_logs/std_log.txt';

function jobOf(ctx: ArmContext): StoredResource {
  const workspace = requireWorkspace(ctx);
  const job = ctx.core.store.get(`${workspace.id}/jobs/${ctx.params.run ?? ctx.call.query.run_id ?? ''}`);
  if (!job) throw resourceNotFound('Microsoft.MachineLearningServices/workspaces/jobs', `${ctx.params.ws}/${ctx.params.run ?? ctx.call.query.run_id ?? ''}`, ctx.params.rg!);
  return job;
}

function runTimes(job: StoredResource): { start?: number; end?: number } {
  const history = jobRuntime(job).history;
  const start = history.find((h) => h.status === 'Running')?.at;
  const end = history.find((h) => ['Completed', 'Failed', 'Canceled'].includes(h.status))?.at;
  return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
}

function runBody(ctx: ArmContext, job: StoredResource): Record<string, unknown> {
  const runtime = jobRuntime(job);
  const { start, end } = runTimes(job);
  const properties = job.body.properties;
  return {
    runId: job.name,
    runUuid: job.name,
    displayName: properties.displayName,
    status: properties.status,
    runType: properties.jobType === 'FineTuning' ? 'azureml.FineTuningRun' : properties.jobType === 'Pipeline' ? 'azureml.PipelineRun' : 'azureml.scriptrun',
    experimentName: properties.experimentName,
    computeTarget: String(properties.computeId ?? 'serverless').split('/').at(-1),
    createdUtc: properties.creationContext?.createdAt,
    startTimeUtc: start === undefined ? null : isoNow(start),
    endTimeUtc: end === undefined ? null : isoNow(end),
    error: runtime.error ? { error: { code: runtime.error.code, message: runtime.error.message, details: [] } } : null,
    tags: properties.tags,
    properties: properties.properties,
  };
}

/** Where a job's std_log.txt is served; like Azure's SAS URLs, it needs no bearer token. */
export function logFileUrl(core: EmulatorCore, workspace: StoredResource, jobName: string): string {
  return `${core.url}/joblogs/${workspace.body.properties.workspaceId as string}/${encodeURIComponent(jobName)}/${logFile}`;
}

export const runHistoryRoutes: ArmRouteSpec[] = [
  {
    method: 'GET',
    path: `/history/v1.0${workspacePath}/runs/{run}`,
    family: 'ml',
    dataPlane: true,
    handle: (ctx) => ({ status: 200, body: runBody(ctx, jobOf(ctx)) }),
  },
  {
    method: 'GET',
    path: `/history/v1.0${workspacePath}/runs/{run}/details`,
    family: 'ml',
    dataPlane: true,
    handle: (ctx) => {
      const job = jobOf(ctx);
      const workspace = requireWorkspace(ctx);
      return { status: 200, body: { ...runBody(ctx, job), target: runBody(ctx, job).computeTarget, warnings: [], logFiles: { [logFile]: logFileUrl(ctx.core, workspace, job.name) } } };
    },
  },
  {
    method: 'GET',
    path: `/mlflow/v1.0${workspacePath}/api/2.0/mlflow/runs/get`,
    family: 'ml',
    dataPlane: true,
    handle: (ctx) => {
      const job = jobOf(ctx);
      const runtime = jobRuntime(job);
      const { start, end } = runTimes(job);
      const status = String(job.body.properties.status);
      const mlflowStatus = status === 'Completed' ? 'FINISHED' : status === 'Failed' ? 'FAILED' : status === 'Canceled' ? 'KILLED' : status === 'Running' ? 'RUNNING' : 'SCHEDULED';
      const timestamp = end ?? Date.now();
      return {
        status: 200,
        body: {
          run: {
            info: { run_id: job.name, run_uuid: job.name, run_name: job.name, experiment_id: '0', status: mlflowStatus, start_time: start ?? null, end_time: end ?? null, lifecycle_stage: 'active' },
            data: {
              metrics: Object.entries(runtime.metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 })),
              params: [],
              tags: Object.entries((job.body.properties.tags ?? {}) as Record<string, string>).map(([key, value]) => ({ key, value })),
            },
          },
        },
      };
    },
  },
];

/** GET /mlservices/{location}/discovery (the workspace's discoveryUrl): every service lives on this emulator. */
export function handleDiscovery(core: EmulatorCore, call: IncomingCall): Reply | undefined {
  if (!/^\/mlservices\/[^/]+\/discovery$/i.test(call.path)) return undefined;
  const services = ['api', 'catalog', 'experimentation', 'gallery', 'history', 'hyperdrive', 'labeling', 'modelmanagement', 'pipelines'];
  return { status: 200, body: { ...Object.fromEntries(services.map((s) => [s, core.url])), studio: 'https://ml.azure.com' } };
}

/** GET /joblogs/{workspaceGuid}/{job}/user_logs/std_log.txt: the job's log lines so far. */
export function handleJobLogs(core: EmulatorCore, call: IncomingCall): Reply | undefined {
  const match = /^\/joblogs\/([^/]+)\/([^/]+)\/user_logs\/std_log\.txt$/.exec(call.path);
  if (!match) return undefined;
  const workspace = core.store.all('Microsoft.MachineLearningServices/workspaces').find((w) => w.body.properties.workspaceId === match[1]);
  const job = workspace ? core.store.get(`${workspace.id}/jobs/${decodeURIComponent(match[2]!)}`) : undefined;
  if (!job) return { status: 404, body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>' };
  return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `${jobRuntime(job).logs.join('\n')}\n` };
}
