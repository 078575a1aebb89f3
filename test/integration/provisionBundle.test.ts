// The bundled provision action run as a process against the emulator, the way the runner runs it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/src/index.js';
import { startTestEmulator } from '../emulator/helpers.js';
import { runBundle } from '../helpers/runBundle.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator?.stop());

const run = (inputs: Record<string, string>) =>
  runBundle('provision', {
    cwd: mkdtempSync(join(tmpdir(), 'amlft-provision-')),
    env: { ...emulator.env, GITHUB_REPOSITORY: 'octo/phi3-chat', GITHUB_SHA: 'abc123', GITHUB_RUN_ID: '77' },
    inputs: {
      'subscription-id': emulator.env.AZURE_SUBSCRIPTION_ID!,
      'resource-group': 'rg-bundle',
      workspace: 'mlws',
      location: 'eastus2',
      'create-resource-group': 'true',
      auth: 'secret',
      cloud: emulator.url,
      ...inputs,
    },
    timeoutMs: 90_000,
  });

const writes = (from: number) => emulator.requests.slice(from).filter((r) => r.host === 'arm' && ['PUT', 'POST', 'PATCH', 'DELETE'].includes(r.method));

describe('actions/provision bundle', () => {
  it('a dry run plans and writes nothing; a real run provisions; a re-run changes nothing; a bad name fails in one line', async () => {
    let from = emulator.requests.length;
    const dry = await run({ 'dry-run': 'true' });
    expect(dry.exitCode, dry.stdout + dry.stderr).toBe(0);
    expect(writes(from)).toEqual([]);
    expect(dry.summary).toContain('| workspace | mlws | create |');
    expect(dry.outputs.changes).toBe('0');

    from = emulator.requests.length;
    const real = await run({});
    expect(real.exitCode, real.stdout + real.stderr).toBe(0);
    expect(Number(real.outputs.changes)).toBe(11);
    expect(writes(from)).toHaveLength(11);
    expect(real.outputs['identity-principal-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(real.outputs['workspace-guid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(real.summary).toContain('### Quota in eastus2');
    // Every resource carries the run's tags.
    const ws = emulator.state.resource(real.outputs['workspace-id']!)!;
    expect(ws.tags).toMatchObject({ 'created-by': 'amlft', repository: 'octo/phi3-chat', commit: 'abc123' });

    from = emulator.requests.length;
    const again = await run({});
    expect(again.exitCode).toBe(0);
    expect(again.outputs.changes).toBe('0');
    expect(writes(from)).toEqual([]);
    expect(again.stdout).toContain('Nothing changed');

    const bad = await run({ compute: 'gpu_cluster' });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toContain("::error::provision: input 'compute': 'gpu_cluster' is not valid; expected 2-16 characters");
  }, 120_000);
});
