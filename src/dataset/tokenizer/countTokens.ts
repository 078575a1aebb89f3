// Exact Phi-3 token counts (llama-tokenizer-js ids, no BOS, with the preceding space) from cached word-by-word BPE.
//
// Why cutting the text into words is exact: the reference's BPE can only join neighbouring symbols x|y if some merge
// has a left piece ending in x and a right piece starting with y. The vocabulary has no such merge across these
// boundaries (the generator derives the character classes from the merges; the unit tests derive them again):
//  - a non-space followed by a space ("▁"): no piece spans a word boundary;
//  - a letter or combining mark followed by anything else: letters and marks form a set that no merge leaves, so
//    "▁information," is "▁information" + "," and "▁don't" is "▁don" + "'t";
//  - either side of a character outside the vocabulary: byte-fallback pieces never merge (one token per UTF-8 byte);
//  - either side of a vocabulary character that no merge has at its edge (digits, 3 astral characters): one token.
// So a word is: spaces, then non-letters, then letters; each word is encoded alone and its ids are cached.
// Counting normally runs in the WebAssembly kernel (assembly/tokenKernel.ts), which applies this same rule faster;
// the scanner here encodes, and counts where the kernel cannot run. The tests hold the two to the same counts.
// Within a word the reference's priority, rank + position / text length, orders by rank and then by leftmost position:
// ranks are 2 apart, and a word holds at most length + 1 symbols (byte-fallback symbols, which shift positions, never
// sit inside one), so two of its positions differ by at most 1 in that term. applyMerges uses the same order.
import { NEWLINE_TOKENS } from '../chatModels.js';
import { BYTE_PIECE_OFFSET, SPACE_PIECE_ID } from './llamaVocabulary.js';
import { SCAN_LIMIT, applyMerges } from './sentencePieceBpe.js';
import { KERNEL_INPUT_UNITS, TokenKernel } from './tokenKernel.js';
import { BYTES, ISOLATED, LETTER, OTHER, SPACE, SURROGATE, tokenTables, type TokenTables } from './tokenTables.js';

export interface TokenCounterOptions {
  /** Most distinct words kept (default 262144, about 19 MB of kernel memory whatever the input); 0 disables the cache. */
  cacheEntries?: number;
  /**
   * Count with a WebAssembly kernel of its own where it runs (true, the default), with the JavaScript scanner (false),
   * or with the given kernel (which then keeps its own cache size).
   */
  kernel?: boolean | TokenKernel;
}

export interface TokenCounter {
  /** Number of tokens in `text`; always `encode(text).length`. */
  count(text: string): number;
  /** Number of tokens in "\n" + `text` (what a message's content costs after its role tag), without building it. */
  countAfterNewline(text: string): number;
  /** The ids llama-tokenizer-js gives `text` with no BOS and a preceding space; [] for "" like the reference. */
  encode(text: string): number[];
}

/** Words longer than this (code units, counting the preceding space) are encoded every time and never cached. */
const MAX_CACHED_WORD = 32;
export const DEFAULT_CACHE_ENTRIES = 262144;
// Pool budget per entry, in code units: 2 header units, the key and its ids. Words of English text need about 10; a
// text of unusually long words just rotates generations sooner.
const POOL_UNITS_PER_ENTRY = 12;
// FNV-1a is easy to collide on purpose; bounding probe sequences keeps a file crafted to collide linear (its words
// are just not cached) instead of quadratic. At half load, honest probe sequences are 1-2 slots long.
const MAX_PROBES = 32;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const HASH_AFTER_SPACE = Math.imul(FNV_OFFSET ^ 0x20, FNV_PRIME);
// Texts are scanned from a reusable buffer of this many code units (128 kB); longer texts go through in chunks.
const CHUNK_UNITS = 1 << 16;
const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// U+FFFD as UTF-8: what TextEncoder (used by the reference) makes of a lone surrogate.
const REPLACEMENT_BYTES = [0xef, 0xbf, 0xbd] as const;

