// What a run knows about its GitHub context, read from the runner's environment (no network).

import { readFileSync } from 'node:fs';

export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
}

/** The pull request this run is for, from GITHUB_EVENT_NAME / GITHUB_EVENT_PATH, or undefined. */
export function pullRequestFromEnv(env: NodeJS.ProcessEnv): PullRequestRef | undefined {
  const event = env.GITHUB_EVENT_NAME;
  if (event !== 'pull_request' && event !== 'pull_request_target') return undefined;
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo || !env.GITHUB_EVENT_PATH) return undefined;
  try {
    const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { number?: unknown }; number?: unknown };
    const number = payload.pull_request?.number ?? payload.number;
    return typeof number === 'number' ? { owner, repo, number } : undefined;
  } catch {
    return undefined;
  }
}

/** Tags that link an Azure resource to the repository, commit and workflow run that made it. */
export function runTags(env: NodeJS.ProcessEnv): Record<string, string> {
  const tags: Record<string, string> = { 'created-by': 'amlft' };
  if (env.GITHUB_REPOSITORY) tags.repository = env.GITHUB_REPOSITORY;
  if (env.GITHUB_SHA) tags.commit = env.GITHUB_SHA;
  if (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    tags.run = `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  }
  if (env.GITHUB_ACTOR) tags.actor = env.GITHUB_ACTOR;
  return tags;
}
