// TLS with a per-start CA, the listeners bound to loopback, the exported environment and its shell form.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatEnv, type Emulator } from '../../emulator/src/index.js';
import { startTestEmulator } from './helpers.js';

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator?.stop());

function get(url: string, ca: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { ...(ca ? { ca } : {}), agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('TLS', () => {
  it('serves https on 127.0.0.1 with a certificate signed by the CA it wrote to caFile', async () => {
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(emulator.caFile, 'utf8')).toBe(emulator.ca);
    expect(emulator.env.NODE_EXTRA_CA_CERTS).toBe(emulator.caFile);
    // A client that trusts only that CA gets through.
    expect(await get(`${emulator.url}/${emulator.env.AZURE_TENANT_ID}/v2.0/.well-known/openid-configuration`, emulator.ca)).toBe(200);
  });

  it('is refused by a client that does not trust the CA', async () => {
    await expect(get(`${emulator.url}/metadata/endpoints`, undefined)).rejects.toThrow(/certificate/i);
  });

  it('names 127.0.0.1 and localhost in the server certificate, and the CA is a CA', async () => {
    const cert = await new Promise<X509Certificate>((resolve, reject) => {
      const req = https.get(`${emulator.url}/metadata/endpoints`, { ca: emulator.ca, agent: false }, (res) => {
        const peer = res.socket as import('node:tls').TLSSocket;
        resolve(peer.getPeerX509Certificate()!);
        res.resume();
      });
      req.on('error', reject);
    });
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(new X509Certificate(emulator.ca).ca).toBe(true);
    expect(cert.checkIssued(new X509Certificate(emulator.ca))).toBe(true);
  });
});

describe('environment', () => {
  it('exports everything a process needs, pointing at loopback', () => {
    expect(Object.keys(emulator.env).sort()).toEqual(
      [
        'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
        'ACTIONS_ID_TOKEN_REQUEST_URL',
        'AMLFT_CLOUD',
        'AZURE_AUTHORITY_HOST',
        'AZURE_CLIENT_ID',
        'AZURE_CLIENT_SECRET',
        'AZURE_SUBSCRIPTION_ID',
        'AZURE_TENANT_ID',
        'GITHUB_API_URL',
        'IDENTITY_ENDPOINT',
        'IDENTITY_HEADER',
        'NODE_EXTRA_CA_CERTS',
      ].sort(),
    );
    expect(emulator.env.AMLFT_CLOUD).toBe(emulator.url);
    expect(emulator.env.AZURE_AUTHORITY_HOST).toBe(emulator.url);
    expect(emulator.env.GITHUB_API_URL).toBe(emulator.githubUrl);
    expect(emulator.githubUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.env.ACTIONS_ID_TOKEN_REQUEST_URL).toMatch(new RegExp(`^${emulator.githubUrl}/.+\\?api-version=`));
    for (const value of Object.values(emulator.env)) expect(value).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('formats the environment as shell exports, quoting single quotes', () => {
    const text = formatEnv({ env: { B: "it's", A: 'plain' } });
    expect(text).toBe("export A='plain'\nexport B='it'\\''s'");
    expect(formatEnv(emulator).split('\n')).toHaveLength(Object.keys(emulator.env).length);
  });

  it('puts x-ms-request-id and x-ms-correlation-request-id on every HTTPS answer, echoing the client correlation id', async () => {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      https
        .get(`${emulator.url}/metadata/endpoints`, { ca: emulator.ca, agent: false, headers: { 'x-ms-correlation-request-id': 'corr-1' } }, (r) => {
          r.resume();
          resolve(r);
        })
        .on('error', reject);
    });
    expect(res.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-ms-correlation-request-id']).toBe('corr-1');
  });
});
