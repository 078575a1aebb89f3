import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCloud, KNOWN_CLOUDS } from '../../../src/azure/cloud.js';
import { explainFederatedFailure, pickAuthMethod, readJwtClaims } from '../../../src/azure/credentials.js';
import { parseSignInInputs } from '../../../src/azure/signInInputs.js';
import { inputsFromRecord } from '../../../src/inputs/parseInputs.js';

const SUB = '11111111-2222-3333-4444-555555555555';
const base = { 'subscription-id': SUB, 'resource-group': 'rg-ml', workspace: 'ws-phi3' };
const parse = (values: Record<string, string>, env: NodeJS.ProcessEnv = {}) => parseSignInInputs(inputsFromRecord(values), env);

describe('sign-in inputs', () => {
  it('parses the shared inputs with their defaults', () => {
    expect(parse(base)).toEqual({ subscriptionId: SUB, resourceGroup: 'rg-ml', workspace: 'ws-phi3', auth: 'auto', cloud: 'AzureCloud' });
  });
  it('takes the subscription from AZURE_SUBSCRIPTION_ID when the input is empty', () => {
    expect(parse({ ...base, 'subscription-id': '' }, { AZURE_SUBSCRIPTION_ID: SUB }).subscriptionId).toBe(SUB);
  });
  it.each([
    [{ 'subscription-id': 'my-sub' }, "input 'subscription-id': 'my-sub' is not valid; expected a GUID"],
    [{ 'subscription-id': '' }, "input 'subscription-id': an empty value is not valid; it is required"],
    [{ 'resource-group': 'rg.' }, "input 'resource-group': 'rg.' is not valid; expected 1-90 letters"],
    [{ workspace: 'ab' }, "input 'workspace': 'ab' is not valid; expected 3-33 characters"],
    [{ workspace: '-ws' }, "input 'workspace': '-ws' is not valid"],
    [{ 'client-id': 'app' }, "input 'client-id': 'app' is not valid; expected a GUID"],
    [{ auth: 'password' }, "input 'auth': 'password' is not valid; allowed: 'auto', 'oidc', 'secret', 'cli', 'managed-identity'"],
    [{ auth: 'oidc' }, "input 'auth': 'oidc' is not valid; OpenID Connect needs 'client-id' and 'tenant-id'"],
  ])('rejects %j', (override, message) => {
    expect(() => parse({ ...base, ...override })).toThrow(message);
  });
});

describe('clouds', () => {
  it('knows the sovereign clouds by name, case-insensitively', () => {
    expect(resolveCloud('azureusgovernment', {})).toBe(KNOWN_CLOUDS.AzureUSGovernment);
    expect(resolveCloud('', {}).resourceManager).toBe('https://management.azure.com');
    expect(resolveCloud('AzureChinaCloud', {}).authorityHost).toBe('https://login.chinacloudapi.cn');
  });
  it('takes a custom Resource Manager URL with the authority from AZURE_AUTHORITY_HOST and scopes from its audience', () => {
    const cloud = resolveCloud('https://127.0.0.1:8443/', { AZURE_AUTHORITY_HOST: 'https://127.0.0.1:8443/' }, { audiences: ['https://management.emulator/'] });
    expect(cloud).toMatchObject({ name: 'custom', resourceManager: 'https://127.0.0.1:8443', authorityHost: 'https://127.0.0.1:8443', armScope: 'https://management.emulator/.default', custom: true });
    expect(resolveCloud('https://arm.stack.local', { AZURE_AUTHORITY_HOST: 'https://login.stack.local' }).armScope).toBe('https://arm.stack.local/.default');
  });
  it('rejects unknown names, http URLs, and custom clouds without a sign-in host', () => {
    expect(() => resolveCloud('AzureGermanCloud', {})).toThrow("input 'cloud': 'AzureGermanCloud' is not valid; allowed: AzureCloud, AzureUSGovernment, AzureChinaCloud, or the https:// URL");
    expect(() => resolveCloud('http://127.0.0.1:80', { AZURE_AUTHORITY_HOST: 'x' })).toThrow('must use https');
    expect(() => resolveCloud('https://arm.stack.local', {})).toThrow('set AZURE_AUTHORITY_HOST');
  });
});

