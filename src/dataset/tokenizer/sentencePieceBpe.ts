// The exact llama-tokenizer-js BPE on one word: repeatedly apply the lowest-rank merge, the leftmost one on ties.

/** Returned by MergeTable.lookup for a pair that never merges; larger than every packed merge. */
export const NO_MERGE = 0x7fffffff;

const RESULT_BITS = 15;
const RESULT_MASK = (1 << RESULT_BITS) - 1;
const EMPTY_KEY = -1;
// Single printable-ASCII characters, "▁" and "\r" are the pieces 29871..30022, and most lookups are pairs of them at
// the start of a word's BPE: a dense table over this window answers those without probing the big hash table.
// The window only affects speed; the dense table is filled from the hash table.
const DENSE_FIRST = 29871;
const DENSE_SIZE = 160;

/**
 * Maps a pair of piece ids to its merge, packed as `rank << 15 | resultId`, so comparing packed values compares ranks
 * (a pair has exactly one rank, so equal packed values always mean the same pair).
 */
export class MergeTable {
  readonly mergeCount: number;
  /** Packed merges of pairs of ids in [DENSE_FIRST, DENSE_FIRST + DENSE_SIZE), NO_MERGE where there is none. */
  readonly dense: Int32Array;
  /**
   * Open addressing with linear probing: slot `i` is `entries[2i]` (the key `left << 15 | right`, -1 when empty) and
   * `entries[2i + 1]` (the packed merge), interleaved so that a probe touches one cache line.
   */
  readonly entries: Int32Array;
  readonly shift: number;
  readonly mask: number;

  constructor(left: Uint16Array, right: Uint16Array, result: Uint16Array) {
    const count = left.length;
    if (right.length !== count || result.length !== count) throw new Error('merge columns differ in length');
    // Packing needs ranks below 2^16 and ids below 2^15; the Llama-2 table has 61249 merges over 32000 pieces.
    if (count > 0xffff) throw new Error(`too many merges to pack: ${count}`);
    let bits = 1;
    while (1 << bits < 2 * count) bits++;
    this.mergeCount = count;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    const entries = new Int32Array(2 << bits).fill(EMPTY_KEY);
    const dense = new Int32Array(DENSE_SIZE * DENSE_SIZE).fill(NO_MERGE);
    for (let rank = 0; rank < count; rank++) {
      const l = left[rank] as number;
      const r = right[rank] as number;
      const res = result[rank] as number;
      if (l > RESULT_MASK || r > RESULT_MASK || res > RESULT_MASK) throw new Error('piece id too large to pack');
      const key = (l << RESULT_BITS) | r;
      let slot = Math.imul(key, 0x9e3779b1) >>> this.shift;
      while (entries[2 * slot] !== EMPTY_KEY && entries[2 * slot] !== key) slot = (slot + 1) & this.mask;
      // The reference keeps the last rank of a repeated pair (Map.set overwrites), so later ranks win here too.
      entries[2 * slot] = key;
      entries[2 * slot + 1] = (rank << RESULT_BITS) | res;
      if ((l - DENSE_FIRST) >>> 0 < DENSE_SIZE && (r - DENSE_FIRST) >>> 0 < DENSE_SIZE) {
        dense[(l - DENSE_FIRST) * DENSE_SIZE + (r - DENSE_FIRST)] = (rank << RESULT_BITS) | res;
      }
    }
    this.dense = dense;
    this.entries = entries;
  }

  /** The packed merge of `left` followed by `right`, or NO_MERGE. */
  lookup(left: number, right: number): number {
    return lookupMerge(this.dense, this.entries, this.shift, this.mask, left, right);
  }
}

// Free functions over the table's arrays rather than methods: the BPE loops hold the arrays in locals and these inline.
function lookupMerge(dense: Int32Array, entries: Int32Array, shift: number, mask: number, left: number, right: number): number {
  const a = left - DENSE_FIRST;
  const b = right - DENSE_FIRST;
  if (a >>> 0 < DENSE_SIZE && b >>> 0 < DENSE_SIZE) return dense[a * DENSE_SIZE + b] as number;
  return lookupHashed(entries, shift, mask, left, right);
}

function lookupHashed(entries: Int32Array, shift: number, mask: number, left: number, right: number): number {
  const key = (left << RESULT_BITS) | right;
  let slot = Math.imul(key, 0x9e3779b1) >>> shift;
  for (;;) {
    const k = entries[2 * slot];
    if (k === key) return entries[2 * slot + 1] as number;
    if (k === EMPTY_KEY) return NO_MERGE;
    slot = (slot + 1) & mask;
  }
}

/** The piece id produced by a packed merge. */
export function mergedId(packed: number): number {
  return packed & RESULT_MASK;
}

/** Words up to this many symbols use the quadratic scan, which beats the heap's allocations on short words. */
export const SCAN_LIMIT = 64;

