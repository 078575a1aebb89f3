// Measures an example while it is validated: the tokens of each message's content, the example's fingerprint and the
// content-scanner markers, in one pass over each content string. With the WebAssembly kernel, a content is copied
// into the kernel once and all three happen there; elsewhere (tests with a stand-in tokenizer, hosts without
// WebAssembly SIMD) the same tokens and fingerprint come from JavaScript, and every scanner runs.
import { ALL_MARKERS, markerNibbleTables } from './contentScanners.js';
import type { Fingerprint } from './exampleIndex.js';
import { FINGERPRINT_SEED, finishFingerprint, foldField } from './exampleFingerprint.js';
import { DEFAULT_CACHE_ENTRIES, createTokenCounter, type TokenCounter } from './tokenizer/countTokens.js';
import { KERNEL_INPUT_UNITS, TokenKernel, measuredMarkers, measuredTokens } from './tokenizer/tokenKernel.js';

export interface ExampleMeter {
  /** Starts a new example's fingerprint. */
  begin(): void;
  /** Folds a message's content into the fingerprint; returns the tokens of "\n" + `content` when `count`, else 0. */
  content(content: string, count: boolean): number;
  /** Which CONTENT_MARKERS (contentScanners.ts) the last content may hold: a scanner whose bit is clear can skip it. */
  markers(): number;
  /** Folds one other canonical field of a message (its role, name, weight and tool calls) into the fingerprint. */
  field(text: string): void;
  /** The fingerprint of everything folded since begin(). */
  end(): Fingerprint;
}

export interface ExampleMeterOptions {
  /** A stand-in tokenizer (tests): content then costs `countTokens("\n" + content)` tokens. */
  readonly countTokens?: (text: string) => number;
  /** Use the WebAssembly kernel where it runs (default true). */
  readonly kernel?: boolean;
}

class KernelExampleMeter implements ExampleMeter {
  private readonly lanes: Uint32Array;
  private lastMarkers = ALL_MARKERS;
  // Counts contents too long for the kernel's input in pieces, through the same kernel and cache.
  private readonly counter: TokenCounter;

  constructor(private readonly kernel: TokenKernel) {
    this.lanes = kernel.fingerprintLanes;
    kernel.setContentMarkers(markerNibbleTables());
    this.counter = createTokenCounter({ kernel });
  }

  begin(): void {
    this.lanes.set(FINGERPRINT_SEED);
  }

  content(content: string, count: boolean): number {
    if (content.length < KERNEL_INPUT_UNITS) {
      const measured = this.kernel.measure(content, count, true);
      this.lastMarkers = measuredMarkers(measured);
      return measuredTokens(measured);
    }
    foldField(this.lanes, content);
    this.lastMarkers = ALL_MARKERS;
    return count ? this.counter.countAfterNewline(content) : 0;
  }

  markers(): number {
    return this.lastMarkers;
  }

  field(text: string): void {
    if (text.length < KERNEL_INPUT_UNITS) this.kernel.measure(text, false, false);
    else foldField(this.lanes, text);
  }

  end(): Fingerprint {
    return finishFingerprint(this.lanes);
  }
}

class JavaScriptExampleMeter implements ExampleMeter {
  private readonly lanes = Uint32Array.from(FINGERPRINT_SEED);

  constructor(private readonly countAfterNewline: (content: string) => number) {}

  begin(): void {
    this.lanes.set(FINGERPRINT_SEED);
  }

  content(content: string, count: boolean): number {
    foldField(this.lanes, content);
    return count ? this.countAfterNewline(content) : 0;
  }

  markers(): number {
    return ALL_MARKERS;
  }

  field(text: string): void {
    foldField(this.lanes, text);
  }

  end(): Fingerprint {
    return finishFingerprint(this.lanes);
  }
}

/** A meter with its own token cache (one per thread that validates). */
export function createExampleMeter(options: ExampleMeterOptions = {}): ExampleMeter {
  const { countTokens } = options;
  if (countTokens !== undefined) return new JavaScriptExampleMeter((content) => countTokens(`\n${content}`));
  const kernel = options.kernel === false ? undefined : TokenKernel.create(DEFAULT_CACHE_ENTRIES);
  if (kernel !== undefined) return new KernelExampleMeter(kernel);
  const counter = createTokenCounter({ kernel: false });
  return new JavaScriptExampleMeter((content) => counter.countAfterNewline(content));
}
