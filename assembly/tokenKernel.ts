// The Phi-3 token counter's hot loop, in AssemblyScript (compiled to WebAssembly by scripts/build-token-kernel.mjs).
//
// It counts exactly what src/dataset/tokenizer/countTokens.ts encodes, with the same word rule (see there): a word is
// spaces, then non-letters that can still merge, then letters; everything else is one token per piece or per UTF-8
// byte. What it does differently is only how fast:
//  - runs of ASCII letters are found eight code units at a time (SIMD), instead of one by one;
//  - the word cache stores a word's code units inline in its slot, so a hit is one read of 16 to 64 bytes and a SIMD
//    compare (no pointer to a key pool, no per-unit hash): keys of up to 7 units (most words) live in the short table,
//    up to 15 in the narrow one, up to 31 in the wide one; longer words are merged every time;
//  - each table has two generations, like the JavaScript cache: a full young generation becomes the old one, and a
//    word found only in the old generation is copied back, so frequent words survive while one-off words age out.
// The BPE itself is the same lowest-rank, leftmost-first scan as sentencePieceBpe.ts; words longer than SCAN_LIMIT
// symbols are handed back to JavaScript (env.mergeLong), which runs the heap version on this memory.
//
// Memory is laid out once by init(); JavaScript then fills the vocabulary tables through the exported addresses and
// writes each text as UTF-16 code units at inputBuffer(), followed by a 0xFFFF sentinel.

// Classes of code units, as in countTokens.ts.
const LETTER: u32 = 0;
const OTHER: u32 = 1;
const SPACE: u32 = 2;
const ISOLATED: u32 = 3;
const SURROGATE: u32 = 4;
const BYTES: u32 = 4;

const SPACE_PIECE_ID: i32 = 29871;
// Merge table layout, as in sentencePieceBpe.ts.
const DENSE_FIRST: i32 = 29871;
const DENSE_SIZE: i32 = 160;
const RESULT_BITS: i32 = 15;
const RESULT_MASK: i32 = (1 << RESULT_BITS) - 1;
const NO_MERGE: i32 = 0x7fffffff;
const EMPTY_KEY: i32 = -1;
const SCAN_LIMIT: i32 = 64;

/** Longest key of the short table: 7 code units and the token count in the 8th lane of a 16-byte slot. */
const SHORT_KEY_UNITS: i32 = 7;
/** Longest key of the narrow table: 15 code units and the token count in the 16th lane of a 32-byte slot. */
const NARROW_KEY_UNITS: i32 = 15;
/** Longest key of the wide table: 31 code units and the count in the 32nd lane of a 64-byte slot. */
const WIDE_KEY_UNITS: i32 = 31;
/** Probes before giving up on a slot (a file crafted to collide then just goes uncached, in linear time). */
const MAX_PROBES: i32 = 16;

@external("env", "mergeLong")
declare function mergeLong(symbolsAddress: usize, length: i32): i32;

let classOf: usize = 0;
let idOf: usize = 0;
let dense: usize = 0;
let mergeEntries: usize = 0;
let mergeShift: u32 = 0;
let mergeMask: u32 = 0;
let mergeCountAtInit: i32 = 0;
let mergeColumnsAt: usize = 0;
let astral: usize = 0;
let astralCount: i32 = 0;
let symbols: usize = 0;
let pairs: usize = 0;
let input: usize = 0;
let keyMasks: usize = 0;
let lanes: usize = 0;
let markers: usize = 0;
let byteMasks: usize = 0;
let cached: bool = false;

/** One cache table: two generations of `1 << bits` slots of `slotBytes` bytes. */
@unmanaged
class Table {
  young: usize = 0;
  old: usize = 0;
  youngEntries: i32 = 0;
  /** False until the first rotation: an empty old generation need not be searched. */
  hasOld: bool = false;
  capacity: i32 = 0;
  shift: u64 = 0;
  mask: u32 = 0;
  bytes: usize = 0;
}

