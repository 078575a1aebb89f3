// Deploy, promote and rollback as separate modes: each traffic change comes from the planner, is sent as GET + full PUT, and is verified by reading it back.

import { UserFacingError } from '../github/runAction.js';
import type { Clock } from '../clock.js';
import type { DeploymentSettings } from './deploymentSettings.js';
import {
  deleteDeployment,
  deploymentLogTail,
  getEndpoint,
  listDeployments,
  putDeployment,
  putEndpoint,
  workspaceLocation,
  type DeploymentView,
  type EndpointView,
  type ServingTarget,
} from './endpointAzure.js';
import {
  deploymentNameFor,
  formatTraffic,
  planCleanup,
  planDeployTraffic,
  planPromotion,
  planRollback,
  sameTraffic,
  type DeploymentStates,
  type EndpointTraffic,
  type Planned,
  type TrafficMap,
} from './trafficPlan.js';

export interface ModelRef {
  /** The model version's ARM id (or an azureml://registries URI). */
  readonly id: string;
  readonly name: string;
  readonly version: string;
}

export interface DeployRequest extends DeploymentSettings {
  readonly endpoint: string;
  readonly deployment?: string;
  readonly model: ModelRef;
  readonly timeoutMs: number;
  readonly logTailLines: number;
}

export interface ReleaseResult {
  readonly endpoint: string;
  readonly deployment: string;
  readonly scoringUri: string;
  readonly previousTraffic: TrafficMap;
  readonly traffic: TrafficMap;
  readonly mirrorTraffic: TrafficMap;
  /** True when the model was already on a Succeeded deployment and nothing was created. */
  readonly reused: boolean;
  /** Deployments deleted after the promotion (delete-old), oldest first. */
  readonly deleted?: readonly string[];
  /** Deletions that failed (the promotion still stands), one line each. */
  readonly deleteFailures?: readonly string[];
}

export interface ReleaseContext {
  readonly target: ServingTarget;
  readonly clock: Clock;
  readonly log: (message: string) => void;
}

const planned = <T>(result: Planned<T>, what: string): T => {
  if (!result.ok) throw new UserFacingError(`${what}: ${result.reason}`);
  return result.value;
};

const statesOf = (deployments: readonly DeploymentView[]): DeploymentStates => Object.fromEntries(deployments.map((d) => [d.name, d.provisioningState]));

/** The endpoint body for a full PUT: what was read, with only the traffic replaced (PATCH cannot change traffic). */
function withTraffic(endpoint: EndpointView, traffic: EndpointTraffic): Record<string, unknown> {
  const { id: _id, systemData: _systemData, ...rest } = endpoint.body as Record<string, unknown> & { properties?: Record<string, unknown> };
  const properties: Record<string, unknown> = { ...((rest.properties as Record<string, unknown>) ?? {}), traffic: { ...traffic.traffic }, mirrorTraffic: { ...traffic.mirrorTraffic } };
  for (const readOnly of ['provisioningState', 'scoringUri', 'swaggerUri']) delete properties[readOnly];
  return { ...rest, properties };
}

async function readEndpoint(ctx: ReleaseContext, endpoint: string): Promise<EndpointView> {
  const view = await getEndpoint(ctx.target, endpoint);
  if (!view) throw new UserFacingError(`online endpoint '${endpoint}' does not exist in workspace '${ctx.target.ref.workspace}'.`);
  return view;
}

/** Sends a planned traffic state and checks, by reading it back, that Azure now holds exactly that. */
async function applyTraffic(ctx: ReleaseContext, endpoint: EndpointView, wanted: EndpointTraffic, timeoutMs: number, what: string): Promise<EndpointView> {
  await putEndpoint(ctx.target, endpoint.name, withTraffic(endpoint, wanted), timeoutMs, `${what} on endpoint '${endpoint.name}'`);
  const after = await readEndpoint(ctx, endpoint.name);
  if (!sameTraffic(after.traffic, wanted.traffic) || !sameTraffic(after.mirrorTraffic, wanted.mirrorTraffic)) {
    throw new UserFacingError(`${what}: the endpoint reports live traffic ${formatTraffic(after.traffic)} (mirror ${formatTraffic(after.mirrorTraffic)}) after the update, not the requested ${formatTraffic(wanted.traffic)} (mirror ${formatTraffic(wanted.mirrorTraffic)}); treating this as a failure.`);
  }
  return after;
}

