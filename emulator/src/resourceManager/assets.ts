// Data and model assets: containers with latest/next version, immutable versions, URIs checked in the workspace.

import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { conflict, userError } from './armErrors.js';
import { checkName, enumValue, listReply, nameRules, propertiesOf, requireResource, requireWorkspace, requiredString, systemData, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

type AssetKind = 'data' | 'models';

const ws = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}';
const containerType = (kind: AssetKind) => `Microsoft.MachineLearningServices/workspaces/${kind}`;
const versionType = (kind: AssetKind) => `Microsoft.MachineLearningServices/workspaces/${kind}/versions`;

const dataTypes = ['uri_file', 'uri_folder', 'mltable'] as const;
const modelTypes = ['mlflow_model', 'custom_model', 'triton_model', 'MLFlowModel', 'CustomModel', 'TritonModel'] as const;

/** Checks an azureml:// URI against the workspace: its datastore exists, or its job exists and Completed. */
export function checkAssetUri(ctx: ArmContext, workspace: StoredResource, uri: string, target: string): void {
  const datastore = /^azureml:\/\/(?:subscriptions\/[^/]+\/resource[gG]roups\/[^/]+\/(?:providers\/Microsoft\.MachineLearningServices\/)?workspaces\/[^/]+\/)?datastores\/([^/]+)\/paths\/.+/i.exec(uri);
  if (datastore) {
    if (!ctx.core.store.has(`${workspace.id}/datastores/${datastore[1]}`)) throw userError(`${target} '${uri}' names datastore '${datastore[1]}', which does not exist in workspace '${workspace.name}'.`, target);
    return;
  }
  const job = /^azureml:\/\/jobs\/([^/]+)\/outputs\/([^/]+)/i.exec(uri);
  if (job) {
    const stored = ctx.core.store.get(`${workspace.id}/jobs/${job[1]}`);
    if (!stored) throw userError(`${target} '${uri}' names job '${job[1]}', which does not exist in workspace '${workspace.name}'.`, target);
    if (stored.body.properties.status !== 'Completed') {
      throw userError(`${target} '${uri}' names an output of job '${job[1]}', which is ${stored.body.properties.status}, not Completed.`, target);
    }
    return;
  }
  if (/^(azureml|https?|wasbs?|abfss?|adl|runs|file):\/\//i.test(uri) || uri.startsWith('runs:/')) return;
  throw userError(`${target} '${uri}' is not a supported URI (azureml://datastores/<name>/paths/<path>, azureml://jobs/<job>/outputs/<name>, https://, wasbs://, abfss://).`, target);
}

function numericVersions(versions: StoredResource[]): number[] {
  return versions.map((v) => Number(v.name)).filter((n) => Number.isInteger(n) && n >= 0);
}

/** Recomputes a container's latestVersion / nextVersion from its versions. */
function refreshContainer(ctx: ArmContext, kind: AssetKind, workspace: StoredResource, name: string): StoredResource {
  const id = `${workspace.id}/${kind}/${name}`;
  const existing = ctx.core.store.get(id);
  const versions = ctx.core.store.children(id, 'versions');
  const numbers = numericVersions(versions);
  const latest = numbers.length ? String(Math.max(...numbers)) : (versions.at(-1)?.name ?? null);
  const container = ctx.core.store.put({
    id,
    name,
    type: containerType(kind),
    body: {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      type: containerType(kind),
      systemData: existing?.body.systemData ?? systemData(ctx),
      properties: {
        description: existing?.body.properties.description ?? null,
        tags: existing?.body.properties.tags ?? {},
        properties: existing?.body.properties.properties ?? {},
        isArchived: false,
        latestVersion: latest,
        nextVersion: String(numbers.length ? Math.max(...numbers) + 1 : 1),
        ...(kind === 'data' ? { dataType: versions.at(-1)?.body.properties.dataType ?? existing?.body.properties.dataType ?? 'uri_file' } : {}),
      },
    },
  });
  return container;
}

/** Registers a model version as a job would (FineTuning outputs): next numeric version, job linked. */
export function registerModelVersion(ctx: ArmContext, workspace: StoredResource, name: string, modelUri: string, jobName: string): StoredResource {
  const containerId = `${workspace.id}/models/${name}`;
  const numbers = numericVersions(ctx.core.store.children(containerId, 'versions'));
  const version = String(numbers.length ? Math.max(...numbers) + 1 : 1);
  const id = `${containerId}/versions/${version}`;
  const stored = ctx.core.store.put({
    id,
    name: version,
    type: versionType('models'),
    body: {
      id,
      name: version,
      type: versionType('models'),
      systemData: systemData(ctx),
      properties: { modelType: 'mlflow_model', modelUri, jobName, description: `Registered by job ${jobName}`, tags: {}, properties: {}, flavors: {}, isAnonymous: false, isArchived: false, stage: 'Development' },
    },
  });
  refreshContainer(ctx, 'models', workspace, name);
  return stored;
}

function putVersion(kind: AssetKind) {
  return (ctx: ArmContext): Reply => {
    const workspace = requireWorkspace(ctx);
    const { name, version } = ctx.params;
    checkName(kind === 'data' ? 'Data asset' : 'Model', name!, nameRules.asset);
    checkName('Version', version!, nameRules.assetVersion);
    // Workspace model versions are whole numbers (data versions may be any short string).
    if (kind === 'models' && !/^[1-9][0-9]*$/.test(version!)) {
      throw userError(`Model version '${version}' is invalid: a registered model's version must be a positive integer.`, 'version', 'InvalidName');
    }
    const properties = propertiesOf(ctx.body);
    const uriField = kind === 'data' ? 'dataUri' : 'modelUri';
    const uri = requiredString(properties, uriField, `properties.${uriField}`);
    const assetType =
      kind === 'data'
        ? enumValue(properties.dataType, dataTypes, 'properties.dataType')
        : enumValue(properties.modelType, modelTypes, 'properties.modelType', 'custom_model');
    checkAssetUri(ctx, workspace, uri, `properties.${uriField}`);
    const id = `${workspace.id}/${kind}/${name}/versions/${version}`;
    const existing = ctx.core.store.get(id);
    const typeField = kind === 'data' ? 'dataType' : 'modelType';
    if (existing && (existing.body.properties[uriField] !== uri || String(existing.body.properties[typeField]).toLowerCase() !== assetType.toLowerCase())) {
      throw conflict(
        `${kind === 'data' ? 'Data' : 'Model'} '${name}' version '${version}' already exists with a different ${uriField} or ${typeField}; versions are immutable (only description, tags and properties can change). Register a new version.`,
        'UserError',
      );
    }
    const stored = ctx.core.store.put({
      id,
      name: version!,
      type: versionType(kind),
      body: {
        id: existing?.id ?? id,
        name: existing?.name ?? version,
        type: versionType(kind),
        systemData: systemData(ctx, existing?.body.systemData),
        properties: {
          ...properties,
          [typeField]: assetType,
          [uriField]: uri,
          description: properties.description ?? null,
          tags: tagsOf(properties.tags, 'properties.tags'),
          properties: (properties.properties as Json | undefined) ?? {},
          isAnonymous: properties.isAnonymous ?? false,
          isArchived: properties.isArchived ?? false,
          ...(kind === 'models' ? { flavors: properties.flavors ?? {}, jobName: properties.jobName ?? null, stage: properties.stage ?? 'Development' } : {}),
        },
      },
    });
    refreshContainer(ctx, kind, workspace, name!);
    return { status: existing ? 200 : 201, body: stored.body };
  };
}

function versionsOf(ctx: ArmContext, kind: AssetKind): Reply {
  const workspace = requireWorkspace(ctx);
  let versions = ctx.core.store.children(`${workspace.id}/${kind}/${ctx.params.name}`, 'versions');
  const order = (ctx.call.query.$orderBy ?? ctx.call.query.orderBy ?? '').toLowerCase();
  if (order.includes('desc')) versions = versions.slice().reverse();
  const top = Number(ctx.call.query.$top ?? ctx.call.query.top);
  if (Number.isInteger(top) && top > 0) versions = versions.slice(0, top);
  return listReply(versions);
}

function routesFor(kind: AssetKind): ArmRouteSpec[] {
  const base = `${ws}/${kind}`;
  return [
    { method: 'PUT', path: `${base}/{name}/versions/{version}`, family: 'ml', handle: putVersion(kind) },
    {
      method: 'GET',
      path: `${base}/{name}/versions/{version}`,
      family: 'ml',
      handle: (ctx) => {
        const workspace = requireWorkspace(ctx);
        const id = `${workspace.id}/${kind}/${ctx.params.name}/versions/${ctx.params.version}`;
        return { status: 200, body: requireResource(ctx, id, versionType(kind), `${ctx.params.ws}/${ctx.params.name}/${ctx.params.version}`).body };
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{name}/versions/{version}`,
      family: 'ml',
      handle: (ctx) => {
        const workspace = requireWorkspace(ctx);
        const id = `${workspace.id}/${kind}/${ctx.params.name}/versions/${ctx.params.version}`;
        if (!ctx.core.store.has(id)) return { status: 204 };
        ctx.core.store.delete(id);
        refreshContainer(ctx, kind, workspace, ctx.params.name!);
        return { status: 200 };
      },
    },
    { method: 'GET', path: `${base}/{name}/versions`, family: 'ml', handle: (ctx) => versionsOf(ctx, kind) },
    {
      method: 'GET',
      path: `${base}/{name}`,
      family: 'ml',
      handle: (ctx) => {
        const workspace = requireWorkspace(ctx);
        return { status: 200, body: requireResource(ctx, `${workspace.id}/${kind}/${ctx.params.name}`, containerType(kind), `${ctx.params.ws}/${ctx.params.name}`).body };
      },
    },
    {
      method: 'PUT',
      path: `${base}/{name}`,
      family: 'ml',
      handle: (ctx) => {
        const workspace = requireWorkspace(ctx);
        checkName(kind === 'data' ? 'Data asset' : 'Model', ctx.params.name!, nameRules.asset);
        const existed = ctx.core.store.has(`${workspace.id}/${kind}/${ctx.params.name}`);
        const container = refreshContainer(ctx, kind, workspace, ctx.params.name!);
        const properties = propertiesOf(ctx.body, false);
        if (properties.description !== undefined) container.body.properties.description = properties.description;
        if (properties.tags !== undefined) container.body.properties.tags = tagsOf(properties.tags, 'properties.tags');
        return { status: existed ? 200 : 201, body: container.body };
      },
    },
    { method: 'GET', path: base, family: 'ml', handle: (ctx) => listReply(ctx.core.store.children(requireWorkspace(ctx).id, kind)) },
  ];
}

export const assetRoutes: ArmRouteSpec[] = [...routesFor('data'), ...routesFor('models')];