let short: Table = changetype<Table>(0);
let narrow: Table = changetype<Table>(0);
let wide: Table = changetype<Table>(0);
// The short table's young generation, shift and mask, also kept here: most lookups read them, one load each.
let shortYoung: usize = 0;
let shortShift: u64 = 0;
let shortMask: u32 = 0;

let heapTop: usize = __heap_base;

function reserve(bytes: usize): usize {
  const at = (heapTop + 63) & ~(<usize>63);
  heapTop = at + bytes;
  const pages = <i32>((heapTop + 0xffff) >>> 16);
  const have = memory.size();
  if (pages > have && memory.grow(pages - have) < 0) unreachable();
  return at;
}

function newTable(entries: i32, slotBytes: usize): Table {
  const table = changetype<Table>(reserve(offsetof<Table>()));
  let bits: u32 = 1;
  // At most half the slots are used, which keeps probe sequences short.
  while ((1 << bits) < 2 * entries) bits++;
  table.capacity = entries;
  table.shift = 64 - <u64>bits;
  table.mask = (1 << bits) - 1;
  table.bytes = (<usize>1 << bits) * slotBytes;
  table.young = reserve(table.bytes);
  table.old = reserve(table.bytes);
  table.youngEntries = 0;
  table.hasOld = false;
  return table;
}

/**
 * Lays out memory: the merge table for `mergeCount` merges (their columns go to mergeColumns(), then buildMerges()),
 * the word caches (`shortEntries`, `narrowEntries` and `wideEntries` words per generation; 0 disables caching), an
 * input of `maxUnits` code units and `astralPieces` astral pieces.
 */
export function init(mergeCount: i32, shortEntries: i32, narrowEntries: i32, wideEntries: i32, maxUnits: i32, astralPieces: i32): void {
  if (classOf != 0) unreachable();
  classOf = reserve(0x10000);
  idOf = reserve(0x10000 * 2);
  dense = reserve(<usize>(DENSE_SIZE * DENSE_SIZE) * 4);
  // As sentencePieceBpe.ts's MergeTable: at most half the slots used.
  let bits: u32 = 1;
  while ((1 << bits) < 2 * mergeCount) bits++;
  mergeEntries = reserve(<usize>8 << bits);
  mergeShift = 32 - bits;
  mergeMask = (1 << bits) - 1;
  mergeCountAtInit = mergeCount;
  mergeColumnsAt = reserve(<usize>mergeCount * 6);
  astral = reserve(<usize>astralPieces * 8);
  astralCount = astralPieces;
  symbols = reserve(<usize>(maxUnits + 2) * 4);
  pairs = reserve(<usize>(SCAN_LIMIT + 1) * 4);
  // 64 bytes on each side: a key is read from one unit before a word, and up to 32 units from its start.
  input = reserve(<usize>(maxUnits + 1) * 2 + 128) + 64;
  keyMasks = reserve(64 * 32);
  for (let length = 0; length < 32; length++) {
    for (let lane = 0; lane < 32; lane++) store<u16>(keyMasks + <usize>(length * 64 + lane * 2), lane < length ? 0xffff : 0);
  }
  lanes = reserve(32);
  markers = reserve(64);
  byteMasks = reserve(16 * 17);
  for (let length = 0; length <= 16; length++) {
    for (let lane = 0; lane < 16; lane++) store<u8>(byteMasks + <usize>(length * 16 + lane), lane < length ? 0xff : 0);
  }
  cached = shortEntries > 0;
  short = newTable(shortEntries > 0 ? shortEntries : 1, 16);
  shortYoung = short.young;
  shortShift = short.shift;
  shortMask = short.mask;
  narrow = newTable(narrowEntries > 0 ? narrowEntries : 1, 32);
  wide = newTable(wideEntries > 0 ? wideEntries : 1, 64);
}

export function classTable(): usize {
  return classOf;
}
export function idTable(): usize {
  return idOf;
}
export function astralTable(): usize {
  return astral;
}
export function inputBuffer(): usize {
  return input;
}
/** The content-marker nibble tables: first units low/high, second units low/high, 16 bytes each. */
export function markerTables(): usize {
  return markers;
}
/** The eight 32-bit lanes (two states of four) of the running example fingerprint (src/dataset/exampleFingerprint.ts). */
export function fingerprintLanes(): usize {
  return lanes;
}

