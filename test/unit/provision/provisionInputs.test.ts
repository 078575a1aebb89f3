// Inputs are checked against Azure's naming rules before any request; every error names the input and the rule.
import { describe, expect, it } from 'vitest';
import { inputsFromRecord, InputError } from '../../../src/inputs/parseInputs.js';
import { parseProvisionInputs } from '../../../src/provision/provisionInputs.js';

const base = { 'subscription-id': 'aaaaaaaa-0000-4000-8000-000000000002', 'resource-group': 'rg-ml', workspace: 'mlws', location: 'eastus2' };
const parse = (extra: Record<string, string> = {}) => parseProvisionInputs(inputsFromRecord({ ...base, ...extra }), {});

describe('parseProvisionInputs', () => {
  it('applies the issue defaults', () => {
    expect(parse()).toMatchObject({
      location: 'eastus2',
      createResourceGroup: false,
      workspaceKind: 'default',
      compute: 'gpu-cluster',
      vmSize: 'Standard_NC24ads_A100_v4',
      vmPriority: 'dedicated',
      minNodes: 0,
      maxNodes: 1,
      idleSeconds: 120,
      identity: 'mlws-identity',
      attachIdentity: true,
      assignRoles: true,
      servingVmSize: 'Standard_NC6s_v3',
      servingInstances: 1,
      checkQuota: true,
      dryRun: false,
    });
    expect(parse().hub).toBeUndefined();
  });

  it('accepts a portal-style region and a project with a default hub name', () => {
    expect(parse({ location: 'East US 2', 'workspace-kind': 'project' })).toMatchObject({ location: 'eastus2', workspaceKind: 'project', hub: 'mlws-hub' });
  });

  it.each<[Record<string, string>, string, RegExp]>([
    [{ compute: 'x' }, 'compute', /2-16 characters/],
    [{ compute: '1gpu' }, 'compute', /starting with a letter/],
    [{ compute: 'gpu-cluster-a100-x' }, 'compute', /2-16 characters/],
    [{ compute: 'gpu_cluster' }, 'compute', /letters, digits or hyphens/],
    [{ workspace: 'ws' }, 'workspace', /3-33 characters/],
    [{ workspace: '-ws' }, 'workspace', /starting with a letter or digit/],
    [{ identity: 'id' }, 'identity', /3-128/],
    [{ location: '' }, 'location', /required/],
    [{ location: 'east-us' }, 'location', /region name/],
    [{ 'vm-size': 'NC24' }, 'vm-size', /Standard_/],
    [{ 'min-nodes': '2' }, 'min-nodes', /at most max-nodes \(1\)/],
    [{ 'max-nodes': '0' }, 'max-nodes', />= 1/],
    [{ 'vm-priority': 'spot' }, 'vm-priority', /'dedicated', 'low-priority'/],
    [{ 'workspace-kind': 'hub' }, 'workspace-kind', /'default', 'project'/],
    [{ hub: 'my-hub' }, 'hub', /only used with workspace-kind: project/],
    [{ 'workspace-kind': 'project', hub: 'mlws' }, 'hub', /name of its own/],
    [{ 'dry-run': 'maybe' }, 'dry-run', /'true' or 'false'/],
  ])('rejects %j naming the input', (extra, input, rule) => {
    try {
      parse(extra);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).input).toBe(input);
      expect((error as Error).message).toMatch(rule);
    }
  });
});
