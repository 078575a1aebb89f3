// Waits for Azure long-running operations the way Azure really runs them: Azure-AsyncOperation, Location, provisioningState.

import type { Clock } from '../clock.js';
import { ArmError, hintFor } from './armErrors.js';
import { sendJson, type ArmTransport, type JsonResponse, type RawRequest } from './armPipeline.js';
import { retryAfterMs } from './retryPolicy.js';

export interface LroOptions {
  /** Give up after this long (the operation keeps running in Azure). */
  readonly timeoutMs: number;
  /** Poll interval when the service suggests none. */
  readonly intervalMs?: number;
  /** Longest wait between polls, whatever Retry-After says. */
  readonly maxIntervalMs?: number;
  /** Called with each new status, e.g. for the log. */
  readonly onStatus?: (status: string) => void;
}

const TERMINAL_OK = new Set(['succeeded']);
const TERMINAL_FAILED = new Set(['failed', 'canceled', 'cancelled']);

function statusOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as { status?: unknown; properties?: { provisioningState?: unknown } };
  if (typeof record.status === 'string') return record.status;
  const state = record.properties?.provisioningState;
  return typeof state === 'string' ? state : undefined;
}

function operationError(operation: string, method: string, url: string, status: string, body: unknown, requestId: string | undefined): ArmError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `Operation${status}`;
  const message = typeof error?.message === 'string' ? error.message : `the operation ended ${status}`;
  return new ArmError({ operation, status: 200, code, message, requestId, hint: hintFor(200, code, message, method, url) });
}

export class LroTimeoutError extends Error {
  constructor(operation: string, waitedMs: number, lastStatus: string | undefined) {
    super(`${operation} did not finish within ${Math.round(waitedMs / 1000)} s (last status: ${lastStatus ?? 'unknown'}); it may still complete in Azure — re-run to pick it up, or raise the timeout`);
    this.name = 'LroTimeoutError';
  }
}

/**
 * Sends the initial request and waits until the operation ends. Returns the final resource (a GET of
 * the resource URL after an Azure-AsyncOperation, or the last Location answer), or undefined for a
 * delete. Failed / Canceled operations throw an ArmError with the operation's own error.
 */
export async function runLongRunning(transport: ArmTransport, request: RawRequest, options: LroOptions): Promise<unknown> {
  const clock: Clock = transport.clock;
  const started = clock.now();
  const interval = options.intervalMs ?? 5000;
  const maxInterval = options.maxIntervalMs ?? 60_000;
  const initial = await sendJson(transport, request);
  const asyncUrl = initial.headers.get('azure-asyncoperation');
  const locationUrl = initial.headers.get('location');
  let last: JsonResponse = initial;
  let lastStatus = statusOf(initial.body);
  if (lastStatus) options.onStatus?.(lastStatus);

  const wait = async (response: JsonResponse) => {
    if (clock.now() - started >= options.timeoutMs) throw new LroTimeoutError(request.operation, clock.now() - started, lastStatus);
    const suggested = retryAfterMs(response, clock.now());
    const remaining = options.timeoutMs - (clock.now() - started);
    await clock.sleep(Math.max(0, Math.min(suggested ?? interval, maxInterval, remaining)), request.abortSignal);
    if (clock.now() - started >= options.timeoutMs) throw new LroTimeoutError(request.operation, clock.now() - started, lastStatus);
  };
  const poll = (url: string, accept?: readonly number[]) =>
    sendJson(transport, { method: 'GET', url, operation: `${request.operation} (status)`, ...(request.abortSignal ? { abortSignal: request.abortSignal } : {}), ...(accept ? { accept } : {}) });

  if (asyncUrl) {
    for (;;) {
      const status = statusOf(last.body);
      if (last !== initial && status !== undefined) {
        const lower = status.toLowerCase();
        if (TERMINAL_OK.has(lower)) break;
        if (TERMINAL_FAILED.has(lower)) throw operationError(request.operation, request.method, request.url, status, last.body, last.requestId);
      }
      await wait(last);
      last = await poll(asyncUrl);
      const next = statusOf(last.body);
      if (next !== lastStatus && next !== undefined) {
        lastStatus = next;
        options.onStatus?.(next);
      }
    }
    if (request.method === 'DELETE') return undefined;
    const final = await poll(request.url);
    return final.body;
  }

  if (locationUrl && initial.status === 202) {
    for (;;) {
      await wait(last);
      last = await poll(locationUrl, [202]);
      if (last.status !== 202) return request.method === 'DELETE' ? undefined : last.body;
    }
  }

  // A synchronous answer, or a resource that reports provisioningState itself.
  if (request.method === 'DELETE') return undefined;
  for (;;) {
    const status = statusOf(last.body);
    if (status === undefined || TERMINAL_OK.has(status.toLowerCase())) return last.body;
    if (TERMINAL_FAILED.has(status.toLowerCase())) throw operationError(request.operation, request.method, request.url, status, last.body, last.requestId);
    await wait(last);
    last = await poll(request.url);
    const next = statusOf(last.body);
    if (next !== lastStatus && next !== undefined) {
      lastStatus = next;
      options.onStatus?.(next);
    }
  }
}
