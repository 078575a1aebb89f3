// Generates, at every start, a CA and a 127.0.0.1 server certificate it signed, and writes them to files.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface Certificates {
  /** PEM of the CA: what clients trust (NODE_EXTRA_CA_CERTS). */
  readonly ca: string;
  readonly caFile: string;
  /** PEM of the server certificate (subjectAltName IP:127.0.0.1, DNS:localhost) and its key. */
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export async function createCertificates(dir: string): Promise<Certificates> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 7 * 24 * 3600_000);
  const ca = await generate([{ name: 'commonName', value: 'amlft emulator CA' }], {
    algorithm: 'sha256',
    keyType: 'ec',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    algorithm: 'sha256',
    keyType: 'ec',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  const caFile = join(dir, 'emulator-ca.pem');
  const certFile = join(dir, 'emulator-server-cert.pem');
  const keyFile = join(dir, 'emulator-server-key.pem');
  writeFileSync(caFile, ca.cert);
  writeFileSync(certFile, server.cert);
  writeFileSync(keyFile, server.private, { mode: 0o600 });
  return { ca: ca.cert, caFile, cert: server.cert, key: server.private, certFile, keyFile };
}