/**
 * Merges `symbols[0..length)` in place and returns the new length; the result ids are `symbols[0..newLength)`.
 * `scratch` must hold at least `length` entries when `length <= SCAN_LIMIT` (it avoids an allocation per word).
 */
export function applyMerges(table: MergeTable, symbols: Int32Array, length: number, scratch: Int32Array): number {
  return length <= SCAN_LIMIT ? applyMergesByScan(table, symbols, length, scratch) : applyMergesByHeap(table, symbols, length);
}

/** O(n^2) and allocation-free, for short words. `pairs` is scratch space of at least `length` entries. */
export function applyMergesByScan(table: MergeTable, symbols: Int32Array, length: number, pairs: Int32Array): number {
  const { dense, entries, shift, mask } = table;
  let n = length;
  for (let i = 0; i + 1 < n; i++) {
    pairs[i] = lookupMerge(dense, entries, shift, mask, symbols[i] as number, symbols[i + 1] as number);
  }
  while (n > 1) {
    let best = NO_MERGE;
    let at = -1;
    // Strict "<" keeps the leftmost of equal merges, as the reference's position tie-break does.
    for (let i = 0; i + 1 < n; i++) {
      const packed = pairs[i] as number;
      if (packed < best) {
        best = packed;
        at = i;
      }
    }
    if (at < 0) break;
    symbols[at] = best & RESULT_MASK;
    n--;
    for (let i = at + 1; i < n; i++) {
      symbols[i] = symbols[i + 1] as number;
      pairs[i] = pairs[i + 1] as number;
    }
    if (at > 0) pairs[at - 1] = lookupMerge(dense, entries, shift, mask, symbols[at - 1] as number, symbols[at] as number);
    if (at + 1 < n) pairs[at] = lookupMerge(dense, entries, shift, mask, symbols[at] as number, symbols[at + 1] as number);
  }
  return n;
}

// Heap keys are rank * 2^31 + position: exact in a double (< 2^47) and ordered by rank, then leftmost position.
const POSITION_RANGE = 0x80000000;

/**
 * O(n log n) like SentencePiece: a linked list of symbols and a min-heap of candidate pairs with lazy deletion, so a
 * megabyte without spaces (base64, minified code) stays fast.
 */
export function applyMergesByHeap(table: MergeTable, symbols: Int32Array, length: number): number {
  if (length < 2) return length;
  if (length >= POSITION_RANGE) throw new Error('word too long');
  const { dense, entries, shift, mask } = table;
  const next = new Int32Array(length);
  const prev = new Int32Array(length);
  // Every merge pushes at most two candidates, so the heap never exceeds 3 * length entries.
  const heap = new Float64Array(3 * length);
  let size = 0;

  const push = (position: number, right: number): void => {
    const packed = lookupMerge(dense, entries, shift, mask, symbols[position] as number, symbols[right] as number);
    if (packed === NO_MERGE) return;
    let child = size++;
    const key = (packed >>> RESULT_BITS) * POSITION_RANGE + position;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const parentKey = heap[parent] as number;
      if (parentKey <= key) break;
      heap[child] = parentKey;
      child = parent;
    }
    heap[child] = key;
  };

  for (let i = 0; i < length; i++) {
    next[i] = i + 1 < length ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (let i = 0; i + 1 < length; i++) push(i, i + 1);

  while (size > 0) {
    const top = heap[0] as number;
    const last = heap[--size] as number;
    // Sift `last` down from the root.
    let parent = 0;
    for (;;) {
      let child = 2 * parent + 1;
      if (child >= size) break;
      if (child + 1 < size && (heap[child + 1] as number) < (heap[child] as number)) child++;
      if ((heap[child] as number) >= last) break;
      heap[parent] = heap[child] as number;
      parent = child;
    }
    if (size > 0) heap[parent] = last;

    const rank = Math.floor(top / POSITION_RANGE);
    const position = top - rank * POSITION_RANGE;
    const right = next[position] as number;
    // Stale entry: the left symbol was merged away (-1 marks a removed symbol) or a neighbour changed the pair. A
    // position's pair only ever grows, so a matching rank means this is the pair that was pushed.
    if (symbols[position] === -1 || right === -1) continue;
    const packed = lookupMerge(dense, entries, shift, mask, symbols[position] as number, symbols[right] as number);
    if (packed === NO_MERGE || packed >>> RESULT_BITS !== rank) continue;

    symbols[position] = packed & RESULT_MASK;
    symbols[right] = -1;
    const after = next[right] as number;
    next[position] = after;
    if (after !== -1) prev[after] = position;
    const before = prev[position] as number;
    if (before !== -1) push(before, position);
    if (after !== -1) push(position, after);
  }

  // Position 0 is never removed (a merge keeps its left position), so the list starts there.
  let n = 0;
  for (let position = 0; position !== -1; position = next[position] as number) symbols[n++] = symbols[position] as number;
  return n;
}
