// One request's path through the emulator: classify, record, settle, apply faults, route, answer with request ids.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { handleEntra, handleManagedIdentity } from './entra.js';
import type { FaultEffects } from './faults.js';
import { handleGithub } from './githubStandIn.js';
import { header, parseBody, parseQuery, readBody, sendReply, type HostKind, type IncomingCall, type Reply } from './httpKit.js';
import { compileRoutes, dispatchArm } from './resourceManager/armRouter.js';
import { assetRoutes } from './resourceManager/assets.js';
import { computeRoutes } from './resourceManager/computes.js';
import { connectionRoutes } from './resourceManager/connections.js';
import { datastoreRoutes } from './resourceManager/datastores.js';
import { dependentResourceRoutes } from './resourceManager/dependentResources.js';
import { identityRoutes } from './resourceManager/identities.js';
import { jobRoutes } from './resourceManager/jobs.js';
import { operationRoutes } from './resourceManager/lro.js';
import { onlineDeploymentRoutes } from './resourceManager/onlineDeployments.js';
import { onlineEndpointRoutes } from './resourceManager/onlineEndpoints.js';
import { providerRoutes } from './resourceManager/providers.js';
import { quotaRoutes } from './resourceManager/quota.js';
import { resourceGroupRoutes } from './resourceManager/resourceGroups.js';
import { roleAssignmentRoutes } from './resourceManager/roleAssignments.js';
import { handleDiscovery, handleJobLogs, runHistoryRoutes } from './resourceManager/runHistory.js';
import { serverlessEndpointRoutes } from './resourceManager/serverlessEndpoints.js';
import { workspaceRoutes } from './resourceManager/workspaces.js';
import { handleScoring } from './scoring.js';

/** A request as tests see it: secrets in headers and Entra form fields are redacted. */
export interface RecordedRequest {
  readonly id: string;
  /** When it arrived (ms since the epoch). */
  readonly time: number;
  readonly host: HostKind;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** Status answered; 0 when the connection was dropped (fault), -1 while still being handled. */
  status: number;
  durationMs: number;
  /** Names of the fault rules that fired on it. */
  readonly faults: string[];
}

// Specific routes first: the generic dependent-resource routes would also match ML, identity and role paths.
const armRoutes = compileRoutes([
  ...operationRoutes,
  ...runHistoryRoutes,
  ...resourceGroupRoutes,
  ...providerRoutes,
  ...quotaRoutes,
  ...workspaceRoutes,
  ...computeRoutes,
  ...datastoreRoutes,
  ...assetRoutes,
  ...jobRoutes,
  ...onlineDeploymentRoutes,
  ...onlineEndpointRoutes,
  ...serverlessEndpointRoutes,
  ...connectionRoutes,
  ...identityRoutes,
  ...roleAssignmentRoutes,
  ...dependentResourceRoutes,
]);

const entraPath = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/(v2\.0\/)?keys|oauth2\/(v2\.0\/)?token)$/i;
const maxRecorded = 50_000;
const secretHeaders = new Set(['authorization', 'x-identity-header', 'api-key', 'cookie', 'x-ms-client-assertion']);
const secretFields = new Set(['client_secret', 'client_assertion', 'assertion', 'password', 'refresh_token']);

export type Listener = 'https' | 'http';

function classify(listener: Listener, path: string): HostKind {
  if (listener === 'http') return path === '/msi/token' ? 'entra' : 'github';
  if (entraPath.test(path) || path.toLowerCase() === '/metadata/endpoints') return 'entra';
  if (/^\/(inference|serverless)\//i.test(path)) return 'scoring';
  return 'arm';
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = secretHeaders.has(name) ? text.replace(/^(\w+\s+)?.*$/s, (_m, scheme: string | undefined) => `${scheme ?? ''}<redacted>`) : text;
  }
  return out;
}

function redactBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, secretFields.has(k) ? '<redacted>' : v]));
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function route(core: EmulatorCore, listener: Listener, call: IncomingCall, effects: FaultEffects): Promise<Reply> {
  if (listener === 'http') return handleManagedIdentity(core, call) ?? handleGithub(core, call);
  if (call.host === 'entra') return handleEntra(core, call) ?? { status: 404, body: { error: 'not_found' } };
  if (call.host === 'scoring') return (await handleScoring(core, call, effects)) ?? { status: 404, body: { message: 'Not found.' } };
  const open = handleDiscovery(core, call) ?? handleJobLogs(core, call);
  if (open) return open;
  const reply = await dispatchArm(core, call, armRoutes, effects);
  if (reply) return reply;
  return call.path.toLowerCase().startsWith('/subscriptions/')
    ? { status: 404, body: { error: { code: 'InvalidResourceType', message: `The emulator has no resource type or operation at '${call.path}'.` } } }
    : { status: 404, body: { error: { code: 'NotFound', message: `No such path on the emulator: ${call.path}` } } };
}

function baseHeaders(listener: Listener, call: IncomingCall): Record<string, string> {
  if (listener === 'http' && call.host === 'github') {
    return { 'x-github-request-id': call.requestId, 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-github-api-version-selected': '2022-11-28' };
  }
  const headers: Record<string, string> = {
    'x-ms-request-id': call.requestId,
    'x-ms-correlation-request-id': header(call, 'x-ms-correlation-request-id') ?? randomUUID(),
    'x-ms-routing-request-id': `EASTUS2:${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z:${call.requestId}`,
  };
  const clientRequestId = header(call, 'x-ms-client-request-id');
  if (clientRequestId) headers['x-ms-client-request-id'] = clientRequestId;
  if (call.host === 'arm') {
    headers[call.method === 'GET' || call.method === 'HEAD' ? 'x-ms-ratelimit-remaining-subscription-reads' : 'x-ms-ratelimit-remaining-subscription-writes'] = '1199';
  }
  return headers;
}

export function requestHandler(core: EmulatorCore, listener: Listener, requests: RecordedRequest[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const receivedAt = Date.now();
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (error) {
      res.writeHead(413, { 'Content-Type': 'text/plain' }).end(String(error));
      return;
    }
    // Collapse repeated slashes (ARM tolerates `//subscriptions/...`, which SDKs build from a `/{scope}` path).
    const target = (req.url ?? '/').replace(/^[^?]*/, (path) => path.replace(/\/{2,}/g, '/'));
    const url = new URL(target, 'http://127.0.0.1');
    const path = safeDecode(url.pathname);
    const host = classify(listener, path);
    const call: IncomingCall = {
      requestId: randomUUID(),
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      query: parseQuery(url.searchParams),
      headers: req.headers,
      rawBody: raw,
      body: parseBody(raw, req.headers['content-type']),
      host,
      receivedAt,
    };
    core.store.settle(receivedAt);
    const effects = core.faults.evaluate(call);
    const record: RecordedRequest = {
      id: call.requestId,
      time: receivedAt,
      host,
      method: call.method,
      path,
      query: call.query,
      headers: redactHeaders(req.headers),
      body: host === 'entra' ? redactBody(call.body) : call.body,
      status: -1,
      durationMs: 0,
      faults: effects.names,
    };
    requests.push(record);
    if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);

    if (effects.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, effects.delayMs));
    const drop = () => {
      record.status = 0;
      record.durationMs = Date.now() - receivedAt;
      req.socket.destroy();
    };
    if (effects.drop === 'before') return drop();
    let reply: Reply;
    try {
      reply = effects.respond ? { ...effects.respond } : await route(core, listener, call, effects);
    } catch (error) {
      reply = { status: 500, body: { error: { code: 'InternalServerError', message: `The emulator failed: ${error instanceof Error ? error.message : String(error)}` } } };
    }
    if (effects.drop === 'after') return drop();
    record.status = reply.status;
    record.durationMs = Date.now() - receivedAt;
    if (res.destroyed) return;
    sendReply(res, reply, baseHeaders(listener, call));
  };
}
