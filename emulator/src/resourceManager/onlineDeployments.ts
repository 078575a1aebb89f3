// Online deployments: LRO create/update, instance type and quota checks, container logs, DELETE refused with traffic.

import type { Reply } from '../httpKit.js';
import type { Json, StoredResource } from '../store.js';
import { ArmError, conflict, userError } from './armErrors.js';
import { checkName, enumValue, integerIn, isoDuration, listReply, nameRules, propertiesOf, requireLocation, requireResource, requiredString, systemData, tagsOf } from './armResources.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';
import { acceptedReply, asyncOperationHeaders, beginLro } from './lro.js';
import { busyStates, deploymentType, endpointOf } from './onlineEndpoints.js';
import { checkDeploymentQuota, requireVmSize, vmSizeByName } from './quota.js';

const deployments = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}/onlineEndpoints/{ep}/deployments';

export interface DeploymentLogs {
  StorageInitializer: string[];
  InferenceServer: string[];
}

export const deploymentLogs = (deployment: StoredResource): DeploymentLogs => deployment.runtime.logs as DeploymentLogs;

/** `name:version` of the model a deployment serves, from its ARM id or azureml:// registry URI. */
export function modelLabel(model: string): string {
  const match = /models\/([^/]+)(?:\/versions\/([^/]+)|\/labels\/([^/]+))?$/i.exec(model);
  if (!match) return model;
  return match[2] ? `${match[1]}:${match[2]}` : match[3] ? `${match[1]}@${match[3]}` : match[1]!;
}

function checkModel(ctx: ArmContext, model: string): void {
  if (/^azureml:\/\/registries\/[^/]+\/models\/[^/]+(\/versions\/[^/]+|\/labels\/[^/]+)?$/i.test(model)) return;
  const armId = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/models\/[^/]+\/versions\/[^/]+$/i.exec(model);
  if (!armId) {
    throw userError(
      `properties.model '${model}' must be a model version's ARM id (/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<ws>/models/<name>/versions/<version>) or an azureml://registries/... URI.`,
      'properties.model',
    );
  }
  if (!ctx.core.store.has(model)) throw userError(`properties.model '${model}' was not found: no such model version.`, 'properties.model');
}

function probe(value: unknown, target: string): Json {
  const given = (value ?? {}) as Json;
  if (typeof given !== 'object' || Array.isArray(given)) throw userError(`${target} must be an object.`, target);
  return {
    initialDelay: isoDuration(given.initialDelay, `${target}.initialDelay`, 'PT10S'),
    period: isoDuration(given.period, `${target}.period`, 'PT10S'),
    timeout: isoDuration(given.timeout, `${target}.timeout`, 'PT2S'),
    failureThreshold: integerIn(given.failureThreshold, 1, 1000, `${target}.failureThreshold`, 30),
    successThreshold: integerIn(given.successThreshold, 1, 1000, `${target}.successThreshold`, 1),
  };
}

function startingLogs(model: string, instanceType: string, capacity: number): DeploymentLogs {
  const at = new Date().toISOString();
  return {
    StorageInitializer: [`${at} Downloading model ${modelLabel(model)} from the workspace...`, `${at} Model ${modelLabel(model)} downloaded to /var/azureml-app/azureml-models.`, `${at} StorageInitializer completed.`],
    InferenceServer: [`${at} Azure ML Inferencing HTTP server starting on ${instanceType} (${capacity} instance${capacity === 1 ? '' : 's'}).`, `${at} Loading model ${modelLabel(model)}...`],
  };
}