/** Where JavaScript writes the merges' left, right and result id columns (u16 each, in rank order). */
export function mergeColumns(): usize {
  return mergeColumnsAt;
}

/**
 * Builds the merge table from mergeColumns(), exactly as sentencePieceBpe.ts's MergeTable does: a pair maps to
 * `rank << 15 | result` (the last rank of a repeated pair wins), in an open-addressing table and, for pairs of the
 * single characters DENSE_FIRST.., a dense one.
 */
export function buildMerges(): void {
  const count = mergeCountAtInit;
  memory.fill(mergeEntries, 0xff, (<usize>mergeMask + 1) << 3);
  for (let i = 0; i < DENSE_SIZE * DENSE_SIZE; i++) store<i32>(dense + (<usize>i << 2), NO_MERGE);
  for (let rank = 0; rank < count; rank++) {
    const l = <i32>load<u16>(mergeColumnsAt + (<usize>rank << 1));
    const r = <i32>load<u16>(mergeColumnsAt + (<usize>(count + rank) << 1));
    const result = <i32>load<u16>(mergeColumnsAt + (<usize>(2 * count + rank) << 1));
    const key = (l << RESULT_BITS) | r;
    const packed = (rank << RESULT_BITS) | result;
    let slot = <u32>(key * 0x9e3779b1) >>> mergeShift;
    while (true) {
      const k = load<i32>(mergeEntries + (<usize>slot << 3));
      if (k == EMPTY_KEY || k == key) break;
      slot = (slot + 1) & mergeMask;
    }
    store<i32>(mergeEntries + (<usize>slot << 3), key);
    store<i32>(mergeEntries + (<usize>slot << 3), packed, 4);
    const a = l - DENSE_FIRST;
    const b = r - DENSE_FIRST;
    if (<u32>a < <u32>DENSE_SIZE && <u32>b < <u32>DENSE_SIZE) store<i32>(dense + (<usize>(a * DENSE_SIZE + b) << 2), packed);
  }
}

// --- BPE ------------------------------------------------------------------------------------------------------------

@inline function lookupMerge(left: i32, right: i32): i32 {
  const a = left - DENSE_FIRST;
  const b = right - DENSE_FIRST;
  if (<u32>a < <u32>DENSE_SIZE && <u32>b < <u32>DENSE_SIZE) return load<i32>(dense + (<usize>(a * DENSE_SIZE + b) << 2));
  const key = (left << RESULT_BITS) | right;
  let slot = <u32>(key * 0x9e3779b1) >>> mergeShift;
  while (true) {
    const at = mergeEntries + (<usize>slot << 3);
    const k = load<i32>(at);
    if (k == key) return load<i32>(at, 4);
    if (k == EMPTY_KEY) return NO_MERGE;
    slot = (slot + 1) & mergeMask;
  }
}

@inline function symbolAt(i: i32): i32 {
  return load<i32>(symbols + (<usize>i << 2));
}

@inline function pairAt(i: i32): i32 {
  return load<i32>(pairs + (<usize>i << 2));
}

/** sentencePieceBpe.ts's applyMergesByScan on symbols[0..length): O(n^2), no allocation, for short words. */
function mergeByScan(length: i32): i32 {
  let n = length;
  for (let i = 0; i + 1 < n; i++) store<i32>(pairs + (<usize>i << 2), lookupMerge(symbolAt(i), symbolAt(i + 1)));
  while (n > 1) {
    let best = NO_MERGE;
    let at = -1;
    // Strict "<" keeps the leftmost of equal merges.
    for (let i = 0; i + 1 < n; i++) {
      const packed = pairAt(i);
      if (packed < best) {
        best = packed;
        at = i;
      }
    }
    if (at < 0) break;
    store<i32>(symbols + (<usize>at << 2), best & RESULT_MASK);
    n--;
    for (let i = at + 1; i < n; i++) {
      store<i32>(symbols + (<usize>i << 2), symbolAt(i + 1));
      store<i32>(pairs + (<usize>i << 2), pairAt(i + 1));
    }
    if (at > 0) store<i32>(pairs + (<usize>(at - 1) << 2), lookupMerge(symbolAt(at - 1), symbolAt(at)));
    if (at + 1 < n) store<i32>(pairs + (<usize>at << 2), lookupMerge(symbolAt(at), symbolAt(at + 1)));
  }
  return n;
}

