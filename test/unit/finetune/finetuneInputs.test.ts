// The finetune inputs: defaults, every invalid value named with what is allowed, extra-parameters warnings.
import { describe, expect, it } from 'vitest';
import { parseFinetuneInputs, parseModelReference } from '../../../src/finetune/finetuneInputs.js';
import { InputError, inputsFromRecord } from '../../../src/inputs/parseInputs.js';

const base = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws', 'train-data': 'azureml:chat-train:1' };
const parse = (extra: Record<string, string> = {}) => parseFinetuneInputs(inputsFromRecord({ ...base, ...extra }), {});

describe('parseFinetuneInputs', () => {
  it('has defaults for everything but the training data', () => {
    const inputs = parse();
    expect(inputs.mode).toBe('managed-compute');
    expect(inputs.compute).toBe('gpu-cluster');
    expect(inputs.model.uri).toBe('azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15');
    expect(inputs.model.description).toContain('pinned');
    expect(inputs.hyperParameters).toMatchObject({ epochs: 1, learningRate: 0.00002, batchSize: 1, lora: true, precision: '32' });
    expect(inputs).toMatchObject({ wait: true, cancelOnAbort: true, cancelOnTimeout: false, timeoutMinutes: 360, pollSeconds: 30, modelName: 'phi3-chat-ft', experiment: 'amlft-finetune' });
    expect(inputs.validationData).toBeUndefined();
    expect(inputs.warnings).toEqual([]);
  });

  it.each([
    ['train-data', '', 'it is required'],
    ['train-data', 'train.jsonl', 'expected a data asset'],
    ['validation-data', 'azureml:bad name:1', 'expected a data asset'],
    ['mode', 'cloud', "allowed: 'managed-compute', 'serverless'"],
    ['managed-job-type', 'sweep', "allowed: 'pipeline', 'finetuning'"],
    ['model', 'Llama-9:x/y', 'expected a registry model name'],
    ['model', 'Some-Unknown-Model', 'no pinned version'],
    ['compute', 'gpu_cluster', 'expected 2-16 characters'],
    ['epochs', '0', 'expected a whole number >= 1 and <= 100'],
    ['epochs', '1.5', 'expected a whole number'],
    ['learning-rate', '0', 'expected a number > 0 and <= 1'],
    ['learning-rate', 'fast', 'expected a number'],
    ['batch-size', '-1', 'expected a whole number >= 1'],
    ['gradient-accumulation-steps', '0', '>= 1'],
    ['lr-scheduler-type', 'exp', "allowed: 'linear'"],
    ['warmup-steps', '-3', '>= 0'],
    ['weight-decay', '2', '<= 1'],
    ['max-seq-length', '8', '>= 16'],
    ['lora', 'maybe', "allowed: 'true' or 'false'"],
    ['lora-r', '0', '>= 1'],
    ['lora-alpha', 'x', 'whole number'],
    ['lora-dropout', '1', '< 1'],
    ['precision', '8', "allowed: '16', '32', 'bf16'"],
    ['gpus-per-node', '17', '<= 16'],
    ['nodes', '0', '>= 1'],
    ['seed', '-1', '>= 0'],
    ['extra-parameters', '{not json', 'expected a JSON object'],
    ['extra-parameters', '[1,2]', 'expected a JSON object'],
    ['extra-parameters', '{"Max-Steps": 3}', 'is not a parameter name'],
    ['extra-parameters', '{"max_steps": {"a": 1}}', 'must be a string, number or boolean'],
    ['experiment', '-exp', 'expected 1-255'],
    ['job-name', 'my job', 'expected 1-240'],
    ['model-name', 'phi3/ft', 'Azure ML model names'],
    ['wait', 'later', "allowed: 'true' or 'false'"],
    ['timeout-minutes', '0', '>= 1'],
    ['poll-seconds', '601', '<= 600'],
    ['cancel-on-abort', 'x', "allowed: 'true' or 'false'"],
    ['cancel-on-timeout', 'x', "allowed: 'true' or 'false'"],
    ['workspace', 'a', 'expected 3-33 characters'],
  ])('%s = %j is refused: %s', (name, value, allowed) => {
    const error = (() => {
      try {
        parse({ [name]: value });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).input).toBe(name);
    expect((error as InputError).message).toContain(allowed);
  });

  it('serverless takes no compute and a registry model; lora-* only with lora', () => {
    expect(() => parse({ mode: 'serverless', compute: 'gpu-cluster' })).toThrow(/input 'compute'.*leave compute empty/);
    expect(() => parse({ mode: 'serverless', model: 'azureml:mine:3' })).toThrow(/serverless fine-tuning takes a registry model/);
    expect(parse({ mode: 'serverless' }).compute).toBeUndefined();
    expect(() => parse({ lora: 'false', 'lora-r': '16' })).toThrow(/input 'lora-r'.*only used with lora: true/);
  });

  it('passes extra-parameters through as strings and warns about unknown keys', () => {
    const inputs = parse({ 'extra-parameters': '{"max_steps": 100, "apply_deepspeed": true, "max_stpes": 5}' });
    expect(inputs.extraParameters).toEqual({ max_steps: '100', apply_deepspeed: 'true', max_stpes: '5' });
    expect(inputs.warnings).toEqual([expect.stringContaining("'max_stpes' is not a parameter the toolkit knows")]);
  });
});

describe('parseModelReference', () => {
  it.each([
    ['Phi-3-mini-4k-instruct', 'azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/15', 'Phi-3-mini-4k-instruct'],
    ['Phi-3-mini-4k-instruct:11', 'azureml://registries/azureml/models/Phi-3-mini-4k-instruct/versions/11', 'Phi-3-mini-4k-instruct'],
    ['azureml://registries/azureml/models/Phi-3-medium-4k-instruct/versions/3', 'azureml://registries/azureml/models/Phi-3-medium-4k-instruct/versions/3', 'Phi-3-medium-4k-instruct'],
    ['azureml:my-base:2', 'azureml:my-base:2', undefined],
    ['/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/models/m/versions/1', '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/models/m/versions/1', undefined],
  ])('%s', (raw, uri, registryName) => {
    const ref = parseModelReference(raw);
    expect(ref.uri).toBe(uri);
    expect(ref.registryName).toBe(registryName);
  });
});
