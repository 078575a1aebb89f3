// The emulator's public API: start every stand-in on 127.0.0.1, expose what a client needs, and stop cleanly.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from './azurite.js';
import { createCertificates } from './certificates.js';
import type { Counters, EmulatorCore, ScoringStats } from './core.js';
import { appSubject, mintAccessToken } from './entra.js';
import { FaultEngine, loadFaultRules, type FaultRule } from './faults.js';
import { actionsIdTokenRequestUrl, GithubStore, type GithubRepoState } from './githubStandIn.js';
import { defaultIdentities, resolveOptions, type EmulatorOptions } from './options.js';
import { requestHandler, type RecordedRequest } from './requestPipeline.js';
import { seedProviders } from './resourceManager/providers.js';
import { Store, type Json, type Operation } from './store.js';
import { signingKey } from './tokens.js';

export type { EmulatorOptions, EmulatorTiming, FederatedCredential, GithubOidcClaims, QuotaOptions, RegionQuota, VmSize } from './options.js';
export { defaultIdentities, defaultQuota, defaultTiming, vmSizeCatalog, azuriteAccount } from './options.js';
export type { FaultRule, FaultMatch, FaultEffects } from './faults.js';
export { faultPresets, loadFaultRules } from './faults.js';
export type { RecordedRequest } from './requestPipeline.js';
export type { HostKind } from './httpKit.js';
export type { GithubRepoState, GithubComment, GithubDeployment, GithubDeploymentStatus } from './githubStandIn.js';
export { loopbackRequest, type LoopbackResponse, type LoopbackRequest } from './loopbackClient.js';
export { watchOutboundConnections, isLoopbackHost, type OutboundAttempt } from './loopbackGuard.js';

/** Read access to what the emulator holds. Every read first applies the transitions due by now. */
export interface EmulatorState {
  /** A resource's body as a GET returns it (a copy), by ARM id (case-insensitive). */
  resource(id: string): Json | undefined;
  /** Bodies of every stored resource, optionally of one full type (e.g. `Microsoft.MachineLearningServices/workspaces/jobs`). */
  resources(type?: string): Json[];
  /** A job's status transitions, with times (ms since the epoch). */
  jobHistory(jobId: string): { status: string; at: number }[];
  /** A job's log lines so far (what run history serves as user_logs/std_log.txt). */
  jobLogs(jobId: string): string[];
  /** A deployment's container logs. */
  deploymentLogs(deploymentId: string): { StorageInitializer: string[]; InferenceServer: string[] } | undefined;
  operations(): Operation[];
  /**
   * Every secret the emulator holds or handed out, for tests that search logs for leaks: the client secret, the Actions
   * ID-token request token, the identity header, endpoint keys, connection secrets, the storage account key and SAS
   * tokens (and their signatures), and every access token and GitHub OIDC ID token it issued.
   */
  secrets(): string[];
  /** Scoring requests served and mirrored, per `<endpoint>/<deployment>` (serverless: per endpoint). */
  readonly scoring: ScoringStats;
  /** Tokens issued by Entra, the managed-identity endpoint, and the GitHub OIDC endpoint. */
  readonly counters: Counters;
  github: { repo(fullName: string): GithubRepoState; repos(): string[] };
  /** Azurite's account, when it runs. */
  readonly azurite: { port: number; pid: number; accountUrl: string; accountName: string; accountKey: string } | undefined;
  /** Connections Azurite tried to open to anything but loopback (refused by its guard). */
  azuriteBlockedOutbound(): string[];
}

export interface Emulator {
  /** https://127.0.0.1:<port>: Resource Manager, Entra, the ML data plane, scoring. */
  readonly url: string;
  /** http://127.0.0.1:<port2>: GitHub REST, the Actions OIDC token endpoint, the managed-identity endpoint. */
  readonly githubUrl: string;
  /** PEM file of the CA that signed the server certificate (NODE_EXTRA_CA_CERTS). */
  readonly caFile: string;
  readonly ca: string;
  readonly env: Record<string, string>;
  readonly requests: RecordedRequest[];
  readonly state: EmulatorState;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const resolved = resolveOptions(options);
  const rules = [...loadFaultRules(options.faults), ...loadFaultRules(process.env.AMLFT_EMULATOR_FAULTS)];
  const ownsDataDir = resolved.dataDir === undefined;
  const dataDir = resolved.dataDir ?? mkdtempSync(join(tmpdir(), 'amlft-emulator-'));
  mkdirSync(dataDir, { recursive: true });
  const cleanups: Array<() => Promise<void> | void> = [];
  if (ownsDataDir) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

