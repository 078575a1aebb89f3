// The emulator's options, their documented defaults, and the catalogue of VM sizes and regions it offers.

import type { FaultRule } from './faults.js';

/** Simulated durations, in milliseconds unless named otherwise. All short by default. */
export interface EmulatorTiming {
  /** Online endpoints, serverless endpoints, computes; PATCH and DELETE operations. */
  lroMs: number;
  /** Online deployments (create and update). */
  deploymentMs: number;
  /** Workspace creation (answered 202 + Location when > 0, 200 at once when 0). */
  workspaceMs: number;
  /** Resource provider registration (Registering -> Registered). */
  providerRegistrationMs: number;
  /** A job's time in Queued before Running. */
  jobQueuedMs: number;
  /** A job's time in Running before Completed (or Failed). */
  jobRunningMs: number;
  /** CancelRequested -> Canceled. */
  jobCancelMs: number;
  /**
   * Retry-After (seconds) on 201/202 answers and LRO polls; 0 leaves the header out. A fraction (e.g. 0.05, for fast
   * tests) sends `Retry-After` rounded up to whole seconds, as Azure does, plus `retry-after-ms` with the exact wait.
   */
  retryAfterSeconds: number;
  /** A new managed identity's principal is unknown to role assignments for this long (replication delay). */
  principalReplicationMs: number;
  /** Added to every scoring answer. */
  scoringLatencyMs: number;
}

export const defaultTiming: EmulatorTiming = {
  lroMs: 200,
  deploymentMs: 400,
  workspaceMs: 200,
  providerRegistrationMs: 200,
  jobQueuedMs: 200,
  jobRunningMs: 500,
  jobCancelMs: 200,
  retryAfterSeconds: 1,
  principalReplicationMs: 0,
  scoringLatencyMs: 0,
};

export interface QuotaRow {
  limit: number;
  currentValue?: number;
}

/** What a region offers: VM sizes, and vCPU quota per family and in total. */
export interface RegionQuota {
  /** VM size names offered in the region (from `vmSizeCatalog`). */
  vmSizes: string[];
  /** Dedicated vCPU quota per VM family, keyed by family (e.g. `standardNCADSA100v4Family`). Missing family = limit 0. */
  families: Record<string, QuotaRow>;
  /** "Total Cluster Dedicated Regional vCPUs". */
  totalDedicated: QuotaRow;
  /** "Total Cluster LowPriority Regional vCPUs". */
  lowPriority: QuotaRow;
}

export type QuotaOptions = Record<string, Partial<RegionQuota>>;

export interface VmSize {
  name: string;
  family: string;
  /** As Azure names the family's quota row ("Standard NCADSA100v4 Family"). */
  familyLabel: string;
  vCPUs: number;
  gpus: number;
  memoryGB: number;
}

export const vmSizeCatalog: readonly VmSize[] = [
  { name: 'Standard_DS3_v2', family: 'standardDSv2Family', familyLabel: 'Standard DSv2 Family', vCPUs: 4, gpus: 0, memoryGB: 14 },
  { name: 'Standard_E4s_v3', family: 'standardESv3Family', familyLabel: 'Standard ESv3 Family', vCPUs: 4, gpus: 0, memoryGB: 32 },
  { name: 'Standard_NC6s_v3', family: 'standardNCSv3Family', familyLabel: 'Standard NCSv3 Family', vCPUs: 6, gpus: 1, memoryGB: 112 },
  { name: 'Standard_NC12s_v3', family: 'standardNCSv3Family', familyLabel: 'Standard NCSv3 Family', vCPUs: 12, gpus: 2, memoryGB: 224 },
  { name: 'Standard_NC24s_v3', family: 'standardNCSv3Family', familyLabel: 'Standard NCSv3 Family', vCPUs: 24, gpus: 4, memoryGB: 448 },
  { name: 'Standard_NC24ads_A100_v4', family: 'standardNCADSA100v4Family', familyLabel: 'Standard NCADSA100v4 Family', vCPUs: 24, gpus: 1, memoryGB: 220 },
  { name: 'Standard_NC48ads_A100_v4', family: 'standardNCADSA100v4Family', familyLabel: 'Standard NCADSA100v4 Family', vCPUs: 48, gpus: 2, memoryGB: 440 },
  { name: 'Standard_NC96ads_A100_v4', family: 'standardNCADSA100v4Family', familyLabel: 'Standard NCADSA100v4 Family', vCPUs: 96, gpus: 4, memoryGB: 880 },
  { name: 'Standard_NC40ads_H100_v5', family: 'standardNCadsH100v5Family', familyLabel: 'Standard NCadsH100v5 Family', vCPUs: 40, gpus: 1, memoryGB: 320 },
];

