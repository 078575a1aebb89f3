// An in-memory GitHub deployments store, with an optional forced HTTP status (e.g. 403 for a token without deployments: write).
import type { DeploymentRequest, DeploymentStatus, GithubDeployments } from '../../src/github/deploymentRecord.js';

export interface MemoryDeployments extends GithubDeployments {
  readonly deployments: (DeploymentRequest & { id: number })[];
  readonly statuses: (DeploymentStatus & { deploymentId: number })[];
}

export function memoryDeployments(options: { failWith?: number; failStatusesWith?: number } = {}): MemoryDeployments {
  let nextId = 100;
  const fail = (status: number | undefined) => {
    if (status) throw Object.assign(new Error(`HTTP ${status}`), { status });
  };
  const store: MemoryDeployments = {
    deployments: [],
    statuses: [],
    async create(request) {
      fail(options.failWith);
      const deployment = { ...request, id: nextId++ };
      store.deployments.push(deployment);
      return { id: deployment.id };
    },
    async setStatus(deploymentId, status) {
      fail(options.failWith ?? options.failStatusesWith);
      if (!store.deployments.some((d) => d.id === deploymentId)) throw Object.assign(new Error('Not Found'), { status: 404 });
      store.statuses.push({ ...status, deploymentId });
    },
  };
  return store;
}
