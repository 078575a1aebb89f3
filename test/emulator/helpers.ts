// Test helpers: a fast emulator, a small signed-in ARM client, and builders for common resources.

import { tlsPolicy, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { loopbackRequest, startEmulator, type Emulator, type EmulatorOptions, type EmulatorTiming, type LoopbackResponse } from '../../emulator/src/index.js';

export const fastTiming: EmulatorTiming = {
  lroMs: 60,
  deploymentMs: 120,
  workspaceMs: 40,
  providerRegistrationMs: 40,
  jobQueuedMs: 60,
  jobRunningMs: 150,
  jobCancelMs: 60,
  // Retry-After: 1 plus retry-after-ms: 50: clients poll every 50 ms instead of every second.
  retryAfterSeconds: 0.05,
  principalReplicationMs: 0,
  scoringLatencyMs: 0,
};

export const apiVersion = '2024-10-01-preview';

/** An emulator without Azurite and with fast timings, unless the test says otherwise. */
export function startTestEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ azurite: false, ...options, timing: { ...fastTiming, ...options.timing } });
}

/** A core-rest-pipeline policy that trusts only the emulator's CA (NODE_EXTRA_CA_CERTS is read at start only). */
export function trustEmulator(emulator: Emulator): { policy: PipelinePolicy; position: 'perCall' } {
  return { policy: tlsPolicy({ ca: emulator.ca }), position: 'perCall' };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`waitFor timed out; last value: ${JSON.stringify(value)}`);
    await sleep(15);
  }
}