/**
 * One generation of the word cache: open addressing over (hash, entry offset + 1) pairs, entries appended to a pool
 * as [key length, token count, key code units..., ids...], so a hit reads one slot and one short run of the pool.
 * Keys are the raw code units (a leading 0x20 stands for the reference's added space): " " and "▁" encode the same
 * but are cached as different words, which keeps the comparison a plain equality.
 */
class WordTable {
  readonly slots: Int32Array;
  readonly pool: Uint16Array;
  readonly shift: number;
  readonly mask: number;
  private readonly capacity: number;
  private entries = 0;
  private used = 0;

  constructor(capacity: number) {
    let bits = 1;
    // At most half the slots are used, which keeps linear probes short.
    while (1 << bits < 2 * capacity) bits++;
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.capacity = capacity;
    this.slots = new Int32Array(2 << bits);
    this.pool = new Uint16Array(capacity * POOL_UNITS_PER_ENTRY);
  }

  /** Pool offset of the entry for the key (a space if `virtualSpace` is 1, then text[start..end)), or -1. */
  find(units: Uint16Array, start: number, end: number, virtualSpace: number, hash: number): number {
    const slots = this.slots;
    const pool = this.pool;
    const keyLength = end - start + virtualSpace;
    let slot = Math.imul(hash, 0x9e3779b1) >>> this.shift;
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const reference = slots[2 * slot + 1] as number;
      if (reference === 0) return -1;
      if (slots[2 * slot] === hash && pool[reference - 1] === keyLength) {
        let p = reference + 1;
        if (virtualSpace === 0 || pool[p++] === 0x20) {
          let j = start;
          while (j < end && units[j] === pool[p]) {
            j++;
            p++;
          }
          if (j === end) return reference - 1;
        }
      }
      slot = (slot + 1) & this.mask;
    }
    return -1;
  }

  /** Adds the key with `count` ids from `ids` (or skips it past MAX_PROBES); false when this generation is full. */
  add(units: Uint16Array, start: number, end: number, virtualSpace: number, hash: number, ids: Int32Array, count: number): boolean {
    const keyLength = end - start + virtualSpace;
    const pool = this.pool;
    let p = this.used;
    if (this.entries >= this.capacity || p + 2 + keyLength + count > pool.length) return false;
    const slots = this.slots;
    let slot = Math.imul(hash, 0x9e3779b1) >>> this.shift;
    for (let probe = 0; slots[2 * slot + 1] !== 0; probe++) {
      if (probe === MAX_PROBES) return true;
      slot = (slot + 1) & this.mask;
    }
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = p + 1;
    pool[p++] = keyLength;
    pool[p++] = count;
    if (virtualSpace === 1) pool[p++] = 0x20;
    for (let j = start; j < end; j++) pool[p++] = units[j] as number;
    for (let q = 0; q < count; q++) pool[p++] = ids[q] as number;
    this.used = p;
    this.entries++;
    return true;
  }

  clear(): void {
    this.slots.fill(0);
    this.entries = 0;
    this.used = 0;
  }
}

/**
 * Caches each word's ids in two generations: new words go to the young one; when it is full it becomes the old one
 * and the previous old one is dropped. A word found in the old generation is copied back to the young one, so
 * frequent words survive every rotation while words seen once age out: memory stays constant without a full
 * clear's burst of misses on common words.
 */
class CachingTokenCounter {
  private readonly t: TokenTables;
  private readonly cached: boolean;
  private young: WordTable;
  private old: WordTable;
  // Sized for the scan BPE's limit, not the cache's: uncached words up to SCAN_LIMIT use them too.
  private readonly symbols = new Int32Array(SCAN_LIMIT + 1);
  private readonly scratch = new Int32Array(SCAN_LIMIT + 1);
  private readonly units = new Uint16Array(CHUNK_UNITS);
  private readonly unitBytes = Buffer.from(this.units.buffer);

  constructor(cacheEntries: number) {
    this.t = tokenTables();
    this.cached = cacheEntries > 0;
    const generation = Math.max(1, cacheEntries >>> 1);
    this.young = new WordTable(this.cached ? generation : 1);
    this.old = new WordTable(this.cached ? generation : 1);
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    this.run(text, ids);
    return ids;
  }

