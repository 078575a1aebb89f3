// Every action.yml is a composite action whose one bash step runs the bundle with every input as INPUT_<NAME>.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/runBundle.js';

interface ActionYaml {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: { id?: string; shell?: string; run?: string; env?: Record<string, string> }[] };
}

const actions = readdirSync(join(repoRoot, 'actions')).filter((name) => existsSync(join(repoRoot, 'actions', name, 'action.yml')));

describe.each(actions)('actions/%s/action.yml', (name) => {
  const action = parse(readFileSync(join(repoRoot, 'actions', name, 'action.yml'), 'utf8')) as ActionYaml;
  const step = action.runs.steps[0]!;

  it('is a composite action with one bash step that runs the committed bundle', () => {
    expect(action.name).toBeTruthy();
    expect(action.description).toBeTruthy();
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps).toHaveLength(1);
    // bash passes INPUT_TRAIN-FILE style variables on to node; sh (dash) drops names with a hyphen.
    expect(step.shell).toBe('bash');
    expect(step.run).toBe('node "${{ github.action_path }}/dist/index.js"');
    expect(existsSync(join(repoRoot, 'actions', name, 'dist', 'index.js'))).toBe(true);
  });

  it('maps every input, and nothing else, to INPUT_<NAME>', () => {
    const expected = Object.fromEntries(Object.keys(action.inputs).map((input) => [`INPUT_${input.toUpperCase()}`, `\${{ inputs.${input} }}`]));
    expect(step.env).toEqual(expected);
  });

  it('documents every input and re-exports every output from the step', () => {
    for (const [input, spec] of Object.entries(action.inputs)) {
      expect(spec.description, input).toBeTruthy();
      expect(input).toMatch(/^[a-z][a-z0-9-]*$/);
    }
    for (const [output, spec] of Object.entries(action.outputs)) {
      expect(spec.description, output).toBeTruthy();
      expect(spec.value).toBe(`\${{ steps.${step.id}.outputs.${output} }}`);
    }
  });
});
