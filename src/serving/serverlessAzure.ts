// Azure ML calls for serverless (models-as-a-service) endpoints: create or update through the shared pipeline, read, keys.

import { sendJson } from '../azure/armPipeline.js';
import { runLongRunning } from '../azure/longRunningOperation.js';
import { armUrl, workspaceId } from '../azure/resourceIds.js';
import type { ServingTarget } from './endpointAzure.js';

export interface ServerlessEndpointView {
  readonly name: string;
  readonly provisioningState: string;
  readonly modelId: string;
  /** The inference URI (`properties.inferenceEndpoint.uri`); chat goes to `<uri>/v1/chat/completions`. */
  readonly inferenceUri?: string;
}

// Serverless endpoints are stable since 2024-04-01; they share the endpoints api-version family.
const serverlessUrl = (t: ServingTarget, name: string, suffix = '') => armUrl(t.resourceManager, `${workspaceId(t.ref)}/serverlessEndpoints/${encodeURIComponent(name)}${suffix}`, t.apiVersions.mlEndpoints);

export function serverlessView(body: unknown): ServerlessEndpointView {
  const b = (body ?? {}) as { name?: string; properties?: { provisioningState?: string; modelSettings?: { modelId?: string }; inferenceEndpoint?: { uri?: string } | null } };
  const uri = b.properties?.inferenceEndpoint?.uri;
  return { name: b.name ?? '', provisioningState: b.properties?.provisioningState ?? 'Unknown', modelId: b.properties?.modelSettings?.modelId ?? '', ...(uri ? { inferenceUri: uri } : {}) };
}

/** The PUT body: key auth, the pay-as-you-go sku, and the model to serve. */
export function serverlessEndpointBody(location: string, modelId: string): Record<string, unknown> {
  return { location, sku: { name: 'Consumption' }, properties: { modelSettings: { modelId }, authMode: 'Key' } };
}

export async function getServerlessEndpoint(t: ServingTarget, name: string): Promise<ServerlessEndpointView | undefined> {
  const response = await sendJson(t.transport, { method: 'GET', url: serverlessUrl(t, name), operation: `read serverless endpoint '${name}'`, accept: [404] });
  return response.status === 404 ? undefined : serverlessView(response.body);
}

/** Creates or updates the endpoint and waits for the long-running operation. */
export async function putServerlessEndpoint(t: ServingTarget, name: string, body: unknown, timeoutMs: number, onStatus?: (status: string) => void): Promise<ServerlessEndpointView> {
  const final = await runLongRunning(t.transport, { method: 'PUT', url: serverlessUrl(t, name), body, operation: `create or update serverless endpoint '${name}'` }, { timeoutMs, intervalMs: 5000, ...(onStatus ? { onStatus } : {}) });
  return serverlessView(final);
}

/** The serverless endpoint's primary key (POST listKeys). The caller masks it before anything else happens. */
export async function serverlessPrimaryKey(t: ServingTarget, name: string): Promise<string> {
  const response = await sendJson(t.transport, { method: 'POST', url: serverlessUrl(t, name, '/listKeys'), operation: `read the keys of serverless endpoint '${name}'` });
  const key = (response.body as { primaryKey?: unknown } | undefined)?.primaryKey;
  if (typeof key !== 'string' || key === '') throw new Error(`serverless endpoint '${name}' returned no primary key`);
  return key;
}
