import { describe, expect, it } from 'vitest';
import { instantClock } from '../../../src/clock.js';
import { createArmTransport, sendJson, USER_AGENT } from '../../../src/azure/armPipeline.js';
import { ArmError } from '../../../src/azure/armErrors.js';
import { LroTimeoutError, runLongRunning } from '../../../src/azure/longRunningOperation.js';
import { retryAfterMs } from '../../../src/azure/retryPolicy.js';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { scriptedServer, staticCredential } from '../../helpers/scriptedHttp.js';
import { rejectionOf } from '../../helpers/rejection.js';

const ARM = 'https://arm.test';
const EP = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/chat';

function setup(retry = {}) {
  const server = scriptedServer();
  const clock = instantClock();
  const retries: string[] = [];
  const transport = createArmTransport({ credential: staticCredential, scope: `${ARM}/.default`, clock, httpClient: server, retry, onRetry: (r) => retries.push(`${r.reason}:${r.delayMs}`) });
  return { server, clock, transport, retries };
}

describe('the shared pipeline', () => {
  it('signs every request and names the toolkit in the user agent', async () => {
    const { server, transport } = setup();
    server.on(`GET ${EP}`, { body: { name: 'chat' } });
    const response = await sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: 'read endpoint' });
    expect(response.body).toEqual({ name: 'chat' });
    expect(server.requests[0]!.headers.authorization).toBe('Bearer test-token');
    expect(server.requests[0]!.headers['user-agent']).toContain(USER_AGENT);
  });

  it('retries 429 honouring Retry-After, and 5xx and dropped connections with back-off', async () => {
    const { server, transport, retries, clock } = setup();
    server.on(`GET ${EP}`, { status: 429, headers: { 'retry-after': '7' } }, { status: 503 }, { drop: true }, { status: 500 }, { body: { ok: true } });
    const response = await sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: 'read endpoint' });
    expect(response.body).toEqual({ ok: true });
    expect(server.requests).toHaveLength(5);
    expect(retries[0]).toBe('HTTP 429:7000');
    expect(retries.slice(1).map((r) => r.split(':')[0])).toEqual(['HTTP 503', 'ECONNRESET', 'HTTP 500']);
    expect(clock.slept[0]).toBe(7000);
  });

  it('signs every retry afresh, so a long back-off never resends an expired token', async () => {
    const server = scriptedServer();
    let issued = 0;
    const credential = { getToken: async () => ({ token: `token-${++issued}`, expiresOnTimestamp: Date.now() - 1 }) };
    const transport = createArmTransport({ credential, scope: `${ARM}/.default`, clock: instantClock(), httpClient: server });
    server.on(`GET ${EP}`, { status: 503 }, { status: 503 }, { body: {} });
    await sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: 'read endpoint' });
    const tokens = server.requests.map((r) => r.headers.authorization);
    expect(new Set(tokens).size).toBe(3);
  });

  it('signs again once when Resource Manager says the token expired on its way, and gives up on a second refusal', async () => {
    const server = scriptedServer();
    let issued = 0;
    // A token that is still valid by this machine's clock when sent (a slow runner, or a clock behind Azure's)...
    let expiresOnTimestamp = Date.now() + 60_000;
    const credential = { getToken: async () => ({ token: `token-${++issued}`, expiresOnTimestamp }) };
    const retries: string[] = [];
    const transport = createArmTransport({ credential, scope: `${ARM}/.default`, clock: instantClock(), httpClient: server, onRetry: (r) => retries.push(r.reason) });
    const expired = { status: 401, body: { error: { code: 'ExpiredAuthenticationToken', message: 'The access token expiry UTC time is earlier than current UTC time.' } } };
    server.on(`GET ${EP}`, expired, { body: { name: 'chat' } });
    const first = sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: 'read endpoint' });
    // ...and expired by the time the answer comes back, so the Sign phase fetches a new one for the second attempt.
    expiresOnTimestamp = Date.now() - 1;
    expect((await first).body).toEqual({ name: 'chat' });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(retries).toEqual(['HTTP 401 ExpiredAuthenticationToken (signing again)']);

    server.on(`GET ${EP}`, expired, expired, { body: {} });
    const error = await rejectionOf(sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: 'read endpoint' }));
    expect(error).toBeInstanceOf(ArmError);
    expect((error as ArmError).message).toContain('ExpiredAuthenticationToken');
  });

  it('caps a long Retry-After', async () => {
    const { server, transport, clock } = setup({ maxDelayMs: 30_000 });
    server.on(`GET ${EP}`, { status: 429, headers: { 'retry-after': '3600' } }, { body: {} });
    await sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: 'read endpoint' });
    expect(clock.slept).toEqual([30_000]);
  });

  it('gives up after maxRetries with the ARM error as one actionable line', async () => {
    const { server, transport } = setup({ maxRetries: 2 });
    server.on(`GET ${EP}`, { status: 429, headers: { 'retry-after': '1' }, body: { error: { code: 'TooManyRequests', message: 'Slow down' } } });
    const error = await rejectionOf<ArmError>(sendJson(transport, { method: 'GET', url: `${ARM}${EP}`, operation: "read online endpoint 'chat'" }));
    expect(server.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(ArmError);
    expect(error.message).toBe("read online endpoint 'chat' failed: 429 TooManyRequests: Slow down — Azure is throttling requests; the toolkit retried with back-off and gave up, re-run later — (request id req-3)");
  });

  it('does not retry a 400', async () => {
    const { server, transport } = setup();
    server.on(`PUT ${EP}`, { status: 400, body: { error: { code: 'BadRequest', message: 'name is invalid' } } });
    await expect(sendJson(transport, { method: 'PUT', url: `${ARM}${EP}`, body: {}, operation: 'create endpoint' })).rejects.toThrow('400 BadRequest: name is invalid');
    expect(server.requests).toHaveLength(1);
  });

  it('reads Retry-After as seconds, an HTTP date, or milliseconds', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(retryAfterMs({ headers: createHttpHeaders({ 'retry-after': '2' }) }, now)).toBe(2000);
    expect(retryAfterMs({ headers: createHttpHeaders({ 'retry-after': new Date(now + 5000).toUTCString() }) }, now)).toBe(5000);
    expect(retryAfterMs({ headers: createHttpHeaders({ 'retry-after-ms': '150' }) }, now)).toBe(150);
    expect(retryAfterMs({ headers: createHttpHeaders({}) }, now)).toBeUndefined();
  });
});

