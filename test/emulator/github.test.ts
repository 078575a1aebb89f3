// GitHub stand-in through @actions/core (OIDC) and @actions/github's Octokit (comments, deployments).

import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackRequest, type Emulator } from '../../emulator/src/index.js';
import { sleep, startTestEmulator } from './helpers.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ githubTokenLifetimeSeconds: 2, githubReadOnlyTokens: ['ghs_fork_pr'] });
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
});
afterAll(() => emulator?.stop());

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;
const octokit = (token = 'ghs_test') => getOctokit(token, { baseUrl: emulator.githubUrl });

describe('Actions OIDC token endpoint', () => {
  it('gives @actions/core getIDToken a GitHub-shaped token with the requested audience and a short life', async () => {
    const before = emulator.state.counters.githubIdTokens;
    const token = await core.getIDToken('api://AzureADTokenExchange');
    const claims = claimsOf(token);
    expect(claims).toMatchObject({ iss: 'https://token.actions.githubusercontent.com', aud: 'api://AzureADTokenExchange', sub: 'repo:octo/repo:ref:refs/heads/main', repository: 'octo/repo' });
    expect(claims.exp - claims.iat).toBe(2);
    expect(emulator.state.counters.githubIdTokens).toBe(before + 1);
    await sleep(10);
    const second = await core.getIDToken('api://AzureADTokenExchange');
    expect(claimsOf(second).jti).not.toBe(claims.jti);
    expect(emulator.state.counters.githubIdTokens).toBe(before + 2);
    // Every ID token issued is a secret a leak test searches for.
    expect(emulator.state.secrets()).toEqual(expect.arrayContaining([token, second, emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN]));
  });

  it('publishes its signing keys like token.actions.githubusercontent.com', async () => {
    const config = (await loopbackRequest(`${emulator.githubUrl}/.well-known/openid-configuration`)).json<{ issuer: string; jwks_uri: string }>();
    expect(config.issuer).toBe('https://token.actions.githubusercontent.com');
    expect((await loopbackRequest(config.jwks_uri)).json<{ keys: unknown[] }>().keys).toHaveLength(1);
  });
});

describe('issue comments', () => {
  it('creates, lists with pagination, and updates comments per repository', async () => {
    const gh = octokit();
    const created: number[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await gh.rest.issues.createComment({ owner: 'octo', repo: 'repo', issue_number: 7, body: `comment ${i}` })).data.id);
    }
    await gh.rest.issues.createComment({ owner: 'octo', repo: 'other', issue_number: 7, body: 'elsewhere' });
    const page = await gh.rest.issues.listComments({ owner: 'octo', repo: 'repo', issue_number: 7, per_page: 2 });
    expect(page.data.map((c) => c.body)).toEqual(['comment 0', 'comment 1']);
    expect(page.headers.link).toContain('rel="next"');
    const all = await gh.paginate(gh.rest.issues.listComments, { owner: 'octo', repo: 'repo', issue_number: 7, per_page: 2 });
    expect(all.map((c) => c.id)).toEqual(created);
    const updated = await gh.rest.issues.updateComment({ owner: 'octo', repo: 'repo', comment_id: created[2]!, body: 'edited' });
    expect(updated.data.body).toBe('edited');
    expect(emulator.state.github.repo('octo/repo').comments.map((c) => c.body)).toEqual(['comment 0', 'comment 1', 'edited', 'comment 3', 'comment 4']);
    expect(emulator.state.github.repo('octo/other').comments).toHaveLength(1);
  });

  it('answers 404 for an unknown comment, 401 without a token, 403 for a read-only (fork) token', async () => {
    await expect(octokit().rest.issues.updateComment({ owner: 'octo', repo: 'repo', comment_id: 1, body: 'x' })).rejects.toMatchObject({ status: 404 });
    expect((await loopbackRequest(`${emulator.githubUrl}/repos/octo/repo/issues/1/comments`)).status).toBe(401);
    await expect(octokit('ghs_fork_pr').rest.issues.createComment({ owner: 'octo', repo: 'repo', issue_number: 1, body: 'x' })).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    });
    expect((await octokit('ghs_fork_pr').rest.issues.listComments({ owner: 'octo', repo: 'repo', issue_number: 1 })).status).toBe(200);
  });
});

describe('deployments', () => {
  it('creates deployments and statuses, lists them newest first, and marks older successes inactive', async () => {
    const gh = octokit();
    const first = await gh.rest.repos.createDeployment({ owner: 'octo', repo: 'repo', ref: 'main', environment: 'chat-ep', auto_merge: false, required_contexts: [] });
    expect(first.status).toBe(201);
    const firstId = (first.data as { id: number }).id;
    await gh.rest.repos.createDeploymentStatus({ owner: 'octo', repo: 'repo', deployment_id: firstId, state: 'success', environment_url: 'https://127.0.0.1/score' });
    const second = (await gh.rest.repos.createDeployment({ owner: 'octo', repo: 'repo', ref: 'main', environment: 'chat-ep', auto_merge: false, required_contexts: [] })).data as { id: number };
    await gh.rest.repos.createDeploymentStatus({ owner: 'octo', repo: 'repo', deployment_id: second.id, state: 'in_progress' });
    await gh.rest.repos.createDeploymentStatus({ owner: 'octo', repo: 'repo', deployment_id: second.id, state: 'success' });

    const listed = await gh.rest.repos.listDeployments({ owner: 'octo', repo: 'repo', environment: 'chat-ep' });
    expect(listed.data.map((d) => d.id)).toEqual([second.id, firstId]);
    const statuses = await gh.rest.repos.listDeploymentStatuses({ owner: 'octo', repo: 'repo', deployment_id: second.id });
    expect(statuses.data.map((s) => s.state)).toEqual(['success', 'in_progress']);
    const old = await gh.rest.repos.listDeploymentStatuses({ owner: 'octo', repo: 'repo', deployment_id: firstId });
    expect(old.data[0]!.state).toBe('inactive');
    await expect(gh.rest.repos.createDeploymentStatus({ owner: 'octo', repo: 'repo', deployment_id: second.id, state: 'bogus' as 'success' })).rejects.toMatchObject({ status: 422 });
  });
});
