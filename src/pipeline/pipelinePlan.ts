// The release pipeline as data: which action runs at each stage with which inputs, fed by the outputs of the stages before it.

/** The actions of the toolkit, by their folder name under actions/. */
export type ActionName = 'dataset' | 'provision' | 'finetune' | 'deploy' | 'smoke-test';

export type StageId = 'validate' | 'provision' | 'upload' | 'finetune' | 'deploy' | 'smoke-deployment' | 'promote' | 'smoke-endpoint' | 'rollback';

/** Outputs of the stages that ran, by stage. */
export type StageOutputs = Readonly<Partial<Record<StageId, Readonly<Record<string, string>>>>>;

export interface StageSpec {
  readonly id: StageId;
  /** What the stage does, in the user's words. */
  readonly title: string;
  readonly action: ActionName;
  /** The action inputs, from the settings and the outputs of earlier stages. */
  readonly inputs: (done: StageOutputs) => Record<string, string>;
  /** Outputs worth printing on the stage's line. */
  readonly keyOutputs: readonly string[];
}

export interface PipelineSettings {
  /** subscription-id, resource-group, workspace, client-id, tenant-id, auth, cloud: passed to every Azure stage. */
  readonly signIn: Readonly<Record<string, string>>;
  readonly trainFile: string;
  readonly validationFile?: string;
  /** The dataset action's model (token limits), e.g. phi-3-mini-4k-instruct. */
  readonly datasetModel?: string;
  readonly dataName?: string;
  /** Provision inputs beyond the sign-in ones (location, ...); undefined: no provision stage. */
  readonly provision?: Readonly<Record<string, string>>;
  /** Finetune inputs beyond the sign-in and data ones (model, compute, hyper-parameters, model-name, timeouts). */
  readonly finetune: Readonly<Record<string, string>>;
  readonly endpoint: string;
  /** Deploy inputs for action: deploy (instance-type, timeout-minutes, ...). */
  readonly deploy: Readonly<Record<string, string>>;
  /** Promote inputs: traffic-steps, step-wait-seconds, timeout-minutes. */
  readonly promote: Readonly<Record<string, string>>;
  /** Smoke-test inputs: prompt, expect-contains, timeout-seconds, ... */
  readonly smokeTest: Readonly<Record<string, string>>;
}

const output = (done: StageOutputs, stage: StageId, name: string): string => done[stage]?.[name] ?? '';

/** The stages of one release, in order: validate -> (provision) -> upload -> finetune -> deploy (0 %) -> smoke-test it -> promote -> smoke-test the endpoint. */
export function planStages(settings: PipelineSettings): StageSpec[] {
  const signIn = settings.signIn;
  const data = {
    'train-file': settings.trainFile,
    ...(settings.validationFile ? { 'validation-file': settings.validationFile } : {}),
    ...(settings.datasetModel ? { model: settings.datasetModel } : {}),
  };
  const endpoint = { ...signIn, endpoint: settings.endpoint };
  const stages: StageSpec[] = [
    { id: 'validate', title: 'check the dataset', action: 'dataset', inputs: () => ({ ...data, upload: 'false', 'pr-comment': 'false' }), keyOutputs: ['examples', 'errors', 'warnings', 'train-tokens'] },
  ];
  if (settings.provision) {
    const provision = settings.provision;
    stages.push({ id: 'provision', title: 'provision the workspace and GPU cluster', action: 'provision', inputs: () => ({ ...signIn, ...provision }), keyOutputs: ['changes', 'compute'] });
  }
  stages.push(
    {
      id: 'upload',
      title: 'upload the dataset as data assets',
      action: 'dataset',
      inputs: () => ({ ...data, ...signIn, upload: 'true', 'pr-comment': 'false', ...(settings.dataName ? { 'data-name': settings.dataName } : {}) }),
      keyOutputs: ['train-data', 'validation-data'],
    },
    {
      id: 'finetune',
      title: 'fine-tune and register the model',
      action: 'finetune',
      inputs: (done) => {
        const compute = output(done, 'provision', 'compute');
        const validation = output(done, 'upload', 'validation-data');
        return {
          ...signIn,
          ...settings.finetune,
          ...(compute && !settings.finetune.compute ? { compute } : {}),
          'train-data': output(done, 'upload', 'train-data'),
          ...(validation ? { 'validation-data': validation } : {}),
        };
      },
      keyOutputs: ['job-name', 'model', 'metrics'],
    },
    {
      id: 'deploy',
      title: 'deploy the new model at 0 % live traffic',
      action: 'deploy',
      inputs: (done) => {
        const identity = output(done, 'provision', 'identity-id');
        return { ...endpoint, ...settings.deploy, action: 'deploy', model: output(done, 'finetune', 'model'), ...(identity && !settings.deploy['managed-identity'] ? { 'managed-identity': identity } : {}) };
      },
      keyOutputs: ['deployment', 'traffic'],
    },
    {
      id: 'smoke-deployment',
      title: 'smoke-test the new deployment (no live traffic)',
      action: 'smoke-test',
      inputs: (done) => ({ ...endpoint, ...settings.smokeTest, deployment: output(done, 'deploy', 'deployment') }),
      keyOutputs: ['reply', 'latency-ms-p50'],
    },
    {
      id: 'promote',
      title: 'move live traffic to the new deployment',
      action: 'deploy',
      inputs: (done) => ({ ...endpoint, ...settings.promote, action: 'promote', deployment: output(done, 'deploy', 'deployment') }),
      keyOutputs: ['traffic'],
    },
    {
      id: 'smoke-endpoint',
      title: 'smoke-test the endpoint (live traffic)',
      action: 'smoke-test',
      inputs: () => ({ ...endpoint, ...settings.smokeTest }),
      keyOutputs: ['reply', 'latency-ms-p50'],
    },
  );
  return stages;
}

export type RollbackDecision = { readonly rollback: StageSpec } | { readonly skip: string };

/**
 * What to do after stage `failed` failed. Live traffic moves only in the promote stage: when it or the endpoint's smoke test
 * after it failed, roll back to the map the deploy stage captured before the release (previous-traffic). Any earlier
 * failure left live traffic untouched, so a rollback would only be one more write to a production endpoint.
 */
export function planRollback(settings: PipelineSettings, failed: StageId, done: StageOutputs): RollbackDecision {
  if (failed !== 'promote' && failed !== 'smoke-endpoint') {
    return { skip: `live traffic never moved (the ${failed} stage failed before the promotion), so there is nothing to roll back` };
  }
  const previous = output(done, 'deploy', 'previous-traffic');
  if (!previous) return { skip: 'the deploy stage captured no previous-traffic to restore' };
  const timeout = settings.promote['timeout-minutes'];
  return {
    rollback: {
      id: 'rollback',
      title: 'restore the live traffic from before the release',
      action: 'deploy',
      inputs: () => ({ ...settings.signIn, endpoint: settings.endpoint, action: 'rollback', 'previous-traffic': previous, ...(timeout ? { 'timeout-minutes': timeout } : {}) }),
      keyOutputs: ['traffic'],
    },
  };
}
