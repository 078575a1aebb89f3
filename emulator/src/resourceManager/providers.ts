// Resource provider registration: GET one or all, POST register (Registering -> Registered after a while).

import type { EmulatorCore } from '../core.js';
import { ArmError } from './armErrors.js';
import type { ArmContext, ArmRouteSpec } from './armRouter.js';

export const knownProviders: Record<string, string[]> = {
  'Microsoft.MachineLearningServices': ['workspaces', 'workspaces/computes', 'workspaces/onlineEndpoints', 'workspaces/onlineEndpoints/deployments', 'workspaces/serverlessEndpoints', 'workspaces/jobs', 'workspaces/connections', 'locations/usages', 'locations/quotas', 'locations/vmSizes'],
  'Microsoft.Network': ['virtualNetworks', 'privateEndpoints'],
  'Microsoft.ManagedIdentity': ['userAssignedIdentities'],
  'Microsoft.Authorization': ['roleAssignments', 'roleDefinitions'],
  'Microsoft.Storage': ['storageAccounts'],
  'Microsoft.KeyVault': ['vaults'],
  'Microsoft.ContainerRegistry': ['registries'],
  'Microsoft.Insights': ['components'],
  'Microsoft.OperationalInsights': ['workspaces'],
  'Microsoft.Resources': ['resourceGroups', 'deployments'],
  'Microsoft.Compute': ['virtualMachines'],
};

const providerId = (sub: string, namespace: string) => `/subscriptions/${sub}/providers/${namespace}`;

/** Puts every known provider in the store, registered unless the options say otherwise. */
export function seedProviders(core: EmulatorCore): void {
  const regions = Object.keys(core.options.quota);
  for (const [namespace, types] of Object.entries(knownProviders)) {
    const id = providerId(core.options.subscriptionId, namespace);
    const registered = !core.options.unregisteredProviders.includes(namespace.toLowerCase());
    core.store.put({
      id,
      name: namespace,
      type: 'Microsoft.Resources/providers',
      body: {
        id,
        namespace,
        registrationState: registered ? 'Registered' : 'NotRegistered',
        registrationPolicy: 'RegistrationRequired',
        resourceTypes: types.map((resourceType) => ({ resourceType, locations: regions, apiVersions: ['2025-12-01', '2024-10-01-preview', '2024-04-01', '2022-10-01'] })),
      },
    });
  }
}

function find(ctx: ArmContext) {
  const namespace = Object.keys(knownProviders).find((n) => n.toLowerCase() === ctx.params.namespace!.toLowerCase());
  const provider = namespace ? ctx.core.store.get(providerId(ctx.core.options.subscriptionId, namespace)) : undefined;
  if (!provider) throw new ArmError(404, 'InvalidResourceNamespace', `The resource namespace '${ctx.params.namespace}' is invalid.`);
  return provider;
}

export const providerRoutes: ArmRouteSpec[] = [
  {
    method: 'GET',
    path: '/subscriptions/{sub}/providers',
    family: 'resources',
    handle: (ctx) => ({ status: 200, body: { value: ctx.core.store.all('Microsoft.Resources/providers').map((p) => p.body) } }),
  },
  { method: 'GET', path: '/subscriptions/{sub}/providers/{namespace}', family: 'resources', handle: (ctx) => ({ status: 200, body: find(ctx).body }) },
  {
    method: 'POST',
    path: '/subscriptions/{sub}/providers/{namespace}/register',
    family: 'resources',
    handle: (ctx) => {
      const provider = find(ctx);
      if (provider.body.registrationState === 'NotRegistered' || provider.body.registrationState === 'Unregistered') {
        provider.body.registrationState = 'Registering';
        ctx.core.store.schedule(Date.now() + ctx.core.options.timing.providerRegistrationMs, () => {
          provider.body.registrationState = 'Registered';
        });
      }
      return { status: 200, body: provider.body };
    },
  },
];
