// Every way to sign in, against the emulator's Entra, GitHub OIDC and managed-identity stand-ins, through the
// toolkit's own session (cloud metadata, one pipeline, retries).
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { connectAzure } from '../../src/azure/azureSession.js';
import { parseSignInInputs } from '../../src/azure/signInInputs.js';
import { systemClock } from '../../src/clock.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { ArmTestClient, startTestEmulator } from '../emulator/helpers.js';
import { rejectionOf } from '../helpers/rejection.js';
import { trustingHttpClient } from '../helpers/trustingHttpClient.js';

let emulator: Emulator;
beforeAll(async () => {
  // A few seconds, not 1 s: on a loaded machine a 1 s GitHub token can expire between issue and exchange (AADSTS700024).
  emulator = await startTestEmulator({ tokenLifetimeSeconds: 4, githubTokenLifetimeSeconds: 3 });
  await new ArmTestClient(emulator).createWorkspace('mlws', 'rg-ml');
});
afterAll(() => emulator?.stop());

function session(values: Record<string, string>, env: NodeJS.ProcessEnv) {
  const inputs = parseSignInInputs(inputsFromRecord({ 'subscription-id': emulator.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg-ml', workspace: 'mlws', cloud: emulator.url, ...values }), env);
  const log: string[] = [];
  return connectAzure(inputs, {
    env,
    clock: systemClock,
    httpClient: trustingHttpClient(emulator.ca),
    log: (m) => log.push(m),
    // What core.getIDToken does on a runner, against the emulator's GitHub stand-in.
    getIdToken: (audience) => core.getIDToken(audience),
  }).then((s) => ({ ...s, log }));
}

const githubEnv = () => ({ ACTIONS_ID_TOKEN_REQUEST_URL: emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL!, ACTIONS_ID_TOKEN_REQUEST_TOKEN: emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN! });

describe('signing in against the emulator', () => {
  it('with a client secret from the environment', async () => {
    const s = await session({ auth: 'secret' }, { AZURE_AUTHORITY_HOST: emulator.url, AZURE_TENANT_ID: emulator.env.AZURE_TENANT_ID, AZURE_CLIENT_ID: emulator.env.AZURE_CLIENT_ID, AZURE_CLIENT_SECRET: emulator.env.AZURE_CLIENT_SECRET });
    expect((await s.workspace.getWorkspace()).name).toBe('mlws');
    expect(s.cloud).toMatchObject({ custom: true, resourceManager: emulator.url });
    expect(s.signInDescription).toMatch(/^client secret of app aaaaaaaa-0000-4000-8000-000000000003/);
  });

  it('with GitHub OIDC, asking GitHub for a fresh token after the first one expired', async () => {
    Object.assign(process.env, githubEnv());
    const s = await session({ auth: 'auto', 'client-id': emulator.env.AZURE_CLIENT_ID!, 'tenant-id': emulator.env.AZURE_TENANT_ID! }, { AZURE_AUTHORITY_HOST: emulator.url, ...githubEnv() });
    expect(s.signInDescription).toContain('OpenID Connect as app');
    const issuedBefore = emulator.state.counters.githubIdTokens;
    await s.workspace.getWorkspace();
    const afterFirst = emulator.state.counters.githubIdTokens;
    expect(afterFirst).toBeGreaterThan(issuedBefore);
    // Both the Entra token (4 s) and the GitHub token (3 s) expire; a long wait must keep working.
    await new Promise((r) => setTimeout(r, 5500));
    expect((await s.workspace.getWorkspace()).name).toBe('mlws');
    expect(emulator.state.counters.githubIdTokens).toBeGreaterThan(afterFirst);
  }, 20_000);

  it('explains a federated credential that does not match, with the subject to register', async () => {
    const strict = await startTestEmulator({ federatedCredentials: [{ subject: 'repo:octo/repo:environment:production' }] });
    try {
      Object.assign(process.env, { ACTIONS_ID_TOKEN_REQUEST_URL: strict.env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: strict.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN });
      const inputs = parseSignInInputs(inputsFromRecord({ 'subscription-id': strict.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': 'rg', workspace: 'mlws', cloud: strict.url, auth: 'oidc', 'client-id': strict.env.AZURE_CLIENT_ID!, 'tenant-id': strict.env.AZURE_TENANT_ID! }), {});
      const s = await connectAzure(inputs, { env: { AZURE_AUTHORITY_HOST: strict.url, ACTIONS_ID_TOKEN_REQUEST_URL: strict.env.ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN: strict.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN }, clock: systemClock, httpClient: trustingHttpClient(strict.ca), getIdToken: (a) => core.getIDToken(a) });
      const error = await rejectionOf(s.workspace.getWorkspace());
      expect(error.message).toMatch(/AADSTS70021/);
      expect(error.message).toContain("subject 'repo:octo/repo:ref:refs/heads/main'");
      expect(error.message).toContain("issuer 'https://token.actions.githubusercontent.com'");
    } finally {
      await strict.stop();
    }
  });

  it('with the Azure CLI (a stand-in az on PATH that answers like az account get-access-token)', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'amlft-az-'));
    const script = `#!${process.execPath}
const https = require('node:https');
const env = process.env;
const resource = process.argv[process.argv.indexOf('--resource') + 1] || process.argv[process.argv.indexOf('--scope') + 1];
const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: env.AZ_STANDIN_CLIENT, client_secret: env.AZ_STANDIN_SECRET, scope: resource.replace(/\\/\\.default$/, '') + '/.default' }).toString();
const req = https.request(env.AZ_STANDIN_TOKEN_URL, { method: 'POST', ca: require('node:fs').readFileSync(env.AZ_STANDIN_CA), headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
  let text = ''; res.on('data', (c) => (text += c)); res.on('end', () => {
    const t = JSON.parse(text);
    const expires = Math.floor(Date.now() / 1000) + t.expires_in;
    process.stdout.write(JSON.stringify({ accessToken: t.access_token, expiresOn: new Date(expires * 1000).toISOString().replace('T', ' ').slice(0, 19), expires_on: expires, tokenType: 'Bearer' }));
  });
});
req.end(body);
`;
    writeFileSync(join(bin, 'az'), script);
    chmodSync(join(bin, 'az'), 0o755);
    const saved = { ...process.env };
    Object.assign(process.env, {
      PATH: `${bin}:${process.env.PATH}`,
      AZ_STANDIN_CLIENT: emulator.env.AZURE_CLIENT_ID,
      AZ_STANDIN_SECRET: emulator.env.AZURE_CLIENT_SECRET,
      AZ_STANDIN_TOKEN_URL: `${emulator.url}/${emulator.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
      AZ_STANDIN_CA: emulator.caFile,
    });
    try {
      const s = await session({ auth: 'auto' }, { AZURE_AUTHORITY_HOST: emulator.url, PATH: process.env.PATH });
      expect(s.signInDescription).toContain("the Azure CLI's signed-in account (auto: the Azure CLI (az) is on PATH)");
      expect((await s.workspace.getWorkspace()).name).toBe('mlws');
    } finally {
      process.env = saved;
    }
  }, 20_000);

  it('with a managed identity (IDENTITY_ENDPOINT, as App Service and Azure Arc provide it)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { IDENTITY_ENDPOINT: emulator.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: emulator.env.IDENTITY_HEADER });
    try {
      const s = await session({ auth: 'managed-identity' }, { AZURE_AUTHORITY_HOST: emulator.url });
      expect(s.signInDescription).toContain('the managed identity of this machine');
      expect((await s.workspace.getWorkspace()).name).toBe('mlws');
    } finally {
      process.env = saved;
    }
  });

  it('keeps working through throttling and dropped connections, logging each retry', async () => {
    emulator.addFault({ match: { method: 'GET', path: '/workspaces/mlws$', host: 'arm' }, times: 2, respond: { status: 429, headers: { 'Retry-After': '1' } } });
    emulator.addFault({ match: { method: 'GET', path: '/workspaces/mlws$', host: 'arm' }, after: 2, times: 1, drop: true });
    try {
      const s = await session({ auth: 'secret' }, { AZURE_AUTHORITY_HOST: emulator.url, AZURE_TENANT_ID: emulator.env.AZURE_TENANT_ID, AZURE_CLIENT_ID: emulator.env.AZURE_CLIENT_ID, AZURE_CLIENT_SECRET: emulator.env.AZURE_CLIENT_SECRET });
      expect((await s.workspace.getWorkspace()).name).toBe('mlws');
      // A 4 s token can expire on its way on a loaded machine: that re-signing is logged too, and is not what this test counts.
      expect(s.log.filter((l) => l.includes('retry') && !l.includes('ExpiredAuthenticationToken'))).toEqual([
        expect.stringMatching(/GET .*\/workspaces\/mlws: HTTP 429, retry 1 in 1\.0 s/),
        expect.stringMatching(/HTTP 429, retry 2 in 1\.0 s/),
        expect.stringMatching(/ECONNRESET|REQUEST_SEND_ERROR/),
      ]);
    } finally {
      emulator.clearFaults();
    }
  }, 20_000);
});
