// GitHub stand-in on plain HTTP: the Actions OIDC token endpoint, issue comments, deployments and their statuses.

import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { header, queryValue, type IncomingCall, type Reply } from './httpKit.js';
import { defaultIdentities } from './options.js';
import { githubIssuer } from './entra.js';
import { jwks, nowSeconds, signJwt } from './tokens.js';

export interface GithubComment {
  id: number;
  issueNumber: number;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface GithubDeployment {
  id: number;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  createdAt: string;
}

export interface GithubDeploymentStatus {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  environmentUrl: string;
  logUrl: string;
  createdAt: string;
}

export interface GithubRepoState {
  comments: GithubComment[];
  deployments: GithubDeployment[];
  statuses: GithubDeploymentStatus[];
}

export class GithubStore {
  private readonly repos = new Map<string, GithubRepoState>();
  private nextId = 1000;

  repo(fullName: string): GithubRepoState {
    const key = fullName.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      repo = { comments: [], deployments: [], statuses: [] };
      this.repos.set(key, repo);
    }
    return repo;
  }

  repoNames(): string[] {
    return [...this.repos.keys()];
  }

  id(): number {
    return this.nextId++;
  }
}

const docs = 'https://docs.github.com/rest';
const bot = { login: 'github-actions[bot]', id: 41898282, node_id: 'MDM6Qm90NDE4OTgyODI=', type: 'Bot', site_admin: false };
const statusStates = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];

function ghError(status: number, message: string): Reply {
  return { status, body: { message, documentation_url: docs, status: String(status) } };
}

export function actionsIdTokenRequestUrl(core: EmulatorCore): string {
  return `${core.githubUrl}/_apis/oidc/idtoken?api-version=2.0`;
}

export function subjectOf(core: EmulatorCore): string {
  const claims = core.options.githubOidc;
  return claims.subject ?? `repo:${claims.repository}:ref:${claims.ref}`;
}

/** Signs an Actions OIDC token as GitHub would, for `audience` (used by the endpoint and by tests). */
export function mintGithubIdToken(core: EmulatorCore, audience: string, lifetimeSeconds = core.options.githubTokenLifetimeSeconds): string {
  const claims = core.options.githubOidc;
  const iat = nowSeconds();
  const [owner] = claims.repository.split('/');
  const token = signJwt(core.githubKey, {
    jti: randomUUID(),
    sub: subjectOf(core),
    aud: audience,
    ref: claims.ref,
    sha: claims.sha,
    repository: claims.repository,
    repository_owner: owner,
    repository_visibility: 'private',
    run_id: claims.runId,
    run_number: '1',
    run_attempt: '1',
    actor: claims.actor,
    workflow: claims.workflow,
    event_name: 'push',
    ref_type: 'branch',
    job_workflow_ref: `${claims.repository}/.github/workflows/${claims.workflow}.yml@${claims.ref}`,
    iss: githubIssuer,
    nbf: iat - 5,
    iat,
    exp: iat + lifetimeSeconds,
  });
  core.secrets.add(token);
  return token;
}

