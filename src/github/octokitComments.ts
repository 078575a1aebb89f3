// The real IssueComments, over @actions/github's Octokit (which honours GITHUB_API_URL).

import { getOctokit } from '@actions/github';
import type { IssueComment, IssueComments } from './pullRequestComment.js';

export function octokitComments(token: string, owner: string, repo: string): IssueComments {
  const octokit = getOctokit(token);
  const shape = (c: { id: number; body?: string | null }): IssueComment => ({ id: c.id, body: c.body ?? '' });
  return {
    async list(issueNumber) {
      const all = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
      return all.map(shape);
    },
    async create(issueNumber, body) {
      return shape((await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })).data);
    },
    async update(commentId, body) {
      return shape((await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body })).data);
    },
  };
}