describe('long-running operations', () => {
  const op = 'https://arm.test/subscriptions/s/providers/Microsoft.MachineLearningServices/locations/eastus2/mfeOperationsStatus/op1';

  it('follows Azure-AsyncOperation through Updating, then GETs the resource', async () => {
    const { server, transport, clock } = setup();
    server
      .on(`PUT ${EP}`, { status: 201, headers: { 'azure-asyncoperation': op, 'x-ms-async-operation-timeout': 'PT30M' }, body: { properties: { provisioningState: 'Creating' } } })
      .on('GET /subscriptions/s/providers/Microsoft.MachineLearningServices/locations/eastus2/mfeOperationsStatus/op1', { body: { status: 'Updating' } }, { body: { status: 'Updating' }, headers: { 'retry-after': '3' } }, { body: { status: 'Succeeded' } })
      .on(`GET ${EP}`, { body: { name: 'chat', properties: { provisioningState: 'Succeeded', scoringUri: 'https://x/score' } } });
    const seen: string[] = [];
    const result = await runLongRunning(transport, { method: 'PUT', url: `${ARM}${EP}`, body: {}, operation: 'create endpoint' }, { timeoutMs: 600_000, intervalMs: 2000, onStatus: (s) => seen.push(s) });
    expect(result).toMatchObject({ properties: { scoringUri: 'https://x/score' } });
    expect(seen).toEqual(['Creating', 'Updating', 'Succeeded']);
    expect(clock.slept).toEqual([2000, 2000, 3000]);
  });

  it('throws the operation error of a Failed operation', async () => {
    const { server, transport } = setup();
    server
      .on(`PUT ${EP}`, { status: 201, headers: { 'azure-asyncoperation': op } })
      .on('GET /subscriptions/s/providers/Microsoft.MachineLearningServices/locations/eastus2/mfeOperationsStatus/op1', { body: { status: 'Failed', error: { code: 'QuotaExceeded', message: 'Not enough quota for Standard NCSv3 Family in eastus2' } } });
    const error = await rejectionOf<ArmError>(runLongRunning(transport, { method: 'PUT', url: `${ARM}${EP}`, body: {}, operation: "create deployment 'blue'" }, { timeoutMs: 60_000 }));
    expect(error).toBeInstanceOf(ArmError);
    expect(error.message).toMatch(/^create deployment 'blue' failed: 200 QuotaExceeded: Not enough quota .* — not enough quota for Standard NCSv3 Family in eastus2: request more in Azure ML studio > Quota/);
  });

  it('polls Location after a 202 until the final answer', async () => {
    const { server, transport } = setup();
    server
      .on(`DELETE ${EP}`, { status: 202, headers: { location: `${ARM}/ops/del1`, 'retry-after': '1' } })
      .on('GET /ops/del1', { status: 202 }, { status: 202 }, { status: 204 });
    expect(await runLongRunning(transport, { method: 'DELETE', url: `${ARM}${EP}`, operation: 'delete' }, { timeoutMs: 60_000 })).toBeUndefined();
    expect(server.requests.map((r) => r.method)).toEqual(['DELETE', 'GET', 'GET', 'GET']);
  });

  it('waits on provisioningState when the service answers synchronously', async () => {
    const { server, transport } = setup();
    server
      .on(`PUT ${EP}`, { status: 200, body: { properties: { provisioningState: 'Creating' } } })
      .on(`GET ${EP}`, { body: { properties: { provisioningState: 'Creating' } } }, { body: { properties: { provisioningState: 'Succeeded' } } });
    expect(await runLongRunning(transport, { method: 'PUT', url: `${ARM}${EP}`, body: {}, operation: 'create' }, { timeoutMs: 60_000 })).toMatchObject({ properties: { provisioningState: 'Succeeded' } });
  });

  it('times out with the last status, without sleeping for real', async () => {
    const { server, transport } = setup();
    server
      .on(`PUT ${EP}`, { status: 201, headers: { 'azure-asyncoperation': op } })
      .on('GET /subscriptions/s/providers/Microsoft.MachineLearningServices/locations/eastus2/mfeOperationsStatus/op1', { body: { status: 'Updating' } });
    const error = await rejectionOf(runLongRunning(transport, { method: 'PUT', url: `${ARM}${EP}`, body: {}, operation: "create endpoint 'chat'" }, { timeoutMs: 30 * 60_000, intervalMs: 10_000 }));
    expect(error).toBeInstanceOf(LroTimeoutError);
    expect(error.message).toBe("create endpoint 'chat' did not finish within 1800 s (last status: Updating); it may still complete in Azure — re-run to pick it up, or raise the timeout");
  });
});
