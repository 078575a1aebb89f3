// Scans message content for things that should not be trained on: chat-template tokens and secrets.

/**
 * Code-unit pairs (or single units) that every match of one scanner contains, bit i for entry i: the WebAssembly
 * kernel reports which of them a content holds while it counts its tokens (assembly/tokenKernel.ts, findMarkers), and
 * a scanner whose marker is absent is skipped. Without that report (ALL_MARKERS), every scanner runs.
 */
export const CONTENT_MARKERS = ['<|', '--', 'IA', '_', 'k-', 'xo', 'y=', 'g=', 'Iz', 'yJ'] as const;
export const ALL_MARKERS = (1 << CONTENT_MARKERS.length) - 1;
const marker = (text: (typeof CONTENT_MARKERS)[number]): number => 1 << CONTENT_MARKERS.indexOf(text);

/** Literal control tokens of common chat templates: in content they confuse the template. */
const TEMPLATE_TOKEN = /<\|(?:user|assistant|system|end|endoftext|im_start|im_end|im_sep|tool|tool_call|placeholder\d+)\|>/;

export function findTemplateToken(content: string, markers = ALL_MARKERS): string | undefined {
  if ((markers & marker('<|')) === 0 || !content.includes('<|')) return undefined;
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
  { kind: 'private key', marker: marker('--'), markers: ['-----'], pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ },
  { kind: 'AWS access key id', marker: marker('IA'), markers: ['AKIA', 'ASIA'], pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'GitHub token', marker: marker('_'), markers: ['_'], pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: 'OpenAI API key', marker: marker('k-'), markers: ['sk-'], pattern: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/ },
  { kind: 'Slack token', marker: marker('xo'), markers: ['xox'], pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'Azure storage account key', marker: marker('y='), markers: ['Key='], pattern: /AccountKey=[A-Za-z0-9+/]{40,}={0,2}/ },
  { kind: 'Azure SAS signature', marker: marker('g='), markers: ['sig='], pattern: /[?&]sig=[A-Za-z0-9%+/]{30,}/ },
  { kind: 'Google API key', marker: marker('Iz'), markers: ['AIza'], pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'JSON Web Token', marker: marker('yJ'), markers: ['eyJ'], pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
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