describe('auth: auto', () => {
  const ids = { auth: 'auto' as const, clientId: SUB, tenantId: SUB };
  const emptyPath = mkdtempSync(join(tmpdir(), 'amlft-path-'));
  const azPath = mkdtempSync(join(tmpdir(), 'amlft-az-'));
  writeFileSync(join(azPath, 'az'), '#!/bin/sh\nexit 1\n');
  chmodSync(join(azPath, 'az'), 0o755);

  it('picks OIDC, then a secret, then the CLI, then a managed identity, and says why', () => {
    expect(pickAuthMethod(ids, { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://x', PATH: azPath })).toMatchObject({ method: 'oidc', reason: expect.stringContaining('id-token: write') });
    expect(pickAuthMethod(ids, { AZURE_CLIENT_SECRET: 's', PATH: azPath }).method).toBe('secret');
    expect(pickAuthMethod({ auth: 'auto' }, { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://x', PATH: azPath }).method).toBe('cli');
    expect(pickAuthMethod({ auth: 'auto' }, { IDENTITY_ENDPOINT: 'http://127.0.0.1/msi', PATH: emptyPath }).method).toBe('managed-identity');
  });
  it('explains what to set when nothing is available', () => {
    expect(() => pickAuthMethod({ auth: 'auto' }, { PATH: emptyPath })).toThrow(/no way to sign in was found: for OpenID Connect give 'client-id' and 'tenant-id' and grant the job 'permissions: id-token: write'/);
  });
  it('honours an explicit choice', () => {
    expect(pickAuthMethod({ auth: 'cli' }, {}).method).toBe('cli');
  });
});

describe('federated credential failures', () => {
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  it('names the issuer and subject to register, never the token', () => {
    const token = jwt({ iss: 'https://token.actions.githubusercontent.com', sub: 'repo:octo/ml:environment:production', aud: 'api://AzureADTokenExchange' });
    const error = explainFederatedFailure(new Error('AADSTS70021: No matching federated identity record found for presented assertion. Trace ID: 1'), token, 'app-id');
    expect(error.message).toContain("(AADSTS70021): AADSTS70021: No matching federated identity record found for presented assertion.");
    expect(error.message).toContain("subject 'repo:octo/ml:environment:production'");
    expect(error.message).toContain('Add a federated credential to the app registration app-id');
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain('Trace ID');
  });
  it('reads claims without verifying and tolerates garbage', () => {
    expect(readJwtClaims(jwt({ sub: 'x' }))).toEqual({ sub: 'x' });
    expect(readJwtClaims('not-a-jwt')).toBeUndefined();
  });
});

describe('api-versions per operation family', () => {
  it('defaults, then AMLFT_API_VERSIONS, then explicit overrides', async () => {
    const { resolveApiVersions, DEFAULT_API_VERSIONS } = await import('../../../src/azure/machineLearningClient.js');
    expect(resolveApiVersions({})).toEqual(DEFAULT_API_VERSIONS);
    expect(resolveApiVersions({ AMLFT_API_VERSIONS: '{"workspaces":"2025-01-01-preview"}' }).workspaces).toBe('2025-01-01-preview');
    expect(resolveApiVersions({ AMLFT_API_VERSIONS: '{"workspaces":"2025-01-01-preview"}' }, { workspaces: '2023-10-01' }).workspaces).toBe('2023-10-01');
    expect(() => resolveApiVersions({ AMLFT_API_VERSIONS: '{"jobs":"2024-10-01"}' })).toThrow("unknown family 'jobs'");
    expect(() => resolveApiVersions({ AMLFT_API_VERSIONS: '{"workspaces":"latest"}' })).toThrow("'latest' for workspaces is not an api-version");
    expect(() => resolveApiVersions({ AMLFT_API_VERSIONS: 'nope' })).toThrow("input 'AMLFT_API_VERSIONS': 'nope' is not valid; expected JSON");
  });
});
