// The fine-tuning config file: the repository's own file is valid, its values are defaults that explicit inputs beat,
// every error names the file, the JSON pointer, the value and what is allowed, and the schema's limits are the parser's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { FINETUNE_CONFIG_INPUTS, FINETUNE_CONFIG_SCHEMA, FinetuneConfigError, parseFinetuneConfig } from '../../../src/config/finetuneConfig.js';
import { LR_SCHEDULERS, PRECISIONS, FINETUNE_MODES, MANAGED_JOB_TYPES, parseFinetuneInputs } from '../../../src/finetune/finetuneInputs.js';
import { InputError, inputsFromRecord } from '../../../src/inputs/parseInputs.js';
import { repoRoot } from '../../helpers/runBundle.js';
import { tempDir, writeTemp } from '../../helpers/tempFiles.js';

const base = { 'subscription-id': '00000000-0000-0000-0000-000000000001', 'resource-group': 'rg', workspace: 'mlws', 'train-data': 'azureml:chat-train:1' };
const dir = tempDir('amlft-config-');

function withConfig(config: unknown, inputs: Record<string, string> = {}) {
  const file = writeTemp(dir, `c${Math.random().toString(36).slice(2)}.json`, typeof config === 'string' ? config : JSON.stringify(config));
  return parseFinetuneInputs(inputsFromRecord({ ...base, 'config-file': file, ...inputs }), {}, dir);
}

function configError(run: () => unknown): FinetuneConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof FinetuneConfigError) return error;
    throw error;
  }
  throw new Error('expected a FinetuneConfigError, nothing was thrown');
}

describe('the repository finetune.config.json', () => {
  it('is valid and gives the inputs their values', () => {
    const file = JSON.parse(readFileSync(join(repoRoot, 'finetune.config.json'), 'utf8')) as Record<string, unknown>;
    const inputs = parseFinetuneInputs(inputsFromRecord({ ...base, 'config-file': 'finetune.config.json' }), {}, repoRoot);
    expect(inputs.hyperParameters).toMatchObject({
      epochs: file.epochs,
      learningRate: file['learning-rate'],
      batchSize: file['batch-size'],
      gradientAccumulationSteps: file['gradient-accumulation-steps'],
      lrSchedulerType: file['lr-scheduler-type'],
      maxSeqLength: file['max-seq-length'],
      lora: file.lora,
      loraR: file['lora-r'],
      loraAlpha: file['lora-alpha'],
      loraDropout: file['lora-dropout'],
      precision: file.precision,
    });
    expect(inputs.modelName).toBe(file['model-name']);
    expect(inputs.timeoutMinutes).toBe(file['timeout-minutes']);
    expect(inputs.config?.file).toBe('finetune.config.json');
    expect(inputs.config?.applied).toEqual(Object.keys(file).filter((key) => key !== '$schema'));
  });
});

describe('config values are defaults', () => {
  it('an input set explicitly wins, an input left empty takes the file value, a key absent from both keeps the parser default', () => {
    const inputs = withConfig({ epochs: 3, 'learning-rate': 0.0001, 'lr-scheduler-type': 'cosine' }, { epochs: '5', 'learning-rate': '' });
    expect(inputs.hyperParameters.epochs).toBe(5);
    expect(inputs.hyperParameters.learningRate).toBe(0.0001);
    expect(inputs.hyperParameters.lrSchedulerType).toBe('cosine');
    expect(inputs.hyperParameters.batchSize).toBe(1);
    expect(inputs.config?.applied).toEqual(['learning-rate', 'lr-scheduler-type']);
  });

  it('takes booleans, tiny numbers and extra-parameters objects in their JSON form', () => {
    const inputs = withConfig({ lora: false, 'weight-decay': 1e-7, 'extra-parameters': { max_steps: 100, apply_deepspeed: true } });
    expect(inputs.hyperParameters.lora).toBe(false);
    expect(inputs.hyperParameters.weightDecay).toBe(1e-7);
    expect(inputs.extraParameters).toEqual({ max_steps: '100', apply_deepspeed: 'true' });
  });

  it('without config-file nothing is read and nothing is reported', () => {
    const inputs = parseFinetuneInputs(inputsFromRecord(base), {}, dir);
    expect(inputs.config).toBeUndefined();
    expect(inputs.hyperParameters.epochs).toBe(1);
  });
});

