// The sign-in inputs every Azure-facing action shares, parsed and checked before any request.

import { choiceInput, InputError, optionalString, type InputSource } from '../inputs/parseInputs.js';

export const AUTH_METHODS = ['auto', 'oidc', 'secret', 'cli', 'managed-identity'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

export interface SignInInputs {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly workspace: string;
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly auth: AuthMethod;
  readonly cloud: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Azure's rules: resource group 1-90 of letters, digits, _ - . ( ) not ending in '.'; workspace 3-33, alphanumeric start, then - or _.
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/u;
const WORKSPACE = /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/;

function guidInput(source: InputSource, name: string, envValue: string | undefined, required: boolean): string | undefined {
  const value = optionalString(source, name) ?? envValue?.trim() ?? undefined;
  if (value === undefined || value === '') {
    if (required) throw new InputError(name, '', 'it is required: a GUID such as 00000000-0000-0000-0000-000000000000');
    return undefined;
  }
  if (!GUID.test(value)) throw new InputError(name, value, 'expected a GUID such as 00000000-0000-0000-0000-000000000000');
  return value;
}

export function parseSignInInputs(source: InputSource, env: NodeJS.ProcessEnv, options: { workspaceRequired?: boolean } = {}): SignInInputs {
  const subscriptionId = guidInput(source, 'subscription-id', env.AZURE_SUBSCRIPTION_ID, true)!;
  const resourceGroup = optionalString(source, 'resource-group') ?? '';
  if (!RESOURCE_GROUP.test(resourceGroup) || resourceGroup.endsWith('.')) {
    throw new InputError('resource-group', resourceGroup, 'expected 1-90 letters, digits, underscores, hyphens, periods or parentheses, not ending in a period');
  }
  const workspace = optionalString(source, 'workspace') ?? '';
  if (workspace === '' && options.workspaceRequired === false) {
    // allowed: e.g. a step that only reads subscription-level data
  } else if (!WORKSPACE.test(workspace)) {
    throw new InputError('workspace', workspace, 'expected 3-33 characters: letters, digits, hyphens or underscores, starting with a letter or digit');
  }
  const clientId = guidInput(source, 'client-id', undefined, false);
  const tenantId = guidInput(source, 'tenant-id', undefined, false);
  const auth = choiceInput(source, 'auth', AUTH_METHODS, 'auto');
  if (auth === 'oidc' && (clientId === undefined || tenantId === undefined)) {
    throw new InputError('auth', auth, "OpenID Connect needs 'client-id' and 'tenant-id' (the app registration with a federated credential for this repository)");
  }
  const cloud = optionalString(source, 'cloud') ?? 'AzureCloud';
  return {
    subscriptionId,
    resourceGroup,
    workspace,
    ...(clientId !== undefined ? { clientId } : {}),
    ...(tenantId !== undefined ? { tenantId } : {}),
    auth,
    cloud,
  };
}
