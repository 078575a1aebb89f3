// Quoting a scoring service's answer in an error: known secrets and credential-shaped text masked, one line, short.
import { describe, expect, it } from 'vitest';
import { readReply } from '../../../src/chat/chatScoring.js';
import { maskCredentialShapes, maskKnownSecrets, safeServiceText, SERVICE_TEXT_LIMIT } from '../../../src/chat/serviceText.js';

const key = 'q8Zr2LmN0pXvB7tYc4Hk9WsE1aJd6FgU';
const other = 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Jh1Gf0Ed';

describe('safeServiceText', () => {
  it('masks the api key wherever a body echoes it: raw, JSON-escaped, URL-encoded, in a header dump', () => {
    const slashKey = 'ab/cd+ef==' + key;
    const bodies = [
      `{"message": "invalid key ${key}"}`,
      `Unauthorized: Authorization header was 'Bearer ${key}'`,
      `request headers: {"api-key": "${key}", "content-type": "application/json"}`,
      JSON.stringify({ error: { message: `key ${slashKey} rejected` } }).replace(/\//g, '\\/'),
      `GET /score?key=${encodeURIComponent(slashKey)} failed`,
    ];
    for (const body of bodies) {
      const quoted = safeServiceText(body, [key, slashKey]);
      expect(quoted, body).not.toContain(key);
      expect(quoted, body).not.toContain(key.slice(0, 12));
      expect(quoted, body).toContain('***');
    }
  });

  it('masks a secondary key registered with setSecret, and credentials it was never told about', () => {
    const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4eHh4eHh4eHh4In0.${'s'.repeat(40)}`;
    const body = `secondary ${other} token ${jwt} AccountKey=${'A1b2'.repeat(22)}== sig=${'x%2B'.repeat(12)}`;
    const quoted = safeServiceText(body, [key, other], { limit: 1000 });
    for (const leaked of [other, jwt, 'eyJhbGciOiJSUzI1NiJ9', 'A1b2A1b2', 'x%2Bx%2B']) expect(quoted).not.toContain(leaked);
  });

  it('masks a long random-looking key even when nobody registered it, but keeps request ids, paths and words', () => {
    const requestId = '7f3c2a1e-9b8d-4c6e-a5f4-3e2d1c0b9a87';
    const path = '/subscriptions/aaaaaaaa-0000-4000-8000-000000000002/resourceGroups/rg/providers/Microsoft.MachineLearningServices';
    const quoted = maskCredentialShapes(`upstream said ${key}; request ${requestId} on ${path}`);
    expect(quoted).not.toContain(key);
    expect(quoted).toContain(requestId);
    expect(quoted).toContain(path);
    expect(quoted).toContain('upstream said');
  });

  it('quotes the message of a JSON error, on one line, at most SERVICE_TEXT_LIMIT characters', () => {
    const long = JSON.stringify({ error: { code: 'Boom', message: `line one\n\tline two ${'x '.repeat(200)} ${key}` } });
    const quoted = safeServiceText(long, [key]);
    expect(quoted.startsWith('line one line two x x')).toBe(true);
    expect(quoted).not.toMatch(/[\n\t]/);
    expect(quoted.length).toBeLessThanOrEqual(SERVICE_TEXT_LIMIT);
    expect(quoted.endsWith('…')).toBe(true);
    expect(safeServiceText('{"message":"An unexpected error occurred in scoring script."}', [])).toBe('An unexpected error occurred in scoring script.');
    expect(safeServiceText('<html>502 Bad Gateway</html>', [])).toBe('<html>502 Bad Gateway</html>');
  });

  it('masks before cutting, so a key at the cut is never left as a prefix', () => {
    const body = `${'e'.repeat(SERVICE_TEXT_LIMIT - 10)} ${key}`;
    const quoted = safeServiceText(body, [key]);
    expect(quoted).not.toContain(key.slice(0, 8));
  });

  it('maskKnownSecrets leaves ordinary text alone and ignores empty or tiny values', () => {
    expect(maskKnownSecrets('Bill Gates and Paul Allen', ['', 'a', key])).toBe('Bill Gates and Paul Allen');
    expect(maskKnownSecrets(`the key is ${key}.`, [key])).toBe('the key is ***.');
  });
});

describe('readReply quotes a malformed answer safely', () => {
  it('masks the key a malformed answer echoes and keeps its shape short', () => {
    const read = readReply('aml-chat', { result: { echoed: `Bearer ${key}`, raw: key, padding: 'p'.repeat(500) } }, [key]);
    expect('problem' in read).toBe(true);
    const problem = (read as { problem: string }).problem;
    expect(problem).toMatch(/^malformed answer: \{"result":/);
    expect(problem).not.toContain(key);
    expect(problem.length).toBeLessThanOrEqual('malformed answer: '.length + SERVICE_TEXT_LIMIT);
  });
});
