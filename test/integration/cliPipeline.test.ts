// `amlft pipeline` without --emulator: the stages run in-process through the CLI's commands (the library), against an Azure
// the terminal reaches (here an emulator started by the test, its env exported as a user would), from a fresh subscription.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { startTestEmulator } from '../emulator/helpers.js';

const root = join(import.meta.dirname, '..', '..');
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: true });
}, 60_000);
afterAll(() => emulator?.stop());

/** bin/amlft.mjs as a process (NODE_EXTRA_CA_CERTS is read at process start only, and the blob client has no other trust). */
function amlft(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'amlft.mjs'), ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, ...emulator.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('amlft pipeline (in-process stages)', () => {
  it('provisions, uploads, fine-tunes, deploys, smoke-tests and promotes on a fresh subscription', async () => {
    const run = await amlft([
      'pipeline', '--train-file', 'examples/data/train.jsonl', '--validation-file', 'examples/data/validation.jsonl',
      '--subscription-id', emulator.env.AZURE_SUBSCRIPTION_ID!, '--resource-group', 'rg-cli-pipeline', '--workspace', 'clipipe', '--auth', 'secret', '--cloud', emulator.url,
      '--provision', '--location', 'eastus2', '--endpoint', 'clipipe-chat', '--traffic-steps', '100', '--expect-contains', 'Bill Gates', '--json',
    ]);
    expect(run.code, run.stderr.slice(-3000)).toBe(0);
    const outcome = JSON.parse(run.stdout) as { passed: boolean; traffic: Record<string, number>; reply: string; stages: { id: string; ok: boolean; outputs: Record<string, string> }[] };
    expect(outcome.passed).toBe(true);
    expect(outcome.stages.map((s) => s.id)).toEqual(['validate', 'provision', 'upload', 'finetune', 'deploy', 'smoke-deployment', 'promote', 'smoke-endpoint']);
    expect(outcome.stages.find((s) => s.id === 'provision')!.outputs.changes).not.toBe('0');
    expect(outcome.traffic).toEqual({ 'phi3-chat-ft-v1': 100 });
    expect(outcome.reply).toContain('Bill Gates');
    // The endpoint really serves the new model with all live traffic.
    const ws = `/subscriptions/${emulator.env.AZURE_SUBSCRIPTION_ID}/resourceGroups/rg-cli-pipeline/providers/Microsoft.MachineLearningServices/workspaces/clipipe`;
    const endpoint = emulator.state.resource(`${ws}/onlineEndpoints/clipipe-chat`) as { properties: { traffic: Record<string, number> } };
    expect(endpoint.properties.traffic).toEqual({ 'phi3-chat-ft-v1': 100 });
    for (const secret of emulator.state.secrets()) expect(run.stdout.includes(secret) || run.stderr.includes(secret)).toBe(false);
  }, 180_000);
});
