// The real GithubDeployments, over @actions/github's Octokit (GITHUB_API_URL, or the base URL given).

import { getOctokit } from '@actions/github';
import type { GithubDeployments } from './deploymentRecord.js';

export function octokitDeployments(token: string, owner: string, repo: string, baseUrl?: string): GithubDeployments {
  const octokit = getOctokit(token, baseUrl ? { baseUrl } : {});
  return {
    async create(request) {
      const response = await octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: request.ref,
        environment: request.environment,
        task: request.task,
        description: request.description,
        payload: request.payload,
        // Never merge the default branch into the ref, and do not wait for commit statuses: the release already ran its checks.
        auto_merge: false,
        required_contexts: [],
        transient_environment: false,
      });
      const id = (response.data as { id?: unknown }).id;
      if (typeof id !== 'number') throw new Error(`GitHub did not create the deployment (${(response.data as { message?: string }).message ?? `status ${response.status}`})`);
      return { id };
    },
    async setStatus(deploymentId, status) {
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: deploymentId,
        state: status.state,
        description: status.description,
        auto_inactive: true,
        ...(status.environmentUrl ? { environment_url: status.environmentUrl } : {}),
        ...(status.logUrl ? { log_url: status.logUrl } : {}),
      });
    },
  };
}