export function handleGithub(core: EmulatorCore, call: IncomingCall): Reply {
  const path = call.path.replace(/\/+$/, '') || '/';
  if (path === '/_apis/oidc/idtoken') return idToken(core, call);
  if (path === '/.well-known/openid-configuration') {
    return { status: 200, body: { issuer: githubIssuer, jwks_uri: `${core.githubUrl}/.well-known/jwks`, subject_types_supported: ['public', 'pairwise'], response_types_supported: ['id_token'], id_token_signing_alg_values_supported: ['RS256'] } };
  }
  if (path === '/.well-known/jwks') return { status: 200, body: jwks(core.githubKey) };

  const auth = header(call, 'authorization');
  const token = auth ? /^(?:token|bearer)\s+(.+)$/i.exec(auth.trim())?.[1] : undefined;
  if (!token) return ghError(401, 'Requires authentication');
  const writing = call.method !== 'GET' && call.method !== 'HEAD';
  if (writing && core.options.githubReadOnlyTokens.includes(token)) return ghError(403, 'Resource not accessible by integration');

  const m = /^\/repos\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
  if (!m) return ghError(404, 'Not Found');
  const fullName = `${m[1]}/${m[2]}`;
  const rest = m[3]!;
  const repo = core.github.repo(fullName);
  const repoUrl = `${core.githubUrl}/repos/${fullName}`;
  const body = (typeof call.body === 'object' && call.body !== null ? call.body : {}) as Record<string, unknown>;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

  const commentJson = (c: GithubComment) => ({
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${repoUrl}/issues/comments/${c.id}`,
    html_url: `https://github.com/${fullName}/issues/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${repoUrl}/issues/${c.issueNumber}`,
    body: c.body,
    user: bot,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    author_association: 'NONE',
  });
  const deploymentJson = (d: GithubDeployment) => ({
    id: d.id,
    node_id: `DE_${d.id}`,
    url: `${repoUrl}/deployments/${d.id}`,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    payload: d.payload,
    original_environment: d.environment,
    environment: d.environment,
    description: d.description,
    creator: bot,
    created_at: d.createdAt,
    updated_at: d.createdAt,
    statuses_url: `${repoUrl}/deployments/${d.id}/statuses`,
    repository_url: repoUrl,
    transient_environment: d.transientEnvironment,
    production_environment: d.productionEnvironment,
  });
  const statusJson = (s: GithubDeploymentStatus) => ({
    id: s.id,
    node_id: `DES_${s.id}`,
    state: s.state,
    creator: bot,
    description: s.description,
    environment: s.environment,
    target_url: s.logUrl,
    log_url: s.logUrl,
    environment_url: s.environmentUrl,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    deployment_url: `${repoUrl}/deployments/${s.deploymentId}`,
    repository_url: repoUrl,
  });

  let r: RegExpExecArray | null;
  if ((r = /^issues\/(\d+)\/comments$/.exec(rest))) {
    const issueNumber = Number(r[1]);
    if (call.method === 'GET') return page(call, repo.comments.filter((c) => c.issueNumber === issueNumber).map(commentJson));
    if (call.method === 'POST') {
      if (typeof body.body !== 'string') return ghError(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
      const comment: GithubComment = { id: core.github.id(), issueNumber, body: body.body, createdAt: now, updatedAt: now };
      repo.comments.push(comment);
      return { status: 201, body: commentJson(comment), headers: { Location: `${repoUrl}/issues/comments/${comment.id}` } };
    }
  }
  if ((r = /^issues\/comments\/(\d+)$/.exec(rest))) {
    const comment = repo.comments.find((c) => c.id === Number(r![1]));
    if (!comment) return ghError(404, 'Not Found');
    if (call.method === 'GET') return { status: 200, body: commentJson(comment) };
    if (call.method === 'PATCH') {
      if (typeof body.body !== 'string') return ghError(422, 'Invalid request.\n\n"body" wasn\'t supplied.');
      comment.body = body.body;
      comment.updatedAt = now;
      return { status: 200, body: commentJson(comment) };
    }
    if (call.method === 'DELETE') {
      repo.comments.splice(repo.comments.indexOf(comment), 1);
      return { status: 204 };
    }
  }
  if (rest === 'deployments') {
    if (call.method === 'GET') {
      const filters = ['sha', 'ref', 'task', 'environment'] as const;
      const list = repo.deployments
        .filter((d) => filters.every((f) => queryValue(call, f) === undefined || d[f] === queryValue(call, f)))
        .slice()
        .reverse();
      return page(call, list.map(deploymentJson));
    }
    if (call.method === 'POST') {
      if (typeof body.ref !== 'string' || body.ref === '') return ghError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.');
      const environment = typeof body.environment === 'string' ? body.environment : 'production';
      const deployment: GithubDeployment = {
        id: core.github.id(),
        ref: body.ref,
        sha: /^[0-9a-f]{40}$/i.test(body.ref) ? body.ref : core.options.githubOidc.sha,
        task: typeof body.task === 'string' ? body.task : 'deploy',
        environment,
        description: typeof body.description === 'string' ? body.description : null,
        payload: body.payload ?? {},
        transientEnvironment: body.transient_environment === true,
        productionEnvironment: typeof body.production_environment === 'boolean' ? body.production_environment : environment === 'production',
        createdAt: now,
      };
      repo.deployments.push(deployment);
      return { status: 201, body: deploymentJson(deployment) };
    }
  }
  if ((r = /^deployments\/(\d+)(\/statuses(?:\/(\d+))?)?$/.exec(rest))) {
    const deployment = repo.deployments.find((d) => d.id === Number(r![1]));
    if (!deployment) return ghError(404, 'Not Found');
    if (!r[2]) {
      if (call.method === 'GET') return { status: 200, body: deploymentJson(deployment) };
      if (call.method === 'DELETE') {
        repo.deployments.splice(repo.deployments.indexOf(deployment), 1);
        repo.statuses = repo.statuses.filter((s) => s.deploymentId !== deployment.id);
        return { status: 204 };
      }
    } else if (r[3]) {
      const status = repo.statuses.find((s) => s.id === Number(r![3]) && s.deploymentId === deployment.id);
      if (call.method === 'GET') return status ? { status: 200, body: statusJson(status) } : ghError(404, 'Not Found');
    } else {
      if (call.method === 'GET') return page(call, repo.statuses.filter((s) => s.deploymentId === deployment.id).slice().reverse().map(statusJson));
      if (call.method === 'POST') {
        if (typeof body.state !== 'string' || !statusStates.includes(body.state)) {
          return ghError(422, `Invalid request.\n\n"state" must be one of: ${statusStates.join(', ')}.`);
        }
        const environment = typeof body.environment === 'string' ? body.environment : deployment.environment;
        const status: GithubDeploymentStatus = {
          id: core.github.id(),
          deploymentId: deployment.id,
          state: body.state,
          description: typeof body.description === 'string' ? body.description : '',
          environment,
          environmentUrl: typeof body.environment_url === 'string' ? body.environment_url : '',
          logUrl: typeof body.log_url === 'string' ? body.log_url : typeof body.target_url === 'string' ? body.target_url : '',
          createdAt: now,
        };
        repo.statuses.push(status);
        if (body.state === 'success' && body.auto_inactive !== false) markOthersInactive(core, repo, deployment, environment, now);
        return { status: 201, body: statusJson(status) };
      }
    }
  }
  return ghError(404, 'Not Found');
}

/** As GitHub does with auto_inactive: earlier non-transient deployments of the environment become inactive. */
function markOthersInactive(core: EmulatorCore, repo: GithubRepoState, current: GithubDeployment, environment: string, now: string): void {
  for (const other of repo.deployments) {
    if (other.id === current.id || other.environment !== environment) continue;
    const latest = repo.statuses.filter((s) => s.deploymentId === other.id).at(-1);
    if (latest && latest.state === 'success') {
      repo.statuses.push({ ...latest, id: core.github.id(), state: 'inactive', description: '', createdAt: now });
    }
  }
}

function idToken(core: EmulatorCore, call: IncomingCall): Reply {
  const auth = header(call, 'authorization');
  if (auth !== `Bearer ${defaultIdentities.actionsIdTokenRequestToken}`) {
    return { status: 401, body: { message: 'Unable to authenticate the ID token request: wrong or missing ACTIONS_ID_TOKEN_REQUEST_TOKEN.' } };
  }
  const audience = queryValue(call, 'audience') ?? `https://github.com/${core.options.githubOidc.repository.split('/')[0]}`;
  core.counters.githubIdTokens += 1;
  return { status: 200, body: { count: 1, value: mintGithubIdToken(core, audience) } };
}

function page(call: IncomingCall, items: unknown[]): Reply {
  const perPage = Math.min(Math.max(Number(queryValue(call, 'per_page') ?? 30) || 30, 1), 100);
  const pageNumber = Math.max(Number(queryValue(call, 'page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const headers: Record<string, string> = {};
  const link = (n: number, rel: string) => {
    const q = new URLSearchParams(call.query);
    q.set('per_page', String(perPage));
    q.set('page', String(n));
    return `<${call.headers.host ? `http://${call.headers.host}` : ''}${call.path}?${q}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'), link(1, 'first'));
  if (pageNumber < last) links.push(link(pageNumber + 1, 'next'), link(last, 'last'));
  if (links.length) headers.Link = links.join(', ');
  return { status: 200, headers, body: items.slice((pageNumber - 1) * perPage, pageNumber * perPage) };
}
