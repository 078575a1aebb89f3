// A tiny HTTP(S) client that only talks to 127.0.0.1, trusting a given CA: for the emulator's own calls and for tests.

import http from 'node:http';
import https from 'node:https';

export interface LoopbackResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON (undefined when empty). */
  json<T = unknown>(): T;
  header(name: string): string | undefined;
}

export interface LoopbackRequest {
  method?: string;
  headers?: Record<string, string>;
  /** Objects are sent as JSON; strings and buffers as they are. */
  body?: unknown;
  /** CA to trust for https URLs. */
  ca?: string;
  timeoutMs?: number;
}

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function loopbackRequest(url: string, options: LoopbackRequest = {}): Promise<LoopbackResponse> {
  const target = new URL(url);
  if (!loopbackHosts.has(target.hostname)) {
    return Promise.reject(new Error(`loopbackRequest refuses ${target.host}: the emulator only talks to 127.0.0.1`));
  }
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) {
      payload = Buffer.from(options.body);
    } else {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['Content-Type'] ??= 'application/json';
    }
    headers['Content-Length'] = String(payload.length);
  }
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      target,
      { method: options.method ?? 'GET', headers, ...(options.ca ? { ca: options.ca } : {}), agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: <T>() => (text === '' ? undefined : JSON.parse(text)) as T,
            header: (name) => {
              const value = res.headers[name.toLowerCase()];
              return Array.isArray(value) ? value[0] : value;
            },
          });
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`timed out: ${options.method ?? 'GET'} ${url}`)));
    req.on('error', reject);
    req.end(payload);
  });
}
