// Scans message content for things that should not be trained on: chat-template tokens and secrets.

/** Literal control tokens of common chat templates: in content they confuse the template. */
const TEMPLATE_TOKEN = /<\|(?:user|assistant|system|end|endoftext|im_start|im_end|im_sep|tool|tool_call|placeholder\d+)\|>/;

export function findTemplateToken(content: string): string | undefined {
  if (!content.includes('<|')) return undefined;
  return TEMPLATE_TOKEN.exec(content)?.[0];
}

interface SecretPattern {
  readonly kind: string;
  /**
   * Substrings one of which every match contains, tested before the regular expression. Few and
   * short: each is a full pass over the content, and most content contains none of them.
   */
  readonly markers: readonly string[];
  readonly pattern: RegExp;
}

// Each pattern names a kind of credential; the finding never repeats the matched text.
const SECRET_PATTERNS: readonly SecretPattern[] = [
  { kind: 'private key', markers: ['-----'], pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ },
  { kind: 'AWS access key id', markers: ['AKIA', 'ASIA'], pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'GitHub token', markers: ['_'], pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})/ },
  { kind: 'OpenAI API key', markers: ['sk-'], pattern: /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,}/ },
  { kind: 'Slack token', markers: ['xox'], pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'Azure storage account key', markers: ['Key='], pattern: /AccountKey=[A-Za-z0-9+/]{40,}={0,2}/ },
  { kind: 'Azure SAS signature', markers: ['sig='], pattern: /[?&]sig=[A-Za-z0-9%+/]{30,}/ },
  { kind: 'Google API key', markers: ['AIza'], pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'JSON Web Token', markers: ['eyJ'], pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
];

export interface SecretHit {
  readonly kind: string;
  /** 0-based character offset of the match in the content. */
  readonly offset: number;
}

export function findSecret(content: string): SecretHit | undefined {
  for (const secret of SECRET_PATTERNS) {
    if (!secret.markers.some((marker) => content.includes(marker))) continue;
    const match = secret.pattern.exec(content);
    if (match) return { kind: secret.kind, offset: match.index };
  }
  return undefined;
}
