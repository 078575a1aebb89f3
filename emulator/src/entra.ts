// Entra ID stand-in: OpenID metadata, keys, tokens (secret or GitHub assertion), managed identity, cloud metadata.

import { randomUUID } from 'node:crypto';
import type { EmulatorCore } from './core.js';
import { header, queryValue, type IncomingCall, type Reply } from './httpKit.js';
import { defaultIdentities } from './options.js';
import { audiences, decodeJwt, hasValidSignature, jwks, nowSeconds, signJwt } from './tokens.js';

export const githubIssuer = 'https://token.actions.githubusercontent.com';
export const federatedAudience = 'api://AzureADTokenExchange';

export interface TokenSubject {
  /** The app (client) id: `appid` claim. */
  appId: string;
  /** The principal's object id: `oid` / `sub`. */
  objectId: string;
  /** For a user-assigned managed identity: its resource id (`xms_mirid`). */
  resourceId?: string;
}

export function entraIssuer(core: EmulatorCore): string {
  return `https://sts.windows.net/${core.options.tenantId}/`;
}

/** An access token as Entra v1 issues them: what ARM, the ML data plane and Azurite check. */
export function mintAccessToken(core: EmulatorCore, audience: string, subject: TokenSubject, lifetimeSeconds = core.options.tokenLifetimeSeconds): { token: string; expiresOn: number } {
  const iat = nowSeconds();
  const exp = iat + lifetimeSeconds;
  const token = signJwt(core.entraKey, {
    aud: audience,
    iss: entraIssuer(core),
    iat,
    nbf: iat - 5,
    exp,
    aio: 'amlft-emulator',
    appid: subject.appId,
    appidacr: '1',
    idp: entraIssuer(core),
    oid: subject.objectId,
    sub: subject.objectId,
    tid: core.options.tenantId,
    uti: randomUUID(),
    ver: '1.0',
    ...(subject.resourceId ? { xms_mirid: subject.resourceId } : {}),
  });
  core.secrets.add(token);
  return { token, expiresOn: exp };
}

export function appSubject(core: EmulatorCore): TokenSubject {
  return { appId: core.options.clientId, objectId: defaultIdentities.servicePrincipalObjectId };
}

/** Answers Entra's routes on the HTTPS listener; undefined when the path is not Entra's. */
export function handleEntra(core: EmulatorCore, call: IncomingCall): Reply | undefined {
  const path = call.path;
  if (path.toLowerCase() === '/metadata/endpoints') return cloudMetadata(core, call);
  const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/v2\.0\/keys|discovery\/keys|oauth2\/v2\.0\/token|oauth2\/token)$/i.exec(path);
  if (!match) return undefined;
  const tenant = match[1]!;
  const what = match[2]!.toLowerCase();
  if (tenant.toLowerCase() !== core.options.tenantId.toLowerCase()) {
    return entraError(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
  }
  if (what.endsWith('openid-configuration')) {
    if (call.method !== 'GET') return { status: 405, body: { error: 'method_not_allowed' } };
    const base = `${core.url}/${core.options.tenantId}`;
    return {
      status: 200,
      body: {
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${base}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        tenant_region_scope: 'NA',
        cloud_instance_name: '127.0.0.1',
        cloud_graph_host_name: '127.0.0.1',
        msgraph_host: '127.0.0.1',
      },
    };
  }
  if (what.includes('keys')) return { status: 200, body: jwks(core.entraKey) };
  if (call.method !== 'POST') return { status: 405, body: { error: 'method_not_allowed' } };
  return tokenEndpoint(core, call, what === 'oauth2/token');
}

