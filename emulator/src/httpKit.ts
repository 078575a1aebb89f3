// The small HTTP vocabulary the stand-ins share: an incoming call with its parsed body, a reply, and sending it.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

/** Which stand-in a request is for; fault rules match on it. */
export type HostKind = 'arm' | 'entra' | 'github' | 'scoring';

export interface IncomingCall {
  readonly requestId: string;
  readonly method: string;
  /** Decoded path, without the query. */
  readonly path: string;
  /** Query parameters (the last value wins), names as sent. */
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  /** JSON or form body parsed to an object; other text as a string; undefined when empty. */
  readonly body: unknown;
  readonly host: HostKind;
  readonly receivedAt: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON, strings as text; undefined sends no body. */
  body?: unknown;
}

const maxBodyBytes = 20 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw new Error(`request body larger than ${maxBodyBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  const trimmed = text.trimStart();
  if (contentType?.includes('json') || trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

export function parseQuery(search: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of search) query[name] = value;
  return query;
}

/** A query parameter by case-insensitive name (ARM treats `api-version` and `Api-Version` alike). */
export function queryValue(call: IncomingCall, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(call.query)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export function header(call: IncomingCall, name: string): string | undefined {
  const value = call.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function bearerToken(call: IncomingCall): string | undefined {
  const auth = header(call, 'authorization');
  const match = auth ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return match?.[1];
}

export const newRequestId = (): string => randomUUID();

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return headers ? { status, body, headers } : { status, body };
}

export function sendReply(res: ServerResponse, reply: Reply, baseHeaders: Record<string, string>): void {
  const headers: Record<string, string> = { ...baseHeaders, ...reply.headers };
  let payload: Buffer | undefined;
  if (reply.body !== undefined && reply.body !== null && reply.status !== 204 && reply.status !== 304) {
    if (typeof reply.body === 'string') {
      payload = Buffer.from(reply.body);
      headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = Buffer.from(JSON.stringify(reply.body));
      headers['Content-Type'] ??= 'application/json; charset=utf-8';
    }
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(reply.status, headers);
  res.end(payload);
}