function put(ctx: ArmContext): Reply {
  const endpoint = endpointOf(ctx, true);
  if (endpoint.body.properties.provisioningState === 'Deleting') throw conflict(`Endpoint '${endpoint.name}' is being deleted.`);
  const name = ctx.params.name!;
  checkName('Deployment', name, nameRules.deployment);
  const id = `${endpoint.id}/deployments/${name}`;
  const existing = ctx.core.store.get(id);
  if (existing && busyStates.includes(String(existing.body.properties.provisioningState))) {
    throw conflict(`Deployment '${name}' is busy (provisioningState ${existing.body.properties.provisioningState}); retry when the current operation has finished.`);
  }
  const location = requireLocation(ctx, ctx.body.location);
  if (location !== endpoint.body.location) throw userError(`location '${location}' must be the endpoint's region '${endpoint.body.location}'.`, 'location');
  const properties = propertiesOf(ctx.body);
  const computeType = enumValue(properties.endpointComputeType, ['Managed', 'Kubernetes', 'AzureMLCompute'] as const, 'properties.endpointComputeType');
  if (computeType !== 'Managed') throw userError(`endpointComputeType '${computeType}' is not emulated; use Managed.`, 'properties.endpointComputeType');
  const model = requiredString(properties, 'model', 'properties.model');
  checkModel(ctx, model);
  const size = requireVmSize(ctx.core, location, requiredString(properties, 'instanceType', 'properties.instanceType'), 'properties.instanceType');
  const sku = (ctx.body.sku ?? {}) as Json;
  const capacity = integerIn(sku.capacity, 1, 50, 'sku.capacity', 1);
  const previousSize = existing ? vmSizeByName(String(existing.body.properties.instanceType)) : undefined;
  const excluding = previousSize && previousSize.family === size.family ? previousSize.vCPUs * Number(existing!.body.sku?.capacity ?? 1) : 0;
  checkDeploymentQuota(ctx.core, location, size, capacity, excluding);
  const requestSettings = (properties.requestSettings ?? {}) as Json;
  const environmentVariables = properties.environmentVariables ?? {};
  if (typeof environmentVariables !== 'object' || Object.values(environmentVariables as Json).some((v) => typeof v !== 'string')) {
    throw userError('properties.environmentVariables must be an object of string values.', 'properties.environmentVariables');
  }
  const body: Json = {
    id: existing?.id ?? id,
    name: existing?.name ?? name,
    type: deploymentType,
    location,
    kind: ctx.body.kind ?? 'Managed',
    tags: tagsOf(ctx.body.tags),
    sku: { name: typeof sku.name === 'string' ? sku.name : 'Default', tier: sku.tier ?? 'Standard', capacity },
    systemData: systemData(ctx, existing?.body.systemData),
    properties: {
      ...properties,
      endpointComputeType: computeType,
      model,
      instanceType: size.name,
      description: properties.description ?? null,
      appInsightsEnabled: properties.appInsightsEnabled ?? false,
      egressPublicNetworkAccess: properties.egressPublicNetworkAccess ?? 'Enabled',
      environmentVariables,
      requestSettings: {
        requestTimeout: isoDuration(requestSettings.requestTimeout, 'properties.requestSettings.requestTimeout', 'PT5S'),
        maxConcurrentRequestsPerInstance: integerIn(requestSettings.maxConcurrentRequestsPerInstance, 1, 1000, 'properties.requestSettings.maxConcurrentRequestsPerInstance', 1),
        maxQueueWait: isoDuration(requestSettings.maxQueueWait, 'properties.requestSettings.maxQueueWait', 'PT0.5S'),
      },
      livenessProbe: probe(properties.livenessProbe, 'properties.livenessProbe'),
      readinessProbe: probe(properties.readinessProbe, 'properties.readinessProbe'),
      scaleSettings: properties.scaleSettings ?? { scaleType: 'Default' },
      provisioningState: existing ? 'Updating' : 'Creating',
    },
  };
  const logs = startingLogs(model, size.name, capacity);
  const stored = ctx.core.store.put({ id, name, type: deploymentType, body, runtime: { logs } });
  const fault = ctx.effects.deployment;
  const op = beginLro(ctx, {
    resourceId: stored.id,
    location,
    kind: existing ? 'update' : 'create',
    durationMs: ctx.core.options.timing.deploymentMs,
    ...(fault ? { failWith: fault.error ?? { code: 'ResourceNotReady', message: 'User container has crashed or terminated. Please see troubleshooting guide, available here: https://aka.ms/oe-tsg#error-resourcenotready' } } : {}),
    onSucceeded: (at) => {
      stored.body.properties.provisioningState = 'Succeeded';
      const when = new Date(at).toISOString();
      logs.InferenceServer.push(`${when} Model ${modelLabel(model)} loaded.`, `${when} Listening on port 5001.`, `${when} Liveness probe: OK. Readiness probe: OK.`);
    },
    onFailed: (at, error) => {
      stored.body.properties.provisioningState = 'Failed';
      const when = new Date(at).toISOString();
      for (const line of fault?.logs?.StorageInitializer ?? []) logs.StorageInitializer.push(`${when} ${line}`);
      for (const line of fault?.logs?.InferenceServer ?? [`Deployment failed: ${error.message}`]) logs.InferenceServer.push(`${when} ${line}`);
    },
  });
  return { status: existing ? 200 : 201, body: stored.body, headers: asyncOperationHeaders(ctx, op) };
}