async function ensureEndpoint(ctx: ReleaseContext, request: DeployRequest): Promise<EndpointView> {
  const existing = await getEndpoint(ctx.target, request.endpoint);
  if (existing && existing.provisioningState === 'Succeeded') return existing;
  if (existing && existing.provisioningState !== 'Failed') throw new UserFacingError(`online endpoint '${request.endpoint}' is ${existing.provisioningState}; wait for it to finish and re-run.`);
  const location = await workspaceLocation(ctx.target);
  ctx.log(`Creating online endpoint '${request.endpoint}' in ${location} (key auth)`);
  const identity = request.identityId ? { type: 'UserAssigned', userAssignedIdentities: { [request.identityId]: {} } } : { type: 'SystemAssigned' };
  return putEndpoint(ctx.target, request.endpoint, { location, identity, properties: { authMode: 'Key', traffic: existing?.traffic ?? {} } }, request.timeoutMs, `create online endpoint '${request.endpoint}'`);
}

export function deploymentBody(request: DeployRequest, location: string): unknown {
  const probe = { initialDelay: `PT${request.probeInitialDelaySeconds}S`, period: 'PT10S', timeout: 'PT10S', failureThreshold: 30, successThreshold: 1 };
  return {
    location,
    sku: { name: 'Default', capacity: request.instanceCount },
    properties: {
      endpointComputeType: 'Managed',
      model: request.model.id,
      instanceType: request.instanceType,
      requestSettings: { requestTimeout: `PT${request.requestTimeoutMs / 1000}S`, maxConcurrentRequestsPerInstance: request.maxConcurrentRequests },
      livenessProbe: probe,
      readinessProbe: probe,
      environmentVariables: request.environmentVariables,
    },
  };
}

/** Deploy: a new deployment at 0 % live traffic. On failure the logs are printed, the deployment optionally deleted, and live traffic is checked unchanged. */
export async function deploy(ctx: ReleaseContext, request: DeployRequest): Promise<ReleaseResult> {
  const endpoint = await ensureEndpoint(ctx, request);
  const previous: EndpointTraffic = { traffic: endpoint.traffic, mirrorTraffic: endpoint.mirrorTraffic };
  ctx.log(`Live traffic before: ${formatTraffic(previous.traffic)}`);
  const deployments = await listDeployments(ctx.target, request.endpoint);
  const name = request.deployment ?? deploymentNameFor(request.model.name, request.model.version);
  const sameModel = deployments.find((d) => d.provisioningState === 'Succeeded' && d.model.toLowerCase() === request.model.id.toLowerCase());
  if (sameModel) {
    ctx.log(`Model ${request.model.name}:${request.model.version} is already deployed as '${sameModel.name}' (Succeeded); no new deployment.`);
    return { endpoint: request.endpoint, deployment: sameModel.name, scoringUri: endpoint.scoringUri ?? '', previousTraffic: previous.traffic, traffic: previous.traffic, mirrorTraffic: previous.mirrorTraffic, reused: true };
  }
  if ((previous.traffic[name] ?? 0) > 0) throw new UserFacingError(`deployment '${name}' already serves ${previous.traffic[name]}% of live traffic with another model; choose another 'deployment' name.`);
  ctx.log(`Creating deployment '${name}' of ${request.model.name}:${request.model.version} on ${request.instanceCount} x ${request.instanceType}, at 0% live traffic`);
  try {
    await putDeployment(ctx.target, request.endpoint, name, deploymentBody(request, endpoint.location), request.timeoutMs, (status) => ctx.log(`Deployment '${name}': ${status}`));
  } catch (error) {
    await reportFailedDeployment(ctx, request, name);
    const after = await getEndpoint(ctx.target, request.endpoint);
    const unchanged = after !== undefined && sameTraffic(after.traffic, previous.traffic);
    ctx.log(unchanged ? `Live traffic unchanged: ${formatTraffic(previous.traffic)}` : `WARNING: live traffic is now ${formatTraffic(after?.traffic ?? {})}, was ${formatTraffic(previous.traffic)}`);
    throw new UserFacingError(`deployment '${name}' failed: ${error instanceof Error ? error.message : String(error)}. Live traffic was not changed.`, { cause: error });
  }
  let current = await readEndpoint(ctx, request.endpoint);
  if (request.mirrorPercent > 0) {
    const states = statesOf(await listDeployments(ctx.target, request.endpoint));
    const wanted = planned(planDeployTraffic(current, name, states, request.mirrorPercent), 'mirror traffic');
    current = await applyTraffic(ctx, current, wanted, request.timeoutMs, `mirror ${request.mirrorPercent}% to '${name}'`);
  }
  if (!sameTraffic(current.traffic, previous.traffic)) throw new UserFacingError(`live traffic changed during the deploy: it is ${formatTraffic(current.traffic)}, was ${formatTraffic(previous.traffic)}.`);
  return { endpoint: request.endpoint, deployment: name, scoringUri: current.scoringUri ?? '', previousTraffic: previous.traffic, traffic: current.traffic, mirrorTraffic: current.mirrorTraffic, reused: false };
}

