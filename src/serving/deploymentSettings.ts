// How a new online deployment is sized and configured: defined once, shared by the action inputs and the deploy request.

export interface DeploymentSettings {
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly requestTimeoutMs: number;
  readonly maxConcurrentRequests: number;
  /** Seconds before the first liveness/readiness probe: LLMs load for minutes. */
  readonly probeInitialDelaySeconds: number;
  readonly environmentVariables: Record<string, string>;
  readonly mirrorPercent: number;
  readonly deleteFailed: boolean;
  /** A user-assigned identity's ARM id for the endpoint (from provision). */
  readonly identityId?: string;
}

/** Copies exactly the deployment settings out of a larger object (the parsed inputs), so nothing else leaks into a request. */
export function pickDeploymentSettings(from: DeploymentSettings): DeploymentSettings {
  return {
    instanceType: from.instanceType,
    instanceCount: from.instanceCount,
    requestTimeoutMs: from.requestTimeoutMs,
    maxConcurrentRequests: from.maxConcurrentRequests,
    probeInitialDelaySeconds: from.probeInitialDelaySeconds,
    environmentVariables: from.environmentVariables,
    mirrorPercent: from.mirrorPercent,
    deleteFailed: from.deleteFailed,
    ...(from.identityId !== undefined ? { identityId: from.identityId } : {}),
  };
}
