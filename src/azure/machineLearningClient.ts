// The toolkit's one interface to Azure Machine Learning in a workspace, and its real implementation.

import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { isRestError } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';
import type { AzureCloud } from './cloud.js';
import { ArmError, hintFor } from './armErrors.js';
import { sendJson, type ArmTransport } from './armPipeline.js';
import { armUrl, workspaceId, type WorkspaceRef } from './resourceIds.js';
import { InputError } from '../inputs/parseInputs.js';

/** api-versions per operation family, for the calls the SDK (2022-10-01) cannot express. */
export interface ApiVersions {
  /** Workspaces (kind: hub / project). */
  readonly workspaces: string;
  /** AmlCompute clusters. */
  readonly computes: string;
  /** Region usages, quotas and VM sizes. */
  readonly quota: string;
  /** Resource providers and resource groups (Microsoft.Resources). */
  readonly resources: string;
  /** User-assigned managed identities (Microsoft.ManagedIdentity). */
  readonly identities: string;
  /** Role assignments (Microsoft.Authorization). */
  readonly roleAssignments: string;
  /** The workspace's dependent resources. */
  readonly storageAccounts: string;
  readonly keyVaults: string;
  readonly applicationInsights: string;
  readonly containerRegistries: string;
  /** Workspace jobs (Pipeline, FineTuning: FineTuning needs 2024-10-01-preview or later). Not 'jobs': a test keeps that name as the example of an unknown family. */
  readonly mlJobs: string;
  /** Model containers and versions in a workspace. */
  readonly mlModels: string;
  /** Managed online endpoints and their deployments (traffic, keys, logs). */
  readonly mlEndpoints: string;
}

export const DEFAULT_API_VERSIONS: ApiVersions = {
  workspaces: '2024-10-01',
  computes: '2024-10-01',
  quota: '2024-10-01',
  resources: '2021-04-01',
  identities: '2023-01-31',
  roleAssignments: '2022-04-01',
  storageAccounts: '2023-01-01',
  keyVaults: '2023-07-01',
  applicationInsights: '2020-02-02',
  containerRegistries: '2023-07-01',
  mlJobs: '2024-10-01-preview',
  mlModels: '2024-10-01',
  mlEndpoints: '2024-10-01',
};

/**
 * The api-versions in force: the defaults, overridden per family by AMLFT_API_VERSIONS (JSON, e.g.
 * {"workspaces":"2025-01-01-preview"}) — for a sovereign cloud or Azure Stack that lags behind.
 */
export function resolveApiVersions(env: NodeJS.ProcessEnv, overrides: Partial<ApiVersions> = {}): ApiVersions {
  let fromEnv: Partial<ApiVersions> = {};
  const raw = env.AMLFT_API_VERSIONS?.trim();
  if (raw) {
    try {
      fromEnv = JSON.parse(raw) as Partial<ApiVersions>;
    } catch {
      throw new InputError('AMLFT_API_VERSIONS', raw, `expected JSON such as {"workspaces":"2024-10-01"}`);
    }
    for (const [family, version] of Object.entries(fromEnv)) {
      if (!(family in DEFAULT_API_VERSIONS)) throw new InputError('AMLFT_API_VERSIONS', raw, `unknown family '${family}'; families: ${Object.keys(DEFAULT_API_VERSIONS).join(', ')}`);
      if (typeof version !== 'string' || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) throw new InputError('AMLFT_API_VERSIONS', raw, `'${String(version)}' for ${family} is not an api-version like 2024-10-01 or 2024-10-01-preview`);
    }
  }
  return { ...DEFAULT_API_VERSIONS, ...fromEnv, ...overrides };
}

export interface WorkspaceInfo {
  readonly id: string;
  readonly name: string;
  readonly location: string;
  /** The workspace GUID used in asset ids. */
  readonly workspaceGuid: string;
  readonly storageAccount?: string;
  readonly containerRegistry?: string;
  readonly kind?: string;
}

export interface BlobDatastoreInfo {
  readonly name: string;
  readonly accountName: string;
  readonly containerName: string;
  /** Storage endpoint suffix (core.windows.net), or host:port for a path-style emulator such as Azurite. */
  readonly endpoint: string;
  readonly protocol: string;
}

export type DatastoreSecret = { readonly kind: 'account-key'; readonly key: string } | { readonly kind: 'sas'; readonly token: string };

export interface DataAssetVersion {
  readonly name: string;
  readonly version: string;
  readonly dataUri: string;
  readonly tags: Record<string, string>;
}

/** Azure ML in one workspace: what the actions call. Tests use the emulator behind the same class. */
export interface MachineLearningWorkspace {
  readonly ref: WorkspaceRef;
  getWorkspace(): Promise<WorkspaceInfo>;
  getBlobDatastore(name: string): Promise<BlobDatastoreInfo>;
  /** The datastore's credential, or undefined when it has none the caller may read (use Entra ID then). */
  getDatastoreSecret(name: string): Promise<DatastoreSecret | undefined>;
  getDataVersion(name: string, version: string): Promise<DataAssetVersion | undefined>;
  createDataVersion(asset: DataAssetVersion & { readonly description?: string }): Promise<DataAssetVersion>;
}

