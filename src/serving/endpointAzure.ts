// Azure ML calls for online endpoints and deployments, each one request through the shared pipeline (raw JSON: the SDK drops mirrorTraffic).

import { sendJson, type ArmTransport } from '../azure/armPipeline.js';
import { runLongRunning } from '../azure/longRunningOperation.js';
import type { ApiVersions } from '../azure/machineLearningClient.js';
import { armUrl, onlineDeploymentId, onlineEndpointId, workspaceId, type WorkspaceRef } from '../azure/resourceIds.js';
import type { EndpointTraffic } from './trafficPlan.js';

export interface ServingTarget {
  readonly transport: ArmTransport;
  readonly resourceManager: string;
  readonly ref: WorkspaceRef;
  readonly apiVersions: ApiVersions;
}

/** An endpoint as read: the full body (for GET + full PUT) and the parts decisions need. */
export interface EndpointView extends EndpointTraffic {
  readonly name: string;
  readonly body: Record<string, unknown>;
  readonly provisioningState: string;
  readonly scoringUri?: string;
  readonly location: string;
}

export interface DeploymentView {
  readonly name: string;
  readonly provisioningState: string;
  readonly model: string;
  readonly createdAt?: string;
}

const endpointUrl = (t: ServingTarget, endpoint: string, suffix = '') => armUrl(t.resourceManager, onlineEndpointId(t.ref, endpoint) + suffix, t.apiVersions.mlEndpoints);
const deploymentUrl = (t: ServingTarget, endpoint: string, deployment: string, suffix = '') => armUrl(t.resourceManager, onlineDeploymentId(t.ref, endpoint, deployment) + suffix, t.apiVersions.mlEndpoints);

function numbers(value: unknown): Record<string, number> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

export function endpointView(body: unknown): EndpointView {
  const b = (body ?? {}) as { name?: string; location?: string; properties?: { traffic?: unknown; mirrorTraffic?: unknown; provisioningState?: string; scoringUri?: string | null } };
  return {
    name: b.name ?? '',
    body: body as Record<string, unknown>,
    location: b.location ?? '',
    provisioningState: b.properties?.provisioningState ?? 'Unknown',
    ...(b.properties?.scoringUri ? { scoringUri: b.properties.scoringUri } : {}),
    traffic: numbers(b.properties?.traffic),
    mirrorTraffic: numbers(b.properties?.mirrorTraffic),
  };
}

function deploymentView(body: unknown): DeploymentView {
  const d = (body ?? {}) as { name?: string; properties?: { provisioningState?: string; model?: string }; systemData?: { createdAt?: string } };
  return { name: d.name ?? '', provisioningState: d.properties?.provisioningState ?? 'Unknown', model: d.properties?.model ?? '', ...(d.systemData?.createdAt ? { createdAt: d.systemData.createdAt } : {}) };
}

export async function getEndpoint(t: ServingTarget, endpoint: string): Promise<EndpointView | undefined> {
  const response = await sendJson(t.transport, { method: 'GET', url: endpointUrl(t, endpoint), operation: `read online endpoint '${endpoint}'`, accept: [404] });
  return response.status === 404 ? undefined : endpointView(response.body);
}

/** Creates or fully replaces the endpoint (the only way to change traffic) and waits for it. */
export async function putEndpoint(t: ServingTarget, endpoint: string, body: unknown, timeoutMs: number, operation: string): Promise<EndpointView> {
  const final = await runLongRunning(t.transport, { method: 'PUT', url: endpointUrl(t, endpoint), body, operation }, { timeoutMs, intervalMs: 5000 });
  return endpointView(final);
}

export async function listDeployments(t: ServingTarget, endpoint: string): Promise<DeploymentView[]> {
  const result: DeploymentView[] = [];
  let next: string | undefined = endpointUrl(t, endpoint, '/deployments');
  for (let page = 0; next && page < 50; page++) {
    const response = await sendJson(t.transport, { method: 'GET', url: next, operation: `list deployments of endpoint '${endpoint}'`, accept: [404] });
    if (response.status === 404) return [];
    const body = response.body as { value?: unknown[]; nextLink?: string };
    for (const d of body.value ?? []) result.push(deploymentView(d));
    next = body.nextLink;
  }
  return result;
}

export async function getDeployment(t: ServingTarget, endpoint: string, deployment: string): Promise<DeploymentView | undefined> {
  const response = await sendJson(t.transport, { method: 'GET', url: deploymentUrl(t, endpoint, deployment), operation: `read deployment '${deployment}'`, accept: [404] });
  return response.status === 404 ? undefined : deploymentView(response.body);
}

export async function putDeployment(t: ServingTarget, endpoint: string, deployment: string, body: unknown, timeoutMs: number, onStatus?: (status: string) => void): Promise<DeploymentView> {
  const final = await runLongRunning(t.transport, { method: 'PUT', url: deploymentUrl(t, endpoint, deployment), body, operation: `create deployment '${deployment}' on endpoint '${endpoint}'` }, { timeoutMs, intervalMs: 10_000, ...(onStatus ? { onStatus } : {}) });
  return deploymentView(final);
}

export async function deleteDeployment(t: ServingTarget, endpoint: string, deployment: string, timeoutMs: number): Promise<void> {
  await runLongRunning(t.transport, { method: 'DELETE', url: deploymentUrl(t, endpoint, deployment), operation: `delete deployment '${deployment}'`, accept: [204] }, { timeoutMs, intervalMs: 5000 });
}

/** The last lines of a deployment's container log (InferenceServer or StorageInitializer). */
export async function deploymentLogTail(t: ServingTarget, endpoint: string, deployment: string, containerType: 'InferenceServer' | 'StorageInitializer', tail: number): Promise<string[]> {
  const response = await sendJson(t.transport, { method: 'POST', url: deploymentUrl(t, endpoint, deployment, '/getLogs'), body: { containerType, tail }, operation: `read the ${containerType} log of deployment '${deployment}'`, accept: [404] });
  if (response.status === 404) return [];
  const content = (response.body as { content?: string } | undefined)?.content ?? '';
  return content.split(/\r?\n/).filter((line) => line.trim() !== '').slice(-tail);
}

/** The endpoint's primary key (POST listKeys). The caller masks it before anything else happens. */
export async function endpointPrimaryKey(t: ServingTarget, endpoint: string): Promise<string> {
  const response = await sendJson(t.transport, { method: 'POST', url: endpointUrl(t, endpoint, '/listKeys'), operation: `read the keys of online endpoint '${endpoint}'` });
  const key = (response.body as { primaryKey?: unknown } | undefined)?.primaryKey;
  if (typeof key !== 'string' || key === '') throw new Error(`online endpoint '${endpoint}' returned no primary key (is its authMode Key?)`);
  return key;
}

/** The workspace's region: new endpoints go there. */
export async function workspaceLocation(t: ServingTarget): Promise<string> {
  const ws = await sendJson(t.transport, { method: 'GET', url: armUrl(t.resourceManager, workspaceId(t.ref), t.apiVersions.workspaces), operation: `read workspace '${t.ref.workspace}'` });
  return (ws.body as { location?: string }).location ?? '';
}
