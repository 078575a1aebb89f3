// The local run's Azure: the emulator (Azurite included) on random loopback ports, seeded with a previous release live at 100 %.

import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';
import { connectAzure } from '../azure/azureSession.js';
import { resolveApiVersions } from '../azure/machineLearningClient.js';
import { onlineEndpointId } from '../azure/resourceIds.js';
import type { Clock } from '../clock.js';
import { createModelVersion } from '../finetune/finetuneAzure.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { inputsFromRecord } from '../inputs/parseInputs.js';
import { parseProvisionInputs } from '../provision/provisionInputs.js';
import { runProvision } from '../provision/runProvision.js';
import { parseDeployInputs } from '../serving/deployInputs.js';
import { runDeploy } from '../serving/runDeploy.js';
import type { Emulator, EmulatorTiming } from '../../emulator/src/index.js';

/** Names of the local run's resources (they exist only in the emulator). */
export const LOCAL_RELEASE = {
  resourceGroup: 'rg-amlft-local',
  workspace: 'amlft-local',
  location: 'eastus2',
  endpoint: 'amlft-chat',
  modelName: 'phi3-chat-ft',
  /** The version live before the run: what a failed release must leave serving. */
  previousVersion: '1',
  previousDeployment: 'phi3-chat-ft-v1',
} as const;

export interface LocalAzure {
  readonly emulator: Emulator;
  /** The sign-in inputs of every Azure stage. */
  readonly signIn: Record<string, string>;
  /** What a child process needs: the emulator's env (NODE_EXTRA_CA_CERTS included). */
  readonly env: Record<string, string>;
  /** Live traffic of the local endpoint, read from the emulator. */
  readTraffic(): Record<string, number>;
  /** The fault rules, added once the seed is in place (so the previous release itself went through clean). */
  injectFaults(spec: string | undefined): string[];
  stop(): Promise<void>;
}

/** An HTTP client trusting the emulator's CA: in-process clients cannot use NODE_EXTRA_CA_CERTS, which Node reads at start only. */
function trustingHttpClient(ca: string): HttpClient {
  const inner = createDefaultHttpClient();
  return {
    sendRequest(request) {
      request.tlsSettings = { ...request.tlsSettings, ca };
      return inner.sendRequest(request);
    },
  };
}

function quietReporter(log: (message: string) => void): ActionReporter {
  return {
    info: log,
    notice: log,
    error: (m) => log(`error: ${m}`),
    warning: (m) => log(`warning: ${m}`),
    setOutput: () => undefined,
    setSecret: () => undefined,
    summary: async () => undefined,
    group: async (_name, work) => work(),
  };
}

export interface LocalAzureOptions {
  readonly clock: Clock;
  readonly timing?: Partial<EmulatorTiming>;
  /** Start Azurite (blob storage for the dataset upload); default true. */
  readonly azurite?: boolean;
  /** Progress lines of the start and the seed. */
  readonly log?: (message: string) => void;
}

/**
 * Starts the emulator and seeds the release before this one, through the same library the actions run: the workspace and
 * GPU cluster provisioned, model phi3-chat-ft:1 registered, deployed and promoted to 100 % of the endpoint's live traffic.
 */
export async function startLocalAzure(options: LocalAzureOptions): Promise<LocalAzure> {
  const { startEmulator, loadFaultRules } = await import('../../emulator/src/index.js');
  const log = options.log ?? (() => undefined);
  const emulator = await startEmulator({ azurite: options.azurite ?? true, ...(options.timing ? { timing: options.timing } : {}) });
  try {
    const r = LOCAL_RELEASE;
    const signIn = { 'subscription-id': emulator.env.AZURE_SUBSCRIPTION_ID!, 'resource-group': r.resourceGroup, workspace: r.workspace, auth: 'secret', cloud: emulator.url };
    const env: NodeJS.ProcessEnv = { ...emulator.env };
    // Azure ML suggests no poll interval, so the library polls every 5-10 s; the emulator's operations take well under a
    // second, and polling it every 200 ms keeps the seed short (the release itself runs the bundles unchanged).
    const clock: Clock = { now: () => options.clock.now(), sleep: (ms, signal) => options.clock.sleep(Math.min(ms, 200), signal) };
    const session = {
      env,
      clock,
      httpClient: trustingHttpClient(emulator.ca),
      getIdToken: () => Promise.reject(new Error('the local run signs in with the emulator client secret')),
      log,
    };
    const reporter = quietReporter(log);
    log(`Seeding the previous release: workspace ${r.workspace}, model ${r.modelName}:${r.previousVersion} live at 100 % on endpoint ${r.endpoint}`);
    await runProvision(parseProvisionInputs(inputsFromRecord({ ...signIn, location: r.location, 'create-resource-group': 'true' }), env), { ...session, tags: { 'created-by': 'amlft-local' } }, reporter);
    const azure = await connectAzure(parseProvisionInputs(inputsFromRecord({ ...signIn, location: r.location }), env).signIn, session);
    const ref = { subscriptionId: signIn['subscription-id'], resourceGroup: r.resourceGroup, workspace: r.workspace };
    await createModelVersion(
      { transport: azure.transport, resourceManager: azure.cloud.resourceManager, ref, apiVersions: resolveApiVersions(env) },
      { name: r.modelName, version: r.previousVersion, uri: `azureml://datastores/workspaceblobstore/paths/models/${r.modelName}/${r.previousVersion}/`, jobName: 'seed', tags: { 'created-by': 'amlft-local' }, description: 'The release before this run (seeded by the local pipeline)' },
    );
    const deploy = (inputs: Record<string, string>) => runDeploy(parseDeployInputs(inputsFromRecord({ ...signIn, endpoint: r.endpoint, ...inputs }), env), session, reporter);
    await deploy({ model: `azureml:${r.modelName}:${r.previousVersion}`, deployment: r.previousDeployment });
    await deploy({ action: 'promote', deployment: r.previousDeployment, 'step-wait-seconds': '0' });
    const endpointId = onlineEndpointId(ref, r.endpoint);
    return {
      emulator,
      signIn,
      env: { ...emulator.env },
      readTraffic: () => {
        const body = emulator.state.resource(endpointId) as { properties?: { traffic?: Record<string, number> } } | undefined;
        return Object.fromEntries(Object.entries(body?.properties?.traffic ?? {}).filter(([, percent]) => percent > 0));
      },
      injectFaults: (spec) => {
        const rules = loadFaultRules(spec);
        for (const rule of rules) emulator.addFault(rule);
        return rules.map((rule) => rule.name ?? JSON.stringify(rule.match ?? {}));
      },
      stop: () => emulator.stop(),
    };
  } catch (error) {
    await emulator.stop();
    throw error;
  }
}
