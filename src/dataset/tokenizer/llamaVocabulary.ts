// Decodes the generated Llama-2 vocabulary payload into typed arrays on first use, so importing the tokenizer is cheap.
import { inflateRawSync } from 'node:zlib';
import { LLAMA_VOCABULARY_DEFLATED_BASE64, LLAMA_VOCABULARY_PAYLOAD_BYTES } from './llamaVocabularyData.js';

/** Id of "▁" (U+2581), the piece SentencePiece uses for a space; the reference maps every " " to it. */
export const SPACE_PIECE_ID = 29871;
/** Byte-fallback pieces "<0x00>".."<0xFF>" are ids 3..258, in byte order (asserted by the unit tests). */
export const BYTE_PIECE_OFFSET = 3;

const FORMAT_VERSION = 1;
const HEADER_BYTES = 16;

export interface LlamaVocabulary {
  readonly pieceCount: number;
  readonly mergeCount: number;
  /** Merge `i` has rank `i` (lower ranks apply first) and joins `mergeLeft[i]` and `mergeRight[i]` into `mergeResult[i]`. */
  readonly mergeLeft: Uint16Array;
  readonly mergeRight: Uint16Array;
  readonly mergeResult: Uint16Array;
  /** Code points of the pieces that are exactly one code point, parallel to `singleCodePointIds`. */
  readonly singleCodePoints: Int32Array;
  readonly singleCodePointIds: Uint16Array;
  /** First and last code point of every piece (byte pieces like "<0x0A>" are plain text here: '<' and '>'). */
  readonly firstCodePoints: Int32Array;
  readonly lastCodePoints: Int32Array;
  /** The piece strings; decoded on first call because counting never needs them. */
  pieces(): readonly string[];
}

let loaded: LlamaVocabulary | undefined;

/** Returns the process-wide vocabulary, decoding the embedded payload on the first call (a few milliseconds). */
export function loadLlamaVocabulary(): LlamaVocabulary {
  loaded ??= decodeLlamaVocabulary(inflateRawSync(Buffer.from(LLAMA_VOCABULARY_DEFLATED_BASE64, 'base64')));
  return loaded;
}

/** Decodes a payload in the layout written by scripts/generate-llama-vocabulary.mjs. */
export function decodeLlamaVocabulary(payload: Uint8Array): LlamaVocabulary {
  if (payload.length !== LLAMA_VOCABULARY_PAYLOAD_BYTES) {
    throw new Error(`Llama vocabulary payload has ${payload.length} bytes, expected ${LLAMA_VOCABULARY_PAYLOAD_BYTES}`);
  }
  const u32 = (offset: number): number =>
    ((payload[offset] ?? 0) | ((payload[offset + 1] ?? 0) << 8) | ((payload[offset + 2] ?? 0) << 16)) +
    (payload[offset + 3] ?? 0) * 0x1000000;
  if (u32(0) !== FORMAT_VERSION) throw new Error(`unsupported Llama vocabulary format ${u32(0)}`);
  const pieceCount = u32(4);
  const mergeCount = u32(8);
  const piecesByteLength = u32(12);
  const piecesStart = HEADER_BYTES + 6 * mergeCount;
  if (piecesStart + piecesByteLength !== payload.length) throw new Error('Llama vocabulary payload is truncated');

  // Reading bytes by hand keeps this independent of the buffer's alignment and of the host's endianness.
  const readU16Column = (column: number): Uint16Array => {
    const values = new Uint16Array(mergeCount);
    let offset = HEADER_BYTES + 2 * mergeCount * column;
    for (let i = 0; i < mergeCount; i++, offset += 2) {
      values[i] = (payload[offset] as number) | ((payload[offset + 1] as number) << 8);
    }
    return values;
  };
  const mergeLeft = readU16Column(0);
  const mergeRight = readU16Column(1);
  const mergeResult = readU16Column(2);
  let previous = 0;
  for (let i = 0; i < mergeCount; i++) {
    previous = (previous + (mergeResult[i] as number)) & 0xffff;
    mergeResult[i] = previous;
  }

  const piecesBytes = payload.subarray(piecesStart);
  const firstCodePoints = new Int32Array(pieceCount);
  const lastCodePoints = new Int32Array(pieceCount);
  const singles: number[] = [];
  let id = 0;
  let start = 0;
  for (let position = 0; position <= piecesBytes.length; position++) {
    if (position < piecesBytes.length && piecesBytes[position] !== 0x0a) continue;
    if (id >= pieceCount || position === start) throw new Error('Llama vocabulary pieces are malformed');
    const first = decodeUtf8At(piecesBytes, start);
    firstCodePoints[id] = first;
    let lastStart = position - 1;
    while (((piecesBytes[lastStart] as number) & 0xc0) === 0x80) lastStart--;
    lastCodePoints[id] = decodeUtf8At(piecesBytes, lastStart);
    if (lastStart === start) singles.push(first, id);
    id++;
    start = position + 1;
  }
  if (id !== pieceCount) throw new Error(`Llama vocabulary has ${id} pieces, expected ${pieceCount}`);

  const singleCodePoints = new Int32Array(singles.length / 2);
  const singleCodePointIds = new Uint16Array(singles.length / 2);
  for (let i = 0; i < singleCodePoints.length; i++) {
    singleCodePoints[i] = singles[2 * i] as number;
    singleCodePointIds[i] = singles[2 * i + 1] as number;
  }

  let pieces: readonly string[] | undefined;
  return {
    pieceCount,
    mergeCount,
    mergeLeft,
    mergeRight,
    mergeResult,
    singleCodePoints,
    singleCodePointIds,
    firstCodePoints,
    lastCodePoints,
    pieces() {
      pieces ??= Object.freeze(new TextDecoder('utf-8').decode(piecesBytes).split('\n'));
      return pieces;
    },
  };
}

/** Decodes the well-formed UTF-8 sequence starting at `offset` (the generator wrote it with Buffer.from(string)). */
function decodeUtf8At(bytes: Uint8Array, offset: number): number {
  const b0 = bytes[offset] as number;
  if (b0 < 0x80) return b0;
  const b1 = (bytes[offset + 1] as number) & 0x3f;
  if (b0 < 0xe0) return ((b0 & 0x1f) << 6) | b1;
  const b2 = (bytes[offset + 2] as number) & 0x3f;
  if (b0 < 0xf0) return ((b0 & 0x0f) << 12) | (b1 << 6) | b2;
  return ((b0 & 0x07) << 18) | (b1 << 12) | (b2 << 6) | ((bytes[offset + 3] as number) & 0x3f);
}
