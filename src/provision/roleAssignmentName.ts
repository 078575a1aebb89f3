// Deterministic role-assignment names: a name-based (version 5, SHA-1) UUID per (scope, role, principal).

import { createHash } from 'node:crypto';

/** Namespace of the toolkit's role-assignment names (a random v4 GUID, fixed forever). */
export const ROLE_ASSIGNMENT_NAMESPACE = '5d1f6c0e-3b9a-4c47-9f0e-8a2d6b71c3e4';

/** RFC 4122 version 5 UUID of `name` in `namespace`. */
export function nameBasedUuid(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace '${namespace}' is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The same (scope, role, principal) always gives the same name, whatever the case of the ids, so a re-run creates nothing. */
export function roleAssignmentName(scope: string, roleDefinitionGuid: string, principalId: string): string {
  return nameBasedUuid(ROLE_ASSIGNMENT_NAMESPACE, `${scope.toLowerCase()}|${roleDefinitionGuid.toLowerCase()}|${principalId.toLowerCase()}`);
}