  /** Tokens of `text`, after the reference's added space when `virtualSpace` is 1. */
  countFrom(text: string, virtualSpace: 0 | 1): number {
    return this.run(text, null, virtualSpace);
  }

  /**
   * Copies the text into a reusable UTF-16 buffer (one native call) and scans that: typed-array reads are cheaper than
   * charCodeAt. Texts longer than the buffer go through in pieces (see cutText).
   */
  private run(text: string, out: number[] | null, virtualSpace: 0 | 1 = 1): number {
    const n = text.length;
    if (n === 0) return 0;
    if (n < CHUNK_UNITS) return this.scan(this.load(text, n), n, virtualSpace, out);
    let total = 0;
    cutText(text, CHUNK_UNITS - 1, (start, end) => {
      const length = end - start;
      total += this.scan(this.load(text.slice(start, end), length), length, start === 0 ? virtualSpace : 0, out);
    });
    return total;
  }

  /** The text as UTF-16 code units followed by a 0xFFFF sentinel, which ends every word and is never read as text. */
  private load(text: string, length: number): Uint16Array {
    let units = this.units;
    let bytes = this.unitBytes;
    if (length >= units.length) {
      // A single word longer than a chunk: a one-off buffer, so memory does not stay at the largest text ever seen.
      units = new Uint16Array(length + 1);
      bytes = Buffer.from(units.buffer);
    }
    bytes.write(text, 0, 2 * length, 'utf16le');
    if (!hostIsLittleEndian) bytes.subarray(0, 2 * length).swap16();
    units[length] = 0xffff;
    return units;
  }

  private scan(units: Uint16Array, n: number, firstVirtualSpace: number, out: number[] | null): number {
    const classOf = this.t.classOf;
    let total = 0;
    let i = 0;
    // The reference prepends a space: it joins the first word, or is a word of its own before a non-word character.
    let virtualSpace = firstVirtualSpace;
    let c = units[0] as number;
    while (i < n) {
      const k = classOf[c] as number;
      if (k <= SPACE) {
        const start = i;
        let h = virtualSpace === 1 ? HASH_AFTER_SPACE : FNV_OFFSET;
        // units[n] is the 0xFFFF sentinel, which no test below accepts.
        while (c === 0x20 || c === 0x2581) {
          h = Math.imul(h ^ c, FNV_PRIME);
          c = units[++i] as number;
        }
        // Non-letters that can still join what follows ("(", "'", "\"", "**", ...).
        while (classOf[c] === OTHER) {
          h = Math.imul(h ^ c, FNV_PRIME);
          c = units[++i] as number;
        }
        // Letters, then the word ends: no merge joins a letter to a following non-letter.
        while (((c | 0x20) - 0x61) >>> 0 < 26 || (c >= 0x80 && classOf[c] === LETTER)) {
          h = Math.imul(h ^ c, FNV_PRIME);
          c = units[++i] as number;
        }
        total += this.word(units, start, i, virtualSpace, h, out);
        virtualSpace = 0;
        continue;
      }
      if (virtualSpace === 1) {
        total++;
        if (out !== null) out.push(SPACE_PIECE_ID);
        virtualSpace = 0;
      }
      if (k === ISOLATED) {
        total++;
        if (out !== null) out.push(this.t.idOf[c] as number);
        i++;
      } else if (k === SURROGATE) {
        const d = units[i + 1] as number;
        if (c <= 0xdbff && (d & 0xfc00) === 0xdc00) {
          total += this.astral(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000, out);
          i += 2;
        } else {
          // Like TextEncoder in the reference, a lone surrogate becomes the UTF-8 bytes of U+FFFD.
          total += 3;
          if (out !== null) for (const byte of REPLACEMENT_BYTES) out.push(BYTE_PIECE_OFFSET + byte);
          i++;
        }
      } else {
        total += k - BYTES;
        if (out !== null) pushUtf8Bytes(c, out);
        i++;
      }
      c = units[i] as number;
    }
    return total;
  }

