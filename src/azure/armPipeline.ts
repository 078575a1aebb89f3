// The one HTTP pipeline every Azure call goes through: bearer auth, retries, a user agent naming the toolkit.

import { createClientPipeline } from '@azure/core-client';
import { bearerTokenAuthenticationPolicy, bearerTokenAuthenticationPolicyName, createDefaultHttpClient, createHttpHeaders, createPipelineRequest, type HttpClient, type HttpMethods, type Pipeline, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';
import type { Clock } from '../clock.js';
import { DEFAULT_RETRY, retryPolicy, type RetryInfo } from './retryPolicy.js';
import { armErrorFromResponse } from './armErrors.js';

export const TOOLKIT_NAME = 'amlft';
export const TOOLKIT_VERSION = '0.1.0';
export const USER_AGENT = `${TOOLKIT_NAME}/${TOOLKIT_VERSION}`;

export interface ArmPipelineOptions {
  readonly credential: TokenCredential;
  readonly scope: string;
  readonly clock: Clock;
  readonly retry?: Partial<Pick<typeof DEFAULT_RETRY, 'maxRetries' | 'baseDelayMs' | 'maxDelayMs'>>;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Defaults to the platform client; tests pass one that trusts the emulator's CA. */
  readonly httpClient?: HttpClient;
}

export interface ArmTransport {
  readonly pipeline: Pipeline;
  readonly httpClient: HttpClient;
  readonly clock: Clock;
}

/**
 * A pipeline the generated SDK clients accept as `options.pipeline` (it has core-client's
 * serialization policies and a bearer policy, so they add nothing to it) and that raw JSON calls share.
 */
export function createArmTransport(options: ArmPipelineOptions): ArmTransport {
  const pipeline = createClientPipeline({
    credentialOptions: { credential: options.credential, credentialScopes: options.scope },
    userAgentOptions: { userAgentPrefix: USER_AGENT },
  });
  // core-client signs before the Retry phase, so every retry would resend the first attempt's token,
  // which can expire during a long back-off. Signing in the Sign phase signs each attempt afresh.
  pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: options.credential, scopes: options.scope }), { phase: 'Sign' });
  pipeline.removePolicy({ phase: 'Retry' });
  pipeline.addPolicy(
    retryPolicy({ ...DEFAULT_RETRY, ...options.retry, clock: options.clock, ...(options.onRetry ? { onRetry: options.onRetry } : {}) }),
    { phase: 'Retry' },
  );
  return { pipeline, httpClient: options.httpClient ?? createDefaultHttpClient(), clock: options.clock };
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: PipelineResponse['headers'];
  readonly body: unknown;
  readonly requestId: string | undefined;
}

export interface RawRequest {
  readonly method: HttpMethods;
  readonly url: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** What the request does, in the user's words, for error messages ("create online endpoint 'chat'"). */
  readonly operation: string;
  readonly abortSignal?: AbortSignal;
  /** Statuses that are answers rather than errors (e.g. 404 for "does it exist?"). */
  readonly accept?: readonly number[];
}

/** Sends a JSON request through the shared pipeline; a non-2xx answer becomes an ArmError. */
export async function sendJson(transport: ArmTransport, request: RawRequest): Promise<JsonResponse> {
  const pipelineRequest = createPipelineRequest({
    url: request.url,
    method: request.method,
    headers: createHttpHeaders({ accept: 'application/json', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...request.headers }),
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}),
  });
  const response = await transport.pipeline.sendRequest(transport.httpClient, pipelineRequest);
  let body: unknown = undefined;
  const text = response.bodyAsText ?? '';
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  const requestId = response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-correlation-request-id') ?? undefined;
  if ((response.status < 200 || response.status >= 300) && !(request.accept ?? []).includes(response.status)) {
    throw armErrorFromResponse(request.operation, request.method, request.url, response.status, body, requestId);
  }
  return { status: response.status, headers: response.headers, body, requestId };
}