/** Token count of input[start..end), after a space when `virtualSpace` is 1, by running the BPE. */
function mergeWord(start: i32, end: i32, virtualSpace: i32): i32 {
  let length = 0;
  if (virtualSpace == 1) {
    store<i32>(symbols, SPACE_PIECE_ID);
    length = 1;
  }
  for (let j = start; j < end; j++) {
    const c = <usize>load<u16>(input + (<usize>j << 1));
    store<i32>(symbols + (<usize>length << 2), <i32>load<u16>(idOf + (c << 1)));
    length++;
  }
  return length <= SCAN_LIMIT ? mergeByScan(length) : mergeLong(symbols, length);
}

// --- word cache -----------------------------------------------------------------------------------------------------

// A key is the word's code units (a leading 0x20 for the added space) with zeros after them: no word holds a zero
// unit, so the zeros also encode the length, and an all-zero first vector marks an empty slot. The last 16-bit lane of
// a slot holds the word's token count. Three tables by key length: SHORT (16-byte slots, up to 7 units: most words of
// English), NARROW (32 bytes, up to 15) and WIDE (64 bytes, up to 31).
const SHORT: i32 = 0;
const NARROW: i32 = 1;
const WIDE: i32 = 2;
const COUNT_LANE_CLEAR: v128 = i16x8(-1, -1, -1, -1, -1, -1, -1, 0);

@inline function tableOf(kind: i32): Table {
  return kind == SHORT ? short : kind == NARROW ? narrow : wide;
}

@inline function slotOf(kind: i32, k0: v128, k1: v128, k2: v128, k3: v128): u32 {
  let x = i64x2.extract_lane(k0, 0) * 0x9e3779b97f4a7c15;
  x ^= i64x2.extract_lane(k0, 1) * 0xc2b2ae3d27d4eb4f;
  if (kind != SHORT) {
    x ^= i64x2.extract_lane(k1, 0) * 0x165667b19e3779f9;
    x ^= i64x2.extract_lane(k1, 1) * 0xd6e8feb86659fd93;
  }
  if (kind == WIDE) {
    x ^= i64x2.extract_lane(k2, 0) * 0x94d049bb133111eb;
    x ^= i64x2.extract_lane(k2, 1) * 0xbf58476d1ce4e5b9;
    x ^= i64x2.extract_lane(k3, 0) * 0xff51afd7ed558ccd;
    x ^= i64x2.extract_lane(k3, 1) * 0xc4ceb9fe1a85ec53;
  }
  return <u32>((x ^ (x >>> 29)) >>> (kind == SHORT ? shortShift : tableOf(kind).shift));
}

