import { describe, expect, it } from 'vitest';
import { commentMarker, upsertPullRequestComment } from '../../../src/github/pullRequestComment.js';
import { memoryComments } from '../../helpers/memoryComments.js';

describe('upsertPullRequestComment', () => {
  it('creates one comment, then edits it in place, leaving other comments alone', async () => {
    const comments = memoryComments();
    await comments.create(7, 'a human comment');
    expect(await upsertPullRequestComment(comments, 7, 'dataset-check', 'first')).toMatchObject({ kind: 'created' });
    expect(await upsertPullRequestComment(comments, 7, 'dataset-check', 'second')).toMatchObject({ kind: 'updated' });
    expect(await upsertPullRequestComment(comments, 7, 'dataset-check', 'second')).toMatchObject({ kind: 'unchanged' });
    const all = comments.byIssue.get(7)!;
    expect(all.map((c) => c.body)).toEqual(['a human comment', `${commentMarker('dataset-check')}\nsecond`]);
    expect(comments.writes).toBe(3);
  });
  it('keeps comments of different purposes apart', async () => {
    const comments = memoryComments();
    await upsertPullRequestComment(comments, 1, 'dataset-check', 'a');
    await upsertPullRequestComment(comments, 1, 'smoke-test', 'b');
    expect(comments.byIssue.get(1)!.length).toBe(2);
  });
  it('reports a read-only token (fork pull request) instead of throwing', async () => {
    const outcome = await upsertPullRequestComment(memoryComments({ failWith: 403 }), 3, 'dataset-check', 'x');
    expect(outcome).toMatchObject({ kind: 'not-permitted', reason: expect.stringContaining('fork pull requests') });
  });
  it('rethrows other failures', async () => {
    await expect(upsertPullRequestComment(memoryComments({ failWith: 500 }), 3, 'dataset-check', 'x')).rejects.toThrow('HTTP 500');
  });
});
