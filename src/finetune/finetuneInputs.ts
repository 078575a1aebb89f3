// The finetune action's inputs, parsed and checked (ranges, types, Azure's name rules) before any request.

import { isAbsolute, resolve } from 'node:path';
import { parseSignInInputs, type SignInInputs } from '../azure/signInInputs.js';
import { FinetuneConfigError, inputsFromConfig, readFinetuneConfig, withConfigDefaults, type FinetuneConfig } from '../config/finetuneConfig.js';
import { booleanInput, choiceInput, InputError, integerInput, numberInput, optionalString, type InputSource } from '../inputs/parseInputs.js';

export const FINETUNE_MODES = ['managed-compute', 'serverless'] as const;
export type FinetuneMode = (typeof FINETUNE_MODES)[number];
/** How managed-compute submits: the registry pipeline component itself, or a FineTuning job the service expands into it. */
export const MANAGED_JOB_TYPES = ['pipeline', 'finetuning'] as const;
export type ManagedJobType = (typeof MANAGED_JOB_TYPES)[number];
export const LR_SCHEDULERS = ['linear', 'cosine', 'cosine_with_restarts', 'polynomial', 'constant', 'constant_with_warmup'] as const;
export const PRECISIONS = ['16', '32', 'bf16'] as const;

/** Registry model versions the toolkit pins when the `model` input names no version (say which in the log). */
export const PINNED_MODEL_VERSIONS: Readonly<Record<string, string>> = {
  'Phi-3-mini-4k-instruct': '15',
  'Phi-3-mini-128k-instruct': '13',
  'Phi-3-medium-4k-instruct': '6',
  'Phi-3-medium-128k-instruct': '7',
};

/** Hyper-parameters the registry chat-completion pipeline knows; `extra-parameters` keys outside it are warned. */
export const KNOWN_EXTRA_PARAMETERS = [
  'max_steps', 'optim', 'adam_beta1', 'adam_beta2', 'adam_epsilon', 'max_grad_norm', 'warmup_ratio', 'eval_strategy',
  'evaluation_steps_interval', 'save_strategy', 'save_steps', 'save_total_limit', 'logging_strategy', 'logging_steps',
  'metric_for_best_model', 'early_stopping_patience', 'early_stopping_threshold', 'apply_early_stopping', 'apply_deepspeed',
  'deepspeed_stage', 'apply_ort', 'per_device_eval_batch_size', 'dataloader_num_workers', 'ignore_mismatched_sizes',
  'max_seq_length', 'pad_to_max_length', 'merge_lora_weights', 'auto_find_batch_size', 'resume_from_checkpoint',
] as const;

export interface FinetuneHyperParameters {
  readonly epochs: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly gradientAccumulationSteps: number;
  readonly lrSchedulerType: (typeof LR_SCHEDULERS)[number];
  readonly warmupSteps: number;
  readonly weightDecay: number;
  readonly maxSeqLength: number;
  readonly lora: boolean;
  readonly loraR: number;
  readonly loraAlpha: number;
  readonly loraDropout: number;
  readonly precision: (typeof PRECISIONS)[number];
  readonly gpusPerNode: number;
  readonly nodes: number;
  readonly seed: number;
}

export interface ModelReference {
  /** What the job's model input takes: a registry URI, `azureml:name:version` or an ARM id. */
  readonly uri: string;
  /** How the log names it, e.g. "Phi-3-mini-4k-instruct version 15 from registry azureml (pinned)". */
  readonly description: string;
  /** Registry models are the ones serverless fine-tuning offers. */
  readonly registryName?: string;
}

export interface FinetuneInputs {
  readonly signIn: SignInInputs;
  readonly mode: FinetuneMode;
  readonly managedJobType: ManagedJobType;
  readonly model: ModelReference;
  readonly trainData: string;
  readonly validationData?: string;
  readonly compute?: string;
  readonly hyperParameters: FinetuneHyperParameters;
  readonly extraParameters: Readonly<Record<string, string>>;
  /** Things worth a warning that are not errors (unknown extra-parameters keys). */
  readonly warnings: readonly string[];
  readonly experiment: string;
  readonly jobName?: string;
  readonly modelName: string;
  readonly wait: boolean;
  readonly timeoutMinutes: number;
  readonly pollSeconds: number;
  readonly cancelOnAbort: boolean;
  readonly cancelOnTimeout: boolean;
  /** The config-file the defaults came from, and which inputs it set (those not given explicitly). */
  readonly config?: { readonly file: string; readonly applied: readonly string[] };
}

/** Azure ML's rules. */
export const FINETUNE_NAME_RULES = {
  job: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/, rule: 'expected 1-255 letters, digits, hyphens or underscores, starting with a letter or digit (Azure ML job names)' },
  experiment: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/, rule: 'expected 1-255 letters, digits, hyphens, underscores or periods, starting with a letter or digit' },
  model: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/, rule: 'expected 1-255 letters, digits, hyphens, underscores or periods, starting with a letter or digit (Azure ML model names)' },
  compute: { pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,15}$/, rule: 'expected 2-16 characters: letters, digits or hyphens, starting with a letter (Azure ML compute names), or the ARM id of a compute' },
} as const;

