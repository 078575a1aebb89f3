// The release plan and its runner, over a stand-in endpoint that keeps live traffic the way Azure does.
import { describe, expect, it } from 'vitest';
import { instantClock } from '../../../src/clock.js';
import { parseGithubOutput, runnerEnvironment } from '../../../src/pipeline/actionProcess.js';
import { planRollback, planStages, type PipelineSettings, type StageId } from '../../../src/pipeline/pipelinePlan.js';
import { formatOutcome, formatStageLine } from '../../../src/pipeline/pipelineReport.js';
import { runnerLog } from '../../../src/pipeline/runnerLog.js';
import { runPipeline, type StageExecutor, type StageRun } from '../../../src/pipeline/runPipeline.js';

const signIn = { 'subscription-id': 'sub', 'resource-group': 'rg', workspace: 'ws', auth: 'secret', cloud: 'https://127.0.0.1:1' };
const settings: PipelineSettings = {
  signIn,
  trainFile: 'data/train.jsonl',
  validationFile: 'data/validation.jsonl',
  provision: { location: 'eastus2' },
  finetune: { epochs: '2' },
  endpoint: 'chat',
  deploy: {},
  promote: { 'traffic-steps': '50,100', 'step-wait-seconds': '0' },
  smokeTest: { 'expect-contains': 'Bill Gates' },
};

/** An endpoint with live traffic, a model registry and a scoring answer: what the actions would read and change in Azure. */
function standInAzure(options: { failAt?: StageId; reply?: string } = {}) {
  let traffic: Record<string, number> = { 'chat-v1': 100 };
  const seen: { id: StageId; inputs: Record<string, string> }[] = [];
  const executor: StageExecutor = {
    async run(stage, inputs): Promise<StageRun> {
      seen.push({ id: stage.id, inputs });
      if (options.failAt === stage.id) return { ok: false, outputs: {}, error: `${stage.action}: broken on purpose` };
      switch (stage.id) {
        case 'validate':
          return { ok: true, outputs: { examples: '80', errors: '0' } };
        case 'provision':
          return { ok: true, outputs: { compute: '/subscriptions/sub/.../computes/gpu', 'identity-id': '/subscriptions/sub/.../identities/id', changes: '0' } };
        case 'upload':
          return { ok: true, outputs: { 'train-data': 'azureml:chat-train:abc', 'validation-data': 'azureml:chat-validation:def' } };
        case 'finetune':
          return { ok: true, outputs: { model: 'azureml:chat:2', 'job-name': 'ft-1' } };
        case 'deploy':
          return { ok: true, outputs: { deployment: 'chat-v2', 'previous-traffic': JSON.stringify(traffic), traffic: JSON.stringify(traffic) } };
        case 'promote': {
          const previous = traffic;
          traffic = { 'chat-v1': 0, [inputs.deployment!]: 100 };
          return { ok: true, outputs: { 'previous-traffic': JSON.stringify(previous), traffic: JSON.stringify(traffic) } };
        }
        case 'rollback':
          traffic = JSON.parse(inputs['previous-traffic']!) as Record<string, number>;
          return { ok: true, outputs: { traffic: JSON.stringify(traffic) } };
        default: {
          const reply = options.reply ?? 'Bill Gates and Paul Allen';
          const ok = reply.includes(inputs['expect-contains'] ?? '');
          return { ok, outputs: { passed: String(ok), reply }, ...(ok ? {} : { error: 'smoke-test: does not contain "Bill Gates"' }) };
        }
      }
    },
  };
  return { executor, seen, traffic: () => traffic };
}

describe('planStages', () => {
  it('orders the release and feeds each stage the outputs it needs', () => {
    const stages = planStages(settings);
    expect(stages.map((s) => s.id)).toEqual(['validate', 'provision', 'upload', 'finetune', 'deploy', 'smoke-deployment', 'promote', 'smoke-endpoint']);
    const done = {
      provision: { compute: '/c/gpu', 'identity-id': '/i/id' },
      upload: { 'train-data': 'azureml:t:1', 'validation-data': 'azureml:v:1' },
      finetune: { model: 'azureml:chat:2' },
      deploy: { deployment: 'chat-v2' },
    };
    const inputs = Object.fromEntries(stages.map((s) => [s.id, s.inputs(done)]));
    expect(inputs.validate).toEqual({ 'train-file': 'data/train.jsonl', 'validation-file': 'data/validation.jsonl', upload: 'false', 'pr-comment': 'false' });
    expect(inputs.upload).toMatchObject({ ...signIn, upload: 'true' });
    expect(inputs.finetune).toMatchObject({ ...signIn, epochs: '2', compute: '/c/gpu', 'train-data': 'azureml:t:1', 'validation-data': 'azureml:v:1' });
    expect(inputs.deploy).toMatchObject({ action: 'deploy', endpoint: 'chat', model: 'azureml:chat:2', 'managed-identity': '/i/id' });
    expect(inputs['smoke-deployment']).toMatchObject({ endpoint: 'chat', deployment: 'chat-v2', 'expect-contains': 'Bill Gates' });
    expect(inputs.promote).toMatchObject({ action: 'promote', deployment: 'chat-v2', 'traffic-steps': '50,100' });
    expect(inputs['smoke-endpoint']).not.toHaveProperty('deployment');
  });

  it('has no provision stage without provision settings, and then takes the compute from the finetune settings', () => {
    const stages = planStages({ ...settings, provision: undefined, finetune: { compute: 'my-gpus' } });
    expect(stages.map((s) => s.id)).not.toContain('provision');
    expect(stages.find((s) => s.id === 'finetune')!.inputs({ upload: { 'train-data': 'azureml:t:1' } })).toMatchObject({ compute: 'my-gpus', 'train-data': 'azureml:t:1' });
  });
});

