// Each command's flags are exactly its action's inputs (action.yml), minus the inputs listed as Actions-only with a reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ACTION_COMMANDS, INPUTS_WITHOUT_FLAGS } from '../../../cli/commandFlags.js';
import { usage } from '../../../cli/main.js';

const root = join(import.meta.dirname, '..', '..', '..');
const actionInputs = (action: string): string[] => Object.keys((parse(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);

describe('command flags = action inputs', () => {
  const actions = [...new Set(Object.values(ACTION_COMMANDS).map((c) => c.action))];

  it.each(actions)('the commands of actions/%s together take every input as a flag, except the listed Actions-only ones', (action) => {
    const commands = Object.entries(ACTION_COMMANDS).filter(([, c]) => c.action === action);
    const flags = new Set(commands.flatMap(([, c]) => [...c.flags]));
    const without = INPUTS_WITHOUT_FLAGS[action] ?? {};
    expect([...flags, ...Object.keys(without)].sort()).toEqual(actionInputs(action).sort());
    for (const reason of Object.values(without)) expect(reason.length).toBeGreaterThan(20);
  });

  it.each(Object.entries(ACTION_COMMANDS))('amlft %s takes only inputs its action declares, each once', (_command, { action, flags }) => {
    const inputs = actionInputs(action);
    expect(flags.filter((flag) => !inputs.includes(flag))).toEqual([]);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('one command per action mode: finetune and smoke-test take every input of their action', () => {
    expect([...ACTION_COMMANDS.finetune.flags].sort()).toEqual(actionInputs('finetune').sort());
    expect([...ACTION_COMMANDS['smoke-test'].flags].sort()).toEqual(actionInputs('smoke-test').sort());
  });

  it('--help lists every command and documents --fault, --list-faults and --json', () => {
    const text = usage();
    for (const command of [...Object.keys(ACTION_COMMANDS), 'pipeline', 'emulator']) expect(text).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(text).toContain('--fault <name>');
    expect(text).toContain('--list-faults');
    expect(text).toContain('--json prints one JSON object');
    expect(text).toContain('Exit codes: 0 success, 1 failed, 2 usage error');
  });
});
