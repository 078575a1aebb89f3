// Each command's flags: the inputs of the action it runs (same names), minus the inputs that only make sense inside GitHub Actions.

export const SIGN_IN_FLAGS = ['subscription-id', 'resource-group', 'workspace', 'client-id', 'tenant-id', 'auth', 'cloud'] as const;

const DATASET_FLAGS = ['train-file', 'validation-file', 'model', 'max-tokens', 'min-examples', 'strict', 'max-annotations', 'validation-split', 'seed', 'exact-tokens'] as const;
const PROVISION_FLAGS = [
  ...SIGN_IN_FLAGS, 'location', 'create-resource-group', 'workspace-kind', 'hub', 'compute', 'vm-size', 'vm-priority', 'min-nodes', 'max-nodes',
  'idle-seconds', 'identity', 'attach-identity', 'assign-roles', 'serving-vm-size', 'serving-instances', 'check-quota', 'dry-run',
] as const;
const FINETUNE_FLAGS = [
  ...SIGN_IN_FLAGS, 'mode', 'managed-job-type', 'model', 'train-data', 'validation-data', 'compute', 'epochs', 'learning-rate', 'batch-size',
  'gradient-accumulation-steps', 'lr-scheduler-type', 'warmup-steps', 'weight-decay', 'max-seq-length', 'lora', 'lora-r', 'lora-alpha', 'lora-dropout',
  'precision', 'gpus-per-node', 'nodes', 'seed', 'extra-parameters', 'experiment', 'job-name', 'model-name', 'wait', 'timeout-minutes', 'poll-seconds',
  'cancel-on-abort', 'cancel-on-timeout', 'config-file',
] as const;
const DEPLOY_FLAGS = [
  ...SIGN_IN_FLAGS, 'endpoint', 'model', 'deployment', 'instance-type', 'instance-count', 'request-timeout-ms', 'max-concurrent-requests',
  'probe-initial-delay-seconds', 'environment-variables', 'mirror-percent', 'delete-failed', 'managed-identity', 'timeout-minutes',
  'target', 'connection-name',
] as const;
const PROMOTE_FLAGS = [
  ...SIGN_IN_FLAGS, 'endpoint', 'deployment', 'traffic-steps', 'step-wait-seconds', 'timeout-minutes', 'connection-name', 'delete-old', 'keep-previous',
] as const;
const ROLLBACK_FLAGS = [...SIGN_IN_FLAGS, 'endpoint', 'deployment', 'previous-traffic', 'timeout-minutes'] as const;
const SMOKE_TEST_FLAGS = [
  'endpoint', 'target', 'deployment', 'scoring-uri', 'api-key', 'format', 'prompt', 'expect-contains', 'cases-file', 'temperature', 'max-new-tokens', 'requests',
  'timeout-seconds', ...SIGN_IN_FLAGS,
] as const;

/** The commands that run one action: which action, and which of its inputs they take as flags. */
export const ACTION_COMMANDS = {
  validate: { action: 'dataset', flags: DATASET_FLAGS },
  upload: { action: 'dataset', flags: [...DATASET_FLAGS, 'data-name', 'datastore', ...SIGN_IN_FLAGS] },
  provision: { action: 'provision', flags: PROVISION_FLAGS },
  finetune: { action: 'finetune', flags: FINETUNE_FLAGS },
  deploy: { action: 'deploy', flags: DEPLOY_FLAGS },
  promote: { action: 'deploy', flags: PROMOTE_FLAGS },
  rollback: { action: 'deploy', flags: ROLLBACK_FLAGS },
  'smoke-test': { action: 'smoke-test', flags: SMOKE_TEST_FLAGS },
} as const satisfies Record<string, { action: string; flags: readonly string[] }>;

export type ActionCommand = keyof typeof ACTION_COMMANDS;

/** Action inputs no command takes as a flag, and why. */
export const INPUTS_WITHOUT_FLAGS: Record<string, Record<string, string>> = {
  dataset: {
    upload: 'the command says it: amlft validate checks, amlft upload checks and uploads',
    'pr-comment': 'a pull-request comment exists only in a GitHub Actions run for a pull request',
    'github-token': 'only for the pull-request comment, which a terminal run does not write',
  },
  deploy: {
    action: 'the command says it: amlft deploy, amlft promote, amlft rollback',
    'github-token': 'the GitHub deployment record belongs to a workflow run (its commit, its log URL); a terminal run has none',
    'github-environment': 'only names the GitHub deployment record, which a terminal run does not write',
  },
};

/** `pipeline`'s own flags (it runs every action, so its flags are the few that tie the stages together). */
export const PIPELINE_FLAGS = [
  ...SIGN_IN_FLAGS, 'train-file', 'validation-file', 'model', 'model-name', 'compute', 'config-file', 'data-name', 'location', 'provision',
  'endpoint', 'instance-type', 'traffic-steps', 'step-wait-seconds', 'timeout-minutes', 'prompt', 'expect-contains', 'emulator', 'fault', 'list-faults',
] as const;

export const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  'strict', 'exact-tokens', 'create-resource-group', 'attach-identity', 'assign-roles', 'check-quota', 'dry-run',
  'lora', 'wait', 'cancel-on-abort', 'cancel-on-timeout', 'delete-failed', 'delete-old', 'provision', 'emulator', 'list-faults',
]);
