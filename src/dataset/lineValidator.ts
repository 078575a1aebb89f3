// Validates the lines of one chunk of a JSONL file into a plain-data result: the same code runs in
// the main thread or in a worker, and results are merged in line order (see validateDataset.ts).

import { isUtf8 } from 'node:buffer';
import { CHECKS, type CheckId } from './checks.js';
import type { ChatModel } from './chatModels.js';
import { createExampleMeter, type ExampleMeter, type ExampleMeterOptions } from './exampleMeter.js';
import { IntegerDistribution, type DistributionSnapshot } from './integerDistribution.js';
import { splitLines, type LineSink } from './readLines.js';
import { GrowableUint32 } from './growableUint32.js';
import { quote, validateExample } from './validateExample.js';

export interface LineValidatorSettings {
  readonly model: ChatModel;
  readonly maxTokens: number;
  readonly exactTokens: boolean;
  readonly maxLineBytes: number;
}

/** Findings kept per check and chunk: the merged report keeps the first 500 per check anyway. */
export const KEEP_PER_CHECK = 500;

export interface ChunkResult {
  readonly findingLines: number[];
  readonly findingChecks: CheckId[];
  readonly findingMessages: string[];
  /** Findings per check, including those not kept. */
  readonly counts: Partial<Record<CheckId, number>>;
  readonly examples: number;
  readonly invalidExamples: number;
  readonly blankLines: number;
  readonly overLimit: number;
  readonly exactTokens: boolean;
  readonly roles: Record<string, number>;
  readonly messagesPerExample: DistributionSnapshot;
  readonly tokensPerExample: DistributionSnapshot;
  readonly assistantTokensPerExample: DistributionSnapshot;
  /** One entry per measured example: its line, 64-bit fingerprint and whether it had an error. */
  readonly exampleLines: Uint32Array;
  readonly exampleHigh: Uint32Array;
  readonly exampleLow: Uint32Array;
  readonly exampleHasError: Uint8Array;
}

function firstNonWhitespace(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0b && b !== 0x0c) return i;
  }
  return -1;
}

/** 1-based column (in characters) of the first invalid UTF-8 sequence. */
export function invalidUtf8Column(bytes: Buffer): number {
  let column = 1;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0 || i + length > bytes.length || !isUtf8(bytes.subarray(i, i + length))) return column;
    i += length;
    column += 1;
  }
  return column;
}

/** V8's JSON.parse error as one line with a 1-based column, without V8's own offset wording. */
export function jsonErrorDetail(error: unknown, text: string): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  if (/Unexpected end of JSON input/.test(message)) return 'not valid JSON: it ends before the value is complete (a truncated line?)';
  const position = /position (\d+)/.exec(message);
  // Node 20 says "<what> in JSON at position N" or "<what>, "<snippet>" is not valid JSON".
  const what = message
    .replace(/\s*in JSON at position \d+.*$/, '')
    .replace(/, ".*" is not valid JSON$/, '')
    .replace(/^Unexpected non-whitespace character after JSON.*$/, 'more text after the JSON value (two examples on one line?)');
  if (position === null) return `not valid JSON: ${what}`;
  const offset = Number(position[1]);
  const near = text.slice(Math.max(0, offset - 12), offset + 12);
  return `not valid JSON at column ${offset + 1} (near ${quote(near, 30)}): ${what}`;
}

export class LineValidator implements LineSink {
  private readonly settings: LineValidatorSettings;
  private readonly meterOptions: ExampleMeterOptions;
  // Created on the first example: a validator that only ever sees overlong lines needs no token cache.
  private meter: ExampleMeter | undefined;
  private findingLines: number[] = [];
  private findingChecks: CheckId[] = [];
  private findingMessages: string[] = [];
  private counts = new Map<CheckId, number>();
  private examples = 0;
  private invalidExamples = 0;
  private blankLines = 0;
  private overLimit = 0;
  private exactTokens = true;
  private roles = new Map<string, number>();
  private messagesPerExample = new IntegerDistribution();
  private tokensPerExample = new IntegerDistribution();
  private assistantTokensPerExample = new IntegerDistribution();
  private exampleLines = new GrowableUint32();
  private exampleHigh = new GrowableUint32();
  private exampleLow = new GrowableUint32();
  private exampleHasError: number[] = [];
  private currentLine = 0;
  private lineErrors = 0;
  private readonly report = (check: CheckId, message: string) => this.add(this.currentLine, check, message);

  constructor(settings: LineValidatorSettings, meterOptions: ExampleMeterOptions = {}) {
    this.settings = settings;
    this.meterOptions = meterOptions;
  }

