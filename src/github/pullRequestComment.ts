// Keeps one pull-request comment per purpose, found by a hidden marker and edited in place on every push.

export interface IssueComment {
  readonly id: number;
  readonly body: string;
}

/** The GitHub calls the comment needs: one interface, a real Octokit adapter and an in-memory fake. */
export interface IssueComments {
  list(issueNumber: number): Promise<IssueComment[]>;
  create(issueNumber: number, body: string): Promise<IssueComment>;
  update(commentId: number, body: string): Promise<IssueComment>;
}

export function commentMarker(purpose: string): string {
  return `<!-- amlft:${purpose} -->`;
}

export type CommentOutcome =
  | { readonly kind: 'created' | 'updated' | 'unchanged'; readonly id: number }
  | { readonly kind: 'not-permitted'; readonly reason: string };

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Creates or updates the comment carrying `marker`. A token that cannot write (fork pull requests
 * get a read-only one) is an expected situation, reported as `not-permitted`, never thrown.
 */
export async function upsertPullRequestComment(comments: IssueComments, issueNumber: number, purpose: string, body: string): Promise<CommentOutcome> {
  const marker = commentMarker(purpose);
  const fullBody = `${marker}\n${body}`;
  try {
    const existing = (await comments.list(issueNumber)).find((comment) => comment.body.startsWith(marker) || comment.body.includes(marker));
    if (existing === undefined) return { kind: 'created', id: (await comments.create(issueNumber, fullBody)).id };
    if (existing.body === fullBody) return { kind: 'unchanged', id: existing.id };
    return { kind: 'updated', id: (await comments.update(existing.id, fullBody)).id };
  } catch (error) {
    const status = statusOf(error);
    if (status === 403 || status === 404) {
      return { kind: 'not-permitted', reason: `GitHub answered ${status}: the token cannot write comments here (fork pull requests get a read-only token; the workflow needs 'pull-requests: write')` };
    }
    throw error;
  }
}
