// Records a release as a GitHub deployment (environment, status, URL); a token that may not write deployments only warns.

/** The GitHub calls a deployment record needs: one interface, a real Octokit adapter and an in-memory fake. */
export interface GithubDeployments {
  create(request: DeploymentRequest): Promise<{ id: number }>;
  setStatus(deploymentId: number, status: DeploymentStatus): Promise<void>;
}

export interface DeploymentRequest {
  /** The commit (GITHUB_SHA) or ref the release is of. */
  readonly ref: string;
  readonly environment: string;
  /** deploy, deploy:promote, deploy:rollback, deploy:serverless. */
  readonly task: string;
  readonly description: string;
  readonly payload: Record<string, string>;
}

export type DeploymentState = 'in_progress' | 'success' | 'failure';

export interface DeploymentStatus {
  readonly state: DeploymentState;
  readonly description: string;
  readonly environmentUrl?: string;
  readonly logUrl?: string;
}

/** What the record did, for the summary. */
export type RecordOutcome =
  | { readonly kind: 'recorded'; readonly id: number; readonly environment: string; readonly state: DeploymentState }
  | { readonly kind: 'skipped'; readonly reason: string };

export interface DeploymentRecord {
  /** The GitHub deployment id, once created. */
  readonly id: number | undefined;
  succeed(environmentUrl: string, description: string): Promise<void>;
  fail(description: string): Promise<void>;
  outcome(): RecordOutcome;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Why a GitHub call failed, in one line: never the request (it carries the token in its headers). */
export function describeGithubFailure(error: unknown): string {
  const status = statusOf(error);
  if (status === 403 || status === 404) return `GitHub answered ${status}: the token cannot write deployments here (the job needs 'permissions: deployments: write')`;
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  return status !== undefined ? `GitHub answered ${status}: ${message}` : message;
}

/** GitHub status descriptions are limited to 140 characters. */
const shortText = (text: string) => (text.length > 140 ? `${text.slice(0, 137)}...` : text);

/**
 * Creates the GitHub deployment with an `in_progress` status. Every GitHub failure becomes a warning and turns the
 * record off: the record documents the release, it must never fail it.
 */
export async function startDeploymentRecord(deployments: GithubDeployments, request: DeploymentRequest, options: { logUrl?: string; warn: (message: string) => void }): Promise<DeploymentRecord> {
  let id: number | undefined;
  let outcome: RecordOutcome = { kind: 'skipped', reason: 'not started' };
  const withLog = (status: Omit<DeploymentStatus, 'logUrl'>): DeploymentStatus => ({ ...status, description: shortText(status.description), ...(options.logUrl ? { logUrl: options.logUrl } : {}) });
  const disable = (what: string, error: unknown) => {
    const reason = `${what}: ${describeGithubFailure(error)}`;
    options.warn(`GitHub deployment record skipped: ${reason}. The release itself is not affected.`);
    outcome = { kind: 'skipped', reason };
    id = undefined;
  };
  try {
    id = (await deployments.create({ ...request, description: shortText(request.description) })).id;
    await deployments.setStatus(id, withLog({ state: 'in_progress', description: request.description }));
    outcome = { kind: 'recorded', id, environment: request.environment, state: 'in_progress' };
  } catch (error) {
    disable(id === undefined ? 'could not create the deployment' : 'could not set its status', error);
  }
  const finish = async (status: Omit<DeploymentStatus, 'logUrl'>) => {
    if (id === undefined) return;
    try {
      await deployments.setStatus(id, withLog(status));
      outcome = { kind: 'recorded', id, environment: request.environment, state: status.state };
    } catch (error) {
      disable(`could not set status ${status.state}`, error);
    }
  };
  return {
    get id() {
      return id;
    },
    succeed: (environmentUrl, description) => finish({ state: 'success', description, environmentUrl }),
    fail: (description) => finish({ state: 'failure', description }),
    outcome: () => outcome,
  };
}

/** A record that does nothing, when no github-token was given. */
export function noDeploymentRecord(reason: string): DeploymentRecord {
  return { id: undefined, succeed: async () => undefined, fail: async () => undefined, outcome: () => ({ kind: 'skipped', reason }) };
}

/** The repository and ref of this run, from the runner's environment; undefined (with why) outside a workflow. */
export function deploymentTargetFromEnv(env: NodeJS.ProcessEnv): { owner: string; repo: string; ref: string; logUrl?: string } | { reason: string } {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) return { reason: 'GITHUB_REPOSITORY is not set (not running in a workflow)' };
  const ref = env.GITHUB_SHA || env.GITHUB_REF;
  if (!ref) return { reason: 'neither GITHUB_SHA nor GITHUB_REF is set' };
  const logUrl = env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
  return { owner, repo, ref, ...(logUrl ? { logUrl } : {}) };
}
