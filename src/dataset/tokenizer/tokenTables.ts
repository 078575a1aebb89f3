// How the Phi-3 counter sees each UTF-16 code unit: its class (can it join a word, merge with a neighbour, or is it a
// token of its own) and its piece id; shared by the JavaScript counter (countTokens.ts) and the WebAssembly kernel.
import {
  CHARACTER_ISOLATED,
  CHARACTER_LETTER,
  CHARACTER_OTHER,
  SPACE_PIECE_ID,
  loadLlamaVocabulary,
} from './llamaVocabulary.js';
import { MergeTable } from './sentencePieceBpe.js';

// Classes of UTF-16 code units. LETTER and OTHER are vocabulary characters that can merge with a neighbour.
export const LETTER = 0; // in the merge-closed set of letters and marks
export const OTHER = 1;
export const SPACE = 2; // " " and "▁" (the reference replaces " " by "▁")
export const ISOLATED = 3; // a vocabulary character that no merge can join to a neighbour: always one token
export const SURROGATE = 4; // decided together with the next code unit
export const BYTES = 4; // classes 5, 6 and 7: not in the vocabulary, one byte-fallback token per UTF-8 byte (class - BYTES)

export interface TokenTables {
  readonly classOf: Uint8Array;
  /** Piece id of each LETTER, OTHER, SPACE and ISOLATED code unit. */
  readonly idOf: Uint16Array;
  /** Astral code points that are pieces; no merge involves them, so they behave like ISOLATED. */
  readonly astralIds: ReadonlyMap<number, number>;
  readonly merges: MergeTable;
}

let sharedTables: TokenTables | undefined;

/** The process-wide (per thread) classification tables, built from the vocabulary on first use. */
export function tokenTables(): TokenTables {
  if (sharedTables !== undefined) return sharedTables;
  const vocabulary = loadLlamaVocabulary();
  const classOf = new Uint8Array(0x10000);
  classOf.fill(BYTES + 1, 0, 0x80);
  classOf.fill(BYTES + 2, 0x80, 0x800);
  classOf.fill(BYTES + 3, 0x800);
  classOf.fill(SURROGATE, 0xd800, 0xe000);
  const idOf = new Uint16Array(0x10000);
  const astralIds = new Map<number, number>();
  for (let i = 0; i < vocabulary.singleCodePoints.length; i++) {
    const codePoint = vocabulary.singleCodePoints[i] as number;
    const id = vocabulary.singleIds[i] as number;
    const characterClass = vocabulary.singleClasses[i];
    const k = characterClass === CHARACTER_LETTER ? LETTER : characterClass === CHARACTER_OTHER ? OTHER : ISOLATED;
    if (codePoint > 0xffff) {
      // Astral pieces are looked up only after a surrogate pair, which ends any word.
      if (characterClass !== CHARACTER_ISOLATED) throw new Error(`astral piece U+${codePoint.toString(16)} takes part in merges`);
      astralIds.set(codePoint, id);
    } else if (codePoint >= 0xd800 && codePoint <= 0xdfff) {
      throw new Error('the vocabulary contains a lone surrogate');
    } else {
      classOf[codePoint] = k;
      idOf[codePoint] = id;
    }
  }
  // The scanning loop tests ASCII letters and printable ASCII by range instead of by table.
  for (let c = 0x21; c < 0x7f; c++) {
    const asciiLetter = ((c | 0x20) - 0x61) >>> 0 < 26;
    const k = classOf[c];
    if (asciiLetter ? k !== LETTER : k !== OTHER && k !== ISOLATED) {
      throw new Error(`unexpected class ${k} for ${JSON.stringify(String.fromCharCode(c))}`);
    }
  }
  if (idOf[0x2581] !== SPACE_PIECE_ID || classOf[0x2581] !== OTHER) throw new Error(`"▁" is expected to be piece ${SPACE_PIECE_ID}`);
  classOf[0x20] = SPACE;
  classOf[0x2581] = SPACE;
  idOf[0x20] = SPACE_PIECE_ID;
  // The merge table is built on first use: the WebAssembly kernel builds its own, so a validating thread that never
  // meets a word of more than 64 symbols never needs this one.
  let merges: MergeTable | undefined;
  sharedTables = {
    classOf,
    idOf,
    astralIds,
    get merges(): MergeTable {
      merges ??= new MergeTable(vocabulary.mergeLeft, vocabulary.mergeRight, vocabulary.mergeResult);
      return merges;
    },
  };
  return sharedTables;
}
