import { describe, expect, it } from 'vitest';
import { findSecret, findTemplateToken } from '../../../src/dataset/contentScanners.js';

// Shapes of real credentials (made up, valid-looking); each must be found, and prose like them must not.
const secrets: [string, string][] = [
  ['private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA'],
  ['private key', '-----BEGIN OPENSSH PRIVATE KEY-----'],
  ['AWS access key id', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE'],
  ['GitHub token', 'token: ghp_' + 'aB3'.repeat(12)],
  ['GitHub token', 'github_pat_' + '11ABCDEFG0' + 'x'.repeat(40)],
  ['OpenAI API key', 'OPENAI_API_KEY=sk-proj-' + 'Ab1_'.repeat(10)],
  ['Slack token', 'xoxb-1234567890-abcdefghij'],
  ['Azure storage account key', 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=' + 'A1b2'.repeat(22) + '==;'],
  ['Azure SAS signature', 'https://x.blob.core.windows.net/c/b?sv=2022-11-02&sig=' + 'Ab%2Bc'.repeat(8)],
  ['Google API key', 'key=AIza' + 'Sy'.repeat(17) + 'A'],
  ['JSON Web Token', 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLWJ5dGVz'],
];

const harmless = [
  'Use ghp_ followed by your token (never paste it here).',
  'The AKIA prefix marks long-term AWS keys.',
  'A sk-8 is a board size, not a key.',
  'Set AccountKey=<your key> in the connection string.',
  'JWTs start with eyJ because {" encodes that way.',
  'snake_case_names and -----separators----- are fine.',
];

describe('findSecret', () => {
  it.each(secrets)('finds a %s', (kind, text) => {
    expect(findSecret(`Here it is: ${text}`)).toMatchObject({ kind });
  });
  it.each(harmless)('leaves alone: %s', (text) => {
    expect(findSecret(text)).toBeUndefined();
  });
  it('reports where the secret starts', () => {
    expect(findSecret('0123456789 AKIAIOSFODNN7EXAMPLE')?.offset).toBe(11);
  });
});

describe('findTemplateToken', () => {
  it('finds literal chat-template tokens of Phi-3 and ChatML', () => {
    expect(findTemplateToken('a<|user|>b')).toBe('<|user|>');
    expect(findTemplateToken('end<|endoftext|>')).toBe('<|endoftext|>');
    expect(findTemplateToken('<|im_start|>system')).toBe('<|im_start|>');
    expect(findTemplateToken('a | b <| c')).toBeUndefined();
  });
});
