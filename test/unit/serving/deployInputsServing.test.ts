// The deploy inputs added for issue #6's last parts: target, connection-name, github-token / github-environment, delete-old / keep-previous.
import { describe, expect, it } from 'vitest';
import { InputError, inputsFromRecord } from '../../../src/inputs/parseInputs.js';
import { parseDeployInputs, parseDeployModel } from '../../../src/serving/deployInputs.js';
import { customKeysConnectionBody } from '../../../src/serving/promptflowConnection.js';
import { serverlessEndpointBody } from '../../../src/serving/serverlessAzure.js';

const base = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws', endpoint: 'chat-ep', model: 'azureml:phi3-chat-ft:3' };
const parse = (extra: Record<string, string> = {}) => parseDeployInputs(inputsFromRecord({ ...base, ...extra }), {});
const inputError = (extra: Record<string, string>): InputError => {
  try {
    parse(extra);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
};

describe('deploy inputs: target, connection, GitHub record, clean-up', () => {
  it('defaults: online, no connection, no record, delete-old off with one previous kept', () => {
    const inputs = parse();
    expect(inputs).toMatchObject({ target: 'online', deleteOld: false, keepPrevious: 1 });
    expect(inputs.connectionName).toBeUndefined();
    expect(inputs.githubToken).toBeUndefined();
    expect(inputs.githubEnvironment).toBeUndefined();
  });

  it('reads the new inputs', () => {
    expect(parse({ action: 'promote', deployment: 'phi3-v3', 'delete-old': 'true', 'keep-previous': '0', 'connection-name': 'phi3_chat', 'github-token': 'ghs_x', 'github-environment': 'production' })).toMatchObject({
      deleteOld: true,
      keepPrevious: 0,
      connectionName: 'phi3_chat',
      githubToken: 'ghs_x',
      githubEnvironment: 'production',
    });
    expect(parse({ target: 'serverless' }).target).toBe('serverless');
    expect(parse({ target: 'serverless', endpoint: 'phi3-chat-finetuned-serverless-eastus2-v1' }).endpoint).toHaveLength(41);
  });

  it.each([
    [{ target: 'maas' }, 'target', "allowed: 'online', 'serverless'"],
    [{ 'connection-name': 'a b' }, 'connection-name', '3-33 characters'],
    [{ 'connection-name': 'phi3-conn', action: 'rollback', deployment: 'phi3-v3' }, 'connection-name', 'deploy or promote'],
    [{ 'delete-old': 'true' }, 'delete-old', 'action: promote only'],
    [{ 'delete-old': 'maybe', action: 'promote', deployment: 'phi3-v3' }, 'delete-old', "'true' or 'false'"],
    [{ 'keep-previous': '-1', action: 'promote', deployment: 'phi3-v3' }, 'keep-previous', '>= 0'],
    [{ target: 'serverless', action: 'promote', deployment: 'phi3-v3' }, 'action', 'supports action: deploy only'],
    [{ target: 'serverless', endpoint: '9maas' }, 'endpoint', 'serverless endpoint name of 3-52 characters'],
    [{ endpoint: 'phi3-chat-finetuned-serverless-eastus2-v1' }, 'endpoint', 'expected 3-32 characters'],
    [{ target: 'serverless', 'traffic-steps': '10,100' }, 'traffic-steps', 'does not apply to target: serverless'],
    [{ target: 'serverless', 'mirror-percent': '10' }, 'mirror-percent', 'does not apply to target: serverless'],
    [{ target: 'serverless', deployment: 'blue-one' }, 'deployment', 'does not apply to target: serverless'],
    [{ target: 'serverless', 'previous-traffic': '{"a":100}' }, 'previous-traffic', 'does not apply to target: serverless'],
  ])('%j is refused, naming %s', (extra, input, allowed) => {
    const error = inputError(extra);
    expect(error.input).toBe(input);
    expect(error.message).toContain(allowed);
  });

  it('target serverless accepts the traffic inputs at their defaults (action.yml always sends them)', () => {
    expect(parse({ target: 'serverless', 'traffic-steps': '100', 'mirror-percent': '0', 'step-wait-seconds': '60' }).target).toBe('serverless');
  });

  it('accepts a registry model URI', () => {
    const uri = 'azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15';
    expect(parseDeployModel(uri)).toEqual({ name: 'Phi-3-mini-4k-instruct', version: '15', armId: uri });
  });
});

describe('request bodies', () => {
  it('a CustomKeys connection: endpoint as metadata (Prompt flow configs), key as credentials.keys (secrets)', () => {
    expect(customKeysConnectionBody('https://ep.example/score', 'k-123')).toEqual({
      properties: { category: 'CustomKeys', authType: 'CustomKeys', target: 'https://ep.example/score', credentials: { keys: { key: 'k-123' } }, metadata: { endpoint: 'https://ep.example/score', 'created-by': 'amlft' }, isSharedToAll: false },
    });
  });

  it('a serverless endpoint: key auth, Consumption sku, the model id', () => {
    expect(serverlessEndpointBody('eastus2', '/subscriptions/s/models/m/versions/1')).toEqual({ location: 'eastus2', sku: { name: 'Consumption' }, properties: { modelSettings: { modelId: '/subscriptions/s/models/m/versions/1' }, authMode: 'Key' } });
  });
});