export async function formToken(emulator: Emulator, form: Record<string, string>): Promise<LoopbackResponse> {
  return loopbackRequest(`${emulator.url}/${emulator.env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    ca: emulator.ca,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

export interface ArmRequest {
  body?: unknown;
  apiVersion?: string | null;
  headers?: Record<string, string>;
  token?: string | null;
}

/** Signs in with the client secret and calls Resource Manager paths on the emulator. */
export class ArmTestClient {
  private cached: string | undefined;

  constructor(readonly emulator: Emulator) {}

  get sub(): string {
    return `/subscriptions/${this.emulator.env.AZURE_SUBSCRIPTION_ID}`;
  }

  rg(name = 'rg'): string {
    return `${this.sub}/resourceGroups/${name}`;
  }

  ws(name = 'mlws', rg = 'rg'): string {
    return `${this.rg(rg)}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
  }

  async token(scope = `${this.emulator.url}/.default`): Promise<string> {
    if (scope === `${this.emulator.url}/.default` && this.cached) return this.cached;
    const res = await formToken(this.emulator, {
      grant_type: 'client_credentials',
      client_id: this.emulator.env.AZURE_CLIENT_ID!,
      client_secret: this.emulator.env.AZURE_CLIENT_SECRET!,
      scope,
    });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
    const token = res.json<{ access_token: string }>().access_token;
    if (scope === `${this.emulator.url}/.default`) this.cached = token;
    return token;
  }

  async request(method: string, pathOrUrl: string, options: ArmRequest = {}): Promise<LoopbackResponse> {
    let url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${this.emulator.url}${pathOrUrl}`;
    const version = options.apiVersion === undefined ? apiVersion : options.apiVersion;
    if (version !== null && !/[?&]api-version=/.test(url)) url += `${url.includes('?') ? '&' : '?'}api-version=${version}`;
    const token = options.token === undefined ? await this.token() : options.token;
    return loopbackRequest(url, {
      method,
      ca: this.emulator.ca,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...options.headers },
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
  }

  get = (path: string, options?: ArmRequest) => this.request('GET', path, options);
  put = (path: string, body: unknown, options?: ArmRequest) => this.request('PUT', path, { ...options, body });
  patch = (path: string, body: unknown, options?: ArmRequest) => this.request('PATCH', path, { ...options, body });
  post = (path: string, body?: unknown, options?: ArmRequest) => this.request('POST', path, { ...options, body: body ?? {} });
  delete = (path: string, options?: ArmRequest) => this.request('DELETE', path, options);

  /** Polls an Azure-AsyncOperation URL until it leaves Updating; returns the final status body. */
  async waitAsync(res: LoopbackResponse, timeoutMs = 5_000): Promise<{ status: string; error?: { code: string; message: string } }> {
    const url = res.header('azure-asyncoperation');
    if (!url) throw new Error(`no Azure-AsyncOperation header (status ${res.status}: ${res.text})`);
    const final = await waitFor(async () => (await this.get(url)).json<{ status: string }>(), (b) => b.status !== 'Updating', timeoutMs);
    return final as { status: string; error?: { code: string; message: string } };
  }

  /** Polls a Location URL until it answers something other than 202. */
  async waitLocation(res: LoopbackResponse, timeoutMs = 5_000): Promise<LoopbackResponse> {
    const url = res.header('location');
    if (!url) throw new Error(`no Location header (status ${res.status}: ${res.text})`);
    return waitFor(() => this.get(url), (r) => r.status !== 202, timeoutMs);
  }

  async createResourceGroup(name = 'rg', location = 'eastus2'): Promise<void> {
    const res = await this.put(this.rg(name), { location }, { apiVersion: '2021-04-01' });
    if (res.status >= 300) throw new Error(`resource group: ${res.status} ${res.text}`);
  }

  workspaceBody(rg = 'rg', location = 'eastus2', extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      location,
      properties: {
        storageAccount: `${this.rg(rg)}/providers/Microsoft.Storage/storageAccounts/stamlft`,
        keyVault: `${this.rg(rg)}/providers/Microsoft.KeyVault/vaults/kv-amlft`,
        applicationInsights: `${this.rg(rg)}/providers/Microsoft.Insights/components/ai-amlft`,
        containerRegistry: `${this.rg(rg)}/providers/Microsoft.ContainerRegistry/registries/cramlft`,
      },
      ...extra,
    };
  }

  /** A resource group and a Default workspace in it, provisioned. */
  async createWorkspace(name = 'mlws', rg = 'rg', location = 'eastus2'): Promise<Record<string, any>> {
    await this.createResourceGroup(rg, location);
    const res = await this.put(this.ws(name, rg), this.workspaceBody(rg, location));
    if (res.status >= 300) throw new Error(`workspace: ${res.status} ${res.text}`);
    if (res.status === 202) await this.waitLocation(res);
    return (await this.get(this.ws(name, rg))).json();
  }

  async createModel(ws: string, name = 'phi3-ft', version = '1'): Promise<string> {
    const id = `${ws}/models/${name}/versions/${version}`;
    const res = await this.put(id, { properties: { modelType: 'mlflow_model', modelUri: `azureml://datastores/workspaceblobstore/paths/models/${name}/${version}/` } });
    if (res.status >= 300) throw new Error(`model: ${res.status} ${res.text}`);
    return id;
  }

  async createEndpoint(ws: string, name = 'chat-ep', location = 'eastus2'): Promise<string> {
    const id = `${ws}/onlineEndpoints/${name}`;
    const res = await this.put(id, { location, properties: { authMode: 'Key' } });
    if (res.status >= 300) throw new Error(`endpoint: ${res.status} ${res.text}`);
    const final = await this.waitAsync(res);
    if (final.status !== 'Succeeded') throw new Error(`endpoint ended ${JSON.stringify(final)}`);
    return id;
  }

  deploymentBody(model: string, extra: Record<string, unknown> = {}, location = 'eastus2'): Record<string, unknown> {
    return {
      location,
      sku: { name: 'Default', capacity: 1 },
      properties: { endpointComputeType: 'Managed', model, instanceType: 'Standard_NC6s_v3', ...extra },
    };
  }

  async createDeployment(endpoint: string, name: string, model: string): Promise<{ status: string; error?: { code: string; message: string } }> {
    const res = await this.put(`${endpoint}/deployments/${name}`, this.deploymentBody(model));
    if (res.status >= 300) throw new Error(`deployment: ${res.status} ${res.text}`);
    return this.waitAsync(res);
  }

  /** GET the endpoint, set traffic (and mirror), PUT it back, wait: the only way Azure lets traffic change. */
  async setTraffic(endpoint: string, traffic: Record<string, number>, mirrorTraffic?: Record<string, number>): Promise<LoopbackResponse> {
    const current = (await this.get(endpoint)).json<Record<string, any>>();
    const body = { location: current.location, properties: { ...current.properties, traffic, ...(mirrorTraffic ? { mirrorTraffic } : {}) } };
    const res = await this.put(endpoint, body);
    if (res.status < 300) await this.waitAsync(res);
    return res;
  }

  async listKeys(endpoint: string): Promise<{ primaryKey: string; secondaryKey: string }> {
    return (await this.post(`${endpoint}/listKeys`)).json();
  }
}
