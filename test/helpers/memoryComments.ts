// An in-memory GitHub issue-comment store, with an optional forced HTTP status (e.g. 403 for fork PRs).
import type { IssueComment, IssueComments } from '../../src/github/pullRequestComment.js';

export interface MemoryComments extends IssueComments {
  readonly byIssue: Map<number, IssueComment[]>;
  writes: number;
}

export function memoryComments(options: { failWith?: number } = {}): MemoryComments {
  let nextId = 1;
  const fail = () => {
    if (options.failWith) throw Object.assign(new Error(`HTTP ${options.failWith}`), { status: options.failWith });
  };
  const store: MemoryComments = {
    byIssue: new Map(),
    writes: 0,
    async list(issue) {
      return [...(store.byIssue.get(issue) ?? [])];
    },
    async create(issue, body) {
      fail();
      store.writes += 1;
      const comment = { id: nextId++, body };
      store.byIssue.set(issue, [...(store.byIssue.get(issue) ?? []), comment]);
      return comment;
    },
    async update(id, body) {
      fail();
      store.writes += 1;
      for (const [issue, comments] of store.byIssue) {
        const index = comments.findIndex((c) => c.id === id);
        if (index >= 0) {
          const updated = { id, body };
          store.byIssue.set(issue, comments.map((c, i) => (i === index ? updated : c)));
          return updated;
        }
      }
      throw Object.assign(new Error('not found'), { status: 404 });
    },
  };
  return store;
}