async function reportFailedDeployment(ctx: ReleaseContext, request: DeployRequest, name: string): Promise<void> {
  for (const container of ['StorageInitializer', 'InferenceServer'] as const) {
    try {
      const lines = await deploymentLogTail(ctx.target, request.endpoint, name, container, request.logTailLines);
      ctx.log(`--- ${container} log of '${name}' (last ${lines.length} lines) ---`);
      for (const line of lines) ctx.log(line);
    } catch (error) {
      ctx.log(`Could not read the ${container} log: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (request.deleteFailed) {
    try {
      await deleteDeployment(ctx.target, request.endpoint, name, request.timeoutMs);
      ctx.log(`Deleted the failed deployment '${name}' (delete-failed).`);
    } catch (error) {
      ctx.log(`Could not delete the failed deployment '${name}': ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

export interface PromoteRequest {
  readonly endpoint: string;
  readonly deployment: string;
  readonly steps: readonly number[];
  readonly stepWaitMs: number;
  readonly timeoutMs: number;
  /** delete-old: after the verified promotion, delete idle deployments, keeping this many previous ones. */
  readonly deleteOld?: { readonly keepPrevious: number };
}

/**
 * Promote in steps. Before each step the endpoint and deployments are read again and the step re-planned, so a
 * deployment deleted meanwhile never gets traffic; if a step cannot be planned, the traffic from before is restored.
 */
export async function promote(ctx: ReleaseContext, request: PromoteRequest): Promise<ReleaseResult> {
  const first = await readEndpoint(ctx, request.endpoint);
  const previous: EndpointTraffic = { traffic: first.traffic, mirrorTraffic: first.mirrorTraffic };
  const initial = planned(planPromotion(previous, request.deployment, request.steps, statesOf(await listDeployments(ctx.target, request.endpoint))), `promote '${request.deployment}'`);
  for (const note of initial.notes) ctx.log(note);
  const steps = initial.steps.map((s) => s.traffic[request.deployment]!);
  let current = first;
  for (const [index, share] of steps.entries()) {
    if (index > 0) await ctx.clock.sleep(request.stepWaitMs);
    current = await readEndpoint(ctx, request.endpoint);
    const states = statesOf(await listDeployments(ctx.target, request.endpoint));
    const step = planPromotion(current, request.deployment, steps.slice(index), states);
    if (!step.ok) {
      ctx.log(`Cannot continue the promotion: ${step.reason}`);
      await restore(ctx, current, previous, states, request.timeoutMs);
      throw new UserFacingError(`promote '${request.deployment}' stopped at ${formatTraffic(current.traffic)}: ${step.reason} The traffic from before was restored.`);
    }
    const wanted = step.value.steps[0]!;
    ctx.log(`Step ${index + 1}/${steps.length}: ${formatTraffic(wanted.traffic)}`);
    current = await applyTraffic(ctx, current, wanted, request.timeoutMs, `set ${share}% live traffic to '${request.deployment}'`);
  }
  const cleanup = request.deleteOld ? await deleteOldDeployments(ctx, request.endpoint, request.deployment, request.deleteOld.keepPrevious, previous.traffic, request.timeoutMs) : {};
  return { endpoint: request.endpoint, deployment: request.deployment, scoringUri: current.scoringUri ?? '', previousTraffic: previous.traffic, traffic: current.traffic, mirrorTraffic: current.mirrorTraffic, reused: false, ...cleanup };
}

/**
 * delete-old, after a verified promotion: reads the endpoint and its deployments again (someone may have changed
 * them meanwhile) and deletes what planCleanup picks. A failed deletion is reported, not thrown: the promotion stands.
 */
async function deleteOldDeployments(ctx: ReleaseContext, endpoint: string, promoted: string, keepPrevious: number, servedBefore: TrafficMap, timeoutMs: number): Promise<{ deleted: string[]; deleteFailures: string[] }> {
  const now = await readEndpoint(ctx, endpoint);
  const deployments = await listDeployments(ctx.target, endpoint);
  const doomed = planCleanup(now, deployments, promoted, keepPrevious, servedBefore);
  const kept = deployments.map((d) => d.name).filter((name) => !doomed.includes(name));
  ctx.log(doomed.length === 0 ? `delete-old: nothing to delete (keeping ${kept.join(', ')}).` : `delete-old: deleting ${doomed.join(', ')} (0% live and mirror traffic); keeping ${kept.join(', ')}.`);
  const deleted: string[] = [];
  const deleteFailures: string[] = [];
  for (const name of doomed) {
    try {
      await deleteDeployment(ctx.target, endpoint, name, timeoutMs);
      deleted.push(name);
      ctx.log(`Deleted deployment '${name}'.`);
    } catch (error) {
      const line = `could not delete deployment '${name}': ${error instanceof Error ? error.message : String(error)}`;
      deleteFailures.push(line);
      ctx.log(`WARNING: ${line}`);
    }
  }
  return { deleted, deleteFailures };
}

async function restore(ctx: ReleaseContext, current: EndpointView, previous: EndpointTraffic, states: DeploymentStates, timeoutMs: number): Promise<void> {
  const back = planRollback(current, previous.traffic, states);
  if (!back.ok) {
    ctx.log(`Could not restore the earlier traffic: ${back.reason}; live traffic stays ${formatTraffic(current.traffic)}.`);
    return;
  }
  await applyTraffic(ctx, current, back.value, timeoutMs, 'restore the earlier traffic');
}

export interface RollbackRequest {
  readonly endpoint: string;
  /** The map to restore; without it, 100 % to `deployment`. */
  readonly previousTraffic?: TrafficMap;
  readonly deployment?: string;
  readonly timeoutMs: number;
}

export async function rollback(ctx: ReleaseContext, request: RollbackRequest): Promise<ReleaseResult> {
  const current = await readEndpoint(ctx, request.endpoint);
  const wantedMap = request.previousTraffic ?? (request.deployment ? { [request.deployment]: 100 } : undefined);
  if (!wantedMap) throw new UserFacingError("rollback needs 'previous-traffic' (JSON from an earlier step's output) or the 'deployment' to send 100% back to.");
  const states = statesOf(await listDeployments(ctx.target, request.endpoint));
  const wanted = planned(planRollback(current, wantedMap, states), 'rollback');
  ctx.log(`Rolling back live traffic from ${formatTraffic(current.traffic)} to ${formatTraffic(wanted.traffic)}`);
  const after = await applyTraffic(ctx, current, wanted, request.timeoutMs, 'rollback');
  const serving = Object.entries(after.traffic).sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
  return { endpoint: request.endpoint, deployment: request.deployment ?? serving, scoringUri: after.scoringUri ?? '', previousTraffic: current.traffic, traffic: after.traffic, mirrorTraffic: after.mirrorTraffic, reused: false };
}
