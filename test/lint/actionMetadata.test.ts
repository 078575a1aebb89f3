// Every action.yml passes a schema of what this repository relies on (checked with ajv): name, description, runs;
// every input described; composite run steps with a shell. A fixture with a shell-less step is caught precisely.
import { Ajv, type ErrorObject } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/runBundle.js';
import schema from './actionMetadata.schema.json' with { type: 'json' };
import { parseYamlFile, readYamlFile, type YamlFile } from './workflowRules.js';

const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true }).compile(schema);

/** Schema violations as "<file>:<line>: <JSON pointer>: <message>", without ajv's if/anyOf bookkeeping. */
function checkActionMetadata(action: YamlFile): string[] {
  if (validate(action.data)) return [];
  const path = (error: ErrorObject) => error.instancePath.split('/').slice(1).map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, '/').replace(/~0/g, '~')));
  return (validate.errors ?? [])
    .filter((error) => error.keyword !== 'if')
    .map((error) => `${action.file}:${action.lineOf(path(error))}: ${error.instancePath || '/'}: ${error.message ?? error.keyword}${error.keyword === 'additionalProperties' ? ` '${String(error.params.additionalProperty)}'` : ''}`);
}

const actions = readdirSync(join(repoRoot, 'actions')).filter((name) => existsSync(join(repoRoot, 'actions', name, 'action.yml')));

describe('action.yml schema', () => {
  it('covers the five actions', () => {
    expect(actions.sort()).toEqual(['dataset', 'deploy', 'finetune', 'provision', 'smoke-test']);
  });

  it.each(actions)('actions/%s/action.yml is valid', (name) => {
    expect(checkActionMetadata(readYamlFile(repoRoot, join(repoRoot, 'actions', name, 'action.yml')))).toEqual([]);
  });

  it('catches a composite run step without shell, naming the file, line and step', () => {
    const fixture = readYamlFile(repoRoot, join(repoRoot, 'test', 'fixtures', 'workflows', 'broken', 'action-missing-shell.yml'));
    expect(checkActionMetadata(fixture)).toEqual(["test/fixtures/workflows/broken/action-missing-shell.yml:12: /runs/steps/0: must have required property 'shell'"]);
  });

  it('catches an undescribed input, a missing description and an unknown key', () => {
    const text = readFileSync(join(repoRoot, 'actions', 'deploy', 'action.yml'), 'utf8')
      .replace(/^description: .*\n/m, '')
      .replace("    description: 'Deployment name.", "    describe: 'Deployment name.");
    const broken = parseYamlFile(text, 'actions/deploy/action.yml (edited)');
    expect(checkActionMetadata(broken)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/: \/: must have required property 'description'$/),
        expect.stringMatching(/: \/inputs\/deployment: must have required property 'description'$/),
        expect.stringMatching(/: \/inputs\/deployment: must NOT have additional properties 'describe'$/),
      ]),
    );
  });
});
