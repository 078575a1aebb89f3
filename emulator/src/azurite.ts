// Runs real Azurite (Blob) as a child process on 127.0.0.1 over our TLS certificate, and stops it without orphans.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { azuriteAccount } from './options.js';
import { azuriteGuardSource, blockedMarker } from './loopbackGuard.js';
import { loopbackRequest } from './loopbackClient.js';

export interface AzuriteHandle {
  readonly port: number;
  /** Process id of the Azurite child. */
  readonly pid: number;
  /** `https://127.0.0.1:<port>/devstoreaccount1` (Azurite's path-style account URL). */
  readonly accountUrl: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** Non-loopback connections Azurite attempted (and the guard refused). */
  readonly blockedOutbound: string[];
  createContainer(name: string): Promise<void>;
  putBlob(container: string, path: string, content: string): Promise<void>;
  stop(): Promise<void>;
}

export interface AzuriteStart {
  dataDir: string;
  certFile: string;
  keyFile: string;
  ca: string;
  /** Mints a bearer token Azurite accepts (aud https://storage.azure.com). */
  storageToken: () => string;
}

const startTimeoutMs = 20_000;

export async function startAzurite(start: AzuriteStart): Promise<AzuriteHandle> {
  const require = createRequire(import.meta.url);
  const mainPath = require.resolve('azurite/dist/src/blob/main.js');
  const workDir = join(start.dataDir, 'azurite');
  mkdirSync(workDir, { recursive: true });
  const guardFile = join(start.dataDir, 'azurite-loopback-guard.cjs');
  writeFileSync(guardFile, azuriteGuardSource);

  const args = [
    '--require',
    guardFile,
    mainPath,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--inMemoryPersistence',
    '--disableTelemetry',
    '--skipApiVersionCheck',
    '--silent',
    '--oauth',
    'basic',
    '--cert',
    start.certFile,
    '--key',
    start.keyFile,
  ];
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // a parent's --inspect or loaders must not leak into Azurite
  const child = spawn(process.execPath, args, { cwd: workDir, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const blockedOutbound: string[] = [];
  let output = '';

  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n')) {
        if (line.startsWith(blockedMarker)) blockedOutbound.push(line.slice(blockedMarker.length + 1).trim());
      }
      const match = /successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    function fail(error: Error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => fail(new Error(`Azurite exited early (code ${code}, signal ${signal}):\n${output}`)));
    child.once('error', fail);
  }).catch((error: unknown) => {
    process.off('exit', killOnExit);
    throw error;
  });
  child.removeAllListeners('exit');

  const accountUrl = `https://127.0.0.1:${port}/${azuriteAccount.name}`;
  const send = async (method: string, url: string, headers: Record<string, string>, body?: string) => {
    const res = await loopbackRequest(url, {
      method,
      ca: start.ca,
      headers: { Authorization: `Bearer ${start.storageToken()}`, 'x-ms-version': '2023-11-03', 'x-ms-date': new Date().toUTCString(), ...headers },
      ...(body !== undefined ? { body } : {}),
    });
    if (res.status >= 300 && !(res.status === 409 && method === 'PUT' && url.includes('restype=container'))) {
      throw new Error(`Azurite ${method} ${url}: ${res.status} ${res.text.slice(0, 300)}`);
    }
  };

  return {
    port,
    pid: child.pid!,
    accountUrl,
    accountName: azuriteAccount.name,
    accountKey: azuriteAccount.key,
    blockedOutbound,
    createContainer: (name) => send('PUT', `${accountUrl}/${name}?restype=container`, {}),
    putBlob: (container, path, content) =>
      send('PUT', `${accountUrl}/${container}/${path.split('/').map(encodeURIComponent).join('/')}`, { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'text/plain' }, content),
    stop: () => stopChild(child, killOnExit),
  };
}

async function stopChild(child: ChildProcess, killOnExit: () => void): Promise<void> {
  process.off('exit', killOnExit);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Closing the IPC channel makes the guard exit Azurite; signals are the fallback.
  if (child.connected) child.disconnect();
  const escalate = [
    setTimeout(() => child.kill('SIGTERM'), 2_000),
    setTimeout(() => child.kill('SIGKILL'), 4_000),
  ];
  await exited;
  for (const timer of escalate) clearTimeout(timer);
}