function deploymentOf(ctx: ArmContext): StoredResource {
  const endpoint = endpointOf(ctx, true);
  return requireResource(ctx, `${endpoint.id}/deployments/${ctx.params.name}`, deploymentType, `${ctx.params.ws}/${ctx.params.ep}/${ctx.params.name}`);
}

function patch(ctx: ArmContext): Reply {
  const deployment = deploymentOf(ctx);
  if (busyStates.includes(String(deployment.body.properties.provisioningState))) {
    throw conflict(`Deployment '${deployment.name}' is busy (provisioningState ${deployment.body.properties.provisioningState}).`);
  }
  const sku = ctx.body.sku as Json | undefined;
  if (sku?.capacity !== undefined) {
    const capacity = integerIn(sku.capacity, 1, 50, 'sku.capacity');
    const size = vmSizeByName(String(deployment.body.properties.instanceType))!;
    checkDeploymentQuota(ctx.core, String(deployment.body.location), size, capacity, size.vCPUs * Number(deployment.body.sku.capacity ?? 1));
    deployment.body.sku.capacity = capacity;
  }
  if (ctx.body.tags !== undefined) deployment.body.tags = tagsOf(ctx.body.tags);
  deployment.body.properties.provisioningState = 'Updating';
  const op = beginLro(ctx, {
    resourceId: deployment.id,
    location: String(deployment.body.location),
    kind: 'update',
    durationMs: ctx.core.options.timing.deploymentMs,
    onSucceeded: () => (deployment.body.properties.provisioningState = 'Succeeded'),
    onFailed: () => (deployment.body.properties.provisioningState = 'Failed'),
    result: () => deployment.body,
  });
  return acceptedReply(ctx, op);
}

function remove(ctx: ArmContext): Reply {
  const endpoint = endpointOf(ctx, true);
  const deployment = ctx.core.store.get(`${endpoint.id}/deployments/${ctx.params.name}`);
  if (!deployment) return { status: 204 };
  const live = Number((endpoint.body.properties.traffic as Json)[deployment.name] ?? 0);
  const mirror = Number((endpoint.body.properties.mirrorTraffic as Json)[deployment.name] ?? 0);
  if (live > 0 || mirror > 0) {
    throw new ArmError(
      400,
      'UserError',
      `Deployment '${deployment.name}' cannot be deleted while it receives traffic (live ${live}%, mirror ${mirror}%) on endpoint '${endpoint.name}'. Set its traffic to 0 first.`,
      [{ code: 'DeploymentHasTraffic', message: 'Set the deployment traffic to 0 before deleting it.', target: 'properties.traffic' }],
    );
  }
  if (deployment.body.properties.provisioningState === 'Deleting') throw conflict(`Deployment '${deployment.name}' is already being deleted.`);
  deployment.body.properties.provisioningState = 'Deleting';
  const op = beginLro(ctx, {
    resourceId: deployment.id,
    location: String(deployment.body.location),
    kind: 'delete',
    durationMs: ctx.core.options.timing.lroMs,
    onSucceeded: () => {
      ctx.core.store.delete(deployment.id);
      for (const field of ['traffic', 'mirrorTraffic']) delete (endpoint.body.properties[field] as Json)[deployment.name];
    },
  });
  return acceptedReply(ctx, op);
}

function getLogs(ctx: ArmContext): Reply {
  const deployment = deploymentOf(ctx);
  const containerType = enumValue(ctx.body.containerType, ['InferenceServer', 'StorageInitializer'] as const, 'containerType', 'InferenceServer');
  const tail = ctx.body.tail === undefined || ctx.body.tail === null ? undefined : integerIn(ctx.body.tail, 1, 10000, 'tail');
  const lines = deploymentLogs(deployment)[containerType];
  return { status: 200, body: { content: (tail ? lines.slice(-tail) : lines).join('\n') } };
}

export const onlineDeploymentRoutes: ArmRouteSpec[] = [
  { method: 'PUT', path: `${deployments}/{name}`, family: 'ml', handle: put },
  { method: 'GET', path: `${deployments}/{name}`, family: 'ml', handle: (ctx) => ({ status: 200, body: deploymentOf(ctx).body }) },
  { method: 'PATCH', path: `${deployments}/{name}`, family: 'ml', handle: patch },
  { method: 'DELETE', path: `${deployments}/{name}`, family: 'ml', handle: remove },
  { method: 'POST', path: `${deployments}/{name}/getLogs`, family: 'ml', handle: getLogs },
  { method: 'GET', path: deployments, family: 'ml', handle: (ctx) => listReply(ctx.core.store.children(endpointOf(ctx, true).id, 'deployments')) },
];
