// The smoke-test inputs: which target, and the refusals that name the input before any request.
import { describe, expect, it } from 'vitest';
import { parseSmokeTestInputs } from '../../../src/chat/smokeTestInputs.js';
import { InputError, inputsFromRecord } from '../../../src/inputs/parseInputs.js';

const signIn = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws' };
const parse = (values: Record<string, string>) => parseSmokeTestInputs(inputsFromRecord(values), {}, '/');
const refusal = (values: Record<string, string>): string => {
  try {
    parse(values);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected an input error');
};

describe('smoke-test inputs', () => {
  it('defaults to an online endpoint and reads a serverless one when asked', () => {
    expect(parse({ ...signIn, endpoint: 'phi3-chat' }).target).toBe('online');
    expect(parse({ ...signIn, endpoint: 'phi3-maas', target: 'serverless' })).toMatchObject({ target: 'serverless', endpoint: 'phi3-maas', format: 'auto' });
  });

  it('refuses a serverless target without an endpoint, with a deployment, or an unknown target, naming the input', () => {
    expect(refusal({ 'scoring-uri': 'https://x.invalid/v1', 'api-key': 'k', target: 'serverless' })).toContain("'target'");
    expect(refusal({ ...signIn, endpoint: 'phi3-maas', target: 'serverless', deployment: 'blue' })).toContain("'deployment'");
    const unknown = refusal({ ...signIn, endpoint: 'phi3-chat', target: 'batch' });
    expect(unknown).toContain("'target'");
    expect(unknown).toContain('batch');
    expect(unknown).toContain('serverless');
  });
});