  /** Tokens of a code point above U+FFFF: its piece if it has one, else its 4 UTF-8 bytes. */
  private astral(codePoint: number, out: number[] | null): number {
    const id = this.t.astralIds.get(codePoint);
    if (id !== undefined) {
      if (out !== null) out.push(id);
      return 1;
    }
    if (out !== null) {
      out.push(
        BYTE_PIECE_OFFSET + (0xf0 | (codePoint >> 18)),
        BYTE_PIECE_OFFSET + (0x80 | ((codePoint >> 12) & 0x3f)),
        BYTE_PIECE_OFFSET + (0x80 | ((codePoint >> 6) & 0x3f)),
        BYTE_PIECE_OFFSET + (0x80 | (codePoint & 0x3f)),
      );
    }
    return 4;
  }

  /** Token count of the word text[start..end), preceded by a space if `virtualSpace` is 1; appends its ids to `out`. */
  private word(units: Uint16Array, start: number, end: number, virtualSpace: number, hash: number, out: number[] | null): number {
    if (end - start + virtualSpace > MAX_CACHED_WORD || !this.cached) {
      return this.encodeUncached(units, start, end, virtualSpace, out);
    }
    const young = this.young;
    const at = young.find(units, start, end, virtualSpace, hash);
    if (at >= 0) {
      const pool = young.pool;
      const count = pool[at + 1] as number;
      if (out !== null) {
        for (let q = at + 2 + (pool[at] as number), qEnd = q + count; q < qEnd; q++) out.push(pool[q] as number);
      }
      return count;
    }
    return this.missYoung(units, start, end, virtualSpace, hash, out);
  }

  private missYoung(units: Uint16Array, start: number, end: number, virtualSpace: number, hash: number, out: number[] | null): number {
    const symbols = this.symbols;
    let count: number;
    const old = this.old;
    const at = old.find(units, start, end, virtualSpace, hash);
    if (at >= 0) {
      const pool = old.pool;
      count = pool[at + 1] as number;
      const from = at + 2 + (pool[at] as number);
      for (let q = 0; q < count; q++) symbols[q] = pool[from + q] as number;
    } else {
      count = this.fillAndMerge(units, start, end, virtualSpace, symbols);
    }
    if (!this.young.add(units, start, end, virtualSpace, hash, symbols, count)) {
      this.old = this.young;
      this.young = old;
      old.clear();
      old.add(units, start, end, virtualSpace, hash, symbols, count);
    }
    if (out !== null) for (let q = 0; q < count; q++) out.push(symbols[q] as number);
    return count;
  }

  private encodeUncached(units: Uint16Array, start: number, end: number, virtualSpace: number, out: number[] | null): number {
    const length = end - start + virtualSpace;
    const symbols = length <= SCAN_LIMIT ? this.symbols : new Int32Array(length);
    const count = this.fillAndMerge(units, start, end, virtualSpace, symbols);
    if (out !== null) for (let q = 0; q < count; q++) out.push(symbols[q] as number);
    return count;
  }

