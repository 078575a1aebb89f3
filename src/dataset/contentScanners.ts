// Scans message content for things that should not be trained on: chat-template tokens and secrets.

/**
 * Marker bits: bit i means the content holds a code unit of CONTENT_MARKERS[i].first directly followed by one of
 * CONTENT_MARKERS[i].second ('' = any unit, so a lone first unit). Every match of a scanner contains its marker, so the
 * WebAssembly kernel reports the bits of each content while it counts its tokens (assembly/tokenKernel.ts,
 * findMarkers), and a scanner whose bit is clear is skipped. The kernel may report a bit a content does not hold (the
 * nibble tables admit a few extra pairs), never the reverse. Without that report (ALL_MARKERS), every scanner runs.
 */
export const CONTENT_MARKERS = [
  { first: '<', second: '|' }, // <|user|> ...
  { first: '-k', second: '-' }, // -----BEGIN, sk-
  { first: 'I', second: 'Az' }, // AKIA, ASIA, AIza
  { first: '_', second: '' }, // ghp_, github_pat_
  { first: 'x', second: 'o' }, // xox
  { first: 'yg', second: '=' }, // AccountKey=, sig=
  { first: 'y', second: 'J' }, // eyJ
] as const;
export const ALL_MARKERS = (1 << CONTENT_MARKERS.length) - 1;
const marker = (first: string): number => 1 << CONTENT_MARKERS.findIndex((m) => m.first === first);

/** Whether `content` holds marker `bit` exactly (what the kernel's report over-approximates). */
export function holdsMarker(content: string, bit: number): boolean {
  const { first, second } = CONTENT_MARKERS[bit]!;
  for (let i = 0; i < content.length; i++) {
    if (first.includes(content[i]!) && (second === '' || (i + 1 < content.length && second.includes(content[i + 1]!)))) return true;
  }
  return false;
}

/**
 * The kernel's nibble tables for CONTENT_MARKERS: first units low/high nibble, second units low/high nibble, 16 bytes
 * each. A unit u is in a set of bit k when bit k is set at [u & 15] of the low table and [u >> 4] of the high table.
 */
export function markerNibbleTables(): Uint8Array {
  const tables = new Uint8Array(64);
  CONTENT_MARKERS.forEach(({ first, second }, bit) => {
    const add = (offset: number, units: string): void => {
      for (const unit of units) {
        const code = unit.charCodeAt(0);
        // Units below 0x10 or from 0x80 would collide with the bytes the kernel narrows other units to.
        if (code < 0x10 || code >= 0x80) throw new Error(`content marker unit ${JSON.stringify(unit)} is not printable ASCII`);
        tables[offset + (code & 15)]! |= 1 << bit;
        tables[offset + 16 + (code >> 4)]! |= 1 << bit;
      }
    };
    add(0, first);
    if (second === '') for (let i = 32; i < 64; i++) tables[i]! |= 1 << bit;
    else add(32, second);
  });
  return tables;
}

/** Literal control tokens of common chat templates: in content they confuse the template. */
const TEMPLATE_TOKEN = /<\|(?:user|assistant|system|end|endoftext|im_start|im_end|im_sep|tool|tool_call|placeholder\d+)\|>/;

export function findTemplateToken(content: string, markers = ALL_MARKERS): string | undefined {
  if ((markers & marker('<')) === 0 || !content.includes('<|')) return undefined;
  return TEMPLATE_TOKEN.exec(content)?.[0];
}

interface SecretPattern {
  readonly kind: string;
  /** The CONTENT_MARKERS bit every match contains. */
  readonly marker: number;
  /**
   * Substrings one of which every match contains, tested before the regular expression. Few and
   * short: each is a full pass over the content, and most content contains none of them.
   */
  readonly markers: readonly string[];
  readonly pattern: RegExp;
}

// Each pattern names a kind of credential; the finding never repeats the matched text.
const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: 'private key', marker: marker('-k'), markers: ['-----'], pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ },
  { kind: 'AWS access key id', marker: marker('I'), markers: ['AKIA', 'ASIA'], pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'GitHub token', marker: marker('_'), markers: ['_'], pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: 'OpenAI API key', marker: marker('-k'), markers: ['sk-'], pattern: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/ },
  { kind: 'Slack token', marker: marker('x'), markers: ['xox'], pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'Azure storage account key', marker: marker('yg'), markers: ['Key='], pattern: /AccountKey=[A-Za-z0-9+/]{40,}={0,2}/ },
  { kind: 'Azure SAS signature', marker: marker('yg'), markers: ['sig='], pattern: /[?&]sig=[A-Za-z0-9%+/]{30,}/ },
  { kind: 'Google API key', marker: marker('I'), markers: ['AIza'], pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'JSON Web Token', marker: marker('y'), markers: ['eyJ'], pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
];

export interface SecretHit {
  readonly kind: string;
  /** 0-based character offset of the match in the content. */
  readonly offset: number;
}

export function findSecret(content: string, markers = ALL_MARKERS): SecretHit | undefined {
  for (const secret of SECRET_PATTERNS) {
    if ((markers & secret.marker) === 0 || !secret.markers.some((text) => content.includes(text))) continue;
    const match = secret.pattern.exec(content);
    if (match) return { kind: secret.kind, offset: match.index };
  }
  return undefined;
}
