// Proves the Phi-3 token counter gives exactly llama-tokenizer-js's ids, and that the vocabulary facts it relies on hold.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { inflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import llamaTokenizer from 'llama-tokenizer-js';
import { describe, expect, it } from 'vitest';
import { NEWLINE_TOKENS } from '../../../src/dataset/chatModels.js';
import { countTokens, createTokenCounter, encode } from '../../../src/dataset/tokenizer/countTokens.js';
import {
  BYTE_PIECE_OFFSET,
  CHARACTER_ISOLATED,
  CHARACTER_LETTER,
  SPACE_PIECE_ID,
  loadLlamaVocabulary,
} from '../../../src/dataset/tokenizer/llamaVocabulary.js';
import {
  LLAMA_VOCABULARY_DEFLATED_BASE64,
  LLAMA_VOCABULARY_PAYLOAD_SHA256,
} from '../../../src/dataset/tokenizer/llamaVocabularyData.js';
import { MergeTable, applyMergesByHeap, applyMergesByScan } from '../../../src/dataset/tokenizer/sentencePieceBpe.js';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

/** The definition of correct: the reference's ids with no BOS and with the preceding space. */
function reference(text: string): number[] {
  return llamaTokenizer.encode(text, false, true);
}

// Several counters, so every property also runs through cache hits, generation rotation and the uncached path.
const counters = {
  default: { count: countTokens, encode },
  tiny: createTokenCounter({ cacheEntries: 2 }),
  small: createTokenCounter({ cacheEntries: 64 }),
  uncached: createTokenCounter({ cacheEntries: 0 }),
  // The JavaScript scanner counts where WebAssembly SIMD is unavailable; encode() always uses it.
  javascript: createTokenCounter({ kernel: false }),
  javascriptTiny: createTokenCounter({ kernel: false, cacheEntries: 2 }),
};

function expectAgreement(text: string): void {
  const expected = reference(text);
  for (const [name, counter] of Object.entries(counters)) {
    expect(counter.encode(text), `${name} encode ${JSON.stringify(text.slice(0, 200))}`).toEqual(expected);
    expect(counter.count(text), `${name} count ${JSON.stringify(text.slice(0, 200))}`).toBe(expected.length);
    if ('countAfterNewline' in counter) expect(counter.countAfterNewline(text), `${name} countAfterNewline`).toBe(reference(`\n${text}`).length);
  }
}

function corpusFromNodeModules(): { paragraphs: string[]; characters: number } {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(md|txt|js|ts)$/.test(entry.name) && !path.includes('llama-tokenizer-js')) files.push(path);
    }
  };
  walk(join(repositoryRoot, 'node_modules'));
  // Every 7th file keeps the sample spread over many packages; markdown first because it is the most chat-like.
  const chosen = [...files.filter((f) => f.endsWith('.md')), ...files.filter((f, i) => !f.endsWith('.md') && i % 7 === 0)];
  const paragraphs: string[] = [];
  let characters = 0;
  for (const file of chosen) {
    if (characters > 1_000_000) break;
    if (statSync(file).size > 200_000) continue;
    for (const paragraph of readFileSync(file, 'utf8').split(/\n[ \t]*\n/)) {
      paragraphs.push(paragraph);
      characters += paragraph.length;
    }
  }
  return { paragraphs, characters };
}