describe('planRollback', () => {
  it('restores the traffic the deploy stage captured, once a deployment may have taken traffic', () => {
    const decision = planRollback(settings, 'smoke-endpoint', { deploy: { 'previous-traffic': '{"chat-v1":100}' } });
    expect('rollback' in decision && decision.rollback.inputs({})).toMatchObject({ action: 'rollback', endpoint: 'chat', 'previous-traffic': '{"chat-v1":100}' });
  });

  it('skips the rollback when live traffic never moved: any failure before the promotion', () => {
    expect(planRollback(settings, 'finetune', {})).toEqual({ skip: expect.stringContaining('the finetune stage failed before the promotion') });
    const captured = { deploy: { 'previous-traffic': '{"chat-v1":100}' } };
    expect(planRollback(settings, 'smoke-deployment', captured)).toEqual({ skip: expect.stringContaining('the smoke-deployment stage failed before the promotion') });
    expect('rollback' in planRollback(settings, 'promote', captured)).toBe(true);
  });
});

describe('runPipeline', () => {
  it('a clean release ends with the new deployment at 100 % and its reply', async () => {
    const azure = standInAzure();
    const outcome = await runPipeline(settings, azure.executor, { clock: instantClock() });
    expect(outcome).toMatchObject({ ok: true, rollback: 'not needed', reply: 'Bill Gates and Paul Allen', traffic: { 'chat-v2': 100 } });
    expect(azure.traffic()).toEqual({ 'chat-v1': 0, 'chat-v2': 100 });
    expect(formatOutcome(outcome)).toContain('Live traffic: chat-v2 100%');
  });

  it('a failed smoke test of the endpoint after promotion rolls live traffic back to the previous version', async () => {
    const azure = standInAzure({ failAt: 'smoke-endpoint' });
    const outcome = await runPipeline(settings, azure.executor, { clock: instantClock() });
    expect(outcome).toMatchObject({ ok: false, failed: 'smoke-endpoint', rollback: 'succeeded', traffic: { 'chat-v1': 100 } });
    expect(azure.traffic()).toEqual({ 'chat-v1': 100 });
    expect(azure.seen.map((s) => s.id).slice(-2)).toEqual(['smoke-endpoint', 'rollback']);
    expect(formatOutcome(outcome)).toContain("Release FAILED at stage 'smoke-endpoint'; rollback: succeeded.");
  });

  it('a wrong reply from the new deployment stops the release before promotion', async () => {
    const azure = standInAzure({ reply: "I'm sorry, I don't know." });
    const outcome = await runPipeline(settings, azure.executor, { clock: instantClock() });
    expect(outcome).toMatchObject({ ok: false, failed: 'smoke-deployment', rollback: 'skipped', traffic: { 'chat-v1': 100 } });
    expect(azure.seen.map((s) => s.id)).not.toContain('promote');
    expect(azure.seen.map((s) => s.id)).not.toContain('rollback');
    expect(formatStageLine(outcome.stages.find((s) => s.id === 'smoke-deployment')!)).toMatch(/^smoke-deployment FAILED .*\n {6}smoke-test: does not contain "Bill Gates"$/);
  });

  it('a failed fine-tune stops before any deployment: no rollback, and the traffic read at the end is the previous one', async () => {
    const azure = standInAzure({ failAt: 'finetune' });
    const notes: string[] = [];
    const outcome = await runPipeline(settings, azure.executor, { clock: instantClock(), observer: { note: (t) => notes.push(t) }, readTraffic: async () => azure.traffic() });
    expect(outcome).toMatchObject({ ok: false, failed: 'finetune', rollback: 'skipped', traffic: { 'chat-v1': 100 } });
    expect(outcome.stages.map((s) => s.id)).toEqual(['validate', 'provision', 'upload', 'finetune']);
    expect(notes[0]).toContain('nothing to roll back');
  });

  it('an executor that throws fails its stage with the message instead of ending the run', async () => {
    const outcome = await runPipeline(settings, { run: async () => Promise.reject(new Error('spawn node ENOENT')) }, { clock: instantClock() });
    expect(outcome.stages).toHaveLength(1);
    expect(outcome.stages[0]).toMatchObject({ id: 'validate', ok: false, error: 'spawn node ENOENT' });
  });
});