/** The count stored for the key in one generation of the `kind` table, or -1 (vectors past the kind's width are ignored). */
@inline function find(kind: i32, generation: usize, k0: v128, k1: v128, k2: v128, k3: v128, slot: u32): i32 {
  const mask = kind == SHORT ? shortMask : tableOf(kind).mask;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    if (kind == SHORT) {
      const s0 = v128.load(generation + (<usize>slot << 4));
      if (!v128.any_true(v128.and(v128.xor(s0, k0), COUNT_LANE_CLEAR))) return <i32>i16x8.extract_lane_u(s0, 7);
      if (!v128.any_true(s0)) return -1;
    } else if (kind == NARROW) {
      const at = generation + (<usize>slot << 5);
      const s0 = v128.load(at);
      const s1 = v128.load(at, 16);
      if (!v128.any_true(v128.or(v128.xor(s0, k0), v128.and(v128.xor(s1, k1), COUNT_LANE_CLEAR)))) return <i32>i16x8.extract_lane_u(s1, 7);
      if (!v128.any_true(s0)) return -1;
    } else {
      const at = generation + (<usize>slot << 6);
      const s0 = v128.load(at);
      const s3 = v128.load(at, 48);
      const differs = v128.or(
        v128.or(v128.xor(s0, k0), v128.xor(v128.load(at, 16), k1)),
        v128.or(v128.xor(v128.load(at, 32), k2), v128.and(v128.xor(s3, k3), COUNT_LANE_CLEAR)),
      );
      if (!v128.any_true(differs)) return <i32>i16x8.extract_lane_u(s3, 7);
      if (!v128.any_true(s0)) return -1;
    }
    slot = (slot + 1) & mask;
  }
  return -1;
}

/** Stores the key and its count in the young generation; false when that generation is full. */
function add(kind: i32, k0: v128, k1: v128, k2: v128, k3: v128, slot: u32, count: i32): bool {
  const table = tableOf(kind);
  if (table.youngEntries >= table.capacity) return false;
  const shift = kind == SHORT ? 4 : kind == NARROW ? 5 : 6;
  for (let probe = 0; probe < MAX_PROBES; probe++) {
    const at = table.young + (<usize>slot << shift);
    if (!v128.any_true(v128.load(at))) {
      if (kind == SHORT) {
        v128.store(at, i16x8.replace_lane(k0, 7, <i16>count));
      } else if (kind == NARROW) {
        v128.store(at, k0);
        v128.store(at, i16x8.replace_lane(k1, 7, <i16>count), 16);
      } else {
        v128.store(at, k0);
        v128.store(at, k1, 16);
        v128.store(at, k2, 32);
        v128.store(at, i16x8.replace_lane(k3, 7, <i16>count), 48);
      }
      table.youngEntries++;
      return true;
    }
    slot = (slot + 1) & table.mask;
  }
  // Too many collisions: the word is not cached.
  return true;
}

function missYoung(kind: i32, start: i32, end: i32, virtualSpace: i32, k0: v128, k1: v128, k2: v128, k3: v128, slot: u32): i32 {
  const table = tableOf(kind);
  let count = table.hasOld ? find(kind, table.old, k0, k1, k2, k3, slot) : -1;
  if (count < 0) count = mergeWord(start, end, virtualSpace);
  if (!add(kind, k0, k1, k2, k3, slot, count)) {
    const dropped = table.old;
    table.old = table.young;
    table.young = dropped;
    memory.fill(dropped, 0, table.bytes);
    table.youngEntries = 0;
    table.hasOld = true;
    if (kind == SHORT) shortYoung = table.young;
    add(kind, k0, k1, k2, k3, slot, count);
  }
  return count;
}

@inline function lookup(kind: i32, start: i32, end: i32, virtualSpace: i32, k0: v128, k1: v128, k2: v128, k3: v128): i32 {
  const slot = slotOf(kind, k0, k1, k2, k3);
  const count = find(kind, kind == SHORT ? shortYoung : tableOf(kind).young, k0, k1, k2, k3, slot);
  return count >= 0 ? count : missYoung(kind, start, end, virtualSpace, k0, k1, k2, k3, slot);
}

/** Token count of the word input[start..end), after a space when `virtualSpace` is 1. */
@inline function word(start: i32, end: i32, virtualSpace: i32): i32 {
  const length = end - start + virtualSpace;
  if (length > WIDE_KEY_UNITS || !cached) return mergeWord(start, end, virtualSpace);
  // With the added space the key starts one unit early, and that unit is replaced by the space.
  const from = input + (<usize>(start - virtualSpace) << 1);
  const mask = keyMasks + (<usize>length << 6);
  let k0 = v128.and(v128.load(from), v128.load(mask));
  if (virtualSpace == 1) k0 = i16x8.replace_lane(k0, 0, 0x20);
  const zero = i64x2.splat(0);
  if (length <= SHORT_KEY_UNITS) return lookup(SHORT, start, end, virtualSpace, k0, zero, zero, zero);
  const k1 = v128.and(v128.load(from, 16), v128.load(mask, 16));
  if (length <= NARROW_KEY_UNITS) return lookup(NARROW, start, end, virtualSpace, k0, k1, zero, zero);
  const k2 = v128.and(v128.load(from, 32), v128.load(mask, 32));
  const k3 = v128.and(v128.load(from, 48), v128.load(mask, 48));
  return lookup(WIDE, start, end, virtualSpace, k0, k1, k2, k3);
}

