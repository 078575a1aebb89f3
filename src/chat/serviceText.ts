// Makes what a scoring service answered safe to quote in an error or a log: secrets masked, one line, short.

import { findSecret } from '../dataset/contentScanners.js';

/** The longest quote of a service's answer an error carries. */
export const SERVICE_TEXT_LIMIT = 120;

export const MASK = '***';

/** Every known secret, and the forms an answer may echo it in (JSON- or URL-escaped), replaced by ***. Longest first, so a secret containing another is masked whole. */
export function maskKnownSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'));
    forms.add(encodeURIComponent(secret));
  }
  let masked = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) masked = masked.split(form).join(MASK);
  return masked;
}

// A credential after a word that names one: `Bearer x`, `api-key: x`, `"access_token": "x"`, `sig=x`.
const AUTH_SCHEME = /\b(Bearer|Basic|SharedKey|SharedAccessSignature)\s+[^\s"',;]+/gi;
const NAMED_CREDENTIAL = /\b((?:api[-_]?key|primary[-_]?key|secondary[-_]?key|access[-_]?token|refresh[-_]?token|id[-_]?token|client[-_]?secret|password|secret|token|key|sig|signature|authorization)["']?\s*[:=]\s*["']?)(?!\*\*\*|(?:Bearer|Basic|SharedKey|SharedAccessSignature)\b)[^\s"',;&}]+/gi;
// A long random-looking run (keys, tokens): upper and lower case letters and digits, not a GUID or a path.
const OPAQUE_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function looksLikeKey(run: string): boolean {
  if (GUID.test(run)) return false;
  if (!/[A-Z]/.test(run) || !/[a-z]/.test(run) || !/[0-9]/.test(run)) return false;
  // Paths and URLs have slashes but no base64 padding or plus signs.
  return !run.includes('/') || /[+]|=$/.test(run);
}

/** Masks credential-shaped text: auth headers, `key=value` credentials, the secret kinds the dataset scanner knows, long opaque runs. */
export function maskCredentialShapes(text: string): string {
  let masked = text.replace(AUTH_SCHEME, (_m, scheme: string) => `${scheme} ${MASK}`).replace(NAMED_CREDENTIAL, (_m, prefix: string) => `${prefix}${MASK}`);
  // The dataset scanner names the first credential of a known kind; mask from there to the end of that token, until none is left.
  for (let guard = 0; guard < 50; guard++) {
    const hit = findSecret(masked);
    if (!hit) break;
    const end = hit.kind === 'private key' ? masked.length : hit.offset + (/^[^\s"',;<>]+/.exec(masked.slice(hit.offset))?.[0].length ?? masked.length - hit.offset);
    masked = `${masked.slice(0, hit.offset)}[${hit.kind} masked]${masked.slice(end)}`;
  }
  return masked.replace(OPAQUE_RUN, (run) => (looksLikeKey(run) ? MASK : run));
}

/** The message inside a JSON error body (`message`, `error.message`, `detail`), or the text itself. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (typeof body === 'string') return body;
    const record = body as { message?: unknown; error?: { message?: unknown } | string; detail?: unknown } | null;
    const message = record?.error && typeof record.error === 'object' ? record.error.message : (record?.message ?? record?.error ?? record?.detail);
    if (typeof message === 'string' && message.trim() !== '') return message;
  } catch {
    // Not JSON: quote the text.
  }
  return text;
}

export interface QuoteOptions {
  /** At most this many characters (default SERVICE_TEXT_LIMIT). */
  readonly limit?: number;
  /** Quote only the message of a JSON error body (default true); false quotes the body as it is (a malformed answer's shape matters). */
  readonly messageOnly?: boolean;
}

/**
 * What to quote of a service's answer: its error message when the body is a JSON error, every known secret and
 * anything shaped like a credential masked, on one line, at most `limit` characters. Masking comes before the cut,
 * so no secret is ever cut into an unrecognisable prefix.
 */
export function safeServiceText(text: string, secrets: readonly string[], options: QuoteOptions = {}): string {
  const limit = options.limit ?? SERVICE_TEXT_LIMIT;
  const masked = maskCredentialShapes(maskKnownSecrets(options.messageOnly === false ? text : messageOf(text), secrets));
  const line = masked.replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}