describe('config errors name the file, the JSON pointer, the value and what is allowed', () => {
  it.each([
    [{ epochs: 0 }, '/epochs', '0', 'expected a whole number >= 1 and <= 100'],
    [{ epochs: 1.5 }, '/epochs', '1.5', 'expected a whole number'],
    [{ epochs: '3' }, '/epochs', '"3"', 'expected a whole number'],
    [{ 'learning-rate': 0 }, '/learning-rate', '0', 'expected a number > 0 and <= 1'],
    [{ 'lora-dropout': 1 }, '/lora-dropout', '1', 'expected a number >= 0 and < 1'],
    [{ learning_rate: 0.1 }, '/learning_rate', '"learning_rate"', 'unknown key; allowed keys: model, mode'],
    [{ precision: 8 }, '/precision', '8', 'allowed: "16", "32", "bf16"'],
    [{ lora: 'yes' }, '/lora', '"yes"', 'expected true or false'],
    [{ 'model-name': 'phi3/ft' }, '/model-name', '"phi3/ft"', 'expected a string matching'],
    [{ 'extra-parameters': { 'Max-Steps': 3 } }, '/extra-parameters/Max-Steps', '"Max-Steps"', 'expected a parameter name'],
    [{ 'extra-parameters': { max_steps: [1] } }, '/extra-parameters/max_steps', '[1]', 'expected a JSON object of parameter names'],
  ])('%j', (config, pointer, value, allowed) => {
    const error = configError(() => withConfig(config));
    expect(error.pointer).toBe(pointer);
    expect(error.input).toBe('config-file');
    expect(error.message).toMatch(/^config-file '.+\.json' at /);
    expect(error.message).toContain(`at ${pointer}: ${value} is not valid; ${allowed}`);
  });

  it('rules beyond the schema, broken by a file value, are blamed on the file', () => {
    const loraR = configError(() => withConfig({ lora: false, 'lora-r': 16 }));
    expect(loraR.message).toMatch(/at \/lora-r: '16' is not valid; only used with lora: true$/);
    const model = configError(() => withConfig({ model: 'Some-Unknown-Model' }));
    expect(model.message).toMatch(/at \/model: 'Some-Unknown-Model' is not valid; no pinned version is known/);
  });

  it('a bad explicit input stays the input\'s error', () => {
    expect(() => withConfig({ epochs: 2 }, { epochs: '0' })).toThrow(InputError);
    expect(() => withConfig({ epochs: 2 }, { epochs: '0' })).toThrow("input 'epochs': '0' is not valid; expected a whole number >= 1 and <= 100");
  });

  it.each([
    ['{"epochs": 2,}', 'is not valid JSON'],
    ['[1, 2]', 'expected a JSON object of finetune input names to values, got [1,2]'],
  ])('file text %s', (text, message) => {
    expect(configError(() => withConfig(text)).message).toContain(message);
  });

  it('a missing file and a directory', () => {
    expect(configError(() => parseFinetuneInputs(inputsFromRecord({ ...base, 'config-file': 'nope.json' }), {}, dir)).message).toBe(
      "config-file 'nope.json': no such file (paths are relative to the repository root)",
    );
    writeTemp(dir, 'folder/x', '');
    expect(configError(() => parseFinetuneInputs(inputsFromRecord({ ...base, 'config-file': 'folder' }), {}, dir)).message).toContain('is a directory');
  });
});

describe('the schema and the finetune action agree', () => {
  const action = parseYaml(readFileSync(join(repoRoot, 'actions', 'finetune', 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: string; description: string }> };

  it('every schema key is a finetune input whose action.yml default is empty, so the file can set it', () => {
    for (const key of FINETUNE_CONFIG_INPUTS) {
      expect(action.inputs[key], `${key} is not an input of actions/finetune`).toBeDefined();
      expect(action.inputs[key]!.default, `${key}: a non-empty action.yml default would always beat the file`).toBe('');
    }
    expect(action.inputs['config-file']).toBeDefined();
    expect(FINETUNE_CONFIG_SCHEMA.additionalProperties).toBe(false);
    for (const [key, rule] of Object.entries(FINETUNE_CONFIG_SCHEMA.properties)) expect(rule.description, key).toBeTruthy();
  });

  // Every numeric property: at, just inside and just outside each bound, the schema and the parser give the same verdict.
  const numeric = Object.entries(FINETUNE_CONFIG_SCHEMA.properties).filter(([, rule]) => rule.type === 'integer' || rule.type === 'number');
  it.each(numeric)('%s: limits', (key, rule) => {
    const step = rule.type === 'integer' ? 1 : 1e-6;
    const candidates = new Set<number>();
    for (const bound of [rule.minimum, rule.maximum, rule.exclusiveMinimum, rule.exclusiveMaximum]) {
      if (bound !== undefined) for (const v of [bound - step, bound, bound + step]) candidates.add(v);
    }
    if (rule.type === 'integer') candidates.add((rule.minimum ?? 0) + 0.5);
    expect(candidates.size).toBeGreaterThan(3);
    for (const value of candidates) {
      const schemaAccepts = accepts(() => parseFinetuneConfig(JSON.stringify({ [key]: value }), 'f.json'));
      const parserAccepts = accepts(() => parseFinetuneInputs(inputsFromRecord({ ...base, [key]: String(value) }), {}, dir));
      expect({ key, value, schemaAccepts }).toEqual({ key, value, schemaAccepts: parserAccepts });
    }
  });

  it.each([
    ['mode', FINETUNE_MODES],
    ['managed-job-type', MANAGED_JOB_TYPES],
    ['lr-scheduler-type', LR_SCHEDULERS],
    ['precision', PRECISIONS],
  ] as const)('%s: the same choices', (key, choices) => {
    expect(FINETUNE_CONFIG_SCHEMA.properties[key]!.enum).toEqual([...choices]);
  });
});

function accepts(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof InputError) return false;
    throw error;
  }
}
