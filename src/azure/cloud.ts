// Azure clouds: where Resource Manager, sign-in and Azure ML studio live, including custom (Azure Stack, emulator) clouds.

import { InputError } from '../inputs/parseInputs.js';

export interface AzureCloud {
  /** AzureCloud, AzureUSGovernment, AzureChinaCloud, or 'custom'. */
  readonly name: string;
  /** Resource Manager base URL, without a trailing slash. */
  readonly resourceManager: string;
  /** Entra sign-in host for MSAL's authorityHost. */
  readonly authorityHost: string;
  /** Token scope for Resource Manager calls. */
  readonly armScope: string;
  /** Azure ML studio base URL, for links. */
  readonly studio: string;
  /** Storage endpoint suffix (blob: https://<account>.blob.<suffix>). */
  readonly storageSuffix: string;
  /** True for a custom cloud: MSAL must not do instance discovery against the public cloud. */
  readonly custom: boolean;
}

export const KNOWN_CLOUDS: Readonly<Record<string, AzureCloud>> = {
  AzureCloud: {
    name: 'AzureCloud',
    resourceManager: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    armScope: 'https://management.azure.com/.default',
    studio: 'https://ml.azure.com',
    storageSuffix: 'core.windows.net',
    custom: false,
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    resourceManager: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    armScope: 'https://management.usgovcloudapi.net/.default',
    studio: 'https://ml.azure.us',
    storageSuffix: 'core.usgovcloudapi.net',
    custom: false,
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    resourceManager: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    studio: 'https://studio.ml.azure.cn',
    storageSuffix: 'core.chinacloudapi.cn',
    custom: false,
  },
};

const ALLOWED = `allowed: ${Object.keys(KNOWN_CLOUDS).join(', ')}, or the https:// URL of a custom Resource Manager (Azure Stack Hub, the amlft emulator)`;

/** Metadata a custom Resource Manager publishes at /metadata/endpoints (Azure Stack style). */
export interface CloudMetadata {
  readonly loginEndpoint?: string;
  readonly audiences?: readonly string[];
  readonly portal?: string;
}

/**
 * Resolves the `cloud` input. A custom URL takes its sign-in host from AZURE_AUTHORITY_HOST (or the
 * cloud's own metadata) and its token scope from the metadata's audience (or the URL itself).
 */
export function resolveCloud(input: string, env: NodeJS.ProcessEnv, metadata?: CloudMetadata): AzureCloud {
  const raw = input.trim() === '' ? 'AzureCloud' : input.trim();
  const known = Object.values(KNOWN_CLOUDS).find((cloud) => cloud.name.toLowerCase() === raw.toLowerCase());
  if (known) return known;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError('cloud', raw, ALLOWED);
  }
  if (url.protocol !== 'https:') throw new InputError('cloud', raw, `a custom Resource Manager URL must use https (bearer tokens are never sent over http); ${ALLOWED}`);
  const resourceManager = url.origin + url.pathname.replace(/\/+$/, '');
  const authorityHost = (env.AZURE_AUTHORITY_HOST?.trim() || metadata?.loginEndpoint || '').replace(/\/+$/, '');
  if (authorityHost === '') {
    throw new InputError('cloud', raw, 'a custom cloud needs its sign-in host: set AZURE_AUTHORITY_HOST (e.g. https://login.<your-stack>/)');
  }
  const audience = (metadata?.audiences?.[0] ?? resourceManager).replace(/\/+$/, '');
  return {
    name: 'custom',
    resourceManager,
    authorityHost,
    armScope: `${audience}/.default`,
    studio: metadata?.portal?.replace(/\/+$/, '') ?? resourceManager,
    storageSuffix: env.AZURE_STORAGE_SUFFIX?.trim() || 'core.windows.net',
    custom: true,
  };
}

/** Whether the cloud input names a custom Resource Manager (its metadata is worth reading first). */
export function isCustomCloudInput(input: string): boolean {
  return /^https?:\/\//i.test(input.trim());
}
