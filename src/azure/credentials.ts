// Signs in to Azure the way the `auth` input asks: GitHub OIDC, a client secret, the Azure CLI, or a managed identity.

import { AzureCliCredential, ClientAssertionCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { InputError } from '../inputs/parseInputs.js';
import { UserFacingError } from '../github/runAction.js';
import type { AzureCloud } from './cloud.js';
import type { AuthMethod, SignInInputs } from './signInInputs.js';

/** The audience Entra expects on a GitHub token exchanged through a federated credential. */
export const GITHUB_OIDC_AUDIENCE = 'api://AzureADTokenExchange';

export interface SignInEnvironment {
  readonly env: NodeJS.ProcessEnv;
  /** Asks GitHub for an OIDC ID token (core.getIDToken in a real run). */
  readonly getIdToken: (audience: string) => Promise<string>;
  /** For tests against the emulator: an HTTP client that trusts its CA. */
  readonly httpClient?: HttpClient;
}

export interface SignIn {
  readonly credential: TokenCredential;
  readonly method: Exclude<AuthMethod, 'auto'>;
  /** What was picked and why, for the log. */
  readonly description: string;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  const names = process.platform === 'win32' ? [`${command}.cmd`, `${command}.exe`] : [command];
  return (env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && names.some((name) => existsSync(join(dir, name))));
}

/** Which method `auto` picks, in the documented order, and why. */
export function pickAuthMethod(inputs: Pick<SignInInputs, 'auth' | 'clientId' | 'tenantId'>, env: NodeJS.ProcessEnv): { method: Exclude<AuthMethod, 'auto'>; reason: string } {
  if (inputs.auth !== 'auto') return { method: inputs.auth, reason: `auth: ${inputs.auth}` };
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && inputs.clientId && inputs.tenantId) {
    return { method: 'oidc', reason: 'auto: client-id and tenant-id are set and the job may request a GitHub OIDC token (id-token: write)' };
  }
  if (env.AZURE_CLIENT_SECRET) return { method: 'secret', reason: 'auto: AZURE_CLIENT_SECRET is set' };
  if (onPath('az', env)) return { method: 'cli', reason: 'auto: the Azure CLI (az) is on PATH' };
  if (env.IDENTITY_ENDPOINT || env.MSI_ENDPOINT) return { method: 'managed-identity', reason: 'auto: a managed-identity endpoint is available (IDENTITY_ENDPOINT)' };
  const oidcHint = env.ACTIONS_ID_TOKEN_REQUEST_URL
    ? "give 'client-id' and 'tenant-id' for OpenID Connect"
    : "for OpenID Connect give 'client-id' and 'tenant-id' and grant the job 'permissions: id-token: write'";
  throw new InputError('auth', 'auto', `no way to sign in was found: ${oidcHint}; or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET; or run azure/login first (auth: cli); or use auth: managed-identity on a self-hosted runner in Azure`);
}

interface TokenClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
}

/** The claims of a JWT, read without verifying it (only to explain a rejection). */
export function readJwtClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
  } catch {
    return undefined;
  }
}

/** Turns Entra's rejection of a GitHub token into what to register, without ever printing the token. */
export function explainFederatedFailure(error: unknown, assertion: string | undefined, clientId: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const code = /AADSTS\d+/.exec(message)?.[0];
  const claims = assertion ? readJwtClaims(assertion) : undefined;
  const first = message.split('\n').find((line) => line.includes('AADSTS')) ?? message.split('\n')[0] ?? message;
  const detail = first.replace(/\s+Trace ID:.*$/, '').trim();
  if (claims === undefined) return new UserFacingError(`Azure rejected the sign-in with GitHub OIDC${code ? ` (${code})` : ''}: ${detail}`, { cause: error });
  const audience = Array.isArray(claims.aud) ? claims.aud.join(', ') : claims.aud;
  return new UserFacingError(
    `Azure rejected the GitHub OIDC token${code ? ` (${code})` : ''}: ${detail}. ` +
      `The token has issuer '${claims.iss}', subject '${claims.sub}', audience '${audience}'. ` +
      `Add a federated credential to the app registration ${clientId} (Certificates & secrets > Federated credentials) with issuer '${claims.iss}' and subject '${claims.sub}', audience '${GITHUB_OIDC_AUDIENCE}'.`,
    { cause: error },
  );
}

