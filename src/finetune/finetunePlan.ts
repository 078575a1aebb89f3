// Pure decisions of a fine-tuning run: the job's name, its body per route, poll intervals, the state timeline, metrics.

import { createHash } from 'node:crypto';
import type { FinetuneHyperParameters, FinetuneInputs } from './finetuneInputs.js';

/** The registry component managed-compute pipelines run, pinned (the CLI resolves labels/latest client-side; we do not). */
export const CHAT_COMPLETION_PIPELINE_VERSION = '0.0.63';
export const CHAT_COMPLETION_PIPELINE = `azureml://registries/azureml/components/chat_completion_pipeline/versions/${CHAT_COMPLETION_PIPELINE_VERSION}`;

export const TERMINAL_FAILURES = ['Failed', 'Canceled', 'NotResponding'] as const;
export const TERMINAL_STATUSES = ['Completed', ...TERMINAL_FAILURES] as const;
export const isTerminal = (status: string) => (TERMINAL_STATUSES as readonly string[]).includes(status);
export const isFailure = (status: string) => (TERMINAL_FAILURES as readonly string[]).includes(status);

/** Where a job's identity comes from: what must be equal for a re-run to be "the same fine-tuning". */
export interface JobIdentity {
  readonly repository: string;
  readonly commit: string;
  readonly inputs: Pick<FinetuneInputs, 'mode' | 'managedJobType' | 'model' | 'trainData' | 'validationData' | 'compute' | 'hyperParameters' | 'extraParameters' | 'experiment'>;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Letters, digits, hyphens; what Azure's job names allow, readable in the studio. */
export function sanitizeNamePart(text: string, max: number): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
}

/**
 * `ft-<repo>-<commit7>-<hash10>`: the hash covers repository, commit, data, model and every parameter, so a
 * re-run of the same workflow finds the same job, and any change gives a new one.
 */
export function deterministicJobName(identity: JobIdentity): string {
  const hash = createHash('sha256').update(stableJson({ repository: identity.repository, commit: identity.commit, ...identity.inputs })).digest('hex').slice(0, 10);
  const repo = sanitizeNamePart(identity.repository.split('/').at(-1) ?? '', 40) || 'local';
  const commit = sanitizeNamePart(identity.commit, 7) || 'nocommit';
  return `ft-${repo}-${commit}-${hash}`;
}

/**
 * Attempt n of a job: attempt 1 is the base name, later ones `<base>-a<n>`. A re-run walks attempts in order and
 * attaches to the first that is not a failure; past failed attempts stay in Azure as the history.
 */
export function attemptName(base: string, attempt: number): string {
  return attempt <= 1 ? base : `${base}-a${attempt}`;
}
export const MAX_ATTEMPTS = 20;

function pipelineHyperParameters(h: FinetuneHyperParameters): Record<string, string> {
  return {
    num_train_epochs: String(h.epochs),
    learning_rate: String(h.learningRate),
    per_device_train_batch_size: String(h.batchSize),
    gradient_accumulation_steps: String(h.gradientAccumulationSteps),
    lr_scheduler_type: h.lrSchedulerType,
    warmup_steps: String(h.warmupSteps),
    weight_decay: String(h.weightDecay),
    max_seq_length: String(h.maxSeqLength),
    apply_lora: String(h.lora),
    ...(h.lora ? { lora_r: String(h.loraR), lora_alpha: String(h.loraAlpha), lora_dropout: String(h.loraDropout) } : {}),
    precision: h.precision,
    seed: String(h.seed),
  };
}

export interface JobBodyContext {
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
  /** ARM id of the compute cluster (managed-compute). */
  readonly computeId?: string;
  /** The default datastore, where the pipeline's model output is pinned so it can be registered. */
  readonly datastore: string;
}

