// Runs the WebAssembly token-count kernel (assembly/tokenKernel.ts). One instance per counter, so that each owns its
// word cache; the compiled module is shared by every counter of a thread.
import { loadLlamaVocabulary } from './llamaVocabulary.js';
import { applyMergesByHeap } from './sentencePieceBpe.js';
import { TOKEN_KERNEL_WASM_BASE64 } from './tokenKernelWasm.js';
import { tokenTables } from './tokenTables.js';

/** Code units the kernel takes per call (a 128 kB input buffer); callers cut longer texts between words. */
export const KERNEL_INPUT_UNITS = 1 << 16;

// The few WebAssembly JS API members used here (the ES and Node type libraries do not declare them).
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => CompiledKernel;
  Instance: new (module: CompiledKernel, imports: object) => { readonly exports: unknown };
}
type CompiledKernel = { readonly __compiledKernel: never };

interface KernelExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  init(mergeSlots: number, shortEntries: number, narrowEntries: number, wideEntries: number, maxUnits: number, astralPieces: number): void;
  classTable(): number;
  idTable(): number;
  mergeColumns(): number;
  buildMerges(): void;
  astralTable(): number;
  inputBuffer(): number;
  fingerprintLanes(): number;
  markerTables(): number;
  count(length: number, firstVirtualSpace: number): number;
  measure(length: number, flags: number): number;
}

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
let compiled: CompiledKernel | null | undefined;

/** The compiled kernel, or null where it cannot run (no WebAssembly SIMD, or a big-endian host). */
function kernelModule(): CompiledKernel | null {
  if (compiled === undefined) {
    compiled = null;
    // The tables are copied in with typed arrays, which use the host's byte order; WebAssembly memory is little-endian.
    if (hostIsLittleEndian && webAssembly !== undefined) {
      try {
        compiled = new webAssembly.Module(Buffer.from(TOKEN_KERNEL_WASM_BASE64, 'base64'));
      } catch {
        compiled = null;
      }
    }
  }
  return compiled;
}

/** Words per generation of the kernel's three tables for a counter's `cacheEntries` (0: no cache). */
export function kernelCacheSizes(cacheEntries: number): { short: number; narrow: number; wide: number } {
  if (cacheEntries === 0) return { short: 0, narrow: 0, wide: 0 };
  // Two generations per table: short and narrow keys are most words, wide keys (16 to 31 code units) are rare.
  const part = (share: number): number => Math.max(1, Math.floor(cacheEntries * share));
  return { short: part(1 / 4), narrow: part(1 / 4), wide: part(1 / 16) };
}

/** The token count in a measure() result. */
export function measuredTokens(measured: number): number {
  return measured & 0xffffff;
}

/** The content-marker bits in a measure() result. */
export function measuredMarkers(measured: number): number {
  return measured >>> 24;
}

export class TokenKernel {
  private readonly exports: KernelExports;
  private readonly input: Buffer;
  private readonly inputUnits: Uint16Array;
  /** The running example fingerprint's eight lanes, in the kernel's memory (see exampleFingerprint.ts). */
  readonly fingerprintLanes: Uint32Array;

  private constructor(api: WebAssemblyApi, module: CompiledKernel, cacheEntries: number) {
    const tables = tokenTables();
    let memory: KernelExports['memory'] | undefined;
    const imports = {
      env: {
        // Words longer than the kernel's scan limit: the heap BPE, on the kernel's own symbol array.
        mergeLong: (address: number, length: number): number =>
          applyMergesByHeap(tables.merges, new Int32Array(memory!.buffer, address, length), length),
      },
    };
    const exports = new api.Instance(module, imports).exports as KernelExports;
    memory = exports.memory;
    const { short, narrow, wide } = kernelCacheSizes(cacheEntries);
    const astral = [...tables.astralIds];
    const vocabulary = loadLlamaVocabulary();
    exports.init(vocabulary.mergeCount, short, narrow, wide, KERNEL_INPUT_UNITS, astral.length);
    // init() grows the memory once and never again, so these views stay valid.
    const buffer = memory.buffer;
    new Uint8Array(buffer, exports.classTable(), 0x10000).set(tables.classOf);
    new Uint16Array(buffer, exports.idTable(), 0x10000).set(tables.idOf);
    const columns = new Uint16Array(buffer, exports.mergeColumns(), 3 * vocabulary.mergeCount);
    columns.set(vocabulary.mergeLeft);
    columns.set(vocabulary.mergeRight, vocabulary.mergeCount);
    columns.set(vocabulary.mergeResult, 2 * vocabulary.mergeCount);
    exports.buildMerges();
    new Int32Array(buffer, exports.astralTable(), 2 * astral.length).set(astral.flat());
    this.exports = exports;
    this.input = Buffer.from(buffer, exports.inputBuffer(), 2 * (KERNEL_INPUT_UNITS + 1));
    this.inputUnits = new Uint16Array(buffer, exports.inputBuffer(), KERNEL_INPUT_UNITS + 1);
    this.fingerprintLanes = new Uint32Array(buffer, exports.fingerprintLanes(), 8);
  }

  /** Bytes of WebAssembly memory this kernel holds (tables, word caches, input), fixed from its creation on. */
  get memoryBytes(): number {
    return this.input.buffer.byteLength;
  }

  /** A kernel with its own cache, or undefined where WebAssembly SIMD is unavailable. */
  static create(cacheEntries: number): TokenKernel | undefined {
    const module = kernelModule();
    return module === null || webAssembly === undefined ? undefined : new TokenKernel(webAssembly, module, cacheEntries);
  }

  /**
   * Tokens of `text` (fewer than KERNEL_INPUT_UNITS code units), after the reference's added space when
   * `virtualSpace` is 1. The text must start where the scan may cut (see countTokens.ts).
   */
  count(text: string, virtualSpace: 0 | 1): number {
    this.load(text);
    return this.exports.count(text.length, virtualSpace);
  }

  /**
   * Folds `text` (fewer than KERNEL_INPUT_UNITS code units) into fingerprintLanes as one field and, as asked, counts the
   * tokens of "\n" + `text` and finds its content markers (see setContentMarkers). Returns both packed, 0 for what was
   * not asked: read them with measuredTokens() and measuredMarkers().
   */
  measure(text: string, countTokens: boolean, findMarkers: boolean): number {
    this.load(text);
    return this.exports.measure(text.length, (countTokens ? 1 : 0) | (findMarkers ? 2 : 0));
  }

  /** Sets the 64 bytes of content-marker nibble tables (contentScanners.ts, markerNibbleTables) measure() uses. */
  setContentMarkers(tables: Uint8Array): void {
    if (tables.length !== 64) throw new RangeError(`content-marker tables are 64 bytes, got ${tables.length}`);
    new Uint8Array(this.input.buffer, this.exports.markerTables(), 64).set(tables);
  }

  /** Writes the text's code units to the kernel's input, then the 0xFFFF sentinel. */
  private load(text: string): void {
    const length = text.length;
    if (length >= KERNEL_INPUT_UNITS) throw new RangeError(`the kernel takes fewer than ${KERNEL_INPUT_UNITS} code units, got ${length}`);
    this.input.write(text, 0, 2 * length, 'utf16le');
    this.inputUnits[length] = 0xffff;
  }
}
