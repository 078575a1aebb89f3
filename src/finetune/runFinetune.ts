// The finetune action's body: find or submit the job, wait (cancellable), register and verify the model, report.

import { connectAzure, type SessionOptions } from '../azure/azureSession.js';
import { ArmError } from '../azure/armErrors.js';
import { resolveApiVersions } from '../azure/machineLearningClient.js';
import { studioUrl, workspaceId } from '../azure/resourceIds.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { UserFacingError } from '../github/runAction.js';
import { cell, table } from '../report/markdown.js';
import {
  cancelJob,
  createModelVersion,
  dataPlaneBase,
  getJob,
  getModelVersion,
  listModelVersions,
  readLogTail,
  readMlflowMetrics,
  readRunDetails,
  readWorkspaceFacts,
  submitJob,
  type FinetuneTarget,
  type JobView,
  type WorkspaceFacts,
} from './finetuneAzure.js';
import type { FinetuneInputs } from './finetuneInputs.js';
import {
  attemptName,
  deterministicJobName,
  extractMetrics,
  formatElapsed,
  isFailure,
  isTerminal,
  MAX_ATTEMPTS,
  nextModelVersion,
  planJob,
  pollIntervalMs,
  serverlessRefusal,
  stateDurations,
  type StatusChange,
} from './finetunePlan.js';

export interface FinetuneOptions extends SessionOptions {
  /** Tags put on the job and the model (runTags). */
  readonly tags: Readonly<Record<string, string>>;
  /** Aborts the wait when the workflow is cancelled (SIGINT / SIGTERM). */
  readonly abortSignal?: AbortSignal;
  /** Polls in a row that may fail (transient errors the pipeline's retries did not absorb) before giving up. */
  readonly maxFailedPolls?: number;
}

export interface FinetuneResult {
  readonly jobName: string;
  readonly status: string;
  readonly submitted: boolean;
  readonly outputs: Readonly<Record<string, string>>;
}

const LOG_TAIL_LINES = 30;

function asUserFacing(error: unknown): unknown {
  if (error instanceof ArmError) return new UserFacingError(error.message, { cause: error });
  return error;
}

interface FoundJob {
  readonly job: JobView;
  readonly submitted: boolean;
}

/** Attempt 1, 2, ...: attach to the first that is running or done; past failed attempts are skipped; a missing one is submitted. */
async function findOrSubmit(target: FinetuneTarget, inputs: FinetuneInputs, base: string, body: (name: string) => unknown, log: (m: string) => void): Promise<FoundJob> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const name = attemptName(base, attempt);
    const existing = await getJob(target, name);
    if (existing === undefined) {
      log(attempt === 1 ? `Submitting job ${name}` : `Submitting job ${name}: attempt ${attempt}, because ${attemptName(base, attempt - 1)} ended without success`);
      return { job: await submitJob(target, name, body(name)), submitted: true };
    }
    if (isFailure(existing.status)) {
      log(`Job ${name} exists and ended ${existing.status}; a new attempt follows`);
      continue;
    }
    log(`Job ${name} already exists (${existing.status}): attaching to it instead of submitting a second run`);
    return { job: existing, submitted: false };
  }
  throw new UserFacingError(`${MAX_ATTEMPTS} attempts of job ${base} all ended without success; fix the cause, or give a new job-name`, {});
}

class WaitTimeout extends Error {}
class WaitAborted extends Error {}

interface WaitOutcome {
  readonly job: JobView;
  readonly changes: StatusChange[];
}

