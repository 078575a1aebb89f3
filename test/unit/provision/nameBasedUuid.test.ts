// The v5 UUID matches RFC 4122's algorithm (known vectors from the DNS and URL namespaces).
import { describe, expect, it } from 'vitest';
import { nameBasedUuid } from '../../../src/provision/roleAssignmentName.js';

describe('nameBasedUuid', () => {
  it.each([
    ['6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com', '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
    ['6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
  ])('v5(%s, %s) = %s', (ns, name, expected) => {
    expect(nameBasedUuid(ns, name)).toBe(expected);
  });
  it('refuses a namespace that is not a UUID', () => {
    expect(() => nameBasedUuid('nope', 'x')).toThrow(/not a UUID/);
  });
});
