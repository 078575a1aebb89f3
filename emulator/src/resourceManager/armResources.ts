// Helpers every resource family uses: ARM ids, parent lookups with Azure's 404s, systemData, lists, regions.

import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { ArmError, parentNotFound, resourceGroupNotFound, resourceNotFound, userError } from './armErrors.js';
import type { ArmContext } from './armRouter.js';

export const mlType = 'Microsoft.MachineLearningServices/workspaces';

export const resourceGroupId = (sub: string, rg: string): string => `/subscriptions/${sub}/resourceGroups/${rg}`;

export const workspaceIdOf = (sub: string, rg: string, ws: string): string =>
  `${resourceGroupId(sub, rg)}/providers/Microsoft.MachineLearningServices/workspaces/${ws}`;

export function requireResourceGroup(ctx: ArmContext): StoredResource {
  const { sub, rg } = ctx.params;
  const group = ctx.core.store.get(resourceGroupId(sub!, rg!));
  if (!group) throw resourceGroupNotFound(rg!);
  return group;
}

/** The workspace of the route; `nested` requests get ParentResourceNotFound when it is missing, as Azure answers. */
export function requireWorkspace(ctx: ArmContext, nested = true): StoredResource {
  requireResourceGroup(ctx);
  const { sub, rg, ws } = ctx.params;
  const workspace = ctx.core.store.get(workspaceIdOf(sub!, rg!, ws!));
  if (!workspace) throw nested ? parentNotFound(ws!) : resourceNotFound(mlType, ws!, rg!);
  return workspace;
}

/** A resource that must exist, or 404 ResourceNotFound naming its full type. */
export function requireResource(ctx: ArmContext, id: string, type: string, name: string): StoredResource {
  const resource = ctx.core.store.get(id);
  if (!resource) throw resourceNotFound(type, name, ctx.params.rg ?? '');
  return resource;
}

export function isoNow(at = Date.now()): string {
  return new Date(at).toISOString();
}

export function systemData(ctx: ArmContext, previous?: Json): Json {
  const now = isoNow();
  const who = ctx.principal.appId || ctx.principal.objectId;
  return {
    createdAt: previous?.createdAt ?? now,
    createdBy: previous?.createdBy ?? who,
    createdByType: previous?.createdByType ?? 'Application',
    lastModifiedAt: now,
    lastModifiedBy: who,
    lastModifiedByType: 'Application',
  };
}

export function listReply(resources: StoredResource[]): Reply {
  return { status: 200, body: { value: resources.map((r) => r.body) } };
}

export function tagsOf(value: unknown, target = 'tags'): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw userError(`${target} must be an object of string values.`, target);
  }
  return value as Record<string, string>;
}

/** Validates and normalises a location to one of the emulator's regions (the quota option's keys). */
export function requireLocation(ctx: ArmContext, value: unknown, target = 'location'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ArmError(400, 'LocationRequired', `The location property is required for this definition (${target}).`);
  }
  const location = value.replace(/\s+/g, '').toLowerCase();
  const known = Object.keys(ctx.core.options.quota);
  if (!known.includes(location)) {
    throw new ArmError(
      400,
      'LocationNotAvailableForResourceType',
      `The provided location '${value}' is not available for this resource type. List of available regions is '${known.join(',')}'.`,
    );
  }
  return location;
}

/** 409 MissingSubscriptionRegistration when the namespace was left unregistered (see `unregisteredProviders`). */
export function requireRegistered(ctx: ArmContext, namespace: string): void {
  const provider = ctx.core.store.get(`/subscriptions/${ctx.core.options.subscriptionId}/providers/${namespace}`);
  const state = provider?.body.registrationState as string | undefined;
  if (state !== undefined && state !== 'Registered') {
    throw new ArmError(
      409,
      'MissingSubscriptionRegistration',
      `The subscription is not registered to use namespace '${namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`,
      [{ code: 'MissingSubscriptionRegistration', target: namespace, message: `The subscription is not registered to use namespace '${namespace}'.` }],
    );
  }
}

