// An in-memory HTTP server for pipeline tests: routes answer by method and path, in order, and record requests.
import { createHttpHeaders, RestError, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { AccessToken, TokenCredential } from '@azure/core-auth';

export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Simulate a dropped connection. */
  drop?: boolean;
}

export interface ScriptedServer extends HttpClient {
  /** Answers for `METHOD path` (path without query): consumed in order; the last one repeats. */
  on(route: string, ...answers: ScriptedAnswer[]): ScriptedServer;
  readonly requests: { method: string; url: string; body: unknown; headers: Record<string, string> }[];
}

export function scriptedServer(): ScriptedServer {
  const routes = new Map<string, ScriptedAnswer[]>();
  const server: ScriptedServer = {
    requests: [],
    on(route, ...answers) {
      routes.set(route, answers);
      return server;
    },
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const url = new URL(request.url);
      const body = typeof request.body === 'string' ? JSON.parse(request.body) : undefined;
      server.requests.push({ method: request.method, url: request.url, body, headers: request.headers.toJSON() });
      const key = `${request.method} ${url.pathname}`;
      const answers = routes.get(key);
      if (!answers || answers.length === 0) {
        return { request, status: 404, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: JSON.stringify({ error: { code: 'ResourceNotFound', message: `no route ${key}` } }) };
      }
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer.drop) throw new RestError('socket hang up', { code: 'ECONNRESET', request });
      return {
        request,
        status: answer.status ?? 200,
        headers: createHttpHeaders({ 'content-type': 'application/json', 'x-ms-request-id': `req-${server.requests.length}`, ...answer.headers }),
        bodyAsText: answer.body === undefined ? '' : JSON.stringify(answer.body),
      };
    },
  };
  return server;
}

export const staticCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    return { token: 'test-token', expiresOnTimestamp: Date.now() + 3600_000 };
  },
};