async function waitForJob(target: FinetuneTarget, first: JobView, inputs: FinetuneInputs, options: FinetuneOptions, log: (m: string) => void): Promise<WaitOutcome> {
  const { clock } = options;
  const start = clock.now();
  const deadline = start + inputs.timeoutMinutes * 60_000;
  const changes: StatusChange[] = [];
  const signal = options.abortSignal;
  const maxFailedPolls = options.maxFailedPolls ?? 20;
  let job = first;
  let failedPolls = 0;
  const note = (status: string) => {
    const at = clock.now();
    changes.push({ status, at });
    log(`${new Date(at).toISOString()} ${status} (+${formatElapsed(at - start)})`);
  };
  note(job.status);
  for (let poll = 0; !isTerminal(job.status); poll++) {
    if (clock.now() >= deadline) throw new WaitTimeout();
    try {
      await clock.sleep(Math.min(pollIntervalMs(poll, inputs.pollSeconds), Math.max(0, deadline - clock.now())), signal);
      const seen = await getJob(target, job.name, signal);
      if (seen === undefined) throw new UserFacingError(`job ${job.name} disappeared from the workspace while waiting (deleted?)`);
      failedPolls = 0;
      if (seen.status !== job.status) {
        job = seen;
        note(job.status);
      } else {
        job = seen;
      }
    } catch (error) {
      if (signal?.aborted) throw new WaitAborted();
      if (error instanceof UserFacingError) throw error;
      // Hours of polling meet transient failures the pipeline's retries did not absorb: note them and poll again.
      failedPolls += 1;
      log(`poll ${poll + 1} failed (${failedPolls} in a row): ${error instanceof Error ? error.message : String(error)}; polling again`);
      if (failedPolls >= maxFailedPolls) throw error;
    }
  }
  return { job, changes };
}

function summaryMarkdown(inputs: FinetuneInputs, facts: { jobName: string; status: string; studio: string; submitted: boolean; durations: { status: string; seconds: number }[]; model?: string; modelId?: string; metrics: Record<string, number>; route: string }): string {
  const h = inputs.hyperParameters;
  const params: [string, string][] = [
    ['epochs', String(h.epochs)],
    ['learning-rate', String(h.learningRate)],
    ['batch-size', String(h.batchSize)],
    ['gradient-accumulation-steps', String(h.gradientAccumulationSteps)],
    ['lr-scheduler-type', h.lrSchedulerType],
    ['warmup-steps', String(h.warmupSteps)],
    ['weight-decay', String(h.weightDecay)],
    ['max-seq-length', String(h.maxSeqLength)],
    ['lora', h.lora ? `true (r ${h.loraR}, alpha ${h.loraAlpha}, dropout ${h.loraDropout})` : 'false'],
    ['precision', h.precision],
    ['gpus-per-node x nodes', `${h.gpusPerNode} x ${h.nodes}`],
    ['seed', String(h.seed)],
    ...Object.entries(inputs.extraParameters).map(([k, v]): [string, string] => [`extra: ${k}`, v]),
  ];
  return [
    `### Fine-tuning job ${cell(facts.jobName)}: ${facts.status}`,
    '',
    `[Open in Azure ML studio](${facts.studio}) · ${facts.submitted ? 'submitted by this run' : 'attached to an existing job'} · ${cell(facts.route)}`,
    '',
    table(['Input', 'Value'], [
      ['model', cell(inputs.model.description)],
      ['train-data', cell(inputs.trainData)],
      ['validation-data', cell(inputs.validationData ?? "(none: the service's automatic split)")],
      ['mode', inputs.mode],
      ...(inputs.compute ? [['compute', cell(inputs.compute)]] : []),
    ]),
    '',
    table(['Parameter', 'Value'], params.map(([k, v]) => [cell(k), cell(v)])),
    '',
    facts.durations.length > 0 ? table(['State', 'Time'], facts.durations.map((d) => [d.status, formatElapsed(d.seconds * 1000)])) : '',
    '',
    facts.model ? `Model: \`${facts.model}\`${facts.modelId ? ` (${cell(facts.modelId)})` : ''}` : '',
    Object.keys(facts.metrics).length > 0 ? `\nMetrics: ${Object.entries(facts.metrics).map(([k, v]) => `${k} ${v}`).join(', ')}` : '',
    '',
  ].join('\n');
}