function tokenEndpoint(core: EmulatorCore, call: IncomingCall, v1: boolean): Reply {
  const form = (typeof call.body === 'object' && call.body !== null ? call.body : {}) as Record<string, string | undefined>;
  if (form.grant_type !== 'client_credentials') {
    return entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${form.grant_type ?? ''}'. The emulator supports client_credentials only.`);
  }
  const clientId = form.client_id;
  if (!clientId) return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  if (clientId.toLowerCase() !== core.options.clientId.toLowerCase()) {
    return entraError(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${core.options.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
  }
  const audience = v1 ? form.resource : audienceOfScope(form.scope);
  if (!audience) {
    return v1
      ? entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'resource'.")
      : entraError(400, 'invalid_scope', 1002012, `The provided value for scope ${form.scope ?? '(none)'} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  const refusal = form.client_assertion !== undefined ? checkAssertion(core, form) : checkSecret(core, form);
  if (refusal) return refusal;
  core.counters.entraTokens += 1;
  const { token, expiresOn } = mintAccessToken(core, audience, appSubject(core));
  const lifetime = core.options.tokenLifetimeSeconds;
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache' },
    body: v1
      ? { token_type: 'Bearer', expires_in: String(lifetime), ext_expires_in: String(lifetime), expires_on: String(expiresOn), not_before: String(expiresOn - lifetime), resource: audience, access_token: token }
      : { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token },
  };
}

/** `https://x/.default` -> `https://x` (and `https://x//.default` -> `https://x/`, as Entra does for v1 resources). */
export function audienceOfScope(scope: string | undefined): string | undefined {
  const scopes = (scope ?? '').split(/\s+/).filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
  const first = scopes[0];
  if (!first || !first.endsWith('/.default')) return undefined;
  return first.slice(0, -'/.default'.length);
}

function checkSecret(core: EmulatorCore, form: Record<string, string | undefined>): Reply | undefined {
  if (form.client_secret === undefined) {
    return entraError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (form.client_secret !== core.options.clientSecret) {
    return entraError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${core.options.clientId}'.`);
  }
  return undefined;
}

function checkAssertion(core: EmulatorCore, form: Record<string, string | undefined>): Reply | undefined {
  if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return entraError(400, 'invalid_request', 90014, "The request body must contain the following parameter: 'client_assertion_type' (urn:ietf:params:oauth:client-assertion-type:jwt-bearer).");
  }
  const assertion = form.client_assertion ?? '';
  const decoded = decodeJwt(assertion);
  if (!decoded) return entraError(401, 'invalid_client', 50027, 'JWT token is invalid or malformed.');
  const { claims } = decoded;
  const issuer = String(claims.iss ?? '');
  const subject = String(claims.sub ?? '');
  const audience = audiences(claims).join(', ');
  if (issuer === githubIssuer && !hasValidSignature(assertion, core.githubKey)) {
    return entraError(401, 'invalid_client', 700027, `Client assertion failed signature validation. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'.`);
  }
  const now = nowSeconds();
  if (typeof claims.exp !== 'number' || claims.exp <= now || (typeof claims.nbf === 'number' && claims.nbf > now)) {
    return entraError(
      400,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${isoSeconds(now)}, assertion valid from ${isoSeconds(Number(claims.nbf ?? claims.iat ?? 0))}, expiry time of assertion ${isoSeconds(Number(claims.exp ?? 0))}.`,
    );
  }
  const credentials = core.options.federatedCredentials.filter((c) => (c.issuer ?? githubIssuer) === issuer);
  if (credentials.length > 0 && !credentials.some((c) => audiences(claims).includes(c.audience ?? federatedAudience))) {
    return entraError(400, 'invalid_request', 700212, `No matching federated identity record found for presented assertion audience '${audience}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`);
  }
  if (!credentials.some((c) => globMatches(c.subject, subject) && audiences(claims).includes(c.audience ?? federatedAudience))) {
    return entraError(
      400,
      'invalid_request',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audience}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    );
  }
  return undefined;
}

/** `*` matches any run of characters (the emulator's convenience; Entra itself matches subjects exactly). */
export function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return regex.test(value);
}

const isoSeconds = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

function entraError(status: number, error: string, code: number, message: string): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

/**
 * GET /metadata/endpoints: api-version 2015-01-01 (or none) answers the Azure Stack object; 2019-05-01 and later the
 * list of clouds management.azure.com answers. Both name this emulator as Resource Manager and login host.
 */
function cloudMetadata(core: EmulatorCore, call: IncomingCall): Reply {
  const version = queryValue(call, 'api-version') ?? '2015-01-01';
  const audiencesList = [`${core.url}/`, core.url];
  if (version < '2019-05-01') {
    return {
      status: 200,
      body: {
        galleryEndpoint: `${core.url}/`,
        graphEndpoint: `${core.url}/`,
        portalEndpoint: `${core.url}/`,
        resourceManager: `${core.url}/`,
        authentication: { loginEndpoint: `${core.url}/`, audiences: audiencesList },
      },
    };
  }
  return {
    status: 200,
    body: [
      {
        name: 'AmlftEmulator',
        portal: `${core.url}/`,
        resourceManager: `${core.url}/`,
        authentication: { loginEndpoint: `${core.url}/`, audiences: audiencesList, tenant: 'common', identityProvider: 'AAD' },
        graph: `${core.url}/`,
        graphAudience: `${core.url}/`,
        microsoftGraphResourceId: `${core.url}/`,
        suffixes: { storage: '127.0.0.1', keyVaultDns: 'vault.127.0.0.1', acrLoginServer: 'azurecr.127.0.0.1' },
      },
    ],
  };
}

/**
 * GET /msi/token on the plain-HTTP listener, as App Service's IDENTITY_ENDPOINT (api-version 2019-08-01):
 * header X-IDENTITY-HEADER; `resource`; optional client_id / principal_id / object_id / mi_res_id for a user-assigned identity.
 */
export function handleManagedIdentity(core: EmulatorCore, call: IncomingCall): Reply | undefined {
  if (call.path !== '/msi/token') return undefined;
  if (header(call, 'x-identity-header') !== defaultIdentities.identityHeader) {
    return { status: 401, body: { statusCode: 401, message: 'The X-IDENTITY-HEADER header is missing or wrong.' } };
  }
  const resource = queryValue(call, 'resource');
  if (!resource) return { status: 400, body: { statusCode: 400, message: "The 'resource' query parameter is required.", correlationId: randomUUID() } };
  const wantedClient = queryValue(call, 'client_id');
  const wantedPrincipal = queryValue(call, 'principal_id') ?? queryValue(call, 'object_id');
  const wantedResource = queryValue(call, 'mi_res_id') ?? queryValue(call, 'msi_res_id');
  let subject: TokenSubject = { appId: defaultIdentities.managedIdentityClientId, objectId: defaultIdentities.managedIdentityPrincipalId };
  if (wantedClient || wantedPrincipal || wantedResource) {
    const identity = core.store.all('Microsoft.ManagedIdentity/userAssignedIdentities').find((r) => {
      const p = r.body.properties as { clientId: string; principalId: string };
      return (
        (wantedClient && p.clientId.toLowerCase() === wantedClient.toLowerCase()) ||
        (wantedPrincipal && p.principalId.toLowerCase() === wantedPrincipal.toLowerCase()) ||
        (wantedResource && r.id.toLowerCase() === wantedResource.toLowerCase())
      );
    });
    const isSystem = wantedClient?.toLowerCase() === defaultIdentities.managedIdentityClientId;
    if (!identity && !isSystem) {
      return { status: 400, body: { statusCode: 400, message: 'No managed identity matches the requested client_id / principal_id / mi_res_id.', correlationId: randomUUID() } };
    }
    if (identity) {
      const p = identity.body.properties as { clientId: string; principalId: string };
      subject = { appId: p.clientId, objectId: p.principalId, resourceId: identity.id };
    }
  }
  core.counters.managedIdentityTokens += 1;
  const audience = resource.endsWith('/.default') ? resource.slice(0, -'/.default'.length) : resource;
  const { token, expiresOn } = mintAccessToken(core, audience, subject);
  return { status: 200, body: { access_token: token, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: subject.appId } };
}
