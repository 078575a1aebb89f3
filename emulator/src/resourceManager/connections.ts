// Workspace connections (CustomKeys for Prompt flow): credentials never echoed back except by POST listsecrets.

import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { userError } from './armErrors.js';
import { apiVersionAtLeast, checkName, enumValue, listReply, nameRules, propertiesOf, requireResource, requireWorkspace, systemData } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

const type = 'Microsoft.MachineLearningServices/workspaces/connections';
const connections = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/connections';

const categories = ['CustomKeys', 'ApiKey', 'AzureOpenAI', 'AIServices', 'CognitiveService', 'CognitiveSearch', 'AzureBlob', 'AzureDataLakeGen2', 'Git', 'PythonFeed', 'ContainerRegistry', 'Serverless', 'OpenAI', 'Redis', 'S3', 'AzureSqlDb'] as const;
const authTypes = ['CustomKeys', 'ApiKey', 'AAD', 'None', 'PAT', 'ManagedIdentity', 'UsernamePassword', 'SAS', 'ServicePrincipal', 'AccessKey', 'AccountKey'] as const;

function secretValues(credentials: Json | undefined): string[] {
  if (!credentials) return [];
  const values: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 6) values.push(value);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk);
  };
  walk(credentials);
  return values;
}

function put(ctx: ArmContext): Reply {
  const workspace = requireWorkspace(ctx);
  const name = ctx.params.name!;
  checkName('Connection', name, nameRules.connection);
  const properties = propertiesOf(ctx.body);
  const category = enumValue(properties.category, categories, 'properties.category');
  const authType = enumValue(properties.authType, authTypes, 'properties.authType');
  if ((category === 'CustomKeys' || authType === 'CustomKeys') && !apiVersionAtLeast(ctx.apiVersion, '2023-08-01')) {
    throw userError(`CustomKeys connections need api-version 2024-04-01 or later (got ${ctx.apiVersion}).`, 'properties.category');
  }
  const credentials = properties.credentials as Json | undefined;
  if (authType === 'CustomKeys') {
    const keys = credentials?.keys;
    if (typeof keys !== 'object' || keys === null || Object.keys(keys).length === 0 || Object.values(keys).some((v) => typeof v !== 'string')) {
      throw userError("properties.credentials.keys is required for authType 'CustomKeys': an object of string values.", 'properties.credentials.keys', 'RequiredField');
    }
  }
  if (authType === 'ApiKey' && typeof credentials?.key !== 'string') {
    throw userError("properties.credentials.key is required for authType 'ApiKey'.", 'properties.credentials.key', 'RequiredField');
  }
  if (properties.metadata !== undefined && (typeof properties.metadata !== 'object' || Object.values(properties.metadata as Json).some((v) => typeof v !== 'string'))) {
    throw userError('properties.metadata must be an object of string values.', 'properties.metadata');
  }
  const id = `${workspace.id}/connections/${name}`;
  const existing = ctx.core.store.get(id);
  const { credentials: _omitted, ...visible } = properties;
  const stored = ctx.core.store.put({
    id,
    name,
    type,
    secrets: { credentials: credentials ?? existing?.secrets.credentials },
    body: {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type,
      systemData: systemData(ctx, existing?.body.systemData),
      properties: { ...visible, category, authType, metadata: properties.metadata ?? {}, target: properties.target ?? null, isSharedToAll: properties.isSharedToAll ?? false, createdByWorkspaceArmId: workspace.id },
    },
  });
  for (const secret of secretValues(credentials)) ctx.core.secrets.add(secret);
  return { status: existing ? 200 : 201, body: stored.body };
}

function connectionOf(ctx: ArmContext): StoredResource {
  const workspace = requireWorkspace(ctx);
  return requireResource(ctx, `${workspace.id}/connections/${ctx.params.name}`, type, `${ctx.params.ws}/${ctx.params.name}`);
}

export const connectionRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${connections}/{name}`, family: 'ml', handle: put },
  { method: 'GET', path: `${connections}/{name}`, family: 'ml', handle: (ctx) => ({ status: 200, body: connectionOf(ctx).body }) },
  {
    method: 'POST',
    path: `${connections}/{name}/listsecrets`,
    family: 'ml',
    handle: (ctx) => {
      const connection = connectionOf(ctx);
      return { status: 200, body: { ...connection.body, properties: { ...connection.body.properties, credentials: connection.secrets.credentials ?? null } } };
    },
  },
  {
    method: 'DELETE',
    path: `${connections}/{name}`,
    family: 'ml',
    handle: (ctx) => {
      const workspace = requireWorkspace(ctx);
      const id = `${workspace.id}/connections/${ctx.params.name}`;
      if (!ctx.core.store.has(id)) return { status: 204 };
      ctx.core.store.delete(id);
      return { status: 200 };
    },
  },
  {
    method: 'GET',
    path: connections,
    family: 'ml',
    handle: (ctx) => {
      let list = ctx.core.store.children(requireWorkspace(ctx).id, 'connections');
      const category = ctx.call.query.category;
      if (category) list = list.filter((c) => String(c.body.properties.category).toLowerCase() === category.toLowerCase());
      return listReply(list);
    },
  },
];