const allSizes = vmSizeCatalog.map((s) => s.name);

/** Enough quota in eastus2 and eastus for the toolkit's defaults (1 x NC24ads_A100_v4 training, 1 x NC6s_v3 serving). */
export const defaultQuota: Record<string, RegionQuota> = {
  eastus2: {
    vmSizes: allSizes,
    families: {
      standardDSv2Family: { limit: 32 },
      standardESv3Family: { limit: 32 },
      standardNCSv3Family: { limit: 48 },
      standardNCADSA100v4Family: { limit: 48 },
      standardNCadsH100v5Family: { limit: 0 },
    },
    totalDedicated: { limit: 200 },
    lowPriority: { limit: 100 },
  },
  eastus: {
    vmSizes: allSizes.filter((s) => s !== 'Standard_NC40ads_H100_v5'),
    families: {
      standardDSv2Family: { limit: 24 },
      standardESv3Family: { limit: 24 },
      standardNCSv3Family: { limit: 24 },
      standardNCADSA100v4Family: { limit: 24 },
    },
    totalDedicated: { limit: 100 },
    lowPriority: { limit: 100 },
  },
  westus3: {
    vmSizes: ['Standard_DS3_v2', 'Standard_E4s_v3', 'Standard_NC24ads_A100_v4', 'Standard_NC48ads_A100_v4'],
    families: { standardDSv2Family: { limit: 24 }, standardESv3Family: { limit: 24 } },
    totalDedicated: { limit: 48 },
    lowPriority: { limit: 0 },
  },
  westeurope: {
    vmSizes: ['Standard_DS3_v2', 'Standard_E4s_v3', 'Standard_NC6s_v3', 'Standard_NC12s_v3', 'Standard_NC24s_v3'],
    families: { standardDSv2Family: { limit: 24 }, standardESv3Family: { limit: 24 } },
    totalDedicated: { limit: 48 },
    lowPriority: { limit: 0 },
  },
};

/** A federated credential: which GitHub OIDC subjects may sign in as the app (`*` matches any run of characters). */
export interface FederatedCredential {
  subject: string;
  issuer?: string;
  audience?: string;
}

/** Claims of the GitHub Actions OIDC tokens the stand-in issues. */
export interface GithubOidcClaims {
  repository: string;
  ref: string;
  sha: string;
  actor: string;
  workflow: string;
  runId: string;
  /** Defaults to `repo:<repository>:ref:<ref>`. */
  subject?: string;
}

export interface EmulatorOptions {
  /** HTTPS port; 0 (default) picks a free one. Always bound to 127.0.0.1. */
  port?: number;
  /** GitHub stand-in (plain HTTP) port; 0 (default) picks a free one. */
  githubPort?: number;
  /** Where the CA/certificate files and Azurite's working directory go (default: a fresh temp dir, removed on stop). */
  dataDir?: string;
  /** Start real Azurite for blob storage (default true). */
  azurite?: boolean;
  /** Fault rules, or a preset name / comma-separated names, inline JSON, or the path of a JSON file. AMLFT_EMULATOR_FAULTS adds more. */
  faults?: FaultRule[] | string;
  timing?: Partial<EmulatorTiming>;
  /** Lifetime of Entra access tokens (default 3600). */
  tokenLifetimeSeconds?: number;
  /** Lifetime of GitHub OIDC ID tokens (default 600, as on GitHub). */
  githubTokenLifetimeSeconds?: number;
  subscriptionId?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Per region: VM sizes offered and vCPU quota; merged over `defaultQuota`. */
  quota?: QuotaOptions;
  /** Federated credentials of the app (default: any `repo:*` subject). */
  federatedCredentials?: FederatedCredential[];
  githubOidc?: Partial<GithubOidcClaims>;
  /** GitHub tokens that may read but not write (403 "Resource not accessible by integration"), like a fork PR's. */
  githubReadOnlyTokens?: string[];
  /** Client ids or object ids whose role-assignment writes get 403 AuthorizationFailed; `*` for every caller. */
  cannotAssignRoles?: string[];
  /** Resource providers that start NotRegistered (default: none, every provider is registered). */
  unregisteredProviders?: string[];
  /** Regions where serverless (MaaS) fine-tuning is offered (default: eastus2). */
  serverlessFineTuningRegions?: string[];
  /** Principal ids (besides the emulator's own identities) that role assignments may name. */
  extraPrincipals?: string[];
}

