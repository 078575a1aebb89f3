// RS256 JSON Web Tokens: signing keys, signing, verification and the JWKS documents that publish the keys.

import { createHash, generateKeyPair, sign, verify, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export type JwtClaims = Record<string, unknown> & { exp?: number; nbf?: number; iat?: number; iss?: string; aud?: string | string[]; sub?: string };

const generateRsa = promisify(generateKeyPair);

async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const kid = createHash('sha256').update(der).digest('base64url').slice(0, 27);
  return { kid, privateKey, publicKey };
}

// RSA key generation costs a few hundred milliseconds; one pair per role per process is plenty for an emulator
// (certificates, by contrast, are fresh at every start).
const keyCache = new Map<string, Promise<SigningKey>>();
export function signingKey(role: 'entra' | 'github'): Promise<SigningKey> {
  let key = keyCache.get(role);
  if (!key) {
    key = createSigningKey();
    keyCache.set(role, key);
  }
  return key;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(key: SigningKey, claims: JwtClaims): string {
  const head = b64({ typ: 'JWT', alg: 'RS256', kid: key.kid, x5t: key.kid });
  const body = b64(claims);
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), key.privateKey).toString('base64url');
  return `${head}.${body}.${signature}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: JwtClaims;
}

/** Splits and parses a JWT without checking anything; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims: claims as JwtClaims };
  } catch {
    return undefined;
  }
}

/** True when the token's RS256 signature was made by `key`. */
export function hasValidSignature(token: string, key: SigningKey): boolean {
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header.alg !== 'RS256') return false;
  return verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key.publicKey, Buffer.from(parts[2]!, 'base64url'));
}

export function audiences(claims: JwtClaims): string[] {
  const aud = claims.aud;
  return Array.isArray(aud) ? aud.map(String) : aud === undefined ? [] : [String(aud)];
}

export function jwks(key: SigningKey): { keys: Record<string, unknown>[] } {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, x5t: key.kid }] };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
