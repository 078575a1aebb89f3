// The provision action's inputs, parsed and checked against Azure's naming rules before any request.

import { parseSignInInputs, type SignInInputs } from '../azure/signInInputs.js';
import { booleanInput, choiceInput, InputError, integerInput, optionalString, requiredString, type InputSource } from '../inputs/parseInputs.js';

export const WORKSPACE_KINDS = ['default', 'project'] as const;
export type WorkspaceKindInput = (typeof WORKSPACE_KINDS)[number];
export const VM_PRIORITIES = ['dedicated', 'low-priority'] as const;
export type VmPriorityInput = (typeof VM_PRIORITIES)[number];

export interface ProvisionInputs {
  readonly signIn: SignInInputs;
  readonly location: string;
  readonly createResourceGroup: boolean;
  readonly workspaceKind: WorkspaceKindInput;
  /** The hub of a project workspace. */
  readonly hub?: string;
  readonly compute: string;
  readonly vmSize: string;
  readonly vmPriority: VmPriorityInput;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly idleSeconds: number;
  readonly identity: string;
  readonly attachIdentity: boolean;
  readonly assignRoles: boolean;
  readonly servingVmSize: string;
  readonly servingInstances: number;
  readonly checkQuota: boolean;
  readonly dryRun: boolean;
}

export interface NameRule {
  readonly pattern: RegExp;
  readonly rule: string;
}

/** Azure's rules for the names the user picks. */
export const NAME_RULES = {
  workspace: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,32}$/, rule: 'expected 3-33 characters: letters, digits, hyphens or underscores, starting with a letter or digit' },
  compute: { pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,15}$/, rule: 'expected 2-16 characters: letters, digits or hyphens, starting with a letter (Azure ML compute names)' },
  identity: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/, rule: 'expected 3-128 characters: letters, digits, hyphens or underscores, starting with a letter or digit' },
  location: { pattern: /^[a-z][a-z0-9]{2,39}$/, rule: "expected an Azure region name such as 'eastus2' (lowercase letters and digits)" },
  vmSize: { pattern: /^Standard_[A-Za-z0-9_]+$/, rule: "expected an Azure VM size such as 'Standard_NC24ads_A100_v4'" },
} satisfies Record<string, NameRule>;

export function checkName(input: string, value: string, rule: NameRule): string {
  if (!rule.pattern.test(value)) throw new InputError(input, value, rule.rule);
  return value;
}

export function parseProvisionInputs(source: InputSource, env: NodeJS.ProcessEnv): ProvisionInputs {
  const signIn = parseSignInInputs(source, env);
  // 'East US 2' is how the portal shows it; Resource Manager wants 'eastus2'.
  const location = checkName('location', requiredString(source, 'location').toLowerCase().replace(/\s+/g, ''), NAME_RULES.location);
  const workspaceKind = choiceInput(source, 'workspace-kind', WORKSPACE_KINDS, 'default');
  const hubInput = optionalString(source, 'hub');
  if (hubInput !== undefined && workspaceKind !== 'project') throw new InputError('hub', hubInput, "only used with workspace-kind: project (leave it empty for a default workspace)");
  const hub = workspaceKind === 'project' ? checkName('hub', hubInput ?? `${signIn.workspace.slice(0, 29)}-hub`, NAME_RULES.workspace) : undefined;
  if (hub !== undefined && hub.toLowerCase() === signIn.workspace.toLowerCase()) throw new InputError('hub', hub, 'the hub needs a name of its own, different from workspace');
  const compute = checkName('compute', optionalString(source, 'compute') ?? 'gpu-cluster', NAME_RULES.compute);
  const vmSize = checkName('vm-size', optionalString(source, 'vm-size') ?? 'Standard_NC24ads_A100_v4', NAME_RULES.vmSize);
  const vmPriority = choiceInput(source, 'vm-priority', VM_PRIORITIES, 'dedicated');
  const minNodes = integerInput(source, 'min-nodes', { min: 0, max: 1000, default: 0 });
  const maxNodes = integerInput(source, 'max-nodes', { min: 1, max: 1000, default: 1 });
  if (minNodes > maxNodes) throw new InputError('min-nodes', String(minNodes), `expected at most max-nodes (${maxNodes})`);
  const idleSeconds = integerInput(source, 'idle-seconds', { min: 0, max: 7 * 24 * 3600, default: 120 });
  const identity = checkName('identity', optionalString(source, 'identity') ?? `${signIn.workspace}-identity`, NAME_RULES.identity);
  const servingVmSize = checkName('serving-vm-size', optionalString(source, 'serving-vm-size') ?? 'Standard_NC6s_v3', NAME_RULES.vmSize);
  const servingInstances = integerInput(source, 'serving-instances', { min: 0, max: 100, default: 1 });
  return {
    signIn,
    location,
    createResourceGroup: booleanInput(source, 'create-resource-group', false),
    workspaceKind,
    ...(hub !== undefined ? { hub } : {}),
    compute,
    vmSize,
    vmPriority,
    minNodes,
    maxNodes,
    idleSeconds,
    identity,
    attachIdentity: booleanInput(source, 'attach-identity', true),
    assignRoles: booleanInput(source, 'assign-roles', true),
    servingVmSize,
    servingInstances,
    checkQuota: booleanInput(source, 'check-quota', true),
    dryRun: booleanInput(source, 'dry-run', false),
  };
}
