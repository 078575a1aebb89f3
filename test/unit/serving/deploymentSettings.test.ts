// The deployment settings are defined once: the parsed inputs carry them, and the request gets exactly them.
import { describe, expect, it } from 'vitest';
import { inputsFromRecord } from '../../../src/inputs/parseInputs.js';
import { parseDeployInputs } from '../../../src/serving/deployInputs.js';
import { pickDeploymentSettings } from '../../../src/serving/deploymentSettings.js';

const base = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws', endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:3' };

describe('pickDeploymentSettings', () => {
  it('copies the deployment settings of the parsed inputs and nothing else', () => {
    const inputs = parseDeployInputs(inputsFromRecord({ ...base, 'instance-count': '2', 'environment-variables': '{"A":"1"}', 'mirror-percent': '10', 'managed-identity': '/subscriptions/x/id' }), {});
    expect(pickDeploymentSettings(inputs)).toEqual({
      instanceType: 'Standard_NC6s_v3',
      instanceCount: 2,
      requestTimeoutMs: 90_000,
      maxConcurrentRequests: 1,
      probeInitialDelaySeconds: 600,
      environmentVariables: { A: '1' },
      mirrorPercent: 10,
      deleteFailed: true,
      identityId: '/subscriptions/x/id',
    });
  });

  it('leaves identityId out when no identity was given', () => {
    const inputs = parseDeployInputs(inputsFromRecord(base), {});
    expect('identityId' in pickDeploymentSettings(inputs)).toBe(false);
  });
});