export interface JobPlan {
  readonly body: { properties: Record<string, unknown> };
  /** The output that holds the MLflow model. */
  readonly modelOutput: string;
  /** True when the service registers the model itself (FineTuning jobs with outputs.registered_model.assetName). */
  readonly serviceRegistersModel: boolean;
  readonly description: string;
}

const dataInputOf = (uri: string) => ({ jobInputType: 'uri_file', uri });

/** The job body for the route the inputs chose. */
export function planJob(inputs: FinetuneInputs, ctx: JobBodyContext): JobPlan {
  const common = { displayName: ctx.name, experimentName: inputs.experiment, tags: { ...ctx.tags }, description: `Fine-tuning ${inputs.model.description} (amlft)` };
  const h = inputs.hyperParameters;
  if (inputs.mode === 'managed-compute' && inputs.managedJobType === 'pipeline') {
    const literal = (value: string) => ({ jobInputType: 'literal', value });
    const modelOutputUri = `azureml://datastores/${ctx.datastore}/paths/amlft/${ctx.name}/mlflow_model_folder/`;
    const params = { ...pipelineHyperParameters(h), ...inputs.extraParameters };
    return {
      body: {
        properties: {
          ...common,
          jobType: 'Pipeline',
          computeId: ctx.computeId,
          settings: { default_compute: ctx.computeId },
          inputs: {
            mlflow_model_path: { jobInputType: 'mlflow_model', uri: inputs.model.uri },
            train_file_path: dataInputOf(inputs.trainData),
            ...(inputs.validationData ? { validation_file_path: dataInputOf(inputs.validationData) } : {}),
          },
          jobs: {
            chat_completion_pipeline: {
              type: 'pipeline',
              componentId: CHAT_COMPLETION_PIPELINE,
              computeId: ctx.computeId,
              inputs: {
                mlflow_model_path: { job_input_type: 'literal', value: '${{parent.inputs.mlflow_model_path}}' },
                train_file_path: { job_input_type: 'literal', value: '${{parent.inputs.train_file_path}}' },
                ...(inputs.validationData ? { validation_file_path: { job_input_type: 'literal', value: '${{parent.inputs.validation_file_path}}' } } : {}),
                compute_model_import: literal(ctx.computeId ?? ''),
                compute_preprocess: literal(ctx.computeId ?? ''),
                compute_finetune: literal(ctx.computeId ?? ''),
                compute_model_evaluation: literal(ctx.computeId ?? ''),
                number_of_gpu_to_use_finetuning: literal(String(h.gpusPerNode)),
                num_nodes_finetune: literal(String(h.nodes)),
                ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, literal(v)])),
              },
              outputs: { mlflow_model_folder: { value: '${{parent.outputs.mlflow_model_folder}}', type: 'literal' } },
            },
          },
          outputs: { mlflow_model_folder: { jobOutputType: 'mlflow_model', uri: modelOutputUri } },
        },
      },
      modelOutput: 'mlflow_model_folder',
      serviceRegistersModel: false,
      description: `pipeline job running ${CHAT_COMPLETION_PIPELINE} on ${ctx.computeId}`,
    };
  }
  const hyperParameters = { ...pipelineHyperParameters(h), ...(inputs.mode === 'managed-compute' ? { number_of_gpu_to_use_finetuning: String(h.gpusPerNode), num_nodes_finetune: String(h.nodes) } : {}), ...inputs.extraParameters };
  return {
    body: {
      properties: {
        ...common,
        jobType: 'FineTuning',
        ...(inputs.mode === 'managed-compute' ? { computeId: ctx.computeId } : {}),
        fineTuningDetails: {
          modelProvider: 'Custom',
          taskType: 'ChatCompletion',
          model: { jobInputType: 'mlflow_model', uri: inputs.model.uri },
          trainingData: dataInputOf(inputs.trainData),
          ...(inputs.validationData ? { validationData: dataInputOf(inputs.validationData) } : {}),
          hyperParameters,
        },
        outputs: { registered_model: { jobOutputType: 'mlflow_model', assetName: inputs.modelName } },
      },
    },
    modelOutput: 'registered_model',
    serviceRegistersModel: true,
    description: inputs.mode === 'serverless' ? 'serverless FineTuning job (models as a service)' : `FineTuning job on ${ctx.computeId}`,
  };
}