  try {
    const [certificates, entraKey, githubKey] = await Promise.all([createCertificates(dataDir), signingKey('entra'), signingKey('github')]);
    const core: EmulatorCore = {
      options: resolved,
      store: new Store(),
      faults: new FaultEngine(rules),
      entraKey,
      githubKey,
      github: new GithubStore(),
      counters: { entraTokens: 0, managedIdentityTokens: 0, githubIdTokens: 0 },
      scoring: { served: {}, mirrored: {} },
      url: '',
      githubUrl: '',
      azurite: undefined,
      background: new Set(),
      secrets: new Set([resolved.clientSecret, defaultIdentities.actionsIdTokenRequestToken, defaultIdentities.identityHeader]),
    };
    seedProviders(core);
    const requests: RecordedRequest[] = [];

    const httpsServer = https.createServer({ cert: certificates.cert, key: certificates.key }, requestHandler(core, 'https', requests));
    const httpServer = http.createServer(requestHandler(core, 'http', requests));
    const port = await listen(httpsServer, resolved.port);
    cleanups.unshift(() => close(httpsServer));
    const githubPort = await listen(httpServer, resolved.githubPort);
    cleanups.unshift(() => close(httpServer));
    core.url = `https://127.0.0.1:${port}`;
    core.githubUrl = `http://127.0.0.1:${githubPort}`;

    if (resolved.azurite) {
      core.azurite = await startAzurite({
        dataDir,
        certFile: certificates.certFile,
        keyFile: certificates.keyFile,
        ca: certificates.ca,
        storageToken: () => mintAccessToken(core, 'https://storage.azure.com', appSubject(core), 3600).token,
      });
      const azurite = core.azurite;
      cleanups.unshift(() => azurite.stop());
      core.secrets.add(azurite.accountKey);
    }

    const env: Record<string, string> = {
      AZURE_AUTHORITY_HOST: core.url,
      NODE_EXTRA_CA_CERTS: certificates.caFile,
      AZURE_TENANT_ID: resolved.tenantId,
      AZURE_CLIENT_ID: resolved.clientId,
      AZURE_CLIENT_SECRET: resolved.clientSecret,
      AZURE_SUBSCRIPTION_ID: resolved.subscriptionId,
      AMLFT_CLOUD: core.url,
      ACTIONS_ID_TOKEN_REQUEST_URL: actionsIdTokenRequestUrl(core),
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: defaultIdentities.actionsIdTokenRequestToken,
      GITHUB_API_URL: core.githubUrl,
      IDENTITY_ENDPOINT: `${core.githubUrl}/msi/token`,
      IDENTITY_HEADER: defaultIdentities.identityHeader,
    };

    const read = <T>(fn: () => T): T => {
      core.store.settle();
      return fn();
    };
    const state: EmulatorState = {
      resource: (id) => read(() => structuredClone(core.store.get(id)?.body)),
      resources: (type) => read(() => core.store.all(type).map((r) => structuredClone(r.body))),
      jobHistory: (id) => read(() => structuredClone((core.store.get(id)?.runtime.history as { status: string; at: number }[] | undefined) ?? [])),
      jobLogs: (id) => read(() => [...((core.store.get(id)?.runtime.logs as string[] | undefined) ?? [])]),
      deploymentLogs: (id) => read(() => structuredClone(core.store.get(id)?.runtime.logs as { StorageInitializer: string[]; InferenceServer: string[] } | undefined)),
      operations: () => read(() => core.store.allOperations().map(({ result: _result, ...op }) => ({ ...op }))),
      secrets: () => [...core.secrets],
      get scoring() {
        return structuredClone(core.scoring);
      },
      get counters() {
        return { ...core.counters };
      },
      github: { repo: (name) => core.github.repo(name), repos: () => core.github.repoNames() },
      azurite: core.azurite ? { port: core.azurite.port, pid: core.azurite.pid, accountUrl: core.azurite.accountUrl, accountName: core.azurite.accountName, accountKey: core.azurite.accountKey } : undefined,
      azuriteBlockedOutbound: () => [...(core.azurite?.blockedOutbound ?? [])],
    };

    let stopping: Promise<void> | undefined;
    return {
      url: core.url,
      githubUrl: core.githubUrl,
      caFile: certificates.caFile,
      ca: certificates.ca,
      env,
      requests,
      state,
      addFault: (rule) => core.faults.add(rule),
      clearFaults: () => core.faults.clear(),
      stop: () => {
        stopping ??= (async () => {
          await Promise.allSettled([...core.background]);
          for (const cleanup of cleanups) await cleanup();
        })();
        return stopping;
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup();
    throw error;
  }
}

/** `export NAME='value'` lines, for `eval "$(amlft emulator)"`-style shells. */
export function formatEnv(emulator: Pick<Emulator, 'env'>): string {
  return Object.keys(emulator.env)
    .sort()
    .map((name) => `export ${name}='${emulator.env[name]!.replace(/'/g, `'\\''`)}'`)
    .join('\n');
}
