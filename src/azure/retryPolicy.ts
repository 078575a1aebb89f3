// Retries throttled, failing and dropped requests, honouring Retry-After up to a cap, on an injectable clock.

import { isRestError, type PipelinePolicy, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock.js';

export interface RetryOptions {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** First back-off when the service gives no Retry-After. */
  readonly baseDelayMs: number;
  /** No wait is longer than this, whatever Retry-After says. */
  readonly maxDelayMs: number;
  readonly clock: Clock;
  /** Told about every retry (for the log). */
  readonly onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  readonly method: string;
  readonly url: string;
  readonly attempt: number;
  readonly delayMs: number;
  /** The HTTP status, or the network error's code. */
  readonly reason: string;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'clock'> = { maxRetries: 8, baseDelayMs: 1000, maxDelayMs: 60_000 };

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR']);

/** Milliseconds the response asks to wait (Retry-After in seconds or as a date, or the ms variants). */
export function retryAfterMs(response: Pick<PipelineResponse, 'headers'>, now: number): number | undefined {
  const ms = response.headers.get('retry-after-ms') ?? response.headers.get('x-ms-retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const value = response.headers.get('retry-after');
  if (value === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function networkCode(error: unknown): string | undefined {
  if (!isRestError(error)) {
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && RETRYABLE_CODES.has(code) ? code : undefined;
  }
  if (error.statusCode !== undefined) return undefined;
  const causeCode = (error.cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string' && RETRYABLE_CODES.has(causeCode)) return causeCode;
  return error.code !== undefined && RETRYABLE_CODES.has(error.code) ? error.code : undefined;
}

/** Resource Manager's answer to a token that expired before it arrived. */
function expiredToken(response: PipelineResponse): boolean {
  return /"code"\s*:\s*"ExpiredAuthenticationToken"/.test(response.bodyAsText ?? '') || /error_description="[^"]*expired/i.test(response.headers.get('www-authenticate') ?? '');
}

export const RETRY_POLICY_NAME = 'amlftRetryPolicy';

export function retryPolicy(options: RetryOptions): PipelinePolicy {
  return {
    name: RETRY_POLICY_NAME,
    async sendRequest(request, next) {
      let signedAgain = false;
      for (let attempt = 0; ; attempt++) {
        let response: PipelineResponse | undefined;
        let reason: string;
        let wait: number | undefined;
        try {
          response = await next(request);
          if (response.status === 401 && !signedAgain && expiredToken(response)) {
            // The token expired on its way (a slow runner, or a clock behind Azure's): the Sign phase, after this
            // policy, asks for a fresh one on the next attempt. Once only: a second refusal is a real one.
            signedAgain = true;
            options.onRetry?.({ method: request.method, url: request.url, attempt: attempt + 1, delayMs: 0, reason: 'HTTP 401 ExpiredAuthenticationToken (signing again)' });
            attempt--;
            continue;
          }
          if (!RETRYABLE_STATUS.has(response.status)) return response;
          reason = `HTTP ${response.status}`;
          wait = retryAfterMs(response, options.clock.now());
        } catch (error) {
          const code = networkCode(error);
          if (code === undefined || request.abortSignal?.aborted) throw error;
          if (attempt >= options.maxRetries) throw error;
          reason = code;
        }
        if (attempt >= options.maxRetries) return response!;
        const backoff = options.baseDelayMs * 2 ** attempt * (0.8 + 0.4 * Math.random());
        const delayMs = Math.min(options.maxDelayMs, Math.max(0, wait ?? backoff));
        options.onRetry?.({ method: request.method, url: request.url, attempt: attempt + 1, delayMs, reason });
        // Drain the body so the connection can be reused.
        await response?.readableStreamBody?.resume?.();
        await options.clock.sleep(delayMs, request.abortSignal as AbortSignal | undefined);
      }
    },
  };
}