/** Regions where serverless fine-tuning offers a model (Azure's published list, as the toolkit knows it). */
export const SERVERLESS_FINETUNING_REGIONS: Readonly<Record<string, readonly string[]>> = {
  'Phi-3-mini-4k-instruct': ['eastus2'],
  'Phi-3-mini-128k-instruct': ['eastus2'],
  'Phi-3-medium-4k-instruct': ['eastus2'],
  'Phi-3-medium-128k-instruct': ['eastus2'],
};

/** Why serverless fine-tuning cannot run here, or undefined when it can (as far as the toolkit knows). */
export function serverlessRefusal(model: string | undefined, region: string, workspaceKind: string | undefined): string | undefined {
  const regions = model === undefined ? undefined : SERVERLESS_FINETUNING_REGIONS[model];
  if (regions !== undefined && !regions.includes(region)) {
    return `serverless fine-tuning of ${model} is not offered in ${region}; supported regions: ${regions.join(', ')} (use a hub project there, or mode: managed-compute on your own GPU cluster)`;
  }
  if (workspaceKind !== undefined && workspaceKind.toLowerCase() !== 'project') {
    return `serverless fine-tuning needs a hub project workspace; this workspace is of kind '${workspaceKind}' (create one with the provision action's workspace-kind: project, or use mode: managed-compute)`;
  }
  return undefined;
}

/** Adaptive polling: a few quick looks while the job is queued, then slower, capped at poll-seconds. */
export function pollIntervalMs(poll: number, capSeconds: number): number {
  const cap = capSeconds * 1000;
  return Math.min(cap, Math.round(5000 * 1.5 ** poll));
}

export interface StatusChange {
  readonly status: string;
  readonly at: number;
}

export interface StateDuration {
  readonly status: string;
  readonly seconds: number;
}

/** Time spent in each observed state, in the order they were seen (the last one until `end`). */
export function stateDurations(changes: readonly StatusChange[], end: number): StateDuration[] {
  return changes.map((change, i) => ({ status: change.status, seconds: Math.max(0, Math.round(((changes[i + 1]?.at ?? end) - change.at) / 1000)) }));
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

const TRAIN_LOSS = ['train_loss', 'training_loss', 'loss', 'train/loss'];
const VALIDATION_LOSS = ['eval_loss', 'validation_loss', 'val_loss', 'eval/loss'];

/** The final training and validation loss from MLflow's metrics list (the latest step of each key). */
export function extractMetrics(metrics: readonly { key: string; value: number; step?: number; timestamp?: number }[]): Record<string, number> {
  const latest = new Map<string, { value: number; order: number }>();
  for (const m of metrics) {
    if (typeof m.value !== 'number' || !Number.isFinite(m.value)) continue;
    const order = (m.step ?? 0) * 1e13 + (m.timestamp ?? 0);
    const seen = latest.get(m.key);
    if (!seen || order >= seen.order) latest.set(m.key, { value: m.value, order });
  }
  const result: Record<string, number> = {};
  const train = TRAIN_LOSS.find((k) => latest.has(k));
  const validation = VALIDATION_LOSS.find((k) => latest.has(k));
  if (train) result.train_loss = latest.get(train)!.value;
  if (validation) result.validation_loss = latest.get(validation)!.value;
  return result;
}

/** The next version of a workspace model: one above the highest integer version. */
export function nextModelVersion(versions: readonly string[]): string {
  const numbers = versions.map((v) => Number(v)).filter((n) => Number.isSafeInteger(n) && n > 0);
  return String(numbers.length === 0 ? 1 : Math.max(...numbers) + 1);
}
