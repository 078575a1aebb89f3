// Fault injection: loading rules, exact counting, and every effect on every stand-in.

import { getOctokit } from '@actions/github';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultPresets, loadFaultRules, loopbackRequest, type Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, formToken, sleep, startTestEmulator } from './helpers.js';

let emulator: Emulator;
let arm: ArmTestClient;
let ws: Record<string, any>;
beforeAll(async () => {
  emulator = await startTestEmulator();
  arm = new ArmTestClient(emulator);
  ws = await arm.createWorkspace();
});
afterAll(() => emulator?.stop());

describe('loading rules', () => {
  it('reads presets by name, comma-separated names, inline JSON, {"rules": [...]} files and {preset} entries', () => {
    expect(loadFaultRules('throttle-arm')).toEqual(faultPresets['throttle-arm']!.rules);
    expect(loadFaultRules('job-fails, scoring-5xx')).toHaveLength(2);
    expect(loadFaultRules('[{"match": {"host": "arm"}, "times": 1, "respond": {"status": 503}}]')).toEqual([{ match: { host: 'arm' }, times: 1, respond: { status: 503 } }]);
    const dir = mkdtempSync(join(tmpdir(), 'amlft-faults-'));
    const file = join(dir, 'faults.json');
    writeFileSync(file, JSON.stringify({ rules: [{ preset: 'job-hangs' }, { match: { host: 'github' }, drop: true }] }));
    const rules = loadFaultRules(file);
    rmSync(dir, { recursive: true, force: true });
    expect(rules[0]).toMatchObject({ job: { outcome: 'hang' } });
    expect(rules[1]).toMatchObject({ drop: true });
  });

  it('rejects unknown presets, rules without an effect, and bad hosts with a message', () => {
    expect(() => loadFaultRules([{ preset: 'nope' }])).toThrow(/unknown preset "nope"; presets: throttle-arm/);
    expect(() => loadFaultRules([{ match: { host: 'arm' } }])).toThrow(/needs an effect/);
    expect(() => loadFaultRules([{ match: { host: 'dns' }, drop: true }])).toThrow(/match.host "dns"/);
    expect(() => loadFaultRules('/no/such/faults.json')).toThrow(/neither a preset/);
  });

  it('documents every preset', () => {
    for (const [name, preset] of Object.entries(faultPresets)) {
      expect(preset.description, name).not.toBe('');
      expect(preset.rules.length, name).toBeGreaterThan(0);
    }
    expect(Object.keys(faultPresets)).toEqual(expect.arrayContaining(['throttle-arm', 'deployment-fails', 'smoke-test-fails', 'job-fails', 'job-hangs', 'scoring-5xx']));
  });

  it('takes rules from AMLFT_EMULATOR_FAULTS at start', async () => {
    process.env.AMLFT_EMULATOR_FAULTS = JSON.stringify([{ name: 'from-env', match: { host: 'entra', path: '/oauth2/' }, times: 1, respond: { status: 503, body: { error: 'temporarily_unavailable' } } }]);
    let other: Emulator | undefined;
    try {
      other = await startTestEmulator();
      const form = { grant_type: 'client_credentials', client_id: other.env.AZURE_CLIENT_ID!, client_secret: other.env.AZURE_CLIENT_SECRET!, scope: `${other.url}/.default` };
      expect((await formToken(other, form)).status).toBe(503);
      expect((await formToken(other, form)).status).toBe(200);
      expect(other.requests.filter((r) => r.faults.includes('from-env'))).toHaveLength(1);
    } finally {
      delete process.env.AMLFT_EMULATOR_FAULTS;
      await other?.stop();
    }
  });
});

