// Validates a train (and optional validation) JSONL file line by line and gathers the statistics a fine-tune needs.

import { isUtf8 } from 'node:buffer';
import { mkdir, open, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CHECKS, type CheckId, type Finding } from './checks.js';
import type { ChatModel } from './chatModels.js';
import { ExampleIndex, fingerprint } from './exampleIndex.js';
import { FindingLog } from './findingLog.js';
import { IntegerDistribution, type DistributionSummary } from './integerDistribution.js';
import { readLines } from './readLines.js';
import { splitKey, validationThreshold, writeSplit } from './splitDataset.js';
import { validateExample, quote } from './validateExample.js';
import { countTokens as defaultCountTokens } from './tokenizer/countTokens.js';

/** Longer lines are not parsed: 16 MiB of JSON is far beyond any example a 128k-token model can take. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const SNIFF_BYTES = 8192;

export interface SplitRequest {
  readonly fraction: number;
  readonly seed: number;
  /** Folder the two split files are written to. */
  readonly outputDir: string;
}

export interface ValidateDatasetOptions {
  readonly trainFile: string;
  readonly validationFile?: string;
  /** How a path is shown in findings (e.g. relative to the workspace). */
  readonly displayPath?: (path: string) => string;
  readonly model: ChatModel;
  readonly maxTokens: number;
  readonly minExamples: number;
  readonly split?: SplitRequest;
  /** Tokenize every example (exact statistics) or only those that might be over the limit. */
  readonly exactTokens?: boolean;
  readonly maxLineBytes?: number;
  readonly countTokens?: (text: string) => number;
}

export interface FileStatistics {
  readonly role: 'train' | 'validation';
  readonly path: string;
  readonly lines: number;
  readonly bytes: number;
  readonly examples: number;
  readonly invalidExamples: number;
  readonly blankLines: number;
  readonly messagesPerExample: DistributionSummary;
  readonly tokensPerExample: DistributionSummary;
  readonly assistantTokensPerExample: DistributionSummary;
  /** False when some examples were proven under the limit without tokenizing. */
  readonly exactTokens: boolean;
  readonly roles: Record<string, number>;
  readonly overLimit: number;
  readonly duplicates: number;
  readonly overlapWithTrain: number;
}

export interface SplitResult {
  readonly fraction: number;
  readonly seed: number;
  readonly trainFile: string;
  readonly validationFile: string;
  readonly trainExamples: number;
  readonly validationExamples: number;
}

export interface DatasetReport {
  readonly model: string;
  readonly maxTokens: number;
  readonly minExamples: number;
  readonly valid: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly counts: Partial<Record<CheckId, number>>;
  readonly findings: Finding[];
  /** True when some findings were counted but not listed. */
  readonly findingsTruncated: boolean;
  readonly files: FileStatistics[];
  readonly split?: SplitResult;
  /** The files a next step should use: the split outputs when a split was written. */
  readonly trainFileOut: string;
  readonly validationFileOut?: string;
}

interface FileRun {
  readonly statistics: FileStatistics;
  /** For a split: kept line numbers and their split keys. */
  readonly splitLines?: Uint32Array;
  readonly splitKeys?: Uint32Array;
}

function firstNonWhitespace(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0b && b !== 0x0c) return i;
  }
  return -1;
}

