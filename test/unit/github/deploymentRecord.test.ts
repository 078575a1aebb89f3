// The GitHub deployment record: in_progress, then success or failure; a token without permission only warns.
import { describe, expect, it } from 'vitest';
import { deploymentTargetFromEnv, describeGithubFailure, noDeploymentRecord, startDeploymentRecord, type DeploymentRequest } from '../../../src/github/deploymentRecord.js';
import { memoryDeployments } from '../../helpers/memoryDeployments.js';

const request: DeploymentRequest = { ref: 'a'.repeat(40), environment: 'chat-ep', task: 'deploy:promote', description: 'amlft: promote v2 on chat-ep', payload: { endpoint: 'chat-ep' } };

describe('startDeploymentRecord', () => {
  it('creates the deployment in_progress, then success with the environment URL', async () => {
    const gh = memoryDeployments();
    const warnings: string[] = [];
    const record = await startDeploymentRecord(gh, request, { logUrl: 'https://github.com/o/r/actions/runs/1', warn: (m) => warnings.push(m) });
    expect(record.id).toBe(100);
    expect(gh.deployments).toEqual([{ ...request, id: 100 }]);
    expect(record.outcome()).toEqual({ kind: 'recorded', id: 100, environment: 'chat-ep', state: 'in_progress' });
    await record.succeed('https://ml.azure.com/endpoints/realtime/chat-ep/detail', 'live traffic: v2 100%');
    expect(gh.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(gh.statuses[1]).toMatchObject({ environmentUrl: 'https://ml.azure.com/endpoints/realtime/chat-ep/detail', logUrl: 'https://github.com/o/r/actions/runs/1', deploymentId: 100 });
    expect(record.outcome()).toMatchObject({ kind: 'recorded', state: 'success' });
    expect(warnings).toEqual([]);
  });

  it('marks the deployment failed with a description GitHub accepts (at most 140 characters)', async () => {
    const gh = memoryDeployments();
    const record = await startDeploymentRecord(gh, request, { warn: () => undefined });
    await record.fail(`failed: ${'x'.repeat(300)}`);
    expect(gh.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(gh.statuses[1]!.description.length).toBeLessThanOrEqual(140);
    expect(record.outcome()).toMatchObject({ state: 'failure' });
  });

  it('a 403 on create is a warning, never a throw, and later calls do nothing', async () => {
    const gh = memoryDeployments({ failWith: 403 });
    const warnings: string[] = [];
    const record = await startDeploymentRecord(gh, request, { warn: (m) => warnings.push(m) });
    await record.succeed('https://example.test', 'done');
    await record.fail('failed');
    expect(record.id).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("deployments: write");
    expect(record.outcome()).toMatchObject({ kind: 'skipped' });
    expect(gh.statuses).toEqual([]);
  });

  it('a failure setting a status turns the record off with a warning', async () => {
    const gh = memoryDeployments({ failStatusesWith: 500 });
    const warnings: string[] = [];
    const record = await startDeploymentRecord(gh, request, { warn: (m) => warnings.push(m) });
    expect(warnings[0]).toContain('could not set its status: GitHub answered 500');
    await record.succeed('https://example.test', 'done');
    expect(warnings).toHaveLength(1);
    expect(record.outcome()).toMatchObject({ kind: 'skipped' });
  });

  it('noDeploymentRecord says why nothing was recorded', async () => {
    const record = noDeploymentRecord('no github-token given');
    await record.succeed('https://example.test', 'done');
    expect(record.outcome()).toEqual({ kind: 'skipped', reason: 'no github-token given' });
  });

  it('describeGithubFailure names the permission on 403 / 404 and keeps one line otherwise', () => {
    expect(describeGithubFailure(Object.assign(new Error('Resource not accessible by integration'), { status: 403 }))).toContain("'permissions: deployments: write'");
    expect(describeGithubFailure(Object.assign(new Error('boom\nstack'), { status: 502 }))).toBe('GitHub answered 502: boom');
  });
});

describe('deploymentTargetFromEnv', () => {
  it('takes the repository, the commit and the run URL from the runner', () => {
    expect(deploymentTargetFromEnv({ GITHUB_REPOSITORY: 'octo/repo', GITHUB_SHA: 'abc', GITHUB_REF: 'refs/heads/main', GITHUB_RUN_ID: '7', GITHUB_SERVER_URL: 'https://ghe.example' })).toEqual({ owner: 'octo', repo: 'repo', ref: 'abc', logUrl: 'https://ghe.example/octo/repo/actions/runs/7' });
    expect(deploymentTargetFromEnv({ GITHUB_REPOSITORY: 'octo/repo', GITHUB_REF: 'refs/heads/main' })).toEqual({ owner: 'octo', repo: 'repo', ref: 'refs/heads/main' });
  });

  it('says why outside a workflow', () => {
    expect(deploymentTargetFromEnv({})).toEqual({ reason: 'GITHUB_REPOSITORY is not set (not running in a workflow)' });
    expect(deploymentTargetFromEnv({ GITHUB_REPOSITORY: 'octo/repo' })).toEqual({ reason: 'neither GITHUB_SHA nor GITHUB_REF is set' });
  });
});