  /** Writes the word's initial symbols (one per code unit: a word holds no surrogates) and merges them. */
  private fillAndMerge(units: Uint16Array, start: number, end: number, virtualSpace: number, symbols: Int32Array): number {
    const idOf = this.t.idOf;
    let length = 0;
    if (virtualSpace === 1) symbols[length++] = SPACE_PIECE_ID;
    for (let j = start; j < end; j++) symbols[length++] = idOf[units[j] as number] as number;
    return applyMerges(this.t.merges, symbols, length, this.scratch);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x2581;
}

/** Whether a word starts at `i` with a space after a non-space: the scan ends a word there, so text can be cut there. */
function isWordStartAfterNonSpace(text: string, i: number): boolean {
  return isSpace(text.charCodeAt(i)) && !isSpace(text.charCodeAt(i - 1));
}

/**
 * Cuts a long text into consecutive pieces of at most `limit` code units, each starting with a space after a
 * non-space, where the scan ends a word anyway: counting the pieces one by one (the added space only before the first)
 * gives the count of the whole. A single word longer than `limit` stays one piece.
 */
export function cutText(text: string, limit: number, visit: (start: number, end: number) => void): void {
  const n = text.length;
  let start = 0;
  while (start < n) {
    let end = Math.min(n, start + limit);
    if (end < n) {
      let cut = end;
      while (cut > start && !isWordStartAfterNonSpace(text, cut)) cut--;
      if (cut === start) {
        // One word longer than a piece: take all of it.
        cut = end;
        while (cut < n && !isWordStartAfterNonSpace(text, cut)) cut++;
      }
      end = cut;
    }
    visit(start, end);
    start = end;
  }
}

function pushUtf8Bytes(c: number, out: number[]): void {
  if (c < 0x80) {
    out.push(BYTE_PIECE_OFFSET + c);
  } else if (c < 0x800) {
    out.push(BYTE_PIECE_OFFSET + (0xc0 | (c >> 6)), BYTE_PIECE_OFFSET + (0x80 | (c & 0x3f)));
  } else {
    out.push(
      BYTE_PIECE_OFFSET + (0xe0 | (c >> 12)),
      BYTE_PIECE_OFFSET + (0x80 | ((c >> 6) & 0x3f)),
      BYTE_PIECE_OFFSET + (0x80 | (c & 0x3f)),
    );
  }
}

/**
 * Counts with the WebAssembly kernel (assembly/tokenKernel.ts, several times faster) and encodes with the JavaScript
 * counter above, which is created on the first encode() call: validation only ever counts. Where WebAssembly SIMD is
 * unavailable, the JavaScript counter counts too.
 */
class KernelTokenCounter implements TokenCounter {
  private readonly kernel: TokenKernel | undefined;
  private scanner: CachingTokenCounter | undefined;

  constructor(
    private readonly cacheEntries: number,
    kernel: boolean | TokenKernel,
  ) {
    this.kernel = kernel === true ? TokenKernel.create(cacheEntries) : kernel === false ? undefined : kernel;
  }

  count(text: string): number {
    return this.countFrom(text, 1);
  }

  countAfterNewline(text: string): number {
    return NEWLINE_TOKENS + this.countFrom(text, 0);
  }

  encode(text: string): number[] {
    return this.javascript().encode(text);
  }

  private javascript(): CachingTokenCounter {
    this.scanner ??= new CachingTokenCounter(this.cacheEntries);
    return this.scanner;
  }

  private countFrom(text: string, virtualSpace: 0 | 1): number {
    const kernel = this.kernel;
    if (kernel === undefined) return this.javascript().countFrom(text, virtualSpace);
    if (text.length === 0) return 0;
    if (text.length < KERNEL_INPUT_UNITS) return kernel.count(text, virtualSpace);
    let total = 0;
    cutText(text, KERNEL_INPUT_UNITS - 1, (start, end) => {
      const piece = text.slice(start, end);
      const pieceSpace = start === 0 ? virtualSpace : 0;
      // A single word longer than the kernel's input: the JavaScript counter takes any length.
      total += piece.length < KERNEL_INPUT_UNITS ? kernel.count(piece, pieceSpace) : this.javascript().countFrom(piece, pieceSpace);
    });
    return total;
  }
}

/** A counter that owns its caches (for example one per worker); the vocabulary tables are shared by all counters. */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
  if (!Number.isInteger(cacheEntries) || cacheEntries < 0 || cacheEntries > 1 << 24) {
    throw new RangeError(`cacheEntries must be an integer from 0 to ${1 << 24}, got ${cacheEntries}`);
  }
  const counter = new KernelTokenCounter(cacheEntries, options.kernel ?? true);
  // Bound functions, so that `texts.map(counter.count)` works.
  return {
    count: (text) => counter.count(text),
    countAfterNewline: (text) => counter.countAfterNewline(text),
    encode: (text) => counter.encode(text),
  };
}

let defaultCounter: TokenCounter | undefined;

/** Number of Phi-3 tokens in `text` as message content (no BOS, SentencePiece's preceding space); 0 for "". */
export function countTokens(text: string): number {
  defaultCounter ??= createTokenCounter();
  return defaultCounter.count(text);
}

/** The ids llama-tokenizer-js's `encode(text, false, true)` returns; [] for "". */
export function encode(text: string): number[] {
  defaultCounter ??= createTokenCounter();
  return defaultCounter.encode(text);
}
