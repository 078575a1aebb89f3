// Regenerates src/dataset/tokenizer/llamaVocabularyData.ts from llama-tokenizer-js so the vocabulary ships inside ncc bundles.
//
// Usage (from the repository root):
//   node scripts/generate-llama-vocabulary.mjs            write the data module
//   node scripts/generate-llama-vocabulary.mjs --payload  print the uncompressed payload as base64 (used by the unit test)
//   node scripts/generate-llama-vocabulary.mjs --check    exit 1 if the committed module does not hold this payload
//
// Payload layout (all integers little-endian), deflated (raw deflate, level 9) and base64-encoded in the module:
//   u32 formatVersion (2), u32 pieceCount, u32 mergeCount, u32 singleCount, u32 piecesByteLength
//   u16 mergeLeft[mergeCount], u16 mergeRight[mergeCount], u16 mergeResultDelta[mergeCount]
//   u32 singleCodePoint[singleCount], u16 singleId[singleCount], u8 singleClass[singleCount]
//   pieces as UTF-8, joined by "\n" (no piece contains "\n"; asserted below)
// Merges are stored in the reference's priority order, so a merge's rank is its index. The result id is delta-coded
// against the previous merge's result because the reference orders merges mostly by result id, which makes the deltas
// small and the deflated payload about 30% smaller.
// "Singles" are the pieces that are one code point: the characters the tokenizer starts from. Their class tells the
// counter where it may cut text (see src/dataset/tokenizer/countTokens.ts); computing it here instead of at run time
// keeps the tokenizer's startup short, and the unit tests derive it again from the merges to prove it:
//   0 LETTER   a letter or mark that no merge joins to a following non-letter-or-mark (the set is closed under merges)
//   1 OTHER    any other character that appears at the edge of some merge
//   2 ISOLATED a character at the edge of no merge: always a token of its own
// Comparing compressed bytes across Node versions would be brittle (zlib output may change), so --check and the unit
// test compare the inflated payload, never the base64 text.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import llamaTokenizer from 'llama-tokenizer-js';

const FORMAT_VERSION = 2;
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const modulePath = join(repositoryRoot, 'src/dataset/tokenizer/llamaVocabularyData.ts');

function fail(message) {
  throw new Error(`generate-llama-vocabulary: ${message}`);
}

/** Builds the uncompressed payload from the reference tokenizer's in-memory tables (the ones its encode() uses). */
export function buildPayload() {
  const pieces = llamaTokenizer.vocabById;
  const idOf = llamaTokenizer.vocabByString;
  if (pieces.length !== 32000) fail(`expected 32000 pieces, got ${pieces.length}`);
  if (idOf.size !== pieces.length) fail('pieces are not unique, ids would be ambiguous');
  for (const piece of pieces) {
    if (piece.length === 0) fail('empty piece');
    if (piece.includes('\n')) fail('a piece contains "\\n", which is the payload separator');
    // The reference keys merges by "left right"; a space inside a piece would make that key ambiguous.
    if (piece.includes(' ')) fail('a piece contains a space');
  }

  const merges = [];
  for (const [key, rank] of llamaTokenizer.merges) {
    const [left, right, ...rest] = key.split(' ');
    if (rest.length !== 0 || left === undefined || right === undefined) fail(`malformed merge key ${JSON.stringify(key)}`);
    const leftId = idOf.get(left);
    const rightId = idOf.get(right);
    // The reference replaces the merged pair by vocabByString.get(left + right).
    const resultId = idOf.get(left + right);
    if (leftId === undefined || rightId === undefined || resultId === undefined) fail(`merge ${key} is not in the vocabulary`);
    merges.push({ rank, leftId, rightId, resultId });
  }
  merges.sort((a, b) => a.rank - b.rank);
  for (let i = 1; i < merges.length; i++) {
    if (merges[i].rank === merges[i - 1].rank) fail('two merges share a rank');
  }

  const singles = singleCodePointClasses(pieces, idOf, merges);
  const piecesBytes = Buffer.from(pieces.join('\n'), 'utf8');
  const mergeCount = merges.length;
  const singleCount = singles.length;
  const payload = Buffer.alloc(20 + 6 * mergeCount + 7 * singleCount + piecesBytes.length);
  payload.writeUInt32LE(FORMAT_VERSION, 0);
  payload.writeUInt32LE(pieces.length, 4);
  payload.writeUInt32LE(mergeCount, 8);
  payload.writeUInt32LE(singleCount, 12);
  payload.writeUInt32LE(piecesBytes.length, 16);
  let offset = 20;
  for (const { leftId } of merges) offset = payload.writeUInt16LE(leftId, offset);
  for (const { rightId } of merges) offset = payload.writeUInt16LE(rightId, offset);
  let previousResult = 0;
  for (const { resultId } of merges) {
    offset = payload.writeUInt16LE((resultId - previousResult) & 0xffff, offset);
    previousResult = resultId;
  }
  for (const { codePoint } of singles) offset = payload.writeUInt32LE(codePoint, offset);
  for (const { id } of singles) offset = payload.writeUInt16LE(id, offset);
  for (const { characterClass } of singles) offset = payload.writeUInt8(characterClass, offset);
  piecesBytes.copy(payload, offset);
  return payload;
}

