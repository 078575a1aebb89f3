// Decodes the generated Llama-2 vocabulary payload into typed arrays on first use, so importing the tokenizer is cheap.
import { inflateRawSync } from 'node:zlib';
import { LLAMA_VOCABULARY_DEFLATED_BASE64, LLAMA_VOCABULARY_PAYLOAD_BYTES } from './llamaVocabularyData.js';

/** Id of "▁" (U+2581), the piece SentencePiece uses for a space; the reference maps every " " to it. */
export const SPACE_PIECE_ID = 29871;
/** Byte-fallback pieces "<0x00>".."<0xFF>" are ids 3..258, in byte order (asserted by the unit tests). */
export const BYTE_PIECE_OFFSET = 3;

/** Classes of one-code-point pieces, computed by scripts/generate-llama-vocabulary.mjs (see there). */
export const CHARACTER_LETTER = 0;
export const CHARACTER_OTHER = 1;
export const CHARACTER_ISOLATED = 2;

const FORMAT_VERSION = 2;
const HEADER_BYTES = 20;

export interface LlamaVocabulary {
  readonly pieceCount: number;
  readonly mergeCount: number;
  /** Merge `i` has rank `i` (lower ranks apply first) and joins `mergeLeft[i]` and `mergeRight[i]` into `mergeResult[i]`. */
  readonly mergeLeft: Uint16Array;
  readonly mergeRight: Uint16Array;
  readonly mergeResult: Uint16Array;
  /** The pieces that are exactly one code point, in id order: code point, id and CHARACTER_* class. */
  readonly singleCodePoints: Uint32Array;
  readonly singleIds: Uint16Array;
  readonly singleClasses: Uint8Array;
  /** The piece strings; decoded on first call because counting never needs them. */
  pieces(): readonly string[];
}

let loaded: LlamaVocabulary | undefined;

/** Returns the process-wide vocabulary, decoding the embedded payload on the first call (a few milliseconds). */
export function loadLlamaVocabulary(): LlamaVocabulary {
  loaded ??= decodeLlamaVocabulary(inflateRawSync(Buffer.from(LLAMA_VOCABULARY_DEFLATED_BASE64, 'base64')));
  return loaded;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes a payload in the layout written by scripts/generate-llama-vocabulary.mjs. */
export function decodeLlamaVocabulary(payload: Uint8Array): LlamaVocabulary {
  if (payload.length !== LLAMA_VOCABULARY_PAYLOAD_BYTES) {
    throw new Error(`Llama vocabulary payload has ${payload.length} bytes, expected ${LLAMA_VOCABULARY_PAYLOAD_BYTES}`);
  }
  const u16 = (offset: number): number => (payload[offset] as number) | ((payload[offset + 1] as number) << 8);
  const u32 = (offset: number): number => u16(offset) + u16(offset + 2) * 0x10000;
  if (u32(0) !== FORMAT_VERSION) throw new Error(`unsupported Llama vocabulary format ${u32(0)}`);
  const pieceCount = u32(4);
  const mergeCount = u32(8);
  const singleCount = u32(12);
  const piecesByteLength = u32(16);
  const singlesStart = HEADER_BYTES + 6 * mergeCount;
  const piecesStart = singlesStart + 7 * singleCount;
  if (piecesStart + piecesByteLength !== payload.length) throw new Error('Llama vocabulary payload is truncated');

  // The three merge columns are copied in one go where the layout allows it: this runs before anything is optimised.
  const columns = new Uint16Array(3 * mergeCount);
  if (hostIsLittleEndian && (payload.byteOffset + HEADER_BYTES) % 2 === 0) {
    columns.set(new Uint16Array(payload.buffer, payload.byteOffset + HEADER_BYTES, 3 * mergeCount));
  } else {
    for (let i = 0; i < columns.length; i++) columns[i] = u16(HEADER_BYTES + 2 * i);
  }
  const mergeLeft = columns.subarray(0, mergeCount);
  const mergeRight = columns.subarray(mergeCount, 2 * mergeCount);
  const mergeResult = columns.subarray(2 * mergeCount);
  let previous = 0;
  for (let i = 0; i < mergeCount; i++) {
    previous = (previous + (mergeResult[i] as number)) & 0xffff;
    mergeResult[i] = previous;
  }

  const singleCodePoints = new Uint32Array(singleCount);
  const singleIds = new Uint16Array(singleCount);
  for (let i = 0; i < singleCount; i++) {
    singleCodePoints[i] = u32(singlesStart + 4 * i);
    singleIds[i] = u16(singlesStart + 4 * singleCount + 2 * i);
  }
  const singleClasses = payload.slice(singlesStart + 6 * singleCount, piecesStart);

  // A copy, so the rest of the payload can be collected; only tests and tools ever decode the pieces.
  const piecesBytes = payload.slice(piecesStart);
  let pieces: readonly string[] | undefined;
  return {
    pieceCount,
    mergeCount,
    mergeLeft,
    mergeRight,
    mergeResult,
    singleCodePoints,
    singleIds,
    singleClasses,
    pieces() {
      if (pieces === undefined) {
        const decoded = new TextDecoder('utf-8').decode(piecesBytes).split('\n');
        if (decoded.length !== pieceCount) throw new Error(`Llama vocabulary has ${decoded.length} pieces, expected ${pieceCount}`);
        pieces = Object.freeze(decoded);
      }
      return pieces;
    },
  };
}
