// The workspace "Custom keys" connection a Prompt flow chat flow uses to call the model: endpoint as config, key as secret.

import { sendJson } from '../azure/armPipeline.js';
import { armUrl, workspaceId } from '../azure/resourceIds.js';
import type { ServingTarget } from './endpointAzure.js';

/** Connection names Azure ML accepts. */
export const CONNECTION_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;

/**
 * The PUT body of a CustomKeys connection. Prompt flow's CustomConnection exposes `metadata` as configs and
 * `credentials.keys` as secrets, so the flow reads `connection.configs["endpoint"]` and `connection.secrets["key"]`.
 */
export function customKeysConnectionBody(endpointUri: string, key: string): Record<string, unknown> {
  return {
    properties: {
      category: 'CustomKeys',
      authType: 'CustomKeys',
      target: endpointUri,
      credentials: { keys: { key } },
      metadata: { endpoint: endpointUri, 'created-by': 'amlft' },
      isSharedToAll: false,
    },
  };
}

export interface ConnectionResult {
  readonly name: string;
  /** False when a connection of that name existed and was updated in place. */
  readonly created: boolean;
}

const connectionUrl = (t: ServingTarget, name: string) => armUrl(t.resourceManager, `${workspaceId(t.ref)}/connections/${encodeURIComponent(name)}`, t.apiVersions.mlEndpoints);

/** Creates or updates (PUT is create-or-replace, so a re-run updates in place) the connection. Never logs the key. */
export async function upsertCustomKeysConnection(t: ServingTarget, name: string, endpointUri: string, key: string): Promise<ConnectionResult> {
  const existing = await sendJson(t.transport, { method: 'GET', url: connectionUrl(t, name), operation: `read connection '${name}'`, accept: [404] });
  if (existing.status !== 404) {
    const category = (existing.body as { properties?: { category?: unknown } } | undefined)?.properties?.category;
    if (typeof category === 'string' && category !== 'CustomKeys') {
      throw new Error(`connection '${name}' already exists in workspace '${t.ref.workspace}' with category ${category}; choose another connection-name (amlft only replaces CustomKeys connections)`);
    }
  }
  await sendJson(t.transport, { method: 'PUT', url: connectionUrl(t, name), body: customKeysConnectionBody(endpointUri, key), operation: `create or update connection '${name}'` });
  return { name, created: existing.status === 404 };
}