export interface NameRule {
  pattern: RegExp;
  description: string;
}

export const nameRules = {
  workspace: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/, description: 'must be 3-33 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores' },
  compute: { pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,15}$/, description: 'must be 2-16 characters, start with a letter, and contain only letters, digits and hyphens' },
  onlineEndpoint: {
    pattern: /^[a-zA-Z](?:[a-zA-Z0-9-]{1,30})[a-zA-Z0-9]$/,
    description: 'must be 3-32 characters, start with a letter, end with a letter or digit, and contain only letters, digits and hyphens',
  },
  deployment: {
    pattern: /^[a-zA-Z](?:[a-zA-Z0-9-]{1,30})[a-zA-Z0-9]$/,
    description: 'must be 3-32 characters, start with a letter, end with a letter or digit, and contain only letters, digits and hyphens',
  },
  serverlessEndpoint: { pattern: /^[a-zA-Z][a-zA-Z0-9-]{2,51}$/, description: 'must be 3-52 characters, start with a letter, and contain only letters, digits and hyphens' },
  asset: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/, description: 'must be 1-255 characters, start with a letter or digit, and contain only letters, digits, hyphens, underscores and periods' },
  assetVersion: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,29}$/, description: 'must be 1-30 characters, start with a letter or digit, and contain only letters, digits, hyphens, underscores and periods' },
  job: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{0,254}$/, description: 'must be 1-255 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores' },
  connection: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/, description: 'must be 3-33 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores' },
  identity: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/, description: 'must be 3-128 characters, start with a letter or digit, and contain only letters, digits, hyphens and underscores' },
  datastore: { pattern: /^[a-zA-Z0-9_]{1,255}$/, description: 'must be 1-255 characters of letters, digits and underscores' },
} satisfies Record<string, NameRule>;

export function checkName(kind: string, name: string, rule: NameRule): void {
  if (!rule.pattern.test(name)) throw userError(`${kind} name '${name}' is invalid: it ${rule.description}.`, 'name', 'InvalidName');
}

/** `properties` of a body, or 400 naming the missing object. */
export function propertiesOf(body: Record<string, unknown>, required = true): Json {
  const properties = body.properties;
  if (properties === undefined || properties === null) {
    if (required) throw userError("The request body is missing the required 'properties' object.", 'properties', 'RequiredField');
    return {};
  }
  if (typeof properties !== 'object' || Array.isArray(properties)) throw userError("'properties' must be an object.", 'properties');
  return properties as Json;
}

export function requiredString(object: Json, field: string, target: string): string {
  const value = object[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw userError(`${target} is required and must be a non-empty string.`, target, 'RequiredField');
  }
  return value;
}

export function optionalString(object: Json, field: string, target: string): string | undefined {
  const value = object[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw userError(`${target} must be a string.`, target);
  return value;
}

/** Matches an enum case-insensitively and returns Azure's casing; 400 listing the allowed values otherwise. */
export function enumValue<T extends string>(value: unknown, allowed: readonly T[], target: string, fallback?: T): T {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  const found = allowed.find((a) => typeof value === 'string' && a.toLowerCase() === value.toLowerCase());
  if (!found) {
    throw userError(`${target} '${String(value)}' is not valid. Allowed values: ${allowed.join(', ')}.`, target, value === undefined ? 'RequiredField' : 'InvalidEnumValue');
  }
  return found;
}

export function integerIn(value: unknown, min: number, max: number, target: string, fallback?: number): number {
  if ((value === undefined || value === null) && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw userError(`${target} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`, target);
  }
  return value;
}

export function isoDuration(value: unknown, target: string, fallback: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !/^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/.test(value) || value === 'P' || value.endsWith('T')) {
    throw userError(`${target} must be an ISO 8601 duration such as PT120S (got ${JSON.stringify(value)}).`, target);
  }
  return value;
}

/** Compares api-versions by date (a preview of the same day counts as that day). */
export const apiVersionAtLeast = (apiVersion: string, minimum: string): boolean => apiVersion.slice(0, 10) >= minimum.slice(0, 10);
