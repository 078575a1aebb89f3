// The 64-bit fingerprint of an example, for duplicates, train/validation overlap and the seeded split.
//
// An example is a sequence of fields (per message: its content, then its role, name, weight and tool calls joined by
// NUL). Each field is folded into four 32-bit lanes: first a header block [length, FIELD_TAG, 0, 0], then its UTF-16
// code units eight at a time (little-endian pairs; the last block padded with zeros), block word i going to lane i.
// Lane update: a = (lane ^ word) * 0x85ebca6b; lane = a ^ (a >>> 13). The header makes the fields unambiguous; the
// four lanes let the WebAssembly kernel fold a block in a few SIMD instructions, and this file folds exactly the same
// way for the JavaScript path (the tests check the two against each other). Not cryptographic: nobody gains by
// forging a duplicate.
import type { Fingerprint } from './exampleIndex.js';
import { mix } from './exampleIndex.js';

export const FINGERPRINT_SEED = [0x811c9dc5, 0x27d4eb2f, 0x165667b1, 0x9e3779b1] as const;
export const FIELD_TAG = 0x6d2b79f5;
const LANE_MULTIPLIER = 0x85ebca6b;

function absorb(lanes: Uint32Array, w0: number, w1: number, w2: number, w3: number): void {
  let a = Math.imul((lanes[0] as number) ^ w0, LANE_MULTIPLIER);
  lanes[0] = a ^ (a >>> 13);
  a = Math.imul((lanes[1] as number) ^ w1, LANE_MULTIPLIER);
  lanes[1] = a ^ (a >>> 13);
  a = Math.imul((lanes[2] as number) ^ w2, LANE_MULTIPLIER);
  lanes[2] = a ^ (a >>> 13);
  a = Math.imul((lanes[3] as number) ^ w3, LANE_MULTIPLIER);
  lanes[3] = a ^ (a >>> 13);
}

/** Folds one field into `lanes` (four 32-bit lanes, FINGERPRINT_SEED at the start of an example). */
export function foldField(lanes: Uint32Array, text: string): void {
  const n = text.length;
  absorb(lanes, n, FIELD_TAG, 0, 0);
  const unit = (i: number): number => (i < n ? text.charCodeAt(i) : 0);
  for (let i = 0; i < n; i += 8) {
    absorb(
      lanes,
      text.charCodeAt(i) | (unit(i + 1) << 16),
      unit(i + 2) | (unit(i + 3) << 16),
      unit(i + 4) | (unit(i + 5) << 16),
      unit(i + 6) | (unit(i + 7) << 16),
    );
  }
}

/** The fingerprint of the fields folded into `lanes`. */
export function finishFingerprint(lanes: Uint32Array): Fingerprint {
  const h1 = mix(((lanes[0] as number) ^ Math.imul(lanes[1] as number, 0x9e3779b1)) >>> 0);
  const h2 = mix(((lanes[2] as number) ^ Math.imul(lanes[3] as number, 0x85ebca6b)) >>> 0);
  return { high: mix((h1 ^ Math.imul(h2, 0xc2b2ae35)) >>> 0), low: mix((h2 ^ Math.imul(h1, 0x27d4eb2f)) >>> 0) };
}

/** The fingerprint of an example given as its fields. */
export function fingerprintFields(fields: readonly string[]): Fingerprint {
  const lanes = Uint32Array.from(FINGERPRINT_SEED);
  for (const field of fields) foldField(lanes, field);
  return finishFingerprint(lanes);
}