/** The reference's ids for `texts`, computed on a worker thread: at ~0.3 MB/s here it would otherwise dominate the file. */
function referenceIdsOnWorker(texts: string[]): Promise<number[][]> {
  const referenceUrl = pathToFileURL(createRequire(import.meta.url).resolve('llama-tokenizer-js')).href;
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.referenceUrl).then(({ default: tokenizer }) => {
      parentPort.postMessage(workerData.texts.map((text) => tokenizer.encode(text, false, true)));
    });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { texts, referenceUrl } });
    worker.once('message', (ids: number[][]) => {
      resolve(ids);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

// Started while the file loads, so the reference encodes the corpus on the second core while the other tests run.
const corpus = corpusFromNodeModules();
const corpusReferenceIds = referenceIdsOnWorker(corpus.paragraphs);
corpusReferenceIds.catch(() => undefined); // the corpus test reports the failure

const vocabulary = loadLlamaVocabulary();
const pieces = vocabulary.pieces();
const codePoints = (piece: string): string[] => Array.from(piece);

describe('generated vocabulary data', () => {
  it('is exactly what scripts/generate-llama-vocabulary.mjs produces from llama-tokenizer-js', () => {
    const generated = Buffer.from(
      execFileSync(process.execPath, [join(repositoryRoot, 'scripts/generate-llama-vocabulary.mjs'), '--payload'], {
        encoding: 'utf8',
        maxBuffer: 8 << 20,
      }),
      'base64',
    );
    const committed = inflateRawSync(Buffer.from(LLAMA_VOCABULARY_DEFLATED_BASE64, 'base64'));
    expect(committed.equals(generated)).toBe(true);
    expect(createHash('sha256').update(committed).digest('hex')).toBe(LLAMA_VOCABULARY_PAYLOAD_SHA256);
  });

  it('has the 32000 pieces of the reference, in id order', () => {
    expect(vocabulary.pieceCount).toBe(32000);
    expect(pieces).toHaveLength(32000);
    expect(pieces).toEqual(llamaTokenizer.vocabById);
    expect(pieces[SPACE_PIECE_ID]).toBe('▁');
    for (let byte = 0; byte < 256; byte++) {
      expect(pieces[BYTE_PIECE_OFFSET + byte]).toBe(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
    }
  });

  it('has the reference merges, ranked in the reference order, with the reference results', () => {
    expect(vocabulary.mergeCount).toBe(llamaTokenizer.merges.size);
    // Collected and compared once: an expect() per merge would take seconds.
    const wrong: string[] = [];
    let previousRank = 0;
    for (let rank = 0; rank < vocabulary.mergeCount; rank++) {
      const left = pieces[vocabulary.mergeLeft[rank] as number] as string;
      const right = pieces[vocabulary.mergeRight[rank] as number] as string;
      const referenceRank = llamaTokenizer.merges.get(`${left} ${right}`) ?? -1;
      if (referenceRank <= previousRank) wrong.push(`rank ${rank}: ${left} ${right} out of order`);
      previousRank = referenceRank;
      if (vocabulary.mergeResult[rank] !== llamaTokenizer.vocabByString.get(left + right)) wrong.push(`rank ${rank}: wrong result`);
    }
    expect(wrong).toEqual([]);
  });

  it('lists every one-code-point piece with its id', () => {
    const singles = pieces.flatMap((piece, id) => (codePoints(piece).length === 1 ? [`${piece.codePointAt(0)}:${id}`] : []));
    const decoded = Array.from(vocabulary.singleCodePoints, (codePoint, i) => `${codePoint}:${vocabulary.singleIds[i]}`);
    expect(decoded).toEqual(singles);
  });
});

// The counter cuts text where no merge can join the two sides; these are the facts that make each cut exact.
describe('vocabulary properties the word split relies on', () => {
  const merges = Array.from({ length: vocabulary.mergeCount }, (_, rank) => ({
    left: pieces[vocabulary.mergeLeft[rank] as number] as string,
    right: pieces[vocabulary.mergeRight[rank] as number] as string,
    leftId: vocabulary.mergeLeft[rank] as number,
    rightId: vocabulary.mergeRight[rank] as number,
  }));
  const isLetterOrMark = (character: string | undefined): boolean => character !== undefined && /^[\p{L}\p{M}]$/u.test(character);

  it('no merge joins a piece ending in a non-space to a piece starting with "▁", and no piece spans a word boundary', () => {
    const crossing = merges.filter((m) => !m.left.endsWith('▁') && m.right.startsWith('▁'));
    expect(crossing).toEqual([]);
    expect(pieces.filter((piece) => /[^▁]▁/u.test(piece))).toEqual([]);
  });

  it('no merge joins a letter or mark to a following non-letter, and no piece contains that sequence', () => {
    const crossing = merges.filter((m) => isLetterOrMark(codePoints(m.left).at(-1)) && !isLetterOrMark(codePoints(m.right)[0]));
    expect(crossing.map((m) => `${m.left} ${m.right}`)).toEqual([]);
    const spanning = pieces.filter((piece, id) => id > 258 && /[\p{L}\p{M}][^\p{L}\p{M}]/u.test(piece));
    expect(spanning).toEqual([]);
  });

  it('byte-fallback and control pieces never merge, and every merge result is a piece', () => {
    expect(merges.filter((m) => m.leftId <= 258 || m.rightId <= 258)).toEqual([]);
    expect(merges.filter((m) => !llamaTokenizer.vocabByString.has(m.left + m.right))).toEqual([]);
  });

  it('pieces above U+FFFF never merge (they are single tokens)', () => {
    const astral = pieces.filter((piece) => codePoints(piece).length === 1 && (piece.codePointAt(0) as number) > 0xffff);
    expect(astral.length).toBeGreaterThan(0);
    expect(merges.filter((m) => astral.includes(codePoints(m.left).at(-1) as string) || astral.includes(codePoints(m.right)[0] as string))).toEqual([]);
  });

  it('the stored character classes are exactly what the merges imply', () => {
    const edges = merges.map((m) => [codePoints(m.left).at(-1) as string, codePoints(m.right)[0] as string] as const);
    const atAnEdge = new Set(edges.flat());
    // Letters and marks, minus any that a merge joins to something outside the set, repeated until nothing changes.
    const letters = new Set(pieces.filter((piece) => codePoints(piece).length === 1 && isLetterOrMark(piece)));
    for (let changed = true; changed; ) {
      changed = false;
      for (const [x, y] of edges) {
        if (letters.has(x) && !letters.has(y)) changed = letters.delete(x);
      }
    }
    const expected = Array.from(vocabulary.singleCodePoints, (codePoint) => {
      const character = String.fromCodePoint(codePoint);
      return !atAnEdge.has(character) ? 'isolated' : letters.has(character) ? 'letter' : 'other';
    });
    const stored = Array.from(vocabulary.singleClasses, (k) => (k === CHARACTER_ISOLATED ? 'isolated' : k === CHARACTER_LETTER ? 'letter' : 'other'));
    expect(stored).toEqual(expected);
    // What the counter relies on: a letter is never joined to a following non-letter, an isolated character never
    // joined at all, and the ASCII letters (tested by range in the hot loop) are letters.
    const classOf = new Map(Array.from(vocabulary.singleCodePoints, (codePoint, i) => [String.fromCodePoint(codePoint), stored[i]]));
    expect(edges.filter(([x, y]) => classOf.get(x) === 'letter' && classOf.get(y) !== 'letter')).toEqual([]);
    expect(edges.filter(([x, y]) => classOf.get(x) === 'isolated' || classOf.get(y) === 'isolated')).toEqual([]);
    for (const letter of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') expect(classOf.get(letter)).toBe('letter');
    expect(letters.size).toBeGreaterThan(1000);
  });

  it('digits never merge, so each digit is one token', () => {
    expect(merges.filter((m) => /\d$/u.test(m.left) || /^\d/u.test(m.right))).toEqual([]);
  });
});

describe('agreement with llama-tokenizer-js on hand-picked cases', () => {
  const cases: Record<string, string> = {
    'single space': ' ',
    'many spaces': '          ',
    'leading and trailing spaces': '   hello world   ',
    'spaces then a word': '           grabbed',
    tab: '\t',
    tabs: '\ttabs\t\t\t\tout here',
    newline: '\n',
    'space then newline': ' \n',
    'crlf lines': 'first line\r\nsecond line\r\n\r\nthird',
    'newlines between words': 'ax\n####\nboo',
    'byte fallback controls': '\u0000\u0001\u001f\u007f\u0085',
    'character outside the vocabulary': 'Ꙋ and 🦙',
    emoji: '😀 😂 👍🏽 🚀',
    'emoji zwj sequence': 'family: 👨‍👩‍👧‍👦 and flag 🏳️‍🌈',
    'astral pieces': '𝕜 🌍 𝓝𝕜🌍',
    cjk: '镇 東京は日本の首都です。中文分词测试',
    arabic: 'مرحبا بالعالم، كيف حالك؟',
    'combining marks': 'e\u0301 a\u0300\u0301 n\u0303o Zürich café',
    'lone high surrogate': 'a\ud800b',
    'lone low surrogate': '\udc00x',
    'reversed surrogates': '\udc00\ud800',
    'surrogate at the end': 'end\ud83d',
    'U+2581 in the input': '▁x ▁▁y▁ ▁',
    'U+FFFD in the input': 'bad \ufffd byte',
    'special-token lookalikes': '<s> hi </s><|user|>\nHello<|end|>\n<|assistant|><unk>',
    'byte-token lookalike': '<0x0A> <0xFF>',
    'python with indentation': 'def f(x):\n    if x:\n        return [i * 2 for i in range(x)]\n\treturn None\n',
    'long number': '123456789012345678901234567890 and 3.14159265358979',
    'markdown list': '## Title\n\n1. **First**: item one.\n2. `code` and _emphasis_\n- bullet — dash “quotes” it’s',
    'punctuation runs': '...!!!???,,;;::"\'\'""((([[[{{{}}}]]])))',
    'url and email': 'see https://example.com/path?q=1&x=y#frag or mail me@example.org.',
    'mixed scripts': 'abcДобрый деньxyzγειά σουऄ',
  };

  for (const [name, text] of Object.entries(cases)) {
    it(name, () => expectAgreement(text));
  }

  it('the empty string is [] and 0 tokens, like the reference', () => {
    expect(reference('')).toEqual([]);
    expectAgreement('');
  });

  it('repeated calls agree (the cache does not change results)', () => {
    const text = 'The quick brown fox jumps over the lazy dog. The quick brown fox!';
    for (let i = 0; i < 3; i++) expectAgreement(text);
  });

  it('a 100 kB word without spaces (base64-like) agrees and takes the O(n log n) path', () => {
    let state = 7;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    let text = '';
    for (let i = 0; i < 100_000; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      text += alphabet[state >>> 26];
    }
    expect(encode(text)).toEqual(reference(text));
    const letters = text.replace(/[^a-z]/g, '').slice(0, 30_000);
    expect(encode(letters)).toEqual(reference(letters));
  });

  it('texts longer than the 64k-unit scan buffer, cut into chunks between words', () => {
    // One counter is enough here: chunking happens before the cache, and the reference is slow on long texts.
    const check = (text: string): void => {
      const expected = reference(text);
      expect(encode(text)).toEqual(expected);
      expect(countTokens(text)).toBe(expected.length);
    };
    const sentence = 'Chunked text: words, "quotes", numbers 12345, emoji 🚀, tabs\tand  double  spaces.\n';
    check(sentence.repeat(Math.ceil(70_000 / sentence.length)));
    // A chunk window with no cut point (one 70k-letter word), then ordinary words, then a space right at a window edge.
    check(`${'x'.repeat(70_000)} tail of the text`);
    check(`${'y '.repeat(32_767)}  z${' w'.repeat(20)}\ud83d\ude00`);
  });

  it('a 1 MB run of one letter finishes (quadratic merging would not)', () => {
    // The reference gives "▁a", then "aaaa" pieces, then "aa" and "a" for the remainder (checked at 1001 letters);
    // it needs seconds for a megabyte, so the long run is checked against that pattern.
    const pattern = (letters: number): number => 1 + Math.floor((letters - 1) / 4) + [0, 1, 1, 2][(letters - 1) % 4]!;
    const small = 'a'.repeat(1001);
    expect(encode(small)).toEqual(reference(small));
    expect(reference(small)).toHaveLength(pattern(1001));
    expect(countTokens('a'.repeat(1 << 20))).toBe(pattern(1 << 20));
  });
});

describe('BPE implementations', () => {
  const table = new MergeTable(vocabulary.mergeLeft, vocabulary.mergeRight, vocabulary.mergeResult);
  const frequentIds = Array.from(vocabulary.singleIds).filter((id) => id >= 29871 && id < 30100);

  it('the heap and the scan give the same merges on random symbol sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...frequentIds, SPACE_PIECE_ID, SPACE_PIECE_ID), { minLength: 0, maxLength: 80 }), (ids) => {
        const a = Int32Array.from(ids);
        const b = Int32Array.from(ids);
        const lengthA = applyMergesByScan(table, a, a.length, new Int32Array(a.length + 1));
        const lengthB = applyMergesByHeap(table, b, b.length);
        expect(Array.from(b.subarray(0, lengthB))).toEqual(Array.from(a.subarray(0, lengthA)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('agreement with llama-tokenizer-js on generated strings (fast-check)', () => {
  const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
  const piece = fc.integer({ min: 0, max: 31999 }).map((id) => (pieces[id] as string).replaceAll('▁', ' '));
  const separator = fc.constantFrom(' ', '  ', '    ', '\n', '\n\n', '\t', '\r\n', '▁', ', ', '. ', "'", '"', '(', ')');
  const fragment = fc.oneof(
    { weight: 5, arbitrary: piece },
    { weight: 3, arbitrary: separator },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
    { weight: 1, arbitrary: codeUnit },
  );

  it('arbitrary Unicode strings, including lone surrogates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: codeUnit, maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 })), (text) => {
        expectAgreement(text);
      }),
      { numRuns: 1500 },
    );
  });

  it('strings of vocabulary pieces, spaces and newlines (these exercise merges and their order)', () => {
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 24 }), (fragments) => {
        expectAgreement(fragments.join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('long strings of pieces without spaces (the heap path)', () => {
    fc.assert(
      fc.property(fc.array(piece.map((p) => p.replaceAll(' ', '')), { minLength: 20, maxLength: 60 }), (fragments) => {
        expectAgreement(fragments.join(''));
      }),
      { numRuns: 200 },
    );
  });
});

describe('agreement with llama-tokenizer-js on text found on this machine', () => {
  it('every paragraph of about 1 MB of README, markdown and JavaScript under node_modules', async () => {
    expect(corpus.characters).toBeGreaterThan(1_000_000);
    expect(corpus.paragraphs.length).toBeGreaterThan(5_000);
    const expected = await corpusReferenceIds;
    expect(expected).toHaveLength(corpus.paragraphs.length);
    const disagreeing = corpus.paragraphs.find((text, i) => {
      const ids = expected[i] as number[];
      const got = encode(text);
      return got.length !== ids.length || got.some((id, j) => id !== ids[j]) || countTokens(text) !== ids.length;
    });
    expect(disagreeing).toBeUndefined();
  });
});

describe('createTokenCounter', () => {
  it('counts "\\n" as NEWLINE_TOKENS, the constant the chat-template arithmetic uses', () => {
    expect(reference('\n')).toHaveLength(NEWLINE_TOKENS);
    expect(countTokens('\n')).toBe(NEWLINE_TOKENS);
  });

  it('returns bound functions with their own cache', () => {
    const counter = createTokenCounter({ cacheEntries: 16 });
    const texts = ['Hello there!', 'General Kenobi.', ''];
    expect(texts.map(counter.count)).toEqual(texts.map((text) => reference(text).length));
    expect(texts.map(counter.encode)).toEqual(texts.map(reference));
  });

  it('stays exact while a small cache rotates through many distinct words', () => {
    const counter = createTokenCounter({ cacheEntries: 8 });
    const words: string[] = [];
    for (let i = 0; i < 400; i++) words.push(`w${i.toString(36)}x${'abcdefgh'.slice(i % 8)}`);
    const text = words.join(' ');
    expect(counter.encode(text)).toEqual(reference(text));
    expect(counter.count(text)).toBe(reference(text).length);
  });

  it('stays exact when many words land on one hash slot (probe sequences are capped)', () => {
    // White-box: mirrors the cache's FNV-1a hash and slot choice for a 4096-entry counter (2 generations of 2048
    // entries in 4096 slots) to build 100 words that all start probing at one slot, past the 32-probe cap. If the hash
    // changes this stays a valid agreement test; it just stops crowding one slot.
    const slotOf = (key: string): number => {
      let hash = 0x811c9dc5 | 0;
      for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
      return Math.imul(hash, 0x9e3779b1) >>> (32 - 12);
    };
    const word = (n: number): string => {
      let text = '';
      for (let m = n + 1; m > 0; m = Math.floor(m / 26)) text += String.fromCharCode(0x61 + (m % 26));
      return text;
    };
    const target = slotOf(` ${word(0)}`);
    const crowded: string[] = [];
    for (let n = 0; crowded.length < 100; n++) if (slotOf(` ${word(n)}`) === target) crowded.push(word(n));
    const text = `start ${crowded.join(' ')}`;
    const counter = createTokenCounter({ cacheEntries: 4096 });
    for (let pass = 0; pass < 2; pass++) expect(counter.encode(text)).toEqual(reference(text));
    expect(counter.count(text)).toBe(reference(text).length);
  });

  it('rejects invalid cache sizes', () => {
    expect(() => createTokenCounter({ cacheEntries: -1 })).toThrow(RangeError);
    expect(() => createTokenCounter({ cacheEntries: 1.5 })).toThrow(RangeError);
  });
});