class FederatedGitHubCredential implements TokenCredential {
  private lastAssertion: string | undefined;
  private readonly inner: ClientAssertionCredential;
  assertions = 0;

  constructor(
    private readonly tenantId: string,
    private readonly clientId: string,
    cloud: AzureCloud,
    signIn: SignInEnvironment,
  ) {
    // MSAL calls back whenever it needs a new access token, so every refresh, hours into a wait,
    // gets a fresh GitHub token instead of the first one, which expires after about ten minutes.
    this.inner = new ClientAssertionCredential(
      tenantId,
      clientId,
      async () => {
        const token = await signIn.getIdToken(GITHUB_OIDC_AUDIENCE);
        this.lastAssertion = token;
        this.assertions += 1;
        return token;
      },
      { authorityHost: cloud.authorityHost, disableInstanceDiscovery: cloud.custom, ...(signIn.httpClient ? { httpClient: signIn.httpClient } : {}) },
    );
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    try {
      return await this.inner.getToken(scopes, options);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/AADSTS/.test(message)) throw explainFederatedFailure(error, this.lastAssertion, this.clientId);
      throw error;
    }
  }

  get tenant(): string {
    return this.tenantId;
  }
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new InputError('auth', 'secret', `${why} needs the environment variable ${name}`);
  return value;
}

/** Builds the credential for the chosen method. Reads secrets from the environment only. */
export function signIn(inputs: SignInInputs, cloud: AzureCloud, environment: SignInEnvironment): SignIn {
  const { env } = environment;
  const picked = pickAuthMethod(inputs, env);
  const common = {
    authorityHost: cloud.authorityHost,
    disableInstanceDiscovery: cloud.custom,
    ...(environment.httpClient ? { httpClient: environment.httpClient } : {}),
  };
  switch (picked.method) {
    case 'oidc': {
      if (!inputs.clientId || !inputs.tenantId) throw new InputError('auth', 'oidc', "OpenID Connect needs 'client-id' and 'tenant-id'");
      if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
        throw new InputError('auth', 'oidc', "GitHub gives this job no OIDC token: add 'permissions: id-token: write' to the job (pull requests from forks never get one)");
      }
      return {
        credential: new FederatedGitHubCredential(inputs.tenantId, inputs.clientId, cloud, environment),
        method: 'oidc',
        description: `OpenID Connect as app ${inputs.clientId} in tenant ${inputs.tenantId} (${picked.reason})`,
      };
    }
    case 'secret': {
      const tenantId = inputs.tenantId ?? requireEnv(env, 'AZURE_TENANT_ID', 'auth: secret');
      const clientId = inputs.clientId ?? requireEnv(env, 'AZURE_CLIENT_ID', 'auth: secret');
      const secret = requireEnv(env, 'AZURE_CLIENT_SECRET', 'auth: secret');
      return {
        credential: new ClientSecretCredential(tenantId, clientId, secret, common),
        method: 'secret',
        description: `client secret of app ${clientId} in tenant ${tenantId} (${picked.reason})`,
      };
    }
    case 'cli':
      return {
        credential: new AzureCliCredential(inputs.tenantId ? { tenantId: inputs.tenantId } : {}),
        method: 'cli',
        description: `the Azure CLI's signed-in account (${picked.reason})`,
      };
    case 'managed-identity':
      return {
        credential: new ManagedIdentityCredential({ ...(inputs.clientId ? { clientId: inputs.clientId } : {}), ...(environment.httpClient ? { httpClient: environment.httpClient } : {}) }),
        method: 'managed-identity',
        description: `${inputs.clientId ? `the user-assigned managed identity ${inputs.clientId}` : 'the managed identity of this machine'} (${picked.reason})`,
      };
  }
}
