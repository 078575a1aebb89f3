// Connects to Azure from the sign-in inputs: the cloud, one credential, one transport, the workspace client.

import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest, type HttpClient } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';
import type { Clock } from '../clock.js';
import { isCustomCloudInput, resolveCloud, type AzureCloud, type CloudMetadata } from './cloud.js';
import { signIn, type SignInEnvironment } from './credentials.js';
import { createArmTransport, type ArmTransport } from './armPipeline.js';
import type { RetryInfo } from './retryPolicy.js';
import { createMachineLearningWorkspace, resolveApiVersions, type ApiVersions, type MachineLearningWorkspace } from './machineLearningClient.js';
import type { SignInInputs } from './signInInputs.js';

export interface AzureSession {
  readonly cloud: AzureCloud;
  readonly credential: TokenCredential;
  readonly signInDescription: string;
  readonly transport: ArmTransport;
  readonly workspace: MachineLearningWorkspace;
  /** The HTTP client for other Azure data-plane clients (Blob storage). */
  readonly httpClient: HttpClient;
}

export interface SessionOptions extends SignInEnvironment {
  readonly clock: Clock;
  readonly log?: (message: string) => void;
  /** Per-family api-version overrides (AMLFT_API_VERSIONS also applies). */
  readonly apiVersions?: Partial<ApiVersions>;
}

/** Reads a custom Resource Manager's published endpoints (Azure Stack style); unauthenticated. */
async function readCloudMetadata(resourceManager: string, httpClient: HttpClient): Promise<CloudMetadata | undefined> {
  try {
    const url = `${resourceManager.replace(/\/+$/, '')}/metadata/endpoints?api-version=2022-09-01`;
    const response = await httpClient.sendRequest(createPipelineRequest({ url, method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }), timeout: 15_000 }));
    if (response.status !== 200 || !response.bodyAsText) return undefined;
    const body = JSON.parse(response.bodyAsText) as { authentication?: { loginEndpoint?: string; audiences?: string[] }; portal?: string };
    return {
      ...(body.authentication?.loginEndpoint ? { loginEndpoint: body.authentication.loginEndpoint } : {}),
      ...(body.authentication?.audiences ? { audiences: body.authentication.audiences } : {}),
      ...(body.portal ? { portal: body.portal } : {}),
    };
  } catch {
    return undefined;
  }
}

export async function connectAzure(inputs: SignInInputs, options: SessionOptions): Promise<AzureSession> {
  const apiVersions = resolveApiVersions(options.env, options.apiVersions);
  const httpClient = options.httpClient ?? createDefaultHttpClient();
  const metadata = isCustomCloudInput(inputs.cloud) ? await readCloudMetadata(inputs.cloud, httpClient) : undefined;
  const cloud = resolveCloud(inputs.cloud, options.env, metadata);
  const signedIn = signIn(inputs, cloud, { ...options, httpClient });
  options.log?.(`Signing in with ${signedIn.description}`);
  const transport = createArmTransport({
    credential: signedIn.credential,
    scope: cloud.armScope,
    clock: options.clock,
    httpClient,
    onRetry: (info: RetryInfo) => options.log?.(`${info.method} ${new URL(info.url).pathname}: ${info.reason}, retry ${info.attempt} in ${(info.delayMs / 1000).toFixed(1)} s`),
  });
  return {
    cloud,
    credential: signedIn.credential,
    signInDescription: signedIn.description,
    transport,
    workspace: createMachineLearningWorkspace({ subscriptionId: inputs.subscriptionId, resourceGroup: inputs.resourceGroup, workspace: inputs.workspace }, cloud, signedIn.credential, transport, apiVersions),
    httpClient,
  };
}