function astralTokens(codePoint: i32): i32 {
  for (let i = 0; i < astralCount; i++) if (load<i32>(astral + (<usize>i << 3)) == codePoint) return 1;
  return 4;
}

// --- the scan -------------------------------------------------------------------------------------------------------

/** Tokens of input[0..n), which input[n] = 0xFFFF ends; `firstVirtualSpace` is 1 for the reference's added space. */
export function count(n: i32, firstVirtualSpace: i32): i32 {
  let total = 0;
  let i = 0;
  let virtualSpace = firstVirtualSpace;
  const caseBit = i16x8.splat(0x20);
  const lowerA = i16x8.splat(0x61);
  const alphabet = i16x8.splat(26);
  let c = <u32>load<u16>(input);
  while (i < n) {
    const k = <u32>load<u8>(classOf + c);
    if (k <= SPACE) {
      const start = i;
      // The sentinel is no space, no OTHER and no letter, so these loops stop at n.
      while (c == 0x20 || c == 0x2581) c = <u32>load<u16>(input + (<usize>++i << 1));
      while (<u32>load<u8>(classOf + c) == OTHER) c = <u32>load<u16>(input + (<usize>++i << 1));
      // Letters: eight ASCII letters at a time ((c | 0x20) - 'a' < 26 in every lane), other letters one by one.
      while (true) {
        const units = v128.load(input + (<usize>i << 1));
        const letters = i16x8.bitmask(i16x8.lt_u(i16x8.sub(v128.or(units, caseBit), lowerA), alphabet));
        if (letters == 0xff) {
          i += 8;
          continue;
        }
        i += ctz(~letters);
        c = <u32>load<u16>(input + (<usize>i << 1));
        if (c >= 0x80 && <u32>load<u8>(classOf + c) == LETTER) {
          i++;
          continue;
        }
        break;
      }
      total += word(start, i, virtualSpace);
      virtualSpace = 0;
      continue;
    }
    // The added space before a character that is not part of a word is a token of its own.
    total += virtualSpace;
    virtualSpace = 0;
    if (k == ISOLATED) {
      total++;
      i++;
    } else if (k == SURROGATE) {
      const d = <u32>load<u16>(input + (<usize>(i + 1) << 1));
      if (c <= 0xdbff && (d & 0xfc00) == 0xdc00) {
        total += astralTokens(<i32>(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000));
        i += 2;
      } else {
        // A lone surrogate: the reference's TextEncoder makes it U+FFFD, 3 bytes.
        total += 3;
        i++;
      }
    } else {
      total += <i32>(k - BYTES);
      i++;
    }
    c = <u32>load<u16>(input + (<usize>i << 1));
  }
  return total;
}

// --- the example fingerprint ----------------------------------------------------------------------------------------

// src/dataset/exampleFingerprint.ts defines the fingerprint and folds it the same way in JavaScript.
const FIELD_TAG: i32 = 0x6d2b79f5;
const LANE_MULTIPLIER: i32 = 0x85ebca6b;
// "\n" after the reference's added space: the space alone, then the newline's byte piece.
const NEWLINE_TOKENS: i32 = 2;

@inline function absorb(state: v128, block: v128): v128 {
  const a = i32x4.mul(v128.xor(state, block), i32x4.splat(LANE_MULTIPLIER));
  return v128.xor(a, i32x4.shr_u(a, 13));
}