/** The fixed, documented identities and secrets the emulator accepts by default. */
export const defaultIdentities = {
  tenantId: 'aaaaaaaa-0000-4000-8000-000000000001',
  subscriptionId: 'aaaaaaaa-0000-4000-8000-000000000002',
  clientId: 'aaaaaaaa-0000-4000-8000-000000000003',
  clientSecret: 'amlft-emulator-client-secret',
  /** Object id of the app's service principal (the `oid` of its tokens). */
  servicePrincipalObjectId: 'aaaaaaaa-0000-4000-8000-000000000004',
  /** The system-assigned identity behind IDENTITY_ENDPOINT. */
  managedIdentityClientId: 'aaaaaaaa-0000-4000-8000-000000000005',
  managedIdentityPrincipalId: 'aaaaaaaa-0000-4000-8000-000000000006',
  actionsIdTokenRequestToken: 'amlft-emulator-actions-id-token-request-token',
  identityHeader: 'amlft-emulator-identity-header',
} as const;

export const defaultGithubOidc: GithubOidcClaims = {
  repository: 'octo/repo',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef0123456789abcdef01234567',
  actor: 'octocat',
  workflow: 'amlft',
  runId: '1',
};

/** Well-known Azurite development account (Azurite's own documented default). */
export const azuriteAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
} as const;

export interface ResolvedOptions {
  port: number;
  githubPort: number;
  dataDir: string | undefined;
  azurite: boolean;
  timing: EmulatorTiming;
  tokenLifetimeSeconds: number;
  githubTokenLifetimeSeconds: number;
  subscriptionId: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  quota: Record<string, RegionQuota>;
  federatedCredentials: FederatedCredential[];
  githubOidc: GithubOidcClaims;
  githubReadOnlyTokens: string[];
  cannotAssignRoles: string[];
  unregisteredProviders: string[];
  serverlessFineTuningRegions: string[];
  extraPrincipals: string[];
}

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  const quota: Record<string, RegionQuota> = structuredClone(defaultQuota);
  for (const [region, given] of Object.entries(options.quota ?? {})) {
    const key = region.toLowerCase();
    const base = quota[key] ?? { vmSizes: [], families: {}, totalDedicated: { limit: 0 }, lowPriority: { limit: 0 } };
    quota[key] = {
      vmSizes: given.vmSizes ?? base.vmSizes,
      families: { ...base.families, ...given.families },
      totalDedicated: given.totalDedicated ?? base.totalDedicated,
      lowPriority: given.lowPriority ?? base.lowPriority,
    };
  }
  return {
    port: options.port ?? 0,
    githubPort: options.githubPort ?? 0,
    dataDir: options.dataDir,
    azurite: options.azurite ?? true,
    timing: { ...defaultTiming, ...options.timing },
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    githubTokenLifetimeSeconds: options.githubTokenLifetimeSeconds ?? 600,
    subscriptionId: options.subscriptionId ?? defaultIdentities.subscriptionId,
    tenantId: options.tenantId ?? defaultIdentities.tenantId,
    clientId: options.clientId ?? defaultIdentities.clientId,
    clientSecret: options.clientSecret ?? defaultIdentities.clientSecret,
    quota,
    federatedCredentials: options.federatedCredentials ?? [{ subject: 'repo:*' }],
    githubOidc: { ...defaultGithubOidc, ...options.githubOidc },
    githubReadOnlyTokens: options.githubReadOnlyTokens ?? [],
    cannotAssignRoles: options.cannotAssignRoles ?? [],
    unregisteredProviders: (options.unregisteredProviders ?? []).map((p) => p.toLowerCase()),
    serverlessFineTuningRegions: (options.serverlessFineTuningRegions ?? ['eastus2']).map((r) => r.toLowerCase()),
    extraPrincipals: options.extraPrincipals ?? [],
  };
}
