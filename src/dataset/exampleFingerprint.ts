// The 64-bit fingerprint of an example, for duplicates, train/validation overlap and the seeded split.
//
// An example is a sequence of fields (per message: its content, then its role, name, weight and tool calls joined by
// NUL). Each field is folded as blocks of four 32-bit words: first a header block [length, FIELD_TAG, 0, 0], then its
// UTF-16 code units eight at a time (little-endian pairs; the last block padded with zeros). There are two states of
// four 32-bit lanes: the header goes to the first, the field's blocks then alternate starting with the second, block
// word i going to lane i of its state. Lane update: a = (lane ^ word) * 0x85ebca6b; lane = a ^ (a >>> 13). The header
// makes the fields unambiguous; four lanes let the WebAssembly kernel fold a block in a few SIMD instructions, two
// states let two multiply chains run side by side; this file folds exactly the same way for the JavaScript path (the
// tests check the two against each other). Not cryptographic: nobody gains by forging a duplicate.
import type { Fingerprint } from './exampleIndex.js';
import { mix } from './exampleIndex.js';

export const FINGERPRINT_SEED = [0x811c9dc5, 0x27d4eb2f, 0x165667b1, 0x9e3779b1, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2d, 0x61c88647] as const;
export const FIELD_TAG = 0x6d2b79f5;
const LANE_MULTIPLIER = 0x85ebca6b;

function absorb(lanes: Uint32Array, state: number, w0: number, w1: number, w2: number, w3: number): void {
  let a = Math.imul((lanes[state] as number) ^ w0, LANE_MULTIPLIER);
  lanes[state] = a ^ (a >>> 13);
  a = Math.imul((lanes[state + 1] as number) ^ w1, LANE_MULTIPLIER);
  lanes[state + 1] = a ^ (a >>> 13);
  a = Math.imul((lanes[state + 2] as number) ^ w2, LANE_MULTIPLIER);
  lanes[state + 2] = a ^ (a >>> 13);
  a = Math.imul((lanes[state + 3] as number) ^ w3, LANE_MULTIPLIER);
  lanes[state + 3] = a ^ (a >>> 13);
}

/** Folds one field into `lanes` (two states of four 32-bit lanes, FINGERPRINT_SEED at the start of an example). */
export function foldField(lanes: Uint32Array, text: string): void {
  const n = text.length;
  absorb(lanes, 0, n, FIELD_TAG, 0, 0);
  const unit = (i: number): number => (i < n ? text.charCodeAt(i) : 0);
  let state = 4;
  for (let i = 0; i < n; i += 8) {
    absorb(
      lanes,
      state,
      text.charCodeAt(i) | (unit(i + 1) << 16),
      unit(i + 2) | (unit(i + 3) << 16),
      unit(i + 4) | (unit(i + 5) << 16),
      unit(i + 6) | (unit(i + 7) << 16),
    );
    state ^= 4;
  }
}

/** The fingerprint of the fields folded into `lanes`. */
export function finishFingerprint(lanes: Uint32Array): Fingerprint {
  const lane = (i: number): number => ((lanes[i] as number) ^ Math.imul(lanes[i + 4] as number, 0x9e3779b1)) >>> 0;
  const h1 = mix((lane(0) ^ Math.imul(lane(1), 0x9e3779b1)) >>> 0);
  const h2 = mix((lane(2) ^ Math.imul(lane(3), 0x85ebca6b)) >>> 0);
  return { high: mix((h1 ^ Math.imul(h2, 0xc2b2ae35)) >>> 0), low: mix((h2 ^ Math.imul(h1, 0x27d4eb2f)) >>> 0) };
}

/** The fingerprint of an example given as its fields. */
export function fingerprintFields(fields: readonly string[]): Fingerprint {
  const lanes = Uint32Array.from(FINGERPRINT_SEED);
  for (const field of fields) foldField(lanes, field);
  return finishFingerprint(lanes);
}