describe('answers', () => {
  it('429 with Retry-After for exactly `times` matching requests, then the real answer', async () => {
    emulator.addFault({ name: 'throttle', match: { method: 'GET', host: 'arm', path: '/workspaces/mlws$' }, times: 2, respond: { status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests', message: 'slow down' } } } });
    const first = await arm.get(ws.id);
    expect(first.status).toBe(429);
    expect(first.header('retry-after')).toBe('1');
    expect(first.header('x-ms-request-id')).toBeDefined();
    expect(first.json()).toEqual({ error: { code: 'TooManyRequests', message: 'slow down' } });
    expect((await arm.get(ws.id)).status).toBe(429);
    expect((await arm.get(ws.id)).status).toBe(200);
    expect(emulator.requests.filter((r) => r.faults.includes('throttle')).map((r) => r.status)).toEqual([429, 429]);
    emulator.clearFaults();
  });

  it('counts `after` and `every` exactly per rule, for 500 and 503', async () => {
    emulator.addFault({ name: 'every-2nd', match: { host: 'arm', path: '/datastores$' }, after: 1, every: 2, times: 3, respond: { status: 503, headers: { 'Retry-After': '1' } } });
    emulator.addFault({ name: 'fifth', match: { host: 'arm', path: '/datastores$' }, after: 4, times: 1, respond: { status: 500, body: { error: { code: 'InternalServerError', message: 'boom' } } } });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) statuses.push((await arm.get(`${ws.id}/datastores`)).status);
    // Request 5 is both the 2nd "every-2nd" hit and "fifth": the first rule in order answers.
    expect(statuses).toEqual([200, 200, 503, 200, 503, 200, 503, 200, 200]);
    emulator.clearFaults();
  });

  it('applies the throttle-arm preset deterministically', async () => {
    emulator.addFault({ preset: 'throttle-arm' });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await arm.get(ws.id)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 200, 200, 429, 200, 200, 429]);
    emulator.clearFaults();
  });

  it('faults Entra and GitHub too', async () => {
    emulator.addFault({ match: { host: 'github', method: 'POST' }, times: 1, respond: { status: 502, body: { message: 'Server Error' } } });
    const gh = getOctokit('ghs_x', { baseUrl: emulator.githubUrl, request: { retries: 0 } });
    await expect(gh.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' })).rejects.toMatchObject({ status: 502 });
    expect((await gh.rest.issues.createComment({ owner: 'o', repo: 'r', issue_number: 1, body: 'x' })).status).toBe(201);
    emulator.clearFaults();
  });
});

describe('connections', () => {
  it('drops the connection before handling: the client sees a reset and nothing was written', async () => {
    emulator.addFault({ name: 'drop', match: { method: 'PUT', path: '/resourceGroups/rg-dropped$' }, times: 1, drop: true });
    await expect(arm.put(arm.rg('rg-dropped'), { location: 'eastus2' }, { apiVersion: '2021-04-01' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(emulator.state.resource(arm.rg('rg-dropped'))).toBeUndefined();
    expect(emulator.requests.find((r) => r.faults.includes('drop'))!.status).toBe(0);
    expect((await arm.put(arm.rg('rg-dropped'), { location: 'eastus2' }, { apiVersion: '2021-04-01' })).status).toBe(201);
    emulator.clearFaults();
  });

  it('drops the connection after handling: the write happened but the answer was lost', async () => {
    emulator.addFault({ match: { method: 'PUT', path: '/resourceGroups/rg-lost$' }, times: 1, drop: 'after' });
    await expect(arm.put(arm.rg('rg-lost'), { location: 'eastus2' }, { apiVersion: '2021-04-01' })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(emulator.state.resource(arm.rg('rg-lost'))).toMatchObject({ name: 'rg-lost' });
    expect((await arm.put(arm.rg('rg-lost'), { location: 'eastus2' }, { apiVersion: '2021-04-01' })).status).toBe(200);
    emulator.clearFaults();
  });

  it('delays an answer', async () => {
    emulator.addFault({ match: { path: '/metadata/endpoints' }, times: 1, delay: 300 });
    const started = Date.now();
    expect((await loopbackRequest(`${emulator.url}/metadata/endpoints`, { ca: emulator.ca })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    emulator.clearFaults();
  });
});

describe('long-running operations', () => {
  it('fails an Azure-AsyncOperation LRO: status Failed with its error, resource Failed', async () => {
    emulator.addFault({ match: { method: 'PUT', path: '/onlineEndpoints/ep-fail$' }, lro: { outcome: 'fail', error: { code: 'EndpointCreationFailed', message: 'no capacity' } } });
    const res = await arm.put(`${ws.id}/onlineEndpoints/ep-fail`, { location: 'eastus2', properties: { authMode: 'Key' } });
    expect(await arm.waitAsync(res)).toMatchObject({ status: 'Failed', error: { code: 'EndpointCreationFailed', message: 'no capacity' } });
    expect((await arm.get(`${ws.id}/onlineEndpoints/ep-fail`)).json()).toMatchObject({ properties: { provisioningState: 'Failed', scoringUri: null } });
    emulator.clearFaults();
  });

  it('fails a Location LRO: the poll answers the error', async () => {
    const endpoint = await arm.createEndpoint(ws.id, 'ep-patch');
    emulator.addFault({ match: { method: 'PATCH', path: '/onlineEndpoints/ep-patch$' }, lro: { outcome: 'fail' } });
    const res = await arm.patch(endpoint, { tags: { a: 'b' } });
    expect(res.status).toBe(202);
    const done = await arm.waitLocation(res);
    expect(done.status).toBe(400);
    expect(done.json()).toMatchObject({ error: { code: 'InternalServerError' } });
    emulator.clearFaults();
  });

  it('hangs an LRO: the operation stays Updating', async () => {
    emulator.addFault({ preset: 'lro-hangs' });
    const res = await arm.put(`${ws.id}/onlineEndpoints/ep-hang`, { location: 'eastus2', properties: { authMode: 'Key' } });
    emulator.clearFaults();
    await sleep(300);
    expect((await arm.get(res.header('azure-asyncoperation')!)).json()).toMatchObject({ status: 'Updating' });
    expect((await arm.get(`${ws.id}/onlineEndpoints/ep-hang`)).json()).toMatchObject({ properties: { provisioningState: 'Creating' } });
  });
});

describe('scoring faults', () => {
  it('answers 5xx, empty output or a wrong answer as configured', async () => {
    const model = await arm.createModel(ws.id);
    const endpoint = await arm.createEndpoint(ws.id, 'ep-score');
    await arm.createDeployment(endpoint, 'blue', model);
    await arm.setTraffic(endpoint, { blue: 100 });
    const { scoringUri } = (await arm.get(endpoint)).json<{ properties: { scoringUri: string } }>().properties;
    const headers = { Authorization: `Bearer ${(await arm.listKeys(endpoint)).primaryKey}` };
    const body = { input_data: { input_string: [{ role: 'user', content: 'Who founded Microsoft?' }] } };
    const post = (extra: Record<string, string> = {}) => loopbackRequest(scoringUri, { method: 'POST', ca: emulator.ca, body, headers: { ...headers, ...extra } });

    emulator.addFault({ preset: 'scoring-5xx' });
    expect((await post()).status).toBe(500);
    emulator.clearFaults();
    emulator.addFault({ preset: 'scoring-empty' });
    expect((await post()).json()).toEqual({ output: '' });
    emulator.clearFaults();
    emulator.addFault({ preset: 'smoke-test-fails' });
    expect((await post({ 'azureml-model-deployment': 'blue' })).json<{ output: string }>().output).not.toContain('Bill Gates');
    expect((await post()).json<{ output: string }>().output).toContain('Bill Gates');
    emulator.clearFaults();
    emulator.addFault({ preset: 'scoring-warmup' });
    expect([(await post()).status, (await post()).status, (await post()).status]).toEqual([503, 503, 200]);
    emulator.clearFaults();
  });
});