/** 1-based column (in characters) of the first invalid UTF-8 sequence. */
function invalidUtf8Column(bytes: Buffer): number {
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
function jsonErrorDetail(error: unknown, text: string): string {
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

class GrowableUint32 {
  private data = new Uint32Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }
  toArray(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** Why the start of the file shows it is not UTF-8 text, or undefined when it may be. */
async function sniffNotText(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    const bytes = head.subarray(0, bytesRead);
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return 'it is UTF-16 text; save it as UTF-8';
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'it is gzip-compressed; decompress it first';
    if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'it is a zip archive; extract the .jsonl file first';
    if (bytes.subarray(0, 4).toString('latin1') === 'PAR1') return 'it is a Parquet file; convert it to JSONL first';
    let nul = 0;
    for (const b of bytes) if (b === 0) nul += 1;
    // One stray NUL is a line-level finding; many mean binary data (or UTF-16 without a BOM).
    if (nul * 100 > bytes.length) return `${nul} NUL bytes in its first ${bytes.length} bytes: it is binary, not UTF-8 JSONL text`;
    let end = bytes.length;
    while (end > 0 && end > bytes.length - 4 && (bytes[end - 1]! & 0xc0) === 0x80) end -= 1;
    if (end > 0 && bytes[end - 1]! >= 0xc0) end -= 1;
    const sample = bytes.subarray(0, end);
    if (isUtf8(sample)) return undefined;
    let high = 0;
    for (const b of sample) if (b >= 0x80) high += 1;
    return high * 10 > sample.length ? 'its start is not UTF-8 text: it is binary or in another encoding; save it as UTF-8 JSONL' : undefined;
  } finally {
    await handle.close();
  }
}

interface RunContext {
  readonly options: ValidateDatasetOptions;
  readonly log: FindingLog;
  readonly countTokens: (text: string) => number;
  readonly newlineTokens: number;
  readonly maxLineBytes: number;
}

async function validateFile(
  ctx: RunContext,
  role: 'train' | 'validation',
  path: string,
  seen: ExampleIndex,
  train: { index: ExampleIndex; display: string } | undefined,
  collectSplit: boolean,
): Promise<FileRun> {
  const { options, log } = ctx;
  const display = options.displayPath ? options.displayPath(path) : path;
  const messagesPerExample = new IntegerDistribution();
  const tokensPerExample = new IntegerDistribution();
  const assistantTokensPerExample = new IntegerDistribution();
  const roles = new Map<string, number>();
  const splitLines = collectSplit ? new GrowableUint32() : undefined;
  const splitKeys = collectSplit ? new GrowableUint32() : undefined;
  let examples = 0;
  let invalidExamples = 0;
  let blankLines = 0;
  let overLimit = 0;
  let duplicates = 0;
  let overlap = 0;
  let exactTokens = true;

  let unreadable = false;
  if ((await stat(path)).size === 0) {
    unreadable = true;
    log.add(display, 0, 'file-empty', `${display} is empty; it must hold one JSON example per line`);
  } else {
    const notText = await sniffNotText(path);
    if (notText !== undefined) {
      unreadable = true;
      log.add(display, 0, 'binary-file', `${display} is not a JSONL text file: ${notText}`);
    }
  }
  let lineErrors = 0;
  const report = (line: number) => (check: CheckId, message: string) => {
    if (check === 'too-many-tokens') overLimit += 1;
    if (CHECKS[check].severity === 'error') lineErrors += 1;
    log.add(display, line, check, message);
  };
  const rejectLine = (line: number, check: CheckId, message: string) => {
    examples += 1;
    invalidExamples += 1;
    log.add(display, line, check, message);
  };

  const result = unreadable
    ? { lines: 0, bytes: 0, endsWithNewline: false }
    : await readLines(path, { maxLineBytes: ctx.maxLineBytes }, {
          overlong(number, length) {
            rejectLine(number, 'line-too-long', `the line is ${(length / 1048576).toFixed(1)} MiB; a line may hold at most ${ctx.maxLineBytes / 1048576} MiB (is the file one JSON example per line?)`);
          },
          line(number, bytes) {
            const start = firstNonWhitespace(bytes);
            if (start < 0) {
              blankLines += 1;
              log.add(display, number, 'blank-line', 'blank line; fine-tuning skips it, but some tools fail on it');
              return;
            }
            const nul = bytes.indexOf(0);
            if (nul >= 0) {
              rejectLine(number, 'nul-byte', `NUL byte at byte ${nul + 1}; the line holds binary data, not JSON text`);
              return;
            }
            if (!isUtf8(bytes)) {
              rejectLine(number, 'invalid-utf8', `invalid UTF-8 at column ${invalidUtf8Column(bytes)}; save the file as UTF-8`);
              return;
            }
            const text = bytes.toString('utf8');
            let value: unknown;
            try {
              value = JSON.parse(text);
            } catch (error) {
              rejectLine(number, 'invalid-json', jsonErrorDetail(error, text));
              return;
            }
            examples += 1;
            lineErrors = 0;
            const facts = validateExample(value, {
              model: options.model,
              maxTokens: options.maxTokens,
              countTokens: ctx.countTokens,
              newlineTokens: ctx.newlineTokens,
              exactTokens: options.exactTokens ?? true,
              lineBytes: bytes.length,
              report: report(number),
            });
            if (facts === undefined) {
              invalidExamples += 1;
              return;
            }
            messagesPerExample.add(facts.messages);
            tokensPerExample.add(facts.tokens);
            assistantTokensPerExample.add(facts.assistantTokens);
            if (!facts.exactTokens) exactTokens = false;
            for (const [name, count] of facts.roles) roles.set(name, (roles.get(name) ?? 0) + count);
            const key = fingerprint(facts.canonical);
            const earlier = seen.add(key, number);
            if (earlier !== 0) {
              duplicates += 1;
              log.add(display, number, 'duplicate-example', `the same conversation as line ${earlier}; duplicates over-weight an example`);
            }
            if (train !== undefined) {
              const trainLine = train.index.lineOf(key);
              if (trainLine !== 0) {
                overlap += 1;
                report(number)('train-validation-overlap', `the same conversation as ${train.display} line ${trainLine}; validation loss is meaningless on training examples`);
              }
            }
            if (lineErrors > 0) invalidExamples += 1;
            if (splitLines && splitKeys && lineErrors === 0) {
              splitLines.push(number);
              splitKeys.push(key.low);
            }
          },
        });

  return {
    statistics: {
      role,
      path: display,
      lines: result.lines,
      bytes: result.bytes,
      examples,
      invalidExamples,
      blankLines,
      messagesPerExample: messagesPerExample.summary(),
      tokensPerExample: tokensPerExample.summary(),
      assistantTokensPerExample: assistantTokensPerExample.summary(),
      exactTokens,
      roles: Object.fromEntries(roles),
      overLimit,
      duplicates,
      overlapWithTrain: overlap,
    },
    ...(splitLines && splitKeys ? { splitLines: splitLines.toArray(), splitKeys: splitKeys.toArray() } : {}),
  };
}

function splitFileNames(trainFile: string, outputDir: string): { train: string; validation: string } {
  const stem = basename(trainFile, extname(trainFile));
  return { train: join(outputDir, `${stem}.train.jsonl`), validation: join(outputDir, `${stem}.validation.jsonl`) };
}

/** Validates the dataset; writes the split when asked and the data is valid. Never throws on bad data. */
export async function validateDataset(options: ValidateDatasetOptions): Promise<DatasetReport> {
  const countTokens = options.countTokens ?? defaultCountTokens;
  const ctx: RunContext = {
    options,
    log: new FindingLog(),
    countTokens,
    newlineTokens: countTokens('\n'),
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  };
  const display = (path: string) => (options.displayPath ? options.displayPath(path) : path);
  const trainIndex = new ExampleIndex();
  const trainRun = await validateFile(ctx, 'train', options.trainFile, trainIndex, undefined, options.split !== undefined);
  const files = [trainRun.statistics];
  if (options.validationFile !== undefined) {
    const validationRun = await validateFile(ctx, 'validation', options.validationFile, new ExampleIndex(), { index: trainIndex, display: display(options.trainFile) }, false);
    files.push(validationRun.statistics);
  }

  const trainStats = trainRun.statistics;
  const fileLevelProblem = ctx.log.countOf('file-empty') + ctx.log.countOf('binary-file') > 0;
  if (!fileLevelProblem && trainStats.examples - trainStats.invalidExamples < options.minExamples) {
    const usable = Math.max(0, trainStats.examples - trainStats.invalidExamples);
    ctx.log.add(trainStats.path, 0, 'too-few-examples', `${usable} valid training example${usable === 1 ? '' : 's'}; at least ${options.minExamples} are needed (min-examples)`);
  }

  let split: SplitResult | undefined;
  const errors = () => ctx.log.total('error');
  if (options.split !== undefined && errors() === 0 && trainRun.splitLines && trainRun.splitKeys) {
    const { fraction, seed, outputDir } = options.split;
    const keys = trainRun.splitKeys.map((low) => splitKey(low, seed));
    const threshold = validationThreshold(keys, fraction);
    await mkdir(outputDir, { recursive: true });
    const names = splitFileNames(options.trainFile, outputDir);
    const counts = await writeSplit(options.trainFile, ctx.maxLineBytes, { lines: trainRun.splitLines, keys, threshold }, names.train, names.validation);
    if (counts.validation === 0 || counts.train === 0) {
      const side = counts.validation === 0 ? 'validation' : 'train';
      ctx.log.add(trainStats.path, 0, 'too-few-examples', `validation-split ${fraction} of ${keys.length} examples leaves the ${side} set empty; use more examples or a different fraction`);
    } else {
      split = { fraction, seed, trainFile: names.train, validationFile: names.validation, trainExamples: counts.train, validationExamples: counts.validation };
    }
  }

  const fileOrder = files.map((f) => f.path);
  const errorCount = errors();
  return {
    model: options.model.id,
    maxTokens: options.maxTokens,
    minExamples: options.minExamples,
    valid: errorCount === 0,
    errors: errorCount,
    warnings: ctx.log.total('warning'),
    counts: ctx.log.countsByCheck(),
    findings: ctx.log.findings(fileOrder),
    findingsTruncated: ctx.log.truncated(),
    files,
    ...(split ? { split } : {}),
    trainFileOut: split ? split.trainFile : options.trainFile,
    ...(split ? { validationFileOut: split.validationFile } : options.validationFile !== undefined ? { validationFileOut: options.validationFile } : {}),
  };
}
