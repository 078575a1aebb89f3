// github-token against the emulator's GitHub stand-in through the real Octokit adapter: in_progress then success (with the studio URL) or failure; a read-only token only warns.
import { afterEach, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { everythingSaid, runDeployOn } from '../helpers/deployRun.js';

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.stop();
  emulator = undefined;
});

const sha = '0123456789abcdef0123456789abcdef01234567';
const runner = { GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: sha, GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ID: '42', GITHUB_SERVER_URL: 'https://github.com' };

async function setup(rg: string, options: Parameters<typeof startTestEmulator>[0] = {}) {
  const em = await startTestEmulator(options);
  emulator = em;
  const arm = new ArmTestClient(em);
  const ws = (await arm.createWorkspace('mlws', rg)).id as string;
  await arm.createModel(ws, 'phi3-chat-ft', '1');
  return { em, ws };
}

describe('deploy with github-token', () => {
  it('records a GitHub deployment for the endpoint: in_progress, then success with the studio URL; the token is masked', async () => {
    const { em } = await setup('rg-gh');
    const run = await runDeployOn(em, 'rg-gh', { endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:1', 'github-token': 'ghs_deploytoken123' }, { env: runner });
    expect(run.error).toBeUndefined();
    const repo = em.state.github.repo('octo/phi3-chat');
    expect(repo.deployments).toHaveLength(1);
    const [deployment] = repo.deployments;
    expect(deployment).toMatchObject({ ref: sha, sha, environment: 'chat-ep', task: 'deploy', transientEnvironment: false });
    expect(repo.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    const success = repo.statuses[1]!;
    expect(success.environmentUrl).toBe(run.reporter.outputs['studio-url']);
    expect(success.environmentUrl).toContain('endpoints/realtime/chat-ep');
    expect(success.logUrl).toBe('https://github.com/octo/phi3-chat/actions/runs/42');
    expect(run.reporter.outputs['github-deployment-id']).toBe(String(deployment!.id));
    expect(run.reporter.secrets).toContain('ghs_deploytoken123');
    expect(run.reporter.summaries.join('\n')).toContain(`#${deployment!.id} in environment chat-ep: success`);
    expect(everythingSaid(run)).not.toContain('ghs_deploytoken123');

    // A later promote in the same environment: GitHub (auto_inactive) marks the earlier one inactive.
    const promoted = await runDeployOn(em, 'rg-gh', { endpoint: 'chat-ep', action: 'promote', deployment: 'phi3-chat-ft-v1', 'github-token': 'ghs_deploytoken123', 'github-environment': 'chat-ep' }, { env: runner });
    expect(promoted.error).toBeUndefined();
    expect(repo.deployments.map((d) => d.task)).toEqual(['deploy', 'deploy:promote']);
    expect(repo.statuses.filter((s) => s.deploymentId === deployment!.id).map((s) => s.state)).toEqual(['in_progress', 'success', 'inactive']);
  }, 60_000);

  it('marks the GitHub deployment failed when the release fails', async () => {
    const { em } = await setup('rg-gh2', { faults: 'deployment-fails' });
    const run = await runDeployOn(em, 'rg-gh2', { endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:1', 'github-token': 'ghs_deploytoken123', 'github-environment': 'staging' }, { env: runner });
    expect(String((run.error as Error).message)).toContain('failed');
    const repo = em.state.github.repo('octo/phi3-chat');
    expect(repo.deployments.map((d) => d.environment)).toEqual(['staging']);
    expect(repo.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(repo.statuses[1]!.description.length).toBeLessThanOrEqual(140);
  }, 60_000);

  it('a token without deployments permission (403) is a warning; the release succeeds', async () => {
    const { em, ws } = await setup('rg-gh3', { githubReadOnlyTokens: ['ghs_readonly'] });
    const run = await runDeployOn(em, 'rg-gh3', { endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:1', 'github-token': 'ghs_readonly' }, { env: runner });
    expect(run.error).toBeUndefined();
    expect(em.state.resource(`${ws}/onlineEndpoints/chat-ep/deployments/phi3-chat-ft-v1`)).toBeDefined();
    expect(em.state.github.repo('octo/phi3-chat').deployments).toEqual([]);
    expect(run.reporter.annotations.map((a) => a.level)).toEqual(['warning']);
    expect(run.reporter.annotations[0]!.message).toContain('GitHub answered 403');
    expect(run.reporter.outputs['github-deployment-id']).toBeUndefined();
    expect(everythingSaid(run)).not.toContain('ghs_readonly');
  }, 60_000);
});
