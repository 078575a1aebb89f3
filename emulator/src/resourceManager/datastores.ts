// Workspace datastores: the default workspaceblobstore in Azurite, reads, PUT, DELETE, and listSecrets.

import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, StorageSharedKeyCredential, generateAccountSASQueryParameters } from '@azure/storage-blob';
import type { Reply } from '../httpKit.js';
import { azuriteAccount } from '../options.js';
import type { StoredResource } from '../store.js';
import { userError } from './armErrors.js';
import { checkName, enumValue, listReply, nameRules, propertiesOf, requireResource, requireWorkspace, requiredString, systemData, tagsOf, workspaceIdOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

const type = 'Microsoft.MachineLearningServices/workspaces/datastores';
const ws = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';

export const defaultDatastoreName = 'workspaceblobstore';

/** `127.0.0.1:<azurite port>`: clients form the path-style URL `https://<endpoint>/<accountName>/<containerName>`. */
export function azuriteEndpoint(ctx: ArmContext): string {
  return `127.0.0.1:${ctx.core.azurite?.port ?? 0}`;
}

export async function createDefaultDatastore(ctx: ArmContext, workspace: StoredResource): Promise<void> {
  const containerName = `azureml-blobstore-${workspace.body.properties.workspaceId as string}`;
  const id = `${workspace.id}/datastores/${defaultDatastoreName}`;
  ctx.core.store.put({
    id,
    name: defaultDatastoreName,
    type,
    body: {
      id,
      name: defaultDatastoreName,
      type,
      systemData: systemData(ctx),
      properties: {
        datastoreType: 'AzureBlob',
        accountName: azuriteAccount.name,
        containerName,
        endpoint: azuriteEndpoint(ctx),
        protocol: 'https',
        credentials: { credentialsType: 'AccountKey' },
        isDefault: true,
        serviceDataAccessAuthIdentity: 'None',
        description: 'Default blob datastore (Azurite, path-style: https://<endpoint>/<accountName>/<containerName>)',
        tags: {},
        properties: {},
      },
    },
    secrets: { key: azuriteAccount.key },
  });
  await ctx.core.azurite?.createContainer(containerName);
}

function datastoreOf(ctx: ArmContext): StoredResource {
  const workspace = requireWorkspace(ctx);
  return requireResource(ctx, `${workspace.id}/datastores/${ctx.params.name}`, type, `${ctx.params.ws}/${ctx.params.name}`);
}

async function put(ctx: ArmContext): Promise<Reply> {
  const workspace = requireWorkspace(ctx);
  const name = ctx.params.name!;
  checkName('Datastore', name, nameRules.datastore);
  const id = `${workspace.id}/datastores/${name}`;
  const existing = ctx.core.store.get(id);
  const properties = propertiesOf(ctx.body);
  const datastoreType = enumValue(properties.datastoreType, ['AzureBlob', 'AzureDataLakeGen2', 'AzureFile'] as const, 'properties.datastoreType');
  const accountName = requiredString(properties, 'accountName', 'properties.accountName');
  const containerName = datastoreType === 'AzureFile' ? requiredString(properties, 'fileShareName', 'properties.fileShareName') : requiredString(properties, datastoreType === 'AzureBlob' ? 'containerName' : 'filesystem', datastoreType === 'AzureBlob' ? 'properties.containerName' : 'properties.filesystem');
  const credentials = (properties.credentials ?? {}) as Record<string, unknown>;
  const credentialsType = enumValue(credentials.credentialsType, ['AccountKey', 'Sas', 'None', 'ServicePrincipal', 'Certificate'] as const, 'properties.credentials.credentialsType');
  const secrets = (credentials.secrets ?? {}) as Record<string, unknown>;
  if (credentialsType === 'AccountKey' && typeof secrets.key !== 'string') throw userError('properties.credentials.secrets.key is required for AccountKey credentials.', 'properties.credentials.secrets.key', 'RequiredField');
  if (name === defaultDatastoreName && existing?.body.properties.isDefault) throw userError(`The default datastore '${name}' cannot be replaced.`, 'name');
  const stored = ctx.core.store.put({
    id,
    name,
    type,
    body: {
      id,
      name,
      type,
      systemData: systemData(ctx, existing?.body.systemData),
      properties: {
        ...properties,
        datastoreType,
        accountName,
        containerName,
        endpoint: properties.endpoint ?? 'core.windows.net',
        protocol: properties.protocol ?? 'https',
        credentials: { credentialsType },
        isDefault: false,
        tags: tagsOf(properties.tags, 'properties.tags'),
      },
    },
    secrets,
  });
  return { status: existing ? 200 : 201, body: stored.body };
}

function listSecrets(ctx: ArmContext): Reply {
  const datastore = datastoreOf(ctx);
  const key = datastore.secrets.key as string | undefined;
  if (ctx.body.expirableSecret === true) {
    const credential = new StorageSharedKeyCredential(azuriteAccount.name, azuriteAccount.key);
    const sasToken = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3600_000),
        permissions: AccountSASPermissions.parse('rwdlacup'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      credential,
    ).toString();
    const signature = new URLSearchParams(sasToken).get('sig');
    for (const secret of [sasToken, signature, signature && encodeURIComponent(signature)]) if (secret) ctx.core.secrets.add(secret);
    return { status: 200, body: { secretsType: 'Sas', sasToken } };
  }
  if (!key) return { status: 200, body: { secretsType: datastore.body.properties.credentials.credentialsType } };
  ctx.core.secrets.add(key);
  return { status: 200, body: { secretsType: 'AccountKey', key } };
}

export const datastoreRoutes: ArmRouteSpec[] = [
  { method: 'GET', path: `${ws}/datastores/{name}`, family: 'ml', handle: (ctx) => ({ status: 200, body: datastoreOf(ctx).body }) },
  { method: 'PUT', path: `${ws}/datastores/{name}`, family: 'ml', handle: put },
  {
    method: 'DELETE',
    path: `${ws}/datastores/{name}`,
    family: 'ml',
    handle: (ctx) => {
      const workspace = requireWorkspace(ctx);
      const datastore = ctx.core.store.get(`${workspace.id}/datastores/${ctx.params.name}`);
      if (!datastore) return { status: 204 };
      if (datastore.body.properties.isDefault) throw userError(`The default datastore '${datastore.name}' cannot be deleted.`, 'name');
      ctx.core.store.delete(datastore.id);
      return { status: 200 };
    },
  },
  { method: 'POST', path: `${ws}/datastores/{name}/listSecrets`, family: 'ml', handle: listSecrets },
  {
    method: 'GET',
    path: `${ws}/datastores`,
    family: 'ml',
    handle: (ctx) => {
      requireWorkspace(ctx);
      const all = ctx.core.store.children(workspaceIdOf(ctx.params.sub!, ctx.params.rg!, ctx.params.ws!), 'datastores');
      const isDefault = ctx.call.query.isDefault;
      return listReply(isDefault === undefined ? all : all.filter((d) => String(d.body.properties.isDefault) === isDefault.toLowerCase()));
    },
  },
];