const LETTER = 0;
const OTHER = 1;
const ISOLATED = 2;

/** The one-code-point pieces in id order, with the class described at the top of this file. */
function singleCodePointClasses(pieces, idOf, merges) {
  const firstOf = (piece) => piece.codePointAt(0);
  const lastOf = (piece) => Array.from(piece).at(-1).codePointAt(0);
  // x -> y when some merge's left piece ends in x and its right piece starts with y.
  const successors = new Map();
  const predecessors = new Map();
  for (const { leftId, rightId } of merges) {
    const x = lastOf(pieces[leftId]);
    const y = firstOf(pieces[rightId]);
    if (!successors.has(x)) successors.set(x, new Set());
    successors.get(x).add(y);
    if (!predecessors.has(y)) predecessors.set(y, new Set());
    predecessors.get(y).add(x);
  }
  const singles = [];
  pieces.forEach((piece, id) => {
    if (Array.from(piece).length === 1 && idOf.get(piece) === id) singles.push({ codePoint: firstOf(piece), id });
  });
  // Start from every letter and mark, then drop those that some merge joins to something outside the set, until none.
  const letters = new Set(singles.map((s) => s.codePoint).filter((c) => /^[\p{L}\p{M}]$/u.test(String.fromCodePoint(c))));
  const pending = [...letters].filter((x) => [...(successors.get(x) ?? [])].some((y) => !letters.has(y)));
  while (pending.length > 0) {
    const x = pending.pop();
    if (!letters.delete(x)) continue;
    for (const p of predecessors.get(x) ?? []) if (letters.has(p)) pending.push(p);
  }
  for (const single of singles) {
    const c = single.codePoint;
    single.characterClass = !successors.has(c) && !predecessors.has(c) ? ISOLATED : letters.has(c) ? LETTER : OTHER;
  }
  return singles;
}

function referenceVersion() {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('llama-tokenizer-js/package.json');
  return JSON.parse(readFileSync(packageJsonPath, 'utf8')).version;
}

export function buildModuleSource(payload) {
  const deflated = deflateRawSync(payload, { level: 9 });
  const sha256 = createHash('sha256').update(payload).digest('hex');
  return [
    '// Llama-2 SentencePiece vocabulary and merges as one deflated, base64-encoded payload; generated, do not edit by hand.',
    `// Generated by scripts/generate-llama-vocabulary.mjs from llama-tokenizer-js@${referenceVersion()}`,
    '// (MIT License, Copyright 2023 belladore.ai). Payload layout: see the generator script.',
    '',
    `export const LLAMA_VOCABULARY_PAYLOAD_BYTES = ${payload.length};`,
    `export const LLAMA_VOCABULARY_PAYLOAD_SHA256 = '${sha256}';`,
    `export const LLAMA_VOCABULARY_DEFLATED_BASE64 =`,
    `  '${deflated.toString('base64')}';`,
    '',
  ].join('\n');
}

/** Extracts and inflates the payload of a module source produced by buildModuleSource. */
export function payloadOfModuleSource(source) {
  const match = /LLAMA_VOCABULARY_DEFLATED_BASE64 =\s*'([A-Za-z0-9+/=]*)'/.exec(source);
  if (match === null) fail('no payload found in the data module');
  return inflateRawSync(Buffer.from(match[1], 'base64'));
}

function main(argv) {
  const payload = buildPayload();
  if (argv.includes('--payload')) {
    process.stdout.write(payload.toString('base64'));
    return;
  }
  if (argv.includes('--check')) {
    const committed = payloadOfModuleSource(readFileSync(modulePath, 'utf8'));
    if (!committed.equals(payload)) {
      console.error(`${modulePath} is stale: run node scripts/generate-llama-vocabulary.mjs`);
      process.exitCode = 1;
      return;
    }
    console.log(`${modulePath} is up to date (${payload.length} payload bytes)`);
    return;
  }
  const source = buildModuleSource(payload);
  writeFileSync(modulePath, source);
  console.log(`wrote ${modulePath}: ${source.length} characters, payload ${payload.length} bytes`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2));
}