describe('the runner protocol', () => {
  it('passes inputs as INPUT_<NAME> and the runner files', () => {
    const env = runnerEnvironment({ 'train-file': 'a.jsonl', 'my input': 'x' }, { workspace: '/w', temp: '/t', output: '/t/o', summary: '/t/s' }, { AZURE_CLIENT_SECRET: 's', SKIPPED: undefined });
    expect(env).toMatchObject({ 'INPUT_TRAIN-FILE': 'a.jsonl', INPUT_MY_INPUT: 'x', GITHUB_WORKSPACE: '/w', RUNNER_TEMP: '/t', GITHUB_OUTPUT: '/t/o', GITHUB_STEP_SUMMARY: '/t/s', GITHUB_ACTIONS: 'true', AZURE_CLIENT_SECRET: 's' });
    expect(env).not.toHaveProperty('SKIPPED');
  });

  it('reads GITHUB_OUTPUT heredoc blocks and plain lines', () => {
    expect(parseGithubOutput('a=1\nreply<<ghadelimiter_x\nline 1\nline 2\nghadelimiter_x\nb=c=d\n')).toEqual({ a: '1', reply: 'line 1\nline 2', b: 'c=d' });
  });

  it('shows a step log as the runner does: masked values hidden from then on, groups as headings, commands dropped', () => {
    const log = runnerLog();
    const lines = ['::add-mask::s3cr3t-key', 'key is s3cr3t-key', '::group::Waiting for job', '::endgroup::', '::debug::noise', '::error::deploy: failed%0Anext', '::set-output name=x::1', 'plain'];
    expect(lines.map(log).filter((l) => l !== undefined)).toEqual(['key is ***', '▸ Waiting for job', 'error: deploy: failed next', 'plain']);
  });
});

describe('amlft pipeline settings', () => {
  it('with --emulator: the local names, provisioning, the examples data asset name and short waits; flags win', async () => {
    const { pipelineSettings } = await import('../../../cli/commands/pipeline.js');
    const local = { signIn };
    const settings = pipelineSettings({ 'train-file': 't.jsonl', model: 'Phi-3-mini-128k-instruct' }, '/w', local);
    expect(settings).toMatchObject({
      signIn,
      endpoint: 'amlft-chat',
      datasetModel: 'phi-3-mini-128k-instruct',
      dataName: 'amlft-local-chat',
      provision: { location: 'eastus2', 'create-resource-group': 'true' },
      finetune: { model: 'Phi-3-mini-128k-instruct', 'model-name': 'phi3-chat-ft', 'timeout-minutes': '1', 'poll-seconds': '1' },
      deploy: { 'timeout-minutes': '1' },
      promote: { 'traffic-steps': '50,100', 'step-wait-seconds': '2', 'timeout-minutes': '1' },
      smokeTest: { 'expect-contains': 'Bill Gates', 'timeout-seconds': '60' },
    });
    expect(settings.finetune).not.toHaveProperty('compute');
    const given = pipelineSettings({ 'train-file': 't.jsonl', 'timeout-minutes': '5', 'traffic-steps': '100', prompt: 'Hi', provision: 'false' }, '/w', local);
    expect(given).toMatchObject({ finetune: { 'timeout-minutes': '5', compute: 'gpu-cluster' }, promote: { 'traffic-steps': '100' } });
    expect(given.provision).toBeUndefined();
    expect(given.smokeTest).toEqual({ prompt: 'Hi', 'timeout-seconds': '60' });
  });

  it('without --emulator: only what the flags say, with the actions\' own defaults for the rest', async () => {
    const { pipelineSettings } = await import('../../../cli/commands/pipeline.js');
    const settings = pipelineSettings({ ...signIn, 'train-file': 't.jsonl', endpoint: 'chat', compute: 'a100s' }, '/w', undefined);
    expect(settings).toMatchObject({ signIn, endpoint: 'chat', finetune: { compute: 'a100s' }, deploy: {}, smokeTest: {}, promote: { 'traffic-steps': '50,100' } });
    expect(settings.provision).toBeUndefined();
    expect(settings.promote).not.toHaveProperty('step-wait-seconds');
  });
});