function named(input: string, value: string, rule: { pattern: RegExp; rule: string }): string {
  if (!rule.pattern.test(value)) throw new InputError(input, value, rule.rule);
  return value;
}

const REGISTRY_MODEL = /^azureml:\/\/registries\/([a-zA-Z0-9_-]+)\/models\/([a-zA-Z0-9_.-]+)\/versions\/([a-zA-Z0-9_.-]+)$/;
const WORKSPACE_MODEL = /^azureml:([a-zA-Z0-9][a-zA-Z0-9_.-]*):([0-9]+)$/;
const ARM_MODEL = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/models\/[^/]+\/versions\/[^/]+$/i;
const NAME_VERSION = /^([a-zA-Z0-9][a-zA-Z0-9_.-]*)(?::([a-zA-Z0-9_.-]+))?$/;

export function parseModelReference(raw: string): ModelReference {
  const registry = REGISTRY_MODEL.exec(raw);
  if (registry) return { uri: raw, description: `${registry[2]} version ${registry[3]} from registry ${registry[1]}`, registryName: registry[2]! };
  if (WORKSPACE_MODEL.test(raw) || ARM_MODEL.test(raw)) return { uri: raw, description: `workspace model ${raw}` };
  const plain = NAME_VERSION.exec(raw);
  const allowed = `expected a registry model name (${Object.keys(PINNED_MODEL_VERSIONS).join(', ')}), name:version, azureml://registries/<r>/models/<m>/versions/<v>, azureml:<name>:<version> or a model version's ARM id`;
  if (!plain) throw new InputError('model', raw, allowed);
  const name = plain[1]!;
  const version = plain[2] ?? PINNED_MODEL_VERSIONS[name];
  if (version === undefined) throw new InputError('model', raw, `no pinned version is known for '${name}': give one as ${name}:<version>; ${allowed}`);
  return {
    uri: `azureml://registries/azureml/models/${name}/versions/${version}`,
    description: `${name} version ${version} from registry azureml${plain[2] === undefined ? ' (version pinned by the toolkit)' : ''}`,
    registryName: name,
  };
}

const DATA_ASSET = /^azureml:[a-zA-Z0-9][a-zA-Z0-9_.-]*:[a-zA-Z0-9_.-]{1,30}$/;
const DATA_URI = /^(azureml:\/\/\S+|https:\/\/\S+|wasbs?:\/\/\S+|abfss?:\/\/\S+)$/;
const ARM_DATA = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/data\/[^/]+\/versions\/[^/]+$/i;

function dataInput(source: InputSource, name: string, required: boolean): string | undefined {
  const raw = optionalString(source, name);
  if (raw === undefined) {
    if (required) throw new InputError(name, '', 'it is required: a data asset (azureml:<name>:<version>, e.g. the dataset action\'s output) or an azureml://, https:// or ARM id URI');
    return undefined;
  }
  if (!DATA_ASSET.test(raw) && !DATA_URI.test(raw) && !ARM_DATA.test(raw)) {
    throw new InputError(name, raw, 'expected a data asset azureml:<name>:<version>, an azureml://, https://, wasbs:// or abfss:// URI, or a data version\'s ARM id');
  }
  return raw;
}