/** measure() flags. */
const COUNT_TOKENS: i32 = 1;
const FIND_MARKERS: i32 = 2;

/**
 * Folds input[0..n) into the fingerprint as one field. With FIND_MARKERS, returns its content markers in bits 24 to
 * 31; with COUNT_TOKENS, the tokens of "\n" followed by it (what a message's content costs after its role tag) in bits
 * 0 to 23 (n < 2^16 code units cost fewer than 2^18 tokens). input[n] must be 0xFFFF.
 */
export function measure(n: i32, flags: i32): i32 {
  // Two states, so that two multiply chains run side by side: the header goes to the first, then the blocks alternate
  // starting with the second (data block j to the second state when j is even).
  let first = absorb(v128.load(lanes), i32x4(n, FIELD_TAG, 0, 0));
  let second = v128.load(lanes, 16);
  let at = input;
  const full = n >> 3;
  let j = 0;
  for (; j + 1 < full; j += 2) {
    second = absorb(second, v128.load(at));
    first = absorb(first, v128.load(at, 16));
    at += 32;
  }
  if (j < full) {
    second = absorb(second, v128.load(at));
    at += 16;
    j++;
  }
  const rest = n & 7;
  if (rest != 0) {
    const last = v128.and(v128.load(at), v128.load(keyMasks + (<usize>rest << 6)));
    if ((j & 1) == 0) second = absorb(second, last);
    else first = absorb(first, last);
  }
  v128.store(lanes, first);
  v128.store(lanes, second, 16);
  const markers = (flags & FIND_MARKERS) != 0 ? findMarkers(n) << 24 : 0;
  return (flags & COUNT_TOKENS) != 0 ? markers | (NEWLINE_TOKENS + count(n, 0)) : markers;
}

// --- content scanner markers ----------------------------------------------------------------------------------------

// src/dataset/contentScanners.ts runs a regular expression only when a content holds a pair of adjacent code units that
// every match of it contains. CONTENT_MARKERS there defines up to 8 marker bits, each a set of first units and a set of
// second units (all ASCII); JavaScript turns them into the four 16-byte nibble tables at markerTables(): a byte b is in
// the first set of bit k when bit k is set in both firstLow[b & 15] and firstHigh[b >> 4] (likewise for second units).
// That may admit a few more pairs than the sets name, never fewer, which is all a filter needs.
@inline function classify(bytes: v128, low: v128, high: v128): v128 {
  return v128.and(i8x16.swizzle(low, v128.and(bytes, i8x16.splat(15))), i8x16.swizzle(high, i8x16.shr_u(bytes, 4)));
}

function findMarkers(n: i32): i32 {
  const firstLow = v128.load(markers);
  const firstHigh = v128.load(markers, 16);
  const secondLow = v128.load(markers, 32);
  const secondHigh = v128.load(markers, 48);
  let found = i8x16.splat(0);
  // Sixteen units at a time, narrowed to bytes (units above 0xFF become 0 or 0xFF, which no marker uses), and the
  // sixteen that follow each by one unit. Units past n are masked off, so no pair starts beyond the text; a pair may
  // end on the 0xFFFF sentinel, which matches no second unit except where any unit may follow.
  for (let i = 0; i < n; i += 16) {
    const at = input + (<usize>i << 1);
    let units = i8x16.narrow_i16x8_u(v128.load(at), v128.load(at, 16));
    if (n - i < 16) units = v128.and(units, v128.load(byteMasks + (<usize>(n - i) << 4)));
    const next = i8x16.narrow_i16x8_u(v128.load(at, 2), v128.load(at, 18));
    found = v128.or(found, v128.and(classify(units, firstLow, firstHigh), classify(next, secondLow, secondHigh)));
  }
  found = v128.or(found, i8x16.shuffle(found, found, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
  found = v128.or(found, i8x16.shuffle(found, found, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3));
  found = v128.or(found, i8x16.shuffle(found, found, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1));
  found = v128.or(found, i8x16.shuffle(found, found, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0));
  return <i32>i8x16.extract_lane_u(found, 0);
}