  /** Validates every line of a chunk from readChunks. */
  chunk(bytes: Buffer, firstLine: number): void {
    splitLines(bytes, firstLine, this.settings.maxLineBytes, this);
  }

  private add(line: number, check: CheckId, message: string): void {
    const count = (this.counts.get(check) ?? 0) + 1;
    this.counts.set(check, count);
    if (CHECKS[check].severity === 'error') this.lineErrors += 1;
    if (check === 'too-many-tokens') this.overLimit += 1;
    if (count <= KEEP_PER_CHECK) {
      this.findingLines.push(line);
      this.findingChecks.push(check);
      this.findingMessages.push(message);
    }
  }

  private reject(line: number, check: CheckId, message: string): void {
    this.examples += 1;
    this.invalidExamples += 1;
    this.add(line, check, message);
  }

  overlong(number: number, length: number): void {
    this.reject(number, 'line-too-long', `the line is ${(length / 1048576).toFixed(1)} MiB; a line may hold at most ${this.settings.maxLineBytes / 1048576} MiB (is the file one JSON example per line?)`);
  }

  line(number: number, bytes: Buffer): void {
    if (firstNonWhitespace(bytes) < 0) {
      this.blankLines += 1;
      this.add(number, 'blank-line', 'blank line; fine-tuning skips it, but some tools fail on it');
      return;
    }
    const nul = bytes.indexOf(0);
    if (nul >= 0) {
      this.reject(number, 'nul-byte', `NUL byte at byte ${nul + 1}; the line holds binary data, not JSON text`);
      return;
    }
    if (!isUtf8(bytes)) {
      this.reject(number, 'invalid-utf8', `invalid UTF-8 at column ${invalidUtf8Column(bytes)}; save the file as UTF-8`);
      return;
    }
    const text = bytes.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.reject(number, 'invalid-json', jsonErrorDetail(error, text));
      return;
    }
    this.examples += 1;
    this.currentLine = number;
    this.lineErrors = 0;
    const facts = validateExample(value, {
      model: this.settings.model,
      maxTokens: this.settings.maxTokens,
      meter: (this.meter ??= createExampleMeter(this.meterOptions)),
      exactTokens: this.settings.exactTokens,
      lineBytes: bytes.length,
      report: this.report,
    });
    if (facts === undefined) {
      this.invalidExamples += 1;
      return;
    }
    if (this.lineErrors > 0) this.invalidExamples += 1;
    this.messagesPerExample.add(facts.messages);
    this.tokensPerExample.add(facts.tokens);
    this.assistantTokensPerExample.add(facts.assistantTokens);
    if (!facts.exactTokens) this.exactTokens = false;
    for (const [name, count] of facts.roles) this.roles.set(name, (this.roles.get(name) ?? 0) + count);
    const key = facts.fingerprint;
    this.exampleLines.push(number);
    this.exampleHigh.push(key.high);
    this.exampleLow.push(key.low);
    this.exampleHasError.push(this.lineErrors > 0 ? 1 : 0);
  }

  /** The result so far; the validator starts afresh. */
  take(): ChunkResult {
    const result: ChunkResult = {
      findingLines: this.findingLines,
      findingChecks: this.findingChecks,
      findingMessages: this.findingMessages,
      counts: Object.fromEntries(this.counts) as Partial<Record<CheckId, number>>,
      examples: this.examples,
      invalidExamples: this.invalidExamples,
      blankLines: this.blankLines,
      overLimit: this.overLimit,
      exactTokens: this.exactTokens,
      roles: Object.fromEntries(this.roles),
      messagesPerExample: this.messagesPerExample.snapshot(),
      tokensPerExample: this.tokensPerExample.snapshot(),
      assistantTokensPerExample: this.assistantTokensPerExample.snapshot(),
      exampleLines: this.exampleLines.take(),
      exampleHigh: this.exampleHigh.take(),
      exampleLow: this.exampleLow.take(),
      exampleHasError: Uint8Array.from(this.exampleHasError),
    };
    this.findingLines = [];
    this.findingChecks = [];
    this.findingMessages = [];
    this.counts = new Map();
    this.examples = this.invalidExamples = this.blankLines = this.overLimit = 0;
    this.exactTokens = true;
    this.roles = new Map();
    this.messagesPerExample = new IntegerDistribution();
    this.tokensPerExample = new IntegerDistribution();
    this.assistantTokensPerExample = new IntegerDistribution();
    this.exampleLines = new GrowableUint32();
    this.exampleHigh = new GrowableUint32();
    this.exampleLow = new GrowableUint32();
    this.exampleHasError = [];
    return result;
  }
}