export async function runFinetune(inputs: FinetuneInputs, options: FinetuneOptions, reporter: ActionReporter): Promise<FinetuneResult> {
  const log = (message: string) => reporter.info(message);
  for (const warning of inputs.warnings) reporter.warning(warning, { title: 'finetune input' });
  const session = await connectAzure(inputs.signIn, { ...options, log: options.log ?? log });
  const ref = { subscriptionId: inputs.signIn.subscriptionId, resourceGroup: inputs.signIn.resourceGroup, workspace: inputs.signIn.workspace };
  const target: FinetuneTarget = { transport: session.transport, resourceManager: session.cloud.resourceManager, ref, apiVersions: resolveApiVersions(options.env, options.apiVersions) };
  const outputs: Record<string, string> = {};
  const setOutput = (name: string, value: string) => {
    outputs[name] = value;
    reporter.setOutput(name, value);
  };
  let facts: WorkspaceFacts;
  try {
    facts = await readWorkspaceFacts(target);
    if (inputs.mode === 'serverless') {
      const refusal = serverlessRefusal(inputs.model.registryName, facts.location, facts.kind ?? 'Default');
      if (refusal) throw new UserFacingError(`${refusal}; nothing was submitted`);
    }
    const computeId = inputs.compute === undefined ? undefined : inputs.compute.startsWith('/subscriptions/') ? inputs.compute : `${workspaceId(ref)}/computes/${inputs.compute}`;
    const base = inputs.jobName ?? deterministicJobName({ repository: options.env.GITHUB_REPOSITORY ?? '', commit: options.env.GITHUB_SHA ?? '', inputs });
    log(`Model: ${inputs.model.description}`);
    const plans = new Map<string, ReturnType<typeof planJob>>();
    const planFor = (name: string) => {
      const plan = planJob(inputs, { name, tags: options.tags, datastore: 'workspaceblobstore', ...(computeId ? { computeId } : {}) });
      plans.set(name, plan);
      return plan;
    };
    const found = await findOrSubmit(target, inputs, base, (name) => planFor(name).body, log);
    const plan = plans.get(found.job.name) ?? planFor(found.job.name);
    log(`Route: ${plan.description}`);
    const studio = found.job.studioUrl ?? `${studioUrl(session.cloud.studio, ref, `runs/${found.job.name}`)}`;
    log(`Azure ML studio: ${studio}`);
    setOutput('job-name', found.job.name);
    setOutput('studio-url', studio);
    setOutput('status', found.job.status);

    if (!inputs.wait) {
      log(`wait: false: returning now; the job continues in Azure (${found.job.status})`);
      await reporter.summary(summaryMarkdown(inputs, { jobName: found.job.name, status: found.job.status, studio, submitted: found.submitted, durations: [], metrics: {}, route: plan.description }));
      return { jobName: found.job.name, status: found.job.status, submitted: found.submitted, outputs };
    }

    const waitStart = options.clock.now();
    let outcome: WaitOutcome;
    try {
      outcome = await reporter.group(`Waiting for job ${found.job.name}`, () => waitForJob(target, found.job, inputs, options, log));
    } catch (error) {
      if (error instanceof WaitAborted) {
        if (inputs.cancelOnAbort) {
          await cancelJob(target, found.job.name).then(
            () => log(`The workflow was cancelled: cancelled Azure ML job ${found.job.name} (cancel-on-abort)`),
            (e: unknown) => log(`The workflow was cancelled, and cancelling Azure ML job ${found.job.name} failed: ${e instanceof Error ? e.message : String(e)}`),
          );
          setOutput('status', 'CancelRequested');
          throw new UserFacingError(`the workflow was cancelled; Azure ML job ${found.job.name} was asked to cancel`);
        }
        throw new UserFacingError(`the workflow was cancelled; Azure ML job ${found.job.name} keeps running (cancel-on-abort: false): ${studio}`);
      }
      if (error instanceof WaitTimeout) {
        if (inputs.cancelOnTimeout) {
          await cancelJob(target, found.job.name);
          log(`cancel-on-timeout: cancelled Azure ML job ${found.job.name}`);
        }
        throw new UserFacingError(`job ${found.job.name} did not finish within timeout-minutes (${inputs.timeoutMinutes})${inputs.cancelOnTimeout ? '; it was cancelled' : '; it keeps running in Azure: re-run to attach to it, or set cancel-on-timeout: true'} — ${studio}`);
      }
      throw error;
    }
    const { job, changes } = outcome;
    setOutput('status', job.status);
    const durations = stateDurations(changes, options.clock.now());
    const base2 = await dataPlaneBase(target, facts).catch(() => undefined);
    const details = base2 ? await readRunDetails(target, base2, job.name).catch(() => undefined) : undefined;
    const runSeconds = details?.startTimeUtc && details.endTimeUtc ? Math.max(0, Math.round((Date.parse(details.endTimeUtc) - Date.parse(details.startTimeUtc)) / 1000)) : undefined;
    setOutput('duration-seconds', String(runSeconds ?? Math.round((options.clock.now() - waitStart) / 1000)));

    if (isFailure(job.status)) {
      const logUrl = details ? Object.values(details.logFiles)[0] : undefined;
      const tail = logUrl ? await readLogTail(target, logUrl, LOG_TAIL_LINES).catch(() => []) : [];
      if (tail.length > 0) await reporter.group(`Last ${tail.length} log lines of ${job.name}`, async () => tail.forEach((line) => log(line)));
      await reporter.summary(summaryMarkdown(inputs, { jobName: job.name, status: job.status, studio, submitted: found.submitted, durations, metrics: {}, route: plan.description }) + (tail.length > 0 ? `\n\`\`\`\n${tail.join('\n')}\n\`\`\`\n` : ''));
      const reason = details?.error?.message ? `: ${details.error.code ? `${details.error.code}: ` : ''}${details.error.message}` : '';
      throw new UserFacingError(`job ${job.name} ended ${job.status}${reason}${tail.length > 0 ? ` (last log line: ${tail.at(-1)})` : ''} — ${studio}`);
    }

    const metrics = base2 ? extractMetrics(await readMlflowMetrics(target, base2, job.name).catch(() => [])) : {};
    setOutput('metrics', JSON.stringify(metrics));

    // The model: the route registered it, or an earlier run of this workflow did (tag job), or we register it now.
    let modelName = inputs.modelName;
    let version: string;
    const registered = job.outputs[plan.modelOutput];
    if (plan.serviceRegistersModel && registered?.assetName && registered.assetVersion) {
      modelName = registered.assetName;
      version = registered.assetVersion;
      log(`The service registered the model: ${modelName}:${version}`);
    } else {
      const versions = await listModelVersions(target, modelName);
      const mine = versions.find((v) => v.tags.job === job.name);
      if (mine) {
        version = mine.version;
        log(`Model ${modelName}:${version} was already registered from job ${job.name}`);
      } else {
        version = nextModelVersion(versions.map((v) => v.version));
        const uri = registered?.uri ?? `azureml://jobs/${job.name}/outputs/${plan.modelOutput}`;
        await createModelVersion(target, { name: modelName, version, uri, jobName: job.name, tags: { ...options.tags, job: job.name }, description: `Fine-tuned ${inputs.model.description} (job ${job.name})` });
        log(`Registered model ${modelName}:${version} from ${uri}`);
      }
    }
    // Re-read: report only a model version Azure really has.
    const model = await getModelVersion(target, modelName, version);
    if (!model) throw new UserFacingError(`job ${job.name} completed, but model ${modelName}:${version} is not in the workspace`);
    setOutput('model', `azureml:${modelName}:${version}`);
    setOutput('model-id', model.id);
    log(`Done: job ${job.name} ${job.status}; model azureml:${modelName}:${version}${Object.keys(metrics).length > 0 ? `; ${JSON.stringify(metrics)}` : ''}`);
    await reporter.summary(summaryMarkdown(inputs, { jobName: job.name, status: job.status, studio, submitted: found.submitted, durations, model: `azureml:${modelName}:${version}`, modelId: model.id, metrics, route: plan.description }));
    return { jobName: job.name, status: job.status, submitted: found.submitted, outputs };
  } catch (error) {
    throw asUserFacing(error);
  }
}
