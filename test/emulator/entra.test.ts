// Entra stand-in: token flows and Entra's errors, ARM token checks, managed identity, @azure/identity credentials.

import { ClientAssertionCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackRequest, type Emulator } from '../../emulator/src/index.js';
import { ArmTestClient, formToken, sleep, startTestEmulator, trustEmulator } from './helpers.js';

let emulator: Emulator;
let arm: ArmTestClient;
beforeAll(async () => {
  emulator = await startTestEmulator();
  arm = new ArmTestClient(emulator);
});
afterAll(() => emulator?.stop());

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;

async function githubToken(emu: Emulator, audience = 'api://AzureADTokenExchange'): Promise<string> {
  const res = await loopbackRequest(`${emu.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(audience)}`, {
    headers: { Authorization: `Bearer ${emu.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return res.json<{ value: string }>().value;
}

const assertionForm = (emu: Emulator, assertion: string, scope = `${emu.url}/.default`) => ({
  grant_type: 'client_credentials',
  client_id: emu.env.AZURE_CLIENT_ID!,
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: assertion,
  scope,
});

describe('OpenID metadata', () => {
  it('publishes the endpoints MSAL needs, all on the emulator', async () => {
    const res = await loopbackRequest(`${emulator.url}/${emulator.env.AZURE_TENANT_ID}/v2.0/.well-known/openid-configuration`, { ca: emulator.ca });
    const config = res.json<Record<string, string>>();
    for (const field of ['authorization_endpoint', 'token_endpoint', 'issuer', 'jwks_uri']) expect(config[field]).toMatch(new RegExp(`^${emulator.url}/`));
    const keys = await loopbackRequest(config.jwks_uri!, { ca: emulator.ca });
    expect(keys.json<{ keys: { kty: string; kid: string }[] }>().keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });

  it('answers an unknown tenant as Entra does', async () => {
    const res = await loopbackRequest(`${emulator.url}/not-a-tenant/v2.0/.well-known/openid-configuration`, { ca: emulator.ca });
    expect(res.status).toBe(400);
    expect(res.json<{ error_description: string }>().error_description).toMatch(/^AADSTS90002: Tenant 'not-a-tenant' not found/);
  });

  it('describes the cloud at /metadata/endpoints, Azure Stack style and as a list of clouds', async () => {
    const stack = await loopbackRequest(`${emulator.url}/metadata/endpoints?api-version=2015-01-01`, { ca: emulator.ca });
    expect(stack.json()).toMatchObject({ resourceManager: `${emulator.url}/`, authentication: { loginEndpoint: `${emulator.url}/`, audiences: [`${emulator.url}/`, emulator.url] } });
    const clouds = await loopbackRequest(`${emulator.url}/metadata/endpoints?api-version=2022-09-01`, { ca: emulator.ca });
    expect(clouds.json<Array<Record<string, unknown>>>()[0]).toMatchObject({ resourceManager: `${emulator.url}/`, authentication: { loginEndpoint: `${emulator.url}/` } });
  });
});

describe('client secret', () => {
  it('issues an RS256 v1 access token whose audience is the requested scope', async () => {
    const res = await formToken(emulator, { grant_type: 'client_credentials', client_id: emulator.env.AZURE_CLIENT_ID!, client_secret: emulator.env.AZURE_CLIENT_SECRET!, scope: `${emulator.url}/.default` });
    expect(res.status).toBe(200);
    const body = res.json<{ token_type: string; expires_in: number; access_token: string }>();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const claims = claimsOf(body.access_token);
    expect(claims).toMatchObject({ aud: emulator.url, iss: `https://sts.windows.net/${emulator.env.AZURE_TENANT_ID}/`, appid: emulator.env.AZURE_CLIENT_ID, tid: emulator.env.AZURE_TENANT_ID });
    expect(claims.oid).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(JSON.parse(Buffer.from(body.access_token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
  });

  it('gives storage tokens the audience Azurite accepts', async () => {
    expect(claimsOf(await arm.token('https://storage.azure.com/.default')).aud).toBe('https://storage.azure.com');
  });

  it('refuses a wrong secret, an unknown app and a scope without /.default, with AADSTS codes', async () => {
    const base = { grant_type: 'client_credentials', client_id: emulator.env.AZURE_CLIENT_ID!, scope: `${emulator.url}/.default` };
    const wrong = await formToken(emulator, { ...base, client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.json()).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    const unknown = await formToken(emulator, { ...base, client_id: '11111111-2222-4333-8444-555555555555', client_secret: 'x' });
    expect(unknown.json<{ error_description: string }>().error_description).toMatch(/^AADSTS700016: Application with identifier/);
    const scope = await formToken(emulator, { ...base, client_secret: emulator.env.AZURE_CLIENT_SECRET!, scope: emulator.url });
    expect(scope.status).toBe(400);
    expect(scope.json()).toMatchObject({ error: 'invalid_scope' });
  });
});

describe('client assertion (GitHub OIDC federation)', () => {
  it('exchanges a GitHub Actions ID token for an access token and counts the ID tokens issued', async () => {
    const before = emulator.state.counters.githubIdTokens;
    const idToken = await githubToken(emulator);
    expect(claimsOf(idToken)).toMatchObject({ iss: 'https://token.actions.githubusercontent.com', aud: 'api://AzureADTokenExchange', sub: 'repo:octo/repo:ref:refs/heads/main' });
    const res = await formToken(emulator, assertionForm(emulator, idToken));
    expect(res.status).toBe(200);
    expect(claimsOf(res.json<{ access_token: string }>().access_token).aud).toBe(emulator.url);
    expect(emulator.state.counters.githubIdTokens).toBe(before + 1);
  });

  it('refuses an ID token request without the runtime token', async () => {
    const res = await loopbackRequest(`${emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=x`, { headers: { Authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
  });

  it('refuses an assertion signed by anyone but the GitHub stand-in', async () => {
    const real = claimsOf(await githubToken(emulator));
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url');
    const body = Buffer.from(JSON.stringify(real)).toString('base64url');
    const forged = `${head}.${body}.${sign('sha256', Buffer.from(`${head}.${body}`), privateKey).toString('base64url')}`;
    const res = await formToken(emulator, assertionForm(emulator, forged));
    expect(res.json<{ error_codes: number[] }>().error_codes).toEqual([700027]);
  });

  describe('with a federated credential for one environment, and 1-second tokens for the expiry case', () => {
    let strict: Emulator;
    // Only the expiry case gets 1-second tokens: on a loaded machine a 1-second token can expire between issue and
    // exchange, which would turn the subject and audience cases into expiry answers.
    let shortLived: Emulator;
    beforeAll(async () => {
      [strict, shortLived] = await Promise.all([
        startTestEmulator({ federatedCredentials: [{ subject: 'repo:octo/repo:environment:production' }] }),
        startTestEmulator({ githubTokenLifetimeSeconds: 1, tokenLifetimeSeconds: 1 }),
      ]);
    });
    afterAll(() => Promise.all([strict?.stop(), shortLived?.stop()]));

    it('answers a wrong subject with AADSTS70021 naming issuer, subject and audience', async () => {
      const res = await formToken(strict, assertionForm(strict, await githubToken(strict)));
      expect(res.status).toBe(400);
      const body = res.json<{ error: string; error_description: string; error_codes: number[] }>();
      expect(body.error).toBe('invalid_request');
      expect(body.error_codes).toEqual([70021]);
      expect(body.error_description).toContain("Assertion Issuer: 'https://token.actions.githubusercontent.com'");
      expect(body.error_description).toContain("Assertion Subject: 'repo:octo/repo:ref:refs/heads/main'");
      expect(body.error_description).toContain("Assertion Audience: 'api://AzureADTokenExchange'");
    });

    it('answers a wrong audience with AADSTS700212', async () => {
      const res = await formToken(strict, assertionForm(strict, await githubToken(strict, 'api://SomethingElse')));
      expect(res.json<{ error_codes: number[] }>().error_codes).toEqual([700212]);
    });

    it('refuses an expired ID token (AADSTS700024), and ARM refuses an expired access token', async () => {
      const idToken = await githubToken(shortLived);
      const strictArm = new ArmTestClient(shortLived);
      const accessToken = await strictArm.token();
      await sleep(1100);
      const res = await formToken(shortLived, assertionForm(shortLived, idToken));
      expect(res.json<{ error_description: string }>().error_description).toMatch(/^AADSTS700024: Client assertion is not within its valid time range/);
      const call = await strictArm.get(`${strictArm.sub}/resourcegroups`, { token: accessToken });
      expect(call.status).toBe(401);
      expect(call.json()).toMatchObject({ error: { code: 'ExpiredAuthenticationToken' } });
      expect(call.header('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
    });
  });
});

describe('Resource Manager authentication', () => {
  it('answers 401 AuthenticationFailed without a token, InvalidAuthenticationToken for garbage, InvalidAuthenticationTokenAudience for a storage token', async () => {
    const path = `${arm.sub}/resourcegroups`;
    expect((await arm.get(path, { token: null })).json()).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect((await arm.get(path, { token: 'a.b.c' })).json()).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    const storage = await arm.get(path, { token: await arm.token('https://storage.azure.com/.default') });
    expect(storage.status).toBe(401);
    expect(storage.json()).toMatchObject({ error: { code: 'InvalidAuthenticationTokenAudience' } });
    expect((await arm.get(path, { token: await arm.token('https://management.azure.com//.default') })).status).toBe(200);
  });
});

describe('managed identity endpoint (App Service style)', () => {
  it('needs X-IDENTITY-HEADER and issues tokens for the system identity or a user-assigned one', async () => {
    const url = `${emulator.env.IDENTITY_ENDPOINT}?resource=${encodeURIComponent(emulator.url)}&api-version=2019-08-01`;
    expect((await loopbackRequest(url)).status).toBe(401);
    const system = await loopbackRequest(url, { headers: { 'X-IDENTITY-HEADER': emulator.env.IDENTITY_HEADER! } });
    expect(system.status).toBe(200);
    const body = system.json<{ access_token: string; expires_on: string; client_id: string }>();
    expect(Number(body.expires_on)).toBeGreaterThan(Date.now() / 1000);
    // Issued tokens (managed identity and client credentials alike) are secrets a leak test searches for.
    const appToken = await arm.token();
    expect(emulator.state.secrets()).toEqual(expect.arrayContaining([body.access_token, appToken, emulator.env.AZURE_CLIENT_SECRET, emulator.env.IDENTITY_HEADER]));
    expect(claimsOf(body.access_token).appid).toBe(body.client_id);

    await arm.createResourceGroup('rg-mi');
    const uami = (await arm.put(`${arm.rg('rg-mi')}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-runner`, { location: 'eastus2' }, { apiVersion: '2023-01-31' })).json<{ properties: { clientId: string; principalId: string } }>();
    const user = await loopbackRequest(`${url}&client_id=${uami.properties.clientId}`, { headers: { 'X-IDENTITY-HEADER': emulator.env.IDENTITY_HEADER! } });
    expect(claimsOf(user.json<{ access_token: string }>().access_token)).toMatchObject({ appid: uami.properties.clientId, oid: uami.properties.principalId });
  });
});

describe('@azure/identity against the emulator', () => {
  const options = () => ({ authorityHost: emulator.url, disableInstanceDiscovery: true, additionalPolicies: [trustEmulator(emulator)] });

  it('ClientSecretCredential signs in and its token works on Resource Manager', async () => {
    const credential = new ClientSecretCredential(emulator.env.AZURE_TENANT_ID!, emulator.env.AZURE_CLIENT_ID!, emulator.env.AZURE_CLIENT_SECRET!, options());
    const token = await credential.getToken(`${emulator.url}/.default`);
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
    expect((await arm.get(`${arm.sub}/resourcegroups`, { token: token.token })).status).toBe(200);
    await expect(new ClientSecretCredential(emulator.env.AZURE_TENANT_ID!, emulator.env.AZURE_CLIENT_ID!, 'wrong', options()).getToken(`${emulator.url}/.default`)).rejects.toThrow(/AADSTS7000215/);
  });

  it('ClientAssertionCredential asks GitHub for a fresh ID token whenever it needs a new access token', async () => {
    let asked = 0;
    const credential = new ClientAssertionCredential(
      emulator.env.AZURE_TENANT_ID!,
      emulator.env.AZURE_CLIENT_ID!,
      async () => {
        asked += 1;
        return githubToken(emulator);
      },
      options(),
    );
    const first = await credential.getToken(`${emulator.url}/.default`);
    const askedForFirst = asked;
    const storage = await credential.getToken('https://storage.azure.com/.default');
    expect(claimsOf(first.token).aud).toBe(emulator.url);
    expect(claimsOf(storage.token).aud).toBe('https://storage.azure.com');
    expect(askedForFirst).toBeGreaterThan(0);
    expect(asked).toBeGreaterThan(askedForFirst);
  });

  it('ManagedIdentityCredential uses IDENTITY_ENDPOINT and IDENTITY_HEADER', async () => {
    process.env.IDENTITY_ENDPOINT = emulator.env.IDENTITY_ENDPOINT;
    process.env.IDENTITY_HEADER = emulator.env.IDENTITY_HEADER;
    try {
      const token = await new ManagedIdentityCredential().getToken(`${emulator.url}/.default`);
      expect(claimsOf(token.token)).toMatchObject({ aud: emulator.url, appid: 'aaaaaaaa-0000-4000-8000-000000000005' });
    } finally {
      delete process.env.IDENTITY_ENDPOINT;
      delete process.env.IDENTITY_HEADER;
    }
  });
});
