// Resource Manager front door: route, bearer token, subscription and api-version checks, Azure-shaped errors.

import type { EmulatorCore } from '../core.js';
import { entraIssuer } from '../entra.js';
import type { FaultEffects } from '../faults.js';
import { bearerToken, queryValue, type IncomingCall, type Reply } from '../httpKit.js';
import { audiences, decodeJwt, hasValidSignature, nowSeconds } from '../tokens.js';
import { ArmError } from './armErrors.js';

/** Minimum api-version per family ("use the versions from AZURE-NOTES and accept newer ones"). */
export const minimumApiVersions = {
  resources: '2016-06-01',
  ml: '2022-05-01',
  msi: '2018-11-30',
  authorization: '2018-01-01-preview',
  other: '2015-01-01',
} as const;
export type ApiFamily = keyof typeof minimumApiVersions;

export interface Principal {
  appId: string;
  objectId: string;
}

export interface ArmContext {
  readonly core: EmulatorCore;
  readonly call: IncomingCall;
  readonly params: Record<string, string>;
  readonly apiVersion: string;
  readonly principal: Principal;
  readonly effects: FaultEffects;
  /** The body as an object ({} when absent). */
  readonly body: Record<string, unknown>;
}

export interface ArmRouteSpec {
  method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE' | 'HEAD';
  /** `{name}` matches one segment, `{name*}` any run of segments. Matching is case-insensitive. */
  path: string;
  family: ApiFamily;
  /** For the ML data plane (run history, MLflow): also accept tokens for https://ml.azure.com, no api-version. */
  dataPlane?: boolean;
  handle: (ctx: ArmContext) => Reply | Promise<Reply>;
}

interface CompiledRoute extends ArmRouteSpec {
  regex: RegExp;
  keys: string[];
}

export function compileRoutes(specs: ArmRouteSpec[]): CompiledRoute[] {
  return specs.map((spec) => {
    const keys: string[] = [];
    const source = spec.path
      .split(/(\{[a-zA-Z]+\*?\})/)
      .map((part) => {
        const param = /^\{([a-zA-Z]+)(\*?)\}$/.exec(part);
        if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        keys.push(param[1]!);
        return param[2] ? '(.+?)' : '([^/]+)';
      })
      .join('');
    return { ...spec, regex: new RegExp(`^${source}/?$`, 'i'), keys };
  });
}

const armAudiences = ['https://management.azure.com', 'https://management.azure.com/', 'https://management.core.windows.net', 'https://management.core.windows.net/'];
const mlAudiences = ['https://ml.azure.com', 'https://ml.azure.com/'];

export function allowedAudiences(core: EmulatorCore, dataPlane: boolean): string[] {
  return [core.url, `${core.url}/`, ...armAudiences, ...(dataPlane ? mlAudiences : [])];
}

/** Checks an ARM bearer token as Resource Manager does; throws the 401 Azure answers. */
export function authenticate(core: EmulatorCore, call: IncomingCall, dataPlane: boolean): Principal {
  const challenge = (error: string, description: string) => ({
    'WWW-Authenticate': `Bearer authorization_uri="${core.url}/${core.options.tenantId}", error="${error}", error_description="${description}"`,
  });
  const token = bearerToken(call);
  if (!token) {
    const message = "Authentication failed. The 'Authorization' header is missing.";
    throw new ArmError(401, 'AuthenticationFailed', message, undefined, challenge('invalid_token', message));
  }
  const decoded = decodeJwt(token);
  if (!decoded || !hasValidSignature(token, core.entraKey)) {
    const message = 'The access token is invalid.';
    throw new ArmError(401, 'InvalidAuthenticationToken', message, undefined, challenge('invalid_token', message));
  }
  const { claims } = decoded;
  if (claims.iss !== entraIssuer(core)) {
    const message = `The access token is from the wrong issuer '${String(claims.iss)}'. It must match the tenant '${entraIssuer(core)}' associated with this subscription. Please use the authority (URL) '${core.url}/${core.options.tenantId}' to get the token.`;
    throw new ArmError(401, 'InvalidAuthenticationTokenTenant', message, undefined, challenge('invalid_token', message));
  }
  const now = nowSeconds();
  if (typeof claims.exp !== 'number' || claims.exp <= now) {
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const message = `The access token expiry UTC time '${iso(Number(claims.exp ?? 0))}' is earlier than current UTC time '${iso(now)}'.`;
    throw new ArmError(401, 'ExpiredAuthenticationToken', message, undefined, challenge('invalid_token', message));
  }
  const allowed = allowedAudiences(core, dataPlane);
  const aud = audiences(claims);
  if (!aud.some((a) => allowed.includes(a))) {
    const message = `The access token has been obtained for wrong audience or resource '${aud.join(', ')}'. It should exactly match with one of the allowed audiences '${allowed.join("','")}'.`;
    throw new ArmError(401, 'InvalidAuthenticationTokenAudience', message, undefined, challenge('invalid_token', message));
  }
  return { appId: String(claims.appid ?? ''), objectId: String(claims.oid ?? '') };
}

const apiVersionPattern = /^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$/;

/** The request's api-version, or the 400 Resource Manager answers when it is missing, malformed or too old. */
function checkApiVersion(route: CompiledRoute, call: IncomingCall): string {
  const apiVersion = queryValue(call, 'api-version');
  const minimum = minimumApiVersions[route.family];
  if (!apiVersion) throw new ArmError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
  if (!apiVersionPattern.test(apiVersion)) {
    throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are '${minimum}' and later.`);
  }
  if (apiVersion < minimum) {
    throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for API version '${apiVersion}' for this resource type. The emulator supports api-version '${minimum}' and later.`);
  }
  return apiVersion;
}

export async function dispatchArm(core: EmulatorCore, call: IncomingCall, routes: CompiledRoute[], effects: FaultEffects): Promise<Reply | undefined> {
  const candidates = routes.map((route) => ({ route, match: route.regex.exec(call.path) })).filter((c) => c.match);
  if (candidates.length === 0) return undefined;
  const method = call.method === 'HEAD' && !candidates.some((c) => c.route.method === 'HEAD') ? 'GET' : call.method;
  const chosen = candidates.find((c) => c.route.method === method);
  try {
    const first = chosen ?? candidates[0]!;
    const principal = authenticate(core, call, first.route.dataPlane ?? false);
    if (!chosen) {
      throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${call.method}'.`);
    }
    const { route, match } = chosen;
    const params: Record<string, string> = {};
    route.keys.forEach((k, i) => (params[k] = decodeURIComponent(match![i + 1]!)));
    const apiVersion = route.dataPlane ? (queryValue(call, 'api-version') ?? '') : checkApiVersion(route, call);
    const sub = params.sub ?? /^\/subscriptions\/([^/]+)/i.exec(call.path)?.[1];
    if (sub !== undefined && sub.toLowerCase() !== core.options.subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    }
    const body = typeof call.body === 'object' && call.body !== null && !Array.isArray(call.body) ? (call.body as Record<string, unknown>) : {};
    if ((call.method === 'PUT' || call.method === 'PATCH') && call.rawBody.length > 0 && (typeof call.body !== 'object' || call.body === null || Array.isArray(call.body))) {
      throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized: the body must be a JSON object.');
    }
    const reply = await route.handle({ core, call, params, apiVersion, principal, effects, body });
    return call.method === 'HEAD' ? { ...reply, body: undefined } : reply;
  } catch (error) {
    if (error instanceof ArmError) return error.toReply();
    throw error;
  }
}