function parseExtraParameters(source: InputSource): { values: Record<string, string>; warnings: string[] } {
  const raw = optionalString(source, 'extra-parameters');
  if (raw === undefined) return { values: {}, warnings: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InputError('extra-parameters', raw, 'expected a JSON object such as {"max_steps": 100}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InputError('extra-parameters', raw, 'expected a JSON object such as {"max_steps": 100}');
  const values: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new InputError('extra-parameters', raw, `key '${key}' is not a parameter name (lowercase letters, digits and underscores)`);
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw new InputError('extra-parameters', raw, `the value of '${key}' must be a string, number or boolean`);
    if (!(KNOWN_EXTRA_PARAMETERS as readonly string[]).includes(key)) warnings.push(`extra-parameters: '${key}' is not a parameter the toolkit knows; it is passed through as is (check the spelling)`);
    values[key] = String(value);
  }
  return { values, warnings };
}

/**
 * Parses the finetune inputs. With `config-file`, the file (relative to `cwd`, the repository root on a runner) is
 * checked first and its values are the defaults of the inputs left empty; a bad value that came from the file is
 * reported against the file and its JSON pointer.
 */
export function parseFinetuneInputs(source: InputSource, env: NodeJS.ProcessEnv, cwd: string = env.GITHUB_WORKSPACE ?? process.cwd()): FinetuneInputs {
  const configFile = optionalString(source, 'config-file');
  if (configFile === undefined) return parseWithoutConfig(source, env);
  const config = readFinetuneConfig(isAbsolute(configFile) ? configFile : resolve(cwd, configFile), configFile);
  const applied = inputsFromConfig(source, config);
  try {
    return { ...parseWithoutConfig(withConfigDefaults(source, config), env), config: { file: configFile, applied } };
  } catch (error) {
    throw blameConfig(error, config, applied);
  }
}

/** A rule the schema cannot express (e.g. lora-r with lora: false) broken by a value from the file names the file. */
function blameConfig(error: unknown, config: FinetuneConfig, applied: readonly string[]): unknown {
  if (!(error instanceof InputError) || error instanceof FinetuneConfigError || !applied.includes(error.input)) return error;
  return new FinetuneConfigError(config.file, `/${error.input}`, `'${error.value}'`, error.allowed);
}

function parseWithoutConfig(source: InputSource, env: NodeJS.ProcessEnv): FinetuneInputs {
  const signIn = parseSignInInputs(source, env);
  const mode = choiceInput(source, 'mode', FINETUNE_MODES, 'managed-compute');
  const managedJobType = choiceInput(source, 'managed-job-type', MANAGED_JOB_TYPES, 'pipeline');
  const model = parseModelReference(optionalString(source, 'model') ?? 'Phi-3-mini-4k-instruct');
  const trainData = dataInput(source, 'train-data', true)!;
  const validationData = dataInput(source, 'validation-data', false);
  const computeRaw = optionalString(source, 'compute');
  let compute: string | undefined;
  if (mode === 'serverless') {
    if (computeRaw !== undefined) throw new InputError('compute', computeRaw, 'serverless fine-tuning runs on no compute of yours: leave compute empty, or use mode: managed-compute');
    if (model.registryName === undefined) throw new InputError('model', model.uri, 'serverless fine-tuning takes a registry model (such as Phi-3-mini-4k-instruct), not a workspace model');
  } else {
    compute = computeRaw ?? 'gpu-cluster';
    if (!compute.startsWith('/subscriptions/')) named('compute', compute, FINETUNE_NAME_RULES.compute);
  }
  const lora = booleanInput(source, 'lora', true);
  const hyperParameters: FinetuneHyperParameters = {
    epochs: integerInput(source, 'epochs', { min: 1, max: 100, default: 1 }),
    learningRate: numberInput(source, 'learning-rate', { above: 0, max: 1, default: 0.00002 }),
    batchSize: integerInput(source, 'batch-size', { min: 1, max: 1024, default: 1 }),
    gradientAccumulationSteps: integerInput(source, 'gradient-accumulation-steps', { min: 1, max: 1024, default: 1 }),
    lrSchedulerType: choiceInput(source, 'lr-scheduler-type', LR_SCHEDULERS, 'linear'),
    warmupSteps: integerInput(source, 'warmup-steps', { min: 0, max: 1_000_000, default: 0 }),
    weightDecay: numberInput(source, 'weight-decay', { min: 0, max: 1, default: 0 }),
    maxSeqLength: integerInput(source, 'max-seq-length', { min: 16, max: 131072, default: 2048 }),
    lora,
    loraR: integerInput(source, 'lora-r', { min: 1, max: 1024, default: 8 }),
    loraAlpha: integerInput(source, 'lora-alpha', { min: 1, max: 4096, default: 128 }),
    loraDropout: numberInput(source, 'lora-dropout', { min: 0, below: 1, default: 0 }),
    precision: choiceInput(source, 'precision', PRECISIONS, '32'),
    gpusPerNode: integerInput(source, 'gpus-per-node', { min: 1, max: 16, default: 1 }),
    nodes: integerInput(source, 'nodes', { min: 1, max: 100, default: 1 }),
    seed: integerInput(source, 'seed', { min: 0, max: 2 ** 31 - 1, default: 42 }),
  };
  if (!lora) {
    for (const name of ['lora-r', 'lora-alpha', 'lora-dropout']) {
      const raw = optionalString(source, name);
      if (raw !== undefined) throw new InputError(name, raw, 'only used with lora: true');
    }
  }
  const extra = parseExtraParameters(source);
  const jobNameRaw = optionalString(source, 'job-name');
  const timeoutMinutes = integerInput(source, 'timeout-minutes', { min: 1, max: 30 * 24 * 60, default: 360 });
  const pollSeconds = integerInput(source, 'poll-seconds', { min: 1, max: 600, default: 30 });
  return {
    signIn,
    mode,
    managedJobType,
    model,
    trainData,
    ...(validationData !== undefined ? { validationData } : {}),
    ...(compute !== undefined ? { compute } : {}),
    hyperParameters,
    extraParameters: extra.values,
    warnings: extra.warnings,
    experiment: named('experiment', optionalString(source, 'experiment') ?? 'amlft-finetune', FINETUNE_NAME_RULES.experiment),
    ...(jobNameRaw !== undefined ? { jobName: named('job-name', jobNameRaw, { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,239}$/, rule: 'expected 1-240 letters, digits, hyphens or underscores, starting with a letter or digit (Azure ML job names; room is kept for an attempt suffix)' }) } : {}),
    modelName: named('model-name', optionalString(source, 'model-name') ?? 'phi3-chat-ft', FINETUNE_NAME_RULES.model),
    wait: booleanInput(source, 'wait', true),
    timeoutMinutes,
    pollSeconds,
    cancelOnAbort: booleanInput(source, 'cancel-on-abort', true),
    cancelOnTimeout: booleanInput(source, 'cancel-on-timeout', false),
  };
}
