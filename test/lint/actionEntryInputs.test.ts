// Each action's entry reads only the inputs its action.yml declares, and action.yml declares nothing the entry
// ignores: the entry's parse function runs over input sets that exercise every mode with a recording InputSource,
// and the names it asked for are compared with action.yml.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSmokeTestInputs } from '../../src/chat/smokeTestInputs.js';
import { parseDatasetInputs } from '../../src/dataset/datasetInputs.js';
import { parseFinetuneInputs } from '../../src/finetune/finetuneInputs.js';
import { inputsFromRecord, type InputSource } from '../../src/inputs/parseInputs.js';
import { parseProvisionInputs } from '../../src/provision/provisionInputs.js';
import { parseDeployInputs } from '../../src/serving/deployInputs.js';
import { repoRoot } from '../helpers/runBundle.js';
import { tempDir, writeTemp } from '../helpers/tempFiles.js';

type Inputs = Record<string, string>;

const subscription = '00000000-0000-0000-0000-000000000001';
const signIn: Inputs = { 'subscription-id': subscription, 'resource-group': 'rg', workspace: 'mlws', 'client-id': '00000000-0000-0000-0000-000000000002', 'tenant-id': '00000000-0000-0000-0000-000000000003', auth: 'oidc', cloud: 'AzureCloud' };
const dir = tempDir('amlft-entry-inputs-');
const casesFile = writeTemp(dir, 'cases.jsonl', '{"messages":[{"role":"user","content":"Hi"}],"contains":["hello"]}\n');

/** Each action: the parse function its entry calls, and input sets covering its modes (each must parse). */
const entries: Record<string, { parse: (source: InputSource) => unknown; inputSets: Inputs[] }> = {
  dataset: {
    parse: (source) => parseDatasetInputs(source, { GITHUB_REPOSITORY: 'octo/amlft' }),
    inputSets: [
      { 'train-file': 'data/train.jsonl', 'validation-file': 'data/validation.jsonl', 'pr-comment': 'auto' },
      { 'train-file': 'data/train.jsonl', 'validation-split': '0.2', seed: '7', strict: 'true', 'max-tokens': '2048' },
      { 'train-file': 'data/train.jsonl', upload: 'true', 'data-name': 'chat', datastore: 'workspaceblobstore', ...signIn },
    ],
  },
  provision: {
    parse: (source) => parseProvisionInputs(source, {}),
    inputSets: [
      { ...signIn, location: 'eastus2', 'dry-run': 'true' },
      { ...signIn, location: 'eastus2', 'workspace-kind': 'project', hub: 'mlws-hub', 'vm-priority': 'low-priority', 'max-nodes': '2' },
    ],
  },
  finetune: {
    parse: (source) => parseFinetuneInputs(source, {}, repoRoot),
    inputSets: [
      { ...signIn, 'train-data': 'azureml:chat-train:1', 'validation-data': 'azureml:chat-validation:1', 'lora-r': '16', 'extra-parameters': '{"max_steps": 10}' },
      { ...signIn, 'train-data': 'azureml:chat-train:1', mode: 'serverless', lora: 'false', wait: 'false' },
      { ...signIn, 'train-data': 'azureml:chat-train:1', 'config-file': 'finetune.config.json', 'job-name': 'ft-1' },
    ],
  },
  deploy: {
    parse: (source) => parseDeployInputs(source, {}),
    inputSets: [
      { ...signIn, action: 'deploy', endpoint: 'phi3-chat', model: 'azureml:phi3-chat-ft:1', 'managed-identity': '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id' },
      { ...signIn, action: 'promote', endpoint: 'phi3-chat', deployment: 'phi3-chat-ft-v1', 'traffic-steps': '10,50,100' },
      { ...signIn, action: 'rollback', endpoint: 'phi3-chat', 'previous-traffic': '{"blue":100}' },
    ],
  },
  'smoke-test': {
    parse: (source) => parseSmokeTestInputs(source, {}, dir),
    inputSets: [
      { ...signIn, endpoint: 'phi3-chat', deployment: 'phi3-chat-ft-v1', prompt: 'Hi', 'expect-contains': 'hello' },
      { 'scoring-uri': 'https://example.invalid/score', 'api-key': 'key', 'cases-file': casesFile, format: 'aml-chat' },
      { ...signIn, endpoint: 'phi3-maas', target: 'serverless' },
    ],
  },
};

function recordingSource(values: Inputs, read: Set<string>): InputSource {
  const source = inputsFromRecord(values);
  return (name) => {
    read.add(name);
    return source(name);
  };
}

function declaredInputs(action: string): string[] {
  const metadata = parse(readFileSync(join(repoRoot, 'actions', action, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> };
  return Object.keys(metadata.inputs).sort();
}

describe.each(Object.keys(entries))('actions/%s', (action) => {
  const entry = entries[action]!;

  it('the entry reads its inputs only through its parse function', () => {
    const main = readFileSync(join(repoRoot, 'actions', action, 'src', 'main.ts'), 'utf8');
    expect(main.match(/core\.get\w*Input\w*\(/g)).toEqual(['core.getInput(']);
    expect(main).toMatch(/parse[A-Za-z]+Inputs\(\(name\) => core\.getInput\(name\)/);
  });

  it('reads exactly the inputs action.yml declares', () => {
    const read = new Set<string>();
    for (const values of entry.inputSets) {
      for (const name of Object.keys(values)) expect(declaredInputs(action), `${name} in a test input set`).toContain(name);
      entry.parse(recordingSource(values, read));
    }
    const declared = declaredInputs(action);
    expect({ readButNotDeclared: [...read].filter((name) => !declared.includes(name)).sort(), declaredButNeverRead: declared.filter((name) => !read.has(name)) }).toEqual({ readButNotDeclared: [], declaredButNeverRead: [] });
  });
});

describe('the recording check', () => {
  it('reports an input the parser reads that action.yml does not declare, and one declared but never read', () => {
    const read = new Set<string>();
    parseDeployInputs(recordingSource({ ...signIn, action: 'promote', endpoint: 'phi3-chat', deployment: 'phi3-chat-ft-v1' }, read), {});
    const declared = [...declaredInputs('deploy').filter((name) => name !== 'traffic-steps'), 'no-such-input'];
    expect([...read].filter((name) => !declared.includes(name))).toEqual(['traffic-steps']);
    expect(declared.filter((name) => !read.has(name))).toEqual(['no-such-input']);
  });
});

it('no library code reads action inputs itself', () => {
  const grep = (dir: string): string[] =>
    readdirRecursive(join(repoRoot, dir)).filter((path) => path.endsWith('.ts') && /core\.get\w*Input\(/.test(readFileSync(path, 'utf8')));
  expect(grep('src')).toEqual([]);
});

function readdirRecursive(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? readdirRecursive(join(dir, entry.name)) : [join(dir, entry.name)]));
}
