// `amlft emulator`: argument parsing, printing the environment, faults by name, and stopping on a signal.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEmulatorArgs, runEmulatorCommand } from '../../emulator/src/command.js';
import { loopbackRequest } from '../../emulator/src/index.js';
import { waitFor } from './helpers.js';

describe('amlft emulator arguments', () => {
  it('parses ports, faults, azurite and files, and answers help and the preset list', () => {
    expect(parseEmulatorArgs(['--port', '8443', '--github-port', '8080', '--fault', 'throttle-arm', '--fault', 'job-fails', '--no-azurite', '--data-dir', '/tmp/x', '--write-env', '/tmp/e'])).toEqual({
      options: { port: 8443, githubPort: 8080, azurite: false, dataDir: '/tmp/x' },
      faultSpecs: ['throttle-arm', 'job-fails'],
      envFile: '/tmp/e',
    });
    expect(parseEmulatorArgs(['--help'])).toMatchObject({ exitCode: 0, message: expect.stringContaining('Usage: amlft emulator') });
    expect(parseEmulatorArgs(['--list-faults'])).toMatchObject({ exitCode: 0, message: expect.stringMatching(/^throttle-arm\s+Every third/m) });
    expect(parseEmulatorArgs(['--bogus'])).toMatchObject({ exitCode: 2, message: expect.stringContaining('unknown option --bogus') });
    expect(parseEmulatorArgs(['--port', 'x'])).toMatchObject({ exitCode: 2, message: expect.stringContaining('--port must be a port number') });
  });
});

describe('amlft emulator', () => {
  it('prints export lines, writes them to a file, serves until the signal, then stops', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const controller = new AbortController();
    const dir = mkdtempSync(join(tmpdir(), 'amlft-cmd-'));
    const envFile = join(dir, 'env.sh');
    const running = runEmulatorCommand(['--no-azurite', '--fault', 'scoring-5xx', '--write-env', envFile], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), signal: controller.signal });
    await waitFor(() => out.join(''), (t) => t.includes('AMLFT_CLOUD'), 15_000);
    const cloud = /export AMLFT_CLOUD='([^']+)'/.exec(out.join(''))![1]!;
    const ca = readFileSync(/export NODE_EXTRA_CA_CERTS='([^']+)'/.exec(out.join(''))![1]!, 'utf8');
    expect(readFileSync(envFile, 'utf8')).toBe(out.join(''));
    expect((await loopbackRequest(`${cloud}/metadata/endpoints`, { ca })).status).toBe(200);
    expect(err.join('')).toContain('faults: scoring-5xx');
    controller.abort();
    expect(await running).toBe(0);
    expect(err.join('')).toContain('stopped');
    await expect(loopbackRequest(`${cloud}/metadata/endpoints`, { ca })).rejects.toThrow();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with a message for an unknown fault', async () => {
    const err: string[] = [];
    const code = await runEmulatorCommand(['--no-azurite', '--fault', 'gremlins'], { stdout: () => undefined, stderr: (t) => err.push(t), signal: new AbortController().signal });
    expect(code).toBe(1);
    expect(err.join('')).toContain('"gremlins" is neither a preset');
  });
});
