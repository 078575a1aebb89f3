// The WebAssembly token-count kernel: built from its source, and counting exactly what the JavaScript scanner counts
// (which tokenizer.test.ts proves equal to llama-tokenizer-js) on the cases where the two implementations differ most.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenCounter } from '../../../src/dataset/tokenizer/countTokens.js';
import { loadLlamaVocabulary } from '../../../src/dataset/tokenizer/llamaVocabulary.js';
import { KERNEL_INPUT_UNITS, TokenKernel, kernelCacheSizes } from '../../../src/dataset/tokenizer/tokenKernel.js';
import { TOKEN_KERNEL_WASM_BASE64, TOKEN_KERNEL_WASM_BYTES, TOKEN_KERNEL_WASM_SHA256 } from '../../../src/dataset/tokenizer/tokenKernelWasm.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { compileTokenKernel, renderModule } from '../../../scripts/build-token-kernel.mjs';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const javascript = createTokenCounter({ kernel: false, cacheEntries: 0 });

describe('the compiled kernel', () => {
  it('is exactly what scripts/build-token-kernel.mjs compiles from assembly/tokenKernel.ts', async () => {
    const binary = (await compileTokenKernel()) as Buffer;
    const committed = Buffer.from(TOKEN_KERNEL_WASM_BASE64, 'base64');
    expect(committed.length).toBe(TOKEN_KERNEL_WASM_BYTES);
    expect(createHash('sha256').update(committed).digest('hex')).toBe(TOKEN_KERNEL_WASM_SHA256);
    expect(committed.equals(binary), 'run `node scripts/build-token-kernel.mjs` after changing assembly/').toBe(true);
    expect(readFileSync(join(repositoryRoot, 'src/dataset/tokenizer/tokenKernelWasm.ts'), 'utf8')).toBe(renderModule(binary));
  }, 30_000);

  it('runs on this Node (WebAssembly SIMD), so validation counts with it', () => {
    expect(TokenKernel.create(16)).toBeInstanceOf(TokenKernel);
  });
});

// Words of every length around the kernel's limits: 15/16 and 31/32 code units (narrow and wide keys, uncached
// words), 64/65 symbols (the scan BPE and the heap BPE handed back to JavaScript).
const vocabulary = loadLlamaVocabulary();
const letters = 'abcdefghijklmnopqrstuvwxyzéüßñøçαβγжщ';
const letter = fc.constantFrom(...letters);
const wordOf = (length: number) => fc.array(letter, { minLength: length, maxLength: length }).map((units) => units.join(''));
const word = fc.oneof(
  fc.integer({ min: 1, max: 8 }).chain(wordOf),
  fc.constantFrom(13, 14, 15, 16, 17, 29, 30, 31, 32, 33, 63, 64, 65, 66).chain(wordOf),
  fc.constantFrom('the', 'information', 'internationalization', 'I', "'s", "n't", '**bold**', '(note)', '"quoted"'),
);
const separator = fc.constantFrom(' ', '  ', '\n', '\t', ', ', '. ', ' (', '▁', ' ▁', '7', '🚀', '\ud800', '\u0301', '東京');
const text = fc.array(fc.tuple(word, separator), { maxLength: 30 }).map((parts) => parts.map(([w, s]) => w + s).join(''));