/** Runs an SDK call, turning its RestError into an ArmError that names the operation. */
export async function armCall<T>(operation: string, method: string, url: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isRestError(error) || error.statusCode === undefined) throw error;
    const body = (() => {
      try {
        return JSON.parse(error.response?.bodyAsText ?? '');
      } catch {
        return undefined;
      }
    })() as { error?: { code?: string; message?: string } } | undefined;
    const code = body?.error?.code ?? error.code ?? `HTTP${error.statusCode}`;
    const message = body?.error?.message ?? error.message;
    const requestId = error.response?.headers.get('x-ms-request-id') ?? undefined;
    throw new ArmError({ operation, status: error.statusCode, code, message, requestId, hint: hintFor(error.statusCode, code, message, method, url) });
  }
}

async function orUndefinedOn404<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ArmError && error.status === 404) return undefined;
    throw error;
  }
}

export function createMachineLearningWorkspace(ref: WorkspaceRef, cloud: AzureCloud, credential: TokenCredential, transport: ArmTransport, apiVersions: ApiVersions = DEFAULT_API_VERSIONS): MachineLearningWorkspace {
  const sdk = new AzureMachineLearningWorkspaces(credential, ref.subscriptionId, {
    pipeline: transport.pipeline,
    httpClient: transport.httpClient,
    endpoint: cloud.resourceManager,
    $host: cloud.resourceManager,
    credentialScopes: [cloud.armScope],
  });
  const wsUrl = `${cloud.resourceManager}${workspaceId(ref)}`;
  const { resourceGroup: rg, workspace: ws } = ref;
  return {
    ref,
    async getWorkspace() {
      // Raw JSON: the SDK's model has no `kind`, and its serializer would drop it.
      const response = await sendJson(transport, { method: 'GET', url: armUrl(cloud.resourceManager, workspaceId(ref), apiVersions.workspaces), operation: `read workspace '${ws}'` });
      const w = response.body as { id?: string; name?: string; location?: string; kind?: string; properties?: { workspaceId?: string; storageAccount?: string; containerRegistry?: string } };
      return {
        id: w.id ?? workspaceId(ref),
        name: w.name ?? ws,
        location: w.location ?? '',
        workspaceGuid: w.properties?.workspaceId ?? '',
        ...(w.properties?.storageAccount ? { storageAccount: w.properties.storageAccount } : {}),
        ...(w.properties?.containerRegistry ? { containerRegistry: w.properties.containerRegistry } : {}),
        ...(w.kind ? { kind: w.kind } : {}),
      };
    },
    async getBlobDatastore(name) {
      const url = `${wsUrl}/datastores/${name}`;
      const d = await armCall(`read datastore '${name}'`, 'GET', url, () => sdk.datastores.get(rg, ws, name));
      const p = d.properties as { datastoreType?: string; accountName?: string; containerName?: string; endpoint?: string; protocol?: string };
      if (p.datastoreType !== 'AzureBlob' || !p.accountName || !p.containerName) {
        throw new ArmError({ operation: `read datastore '${name}'`, status: 200, code: 'UnsupportedDatastore', message: `datastore '${name}' is ${p.datastoreType ?? 'of an unknown type'}, not Azure Blob storage` });
      }
      return { name, accountName: p.accountName, containerName: p.containerName, endpoint: p.endpoint ?? cloud.storageSuffix, protocol: p.protocol ?? 'https' };
    },
    async getDatastoreSecret(name) {
      const url = `${wsUrl}/datastores/${name}/listSecrets`;
      try {
        const s = await armCall(`read the credentials of datastore '${name}'`, 'POST', url, () => sdk.datastores.listSecrets(rg, ws, name));
        if (s.secretsType === 'AccountKey' && 'key' in s && typeof s.key === 'string') return { kind: 'account-key', key: s.key };
        if (s.secretsType === 'Sas' && 'sasToken' in s && typeof s.sasToken === 'string') return { kind: 'sas', token: s.sasToken };
        return undefined;
      } catch (error) {
        // Credential-less datastores, or an identity without listSecrets: fall back to Entra ID.
        if (error instanceof ArmError && (error.status === 403 || error.status === 400 || error.status === 404)) return undefined;
        throw error;
      }
    },
    async getDataVersion(name, version) {
      const url = `${wsUrl}/data/${name}/versions/${version}`;
      const d = await orUndefinedOn404(() => armCall(`read data asset ${name}:${version}`, 'GET', url, () => sdk.dataVersions.get(rg, ws, name, version)));
      if (d === undefined) return undefined;
      return { name, version, dataUri: d.properties.dataUri, tags: (d.properties.tags ?? {}) as Record<string, string> };
    },
    async createDataVersion(asset) {
      const url = `${wsUrl}/data/${asset.name}/versions/${asset.version}`;
      const d = await armCall(`register data asset ${asset.name}:${asset.version}`, 'PUT', url, () =>
        sdk.dataVersions.createOrUpdate(rg, ws, asset.name, asset.version, {
          properties: { dataType: 'uri_file', dataUri: asset.dataUri, tags: asset.tags, ...(asset.description ? { description: asset.description } : {}) },
        }),
      );
      return { name: asset.name, version: asset.version, dataUri: d.properties.dataUri, tags: (d.properties.tags ?? {}) as Record<string, string> };
    },
  };
}
