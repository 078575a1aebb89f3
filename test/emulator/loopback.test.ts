// Nothing leaves 127.0.0.1: a whole flow opens loopback connections only, and Azurite's guard blocks the rest.

import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import { ClientSecretCredential } from '@azure/identity';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackRequest, watchOutboundConnections, type Emulator } from '../../emulator/src/index.js';
import { azuriteGuardSource, blockedMarker } from '../../emulator/src/loopbackGuard.js';
import { ArmTestClient, startTestEmulator, trustEmulator, waitFor } from './helpers.js';

const watcher = watchOutboundConnections();
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startTestEmulator({ azurite: true, timing: { retryAfterSeconds: 0 } });
});
afterAll(async () => {
  await emulator?.stop();
  watcher.stop();
});

describe('loopback only', () => {
  it('opens connections to 127.0.0.1 only, through every stand-in and SDK', async () => {
    const arm = new ArmTestClient(emulator);
    const ws = await arm.createWorkspace();
    const credential = new ClientSecretCredential(emulator.env.AZURE_TENANT_ID!, emulator.env.AZURE_CLIENT_ID!, emulator.env.AZURE_CLIENT_SECRET!, {
      authorityHost: emulator.url,
      disableInstanceDiscovery: true,
      additionalPolicies: [trustEmulator(emulator)],
    });
    const client = new AzureMachineLearningWorkspaces(credential, emulator.env.AZURE_SUBSCRIPTION_ID!, { $host: emulator.url, endpoint: emulator.url, additionalPolicies: [trustEmulator(emulator)] });
    const model = await arm.createModel(ws.id);
    await client.onlineEndpoints.beginCreateOrUpdateAndWait('rg', 'mlws', 'loop-ep', { location: 'eastus2', properties: { authMode: 'Key' } }, { updateIntervalInMs: 20 });
    await arm.createDeployment(`${ws.id}/onlineEndpoints/loop-ep`, 'blue', model);
    await arm.setTraffic(`${ws.id}/onlineEndpoints/loop-ep`, { blue: 100 });
    const keys = await client.onlineEndpoints.listKeys('rg', 'mlws', 'loop-ep');
    const scored = await loopbackRequest(`${emulator.url}/inference/eastus2/loop-ep/score`, {
      method: 'POST',
      ca: emulator.ca,
      headers: { Authorization: `Bearer ${keys.primaryKey}` },
      body: { input_data: { input_string: [{ role: 'user', content: 'Who founded Microsoft?' }] } },
    });
    expect(scored.status).toBe(200);

    process.env.ACTIONS_ID_TOKEN_REQUEST_URL = emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = emulator.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
    expect(await core.getIDToken('api://AzureADTokenExchange')).toMatch(/^ey/);
    await getOctokit('ghs_x', { baseUrl: emulator.githubUrl }).rest.issues.createComment({ owner: 'octo', repo: 'repo', issue_number: 1, body: 'hello' });

    expect(watcher.attempts.length).toBeGreaterThan(5);
    expect(watcher.nonLoopback()).toEqual([]);
    expect(new Set(watcher.attempts.map((a) => a.host))).toEqual(new Set(['127.0.0.1']));
    expect(emulator.state.azuriteBlockedOutbound()).toEqual([]);
  });

  it('the loopback client refuses any other host before connecting', async () => {
    const before = watcher.attempts.length;
    await expect(loopbackRequest('https://management.azure.com/subscriptions')).rejects.toThrow(/only talks to 127.0.0.1/);
    expect(watcher.attempts.length).toBe(before);
  });
});

describe("Azurite's guard", () => {
  it('refuses and reports a non-loopback connection before any packet is sent, and lets loopback through', () => {
    const dir = mkdtempSync(join(tmpdir(), 'amlft-guard-'));
    // A stub stands in for the real connect, so even a broken guard could not send anything.
    writeFileSync(join(dir, 'stub.cjs'), "const net = require('node:net'); net.Socket.prototype.connect = function (...a) { const o = Array.isArray(a[0]) ? a[0][0] : a[0]; process.stdout.write('REAL ' + o.host + '\\n'); return this; };");
    writeFileSync(join(dir, 'guard.cjs'), azuriteGuardSource);
    const code = "const net = require('node:net'); net.connect({ host: '203.0.113.5', port: 443 }).on('error', (e) => console.log('ERR ' + e.message)); net.connect({ host: '127.0.0.1', port: 9 });";
    const run = spawnSync(process.execPath, ['--require', join(dir, 'stub.cjs'), '--require', join(dir, 'guard.cjs'), '-e', code], { encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    expect(run.stdout).toContain('REAL 127.0.0.1');
    expect(run.stdout).not.toContain('REAL 203.0.113.5');
    expect(run.stdout).toContain('ERR amlft emulator: connection to 203.0.113.5 blocked');
    expect(run.stderr).toContain(`${blockedMarker} 203.0.113.5:443`);
  });
});

describe('no orphan', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('a guarded child (as Azurite runs) exits when the process that started it is killed outright', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amlft-orphan-'));
    writeFileSync(join(dir, 'guard.cjs'), azuriteGuardSource);
    // The middle process starts the guarded child the way the emulator starts Azurite (an IPC channel), then is SIGKILLed.
    const middle = `const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['--require', ${JSON.stringify(join(dir, 'guard.cjs'))}, '-e', 'setInterval(() => {}, 1000)'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
      console.log('CHILD=' + child.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', middle], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const pid = Number((await waitFor(() => /CHILD=(\d+)/.exec(out), (m) => m !== null))![1]);
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await waitFor(() => alive(pid), (a) => !a);
    rmSync(dir, { recursive: true, force: true });
  });
});