describe('kernel counts = JavaScript counts', () => {
  it('on words around every length limit, with and without the cache, through cache rotations', () => {
    const kernels = [createTokenCounter({ cacheEntries: 0 }), createTokenCounter({ cacheEntries: 16 }), createTokenCounter({ cacheEntries: 4096 })];
    fc.assert(
      fc.property(text, (sample) => {
        const expected = javascript.count(sample);
        const afterNewline = javascript.countAfterNewline(sample);
        for (const kernel of kernels) {
          expect(kernel.count(sample)).toBe(expected);
          expect(kernel.countAfterNewline(sample)).toBe(afterNewline);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('on strings of random vocabulary pieces (every piece class, merges across them)', () => {
    const pieces = vocabulary.pieces();
    const piece = fc.integer({ min: 0, max: pieces.length - 1 }).map((id) => (pieces[id] as string).replaceAll('▁', ' '));
    const kernel = createTokenCounter({ cacheEntries: 64 });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const sample = parts.join('');
        expect(kernel.count(sample)).toBe(javascript.count(sample));
      }),
      { numRuns: 1500 },
    );
  });

  it('around 8- and 64-unit boundaries: words, surrogate pairs and lone surrogates across them', () => {
    const kernel = createTokenCounter({ cacheEntries: 64 });
    const fillers = ['a', ' ', '.', '7', 'é', '\t'];
    const specials = ['🚀', '\ud83d', '\ude80', '\ud83d\ud83d\ude80', ' word', 'word', '(x', '  ', '▁x', 'éa', 'a\u0301', '\r\n', '1 '];
    for (const filler of fillers) {
      for (const special of specials) {
        for (let at = 58; at <= 70; at++) {
          for (const tail of ['', ' tail', 'tail', '🚀']) {
            const text = filler.repeat(at) + special + tail;
            expect(kernel.count(text), JSON.stringify(text)).toBe(javascript.count(text));
            expect(kernel.countAfterNewline(text)).toBe(javascript.countAfterNewline(text));
          }
        }
      }
    }
    for (const length of [1, 63, 64, 65, 127, 128, 129, 192]) {
      for (const unit of ['a', ' ', ',', '1', 'é']) {
        const text = unit.repeat(length);
        expect(kernel.count(text), `${length} x ${JSON.stringify(unit)}`).toBe(javascript.count(text));
      }
    }
  });

  it('on texts longer than the kernel input, cut between words, and on one word longer than it', () => {
    const kernel = createTokenCounter();
    const sentence = 'A longer text, cut into pieces: "words" and 12345 numbers; émigré naïveté 🚀\n';
    const long = sentence.repeat(Math.ceil((2.5 * KERNEL_INPUT_UNITS) / sentence.length));
    expect(kernel.count(long)).toBe(javascript.count(long));
    expect(kernel.countAfterNewline(long)).toBe(javascript.countAfterNewline(long));
    const oneWord = `start ${'q'.repeat(KERNEL_INPUT_UNITS + 10)} end`;
    expect(kernel.count(oneWord)).toBe(javascript.count(oneWord));
  });
});

describe('the kernel word cache', () => {
  // White-box: the kernel's slot of a key of up to 8 units (assembly/tokenKernel.ts slotOf), for a table of `bits` bits.
  const MULTIPLIERS = [0x9e3779b97f4a7c15n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0xd6e8feb86659fd93n];
  const MASK64 = (1n << 64n) - 1n;
  const slotOf = (key: string, bits: number): number => {
    const units = new Uint16Array(16);
    for (let i = 0; i < key.length; i++) units[i] = key.charCodeAt(i);
    const lanes = new BigUint64Array(units.buffer);
    let x = 0n;
    for (let i = 0; i < 4; i++) x ^= (lanes[i]! * MULTIPLIERS[i]!) & MASK64;
    return Number((x ^ (x >> 29n)) >> BigInt(64 - bits));
  };

  it('stays exact when many words start probing at one slot, past the probe cap', () => {
    const cacheEntries = 4096;
    // Words like " abc" have short keys (up to 7 units with the space).
    const { short } = kernelCacheSizes(cacheEntries);
    let bits = 1;
    while (1 << bits < 2 * short) bits++;
    const name = (n: number): string => {
      let out = '';
      for (let m = n + 1; m > 0; m = Math.floor(m / 26)) out += String.fromCharCode(0x61 + (m % 26));
      return out;
    };
    const target = slotOf(` ${name(0)}`, bits);
    const crowded: string[] = [];
    for (let n = 0; crowded.length < 40; n++) if (slotOf(` ${name(n)}`, bits) === target) crowded.push(name(n));
    const sample = `start ${crowded.join(' ')}`;
    const kernel = createTokenCounter({ cacheEntries });
    for (let pass = 0; pass < 3; pass++) expect(kernel.count(sample)).toBe(javascript.count(sample));
  });

  it('keeps counts right while a tiny cache rotates its generations on every few words', () => {
    const kernel = createTokenCounter({ cacheEntries: 2 });
    const words = Array.from({ length: 500 }, (_, i) => `w${i.toString(36)}${'abcdefghijklmnopqrstuvwxyz'.slice(i % 26)}`);
    const sample = words.join(' ');
    for (let pass = 0; pass < 2; pass++) expect(kernel.count(sample)).toBe(javascript.count(sample));
  });
});
