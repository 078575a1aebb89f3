// The deploy inputs: defaults, required inputs per mode, every invalid value named.
import { describe, expect, it } from 'vitest';
import { InputError, inputsFromRecord } from '../../../src/inputs/parseInputs.js';
import { modelArmId, parseDeployInputs, parseDeployModel } from '../../../src/serving/deployInputs.js';

const base = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws', endpoint: 'chat-ep' };
const parse = (extra: Record<string, string> = {}) => parseDeployInputs(inputsFromRecord({ ...base, model: 'azureml:phi3-chat-ft:3', ...extra }), {});

describe('parseDeployInputs', () => {
  it('has defaults for everything but the endpoint and model', () => {
    expect(parse()).toMatchObject({ mode: 'deploy', instanceType: 'Standard_NC6s_v3', instanceCount: 1, requestTimeoutMs: 90_000, probeInitialDelaySeconds: 600, mirrorPercent: 0, deleteFailed: true, trafficSteps: [100], environmentVariables: {} });
    expect(parse().model).toEqual({ name: 'phi3-chat-ft', version: '3' });
    expect(parse({ action: 'promote', deployment: 'phi3-v3', 'traffic-steps': '10,50,100' }).trafficSteps).toEqual([10, 50, 100]);
    expect(parse({ action: 'rollback', 'previous-traffic': '{"blue":100}' }).previousTraffic).toEqual({ blue: 100 });
  });

  it.each([
    ['action', 'flip', "allowed: 'deploy', 'promote', 'rollback'"],
    ['endpoint', 'a', 'expected 3-32 characters'],
    ['model', 'phi3', 'expected azureml:<name>:<version>'],
    ['deployment', '1abc', 'starting with a letter'],
    ['traffic-steps', '10,50', 'must end at 100'],
    ['previous-traffic', '{"blue":"x"}', 'whole percentage'],
    ['mirror-percent', '60', '<= 50'],
    ['environment-variables', '{"A":1}', 'JSON object of string values'],
    ['request-timeout-ms', '200000', '<= 180000'],
  ])('%s: %j is refused (%s)', (name, value, message) => {
    const error = (() => {
      try {
        parse({ [name]: value });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain(message);
  });

  it('requires what each mode needs', () => {
    expect(() => parseDeployInputs(inputsFromRecord(base), {})).toThrow(/model.*required with action: deploy/);
    expect(() => parse({ action: 'promote' })).toThrow(/required with action: promote/);
    expect(() => parse({ action: 'rollback' })).toThrow(/rollback needs/);
  });

  it('accepts a model ARM id and builds one from azureml:name:version', () => {
    const id = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/models/m/versions/2';
    expect(parseDeployModel(id)).toEqual({ name: 'm', version: '2', armId: id });
    expect(modelArmId(parseDeployModel('azureml:m:2'), { subscriptionId: 's', resourceGroup: 'rg', workspace: 'ws' })).toBe(id);
  });
});
