// Validates a train (and optional validation) JSONL file line by line and gathers the statistics a fine-tune needs.
// Big files are validated by worker threads, chunk by chunk; results are merged in line order, so a
// parallel run reports exactly what a serial one does.

import { isUtf8 } from 'node:buffer';
import { mkdir, open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, extname, join } from 'node:path';
import type { CheckId, Finding } from './checks.js';
import type { ChatModel } from './chatModels.js';
import { DatasetWorkerPool } from './datasetWorkerPool.js';
import { ExampleIndex } from './exampleIndex.js';
import type { ExampleMeterOptions } from './exampleMeter.js';
import { FindingLog } from './findingLog.js';
import { IntegerDistribution, type DistributionSummary } from './integerDistribution.js';
import { LineValidator, type ChunkResult, type LineValidatorSettings } from './lineValidator.js';
import { readChunks } from './readLines.js';
import { GrowableUint32 } from './growableUint32.js';
import { splitKey, validationThreshold, writeSplit } from './splitDataset.js';

/** Longer lines are not parsed: 16 MiB of JSON is far beyond any example a 128k-token model can take. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
/** Files from this size on are validated by worker threads (below it, starting them costs more than it saves). */
export const PARALLEL_MIN_BYTES = 24 * 1024 * 1024;
/** Chunk size handed to workers: small enough that the workers finish within a chunk's work of each other. */
const PARALLEL_CHUNK_BYTES = 1024 * 1024;
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
  /** A stand-in tokenizer (tests); forces validation in this thread. */
  readonly countTokens?: (text: string) => number;
  /** Worker threads: 0 validates in this thread; default: by file size and cores. */
  readonly workers?: number;
  /** Module a worker runs (it must call runDatasetWorker); without one, validation stays in this thread. */
  readonly workerScript?: URL;
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

/** Folds chunk results, in line order, into one file's statistics and the shared finding log. */
class FileAccumulator {
  readonly messagesPerExample = new IntegerDistribution();
  readonly tokensPerExample = new IntegerDistribution();
  readonly assistantTokensPerExample = new IntegerDistribution();
  readonly roles = new Map<string, number>();
  readonly splitLines = new GrowableUint32();
  readonly splitKeys = new GrowableUint32();
  examples = 0;
  invalidExamples = 0;
  blankLines = 0;
  overLimit = 0;
  duplicates = 0;
  overlap = 0;
  exactTokens = true;

  constructor(
    private readonly display: string,
    private readonly log: FindingLog,
    private readonly seen: ExampleIndex,
    private readonly train: { readonly index: ExampleIndex; readonly display: string } | undefined,
    private readonly collectSplit: boolean,
  ) {}

  merge(result: ChunkResult): void {
    const { log, display } = this;
    const kept = new Map<CheckId, number>();
    for (let i = 0; i < result.findingLines.length; i++) {
      const check = result.findingChecks[i]!;
      kept.set(check, (kept.get(check) ?? 0) + 1);
      log.add(display, result.findingLines[i]!, check, result.findingMessages[i]!);
    }
    for (const [check, count] of Object.entries(result.counts) as [CheckId, number][]) log.countOnly(check, count - (kept.get(check) ?? 0));
    this.examples += result.examples;
    this.invalidExamples += result.invalidExamples;
    this.blankLines += result.blankLines;
    this.overLimit += result.overLimit;
    if (!result.exactTokens) this.exactTokens = false;
    for (const [role, count] of Object.entries(result.roles)) this.roles.set(role, (this.roles.get(role) ?? 0) + count);
    this.messagesPerExample.addSnapshot(result.messagesPerExample);
    this.tokensPerExample.addSnapshot(result.tokensPerExample);
    this.assistantTokensPerExample.addSnapshot(result.assistantTokensPerExample);
    for (let i = 0; i < result.exampleLines.length; i++) {
      const line = result.exampleLines[i]!;
      const key = { high: result.exampleHigh[i]!, low: result.exampleLow[i]! };
      let hasError = result.exampleHasError[i] === 1;
      const earlier = this.seen.add(key, line);
      if (earlier !== 0) {
        this.duplicates += 1;
        log.add(display, line, 'duplicate-example', `the same conversation as line ${earlier}; duplicates over-weight an example`);
      }
      if (this.train !== undefined) {
        const trainLine = this.train.index.lineOf(key);
        if (trainLine !== 0) {
          this.overlap += 1;
          log.add(display, line, 'train-validation-overlap', `the same conversation as ${this.train.display} line ${trainLine}; validation loss is meaningless on training examples`);
          if (!hasError) this.invalidExamples += 1;
          hasError = true;
        }
      }
      if (this.collectSplit && !hasError) {
        this.splitLines.push(line);
        this.splitKeys.push(key.low);
      }
    }
  }
}

interface FileRun {
  readonly statistics: FileStatistics;
  readonly splitLines?: Uint32Array;
  readonly splitKeys?: Uint32Array;
}

interface RunContext {
  readonly options: ValidateDatasetOptions;
  readonly log: FindingLog;
  readonly settings: LineValidatorSettings;
  /** How this thread's validator measures examples (a stand-in tokenizer from the options, if any). */
  readonly meterOptions: ExampleMeterOptions;
}

function workerCount(options: ValidateDatasetOptions, size: number, script: URL | undefined): number {
  if (script === undefined || options.countTokens !== undefined) return 0;
  if (options.workers !== undefined) return Math.max(0, Math.floor(options.workers));
  return size >= PARALLEL_MIN_BYTES ? Math.min(4, availableParallelism()) : 0;
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
  const accumulator = new FileAccumulator(display, log, seen, train, collectSplit);
  const size = (await stat(path)).size;
  let result = { lines: 0, bytes: 0, endsWithNewline: false };
  const notText = size === 0 ? undefined : await sniffNotText(path);
  if (size === 0) {
    log.add(display, 0, 'file-empty', `${display} is empty; it must hold one JSON example per line`);
  } else if (notText !== undefined) {
    log.add(display, 0, 'binary-file', `${display} is not a JSONL text file: ${notText}`);
  } else {
    const script = options.workerScript;
    const workers = workerCount(options, size, script);
    const local = new LineValidator(ctx.settings, ctx.meterOptions);
    const pool = workers > 0 && script !== undefined ? new DatasetWorkerPool(script, workers, ctx.settings) : undefined;
    // Results in line order; at most a few chunks in flight bound memory. Results are merged oldest first, so each
    // worker keeps a few chunks queued: a worker that finishes early then still has work while the oldest is pending.
    const queue: Promise<ChunkResult>[] = [];
    const maxInFlight = pool ? workers * 4 : 0;
    try {
      // With workers, chunks are read into buffers the pool hands out and transferred to a worker without a copy.
      const readOptions = pool ? { maxLineBytes: ctx.settings.maxLineBytes, chunkBytes: PARALLEL_CHUNK_BYTES, handOver: pool } : { maxLineBytes: ctx.settings.maxLineBytes };
      result = await readChunks(path, readOptions, {
        chunk: async (bytes, firstLine) => {
          if (pool) {
            queue.push(pool.validate(bytes, firstLine));
            while (queue.length > maxInFlight) accumulator.merge(await queue.shift()!);
          } else {
            local.chunk(bytes, firstLine);
            accumulator.merge(local.take());
          }
        },
        overlong: (number, length) => {
          local.overlong(number, length);
          if (pool) queue.push(Promise.resolve(local.take()));
          else accumulator.merge(local.take());
        },
      });
      while (queue.length > 0) accumulator.merge(await queue.shift()!);
    } finally {
      await pool?.close();
    }
  }
  const a = accumulator;
  return {
    statistics: {
      role,
      path: display,
      lines: result.lines,
      bytes: result.bytes,
      examples: a.examples,
      invalidExamples: a.invalidExamples,
      blankLines: a.blankLines,
      messagesPerExample: a.messagesPerExample.summary(),
      tokensPerExample: a.tokensPerExample.summary(),
      assistantTokensPerExample: a.assistantTokensPerExample.summary(),
      exactTokens: a.exactTokens,
      roles: Object.fromEntries(a.roles),
      overLimit: a.overLimit,
      duplicates: a.duplicates,
      overlapWithTrain: a.overlap,
    },
    ...(collectSplit ? { splitLines: a.splitLines.take(), splitKeys: a.splitKeys.take() } : {}),
  };
}

function splitFileNames(trainFile: string, outputDir: string): { train: string; validation: string } {
  const stem = basename(trainFile, extname(trainFile));
  return { train: join(outputDir, `${stem}.train.jsonl`), validation: join(outputDir, `${stem}.validation.jsonl`) };
}

/** Validates the dataset; writes the split when asked and the data is valid. Never throws on bad data. */
export async function validateDataset(options: ValidateDatasetOptions): Promise<DatasetReport> {
  const ctx: RunContext = {
    options,
    log: new FindingLog(),
    settings: {
      model: options.model,
      maxTokens: options.maxTokens,
      exactTokens: options.exactTokens ?? true,
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    },
    meterOptions: options.countTokens ? { countTokens: options.countTokens } : {},
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
  const usable = trainStats.examples - trainStats.invalidExamples;
  if (!fileLevelProblem && usable < options.minExamples) {
    ctx.log.add(trainStats.path, 0, 'too-few-examples', `${usable} valid training example${usable === 1 ? '' : 's'}; at least ${options.minExamples} are needed (min-examples)`);
  }

  let split: SplitResult | undefined;
  if (options.split !== undefined && ctx.log.total('error') === 0 && trainRun.splitLines && trainRun.splitKeys) {
    const { fraction, seed, outputDir } = options.split;
    const keys = trainRun.splitKeys.map((low) => splitKey(low, seed));
    const threshold = validationThreshold(keys, fraction);
    await mkdir(outputDir, { recursive: true });
    const names = splitFileNames(options.trainFile, outputDir);
    const counts = await writeSplit(options.trainFile, ctx.settings.maxLineBytes, { lines: trainRun.splitLines, keys, threshold }, names.train, names.validation);
    if (counts.validation === 0 || counts.train === 0) {
      const side = counts.validation === 0 ? 'validation' : 'train';
      ctx.log.add(trainStats.path, 0, 'too-few-examples', `validation-split ${fraction} of ${keys.length} examples leaves the ${side} set empty; use more examples or a different fraction`);
    } else {
      split = { fraction, seed, trainFile: names.train, validationFile: names.validation, trainExamples: counts.train, validationExamples: counts.validation };
    }
  }

  const errors = ctx.log.total('error');
  return {
    model: options.model.id,
    maxTokens: options.maxTokens,
    minExamples: options.minExamples,
    valid: errors === 0,
    errors,
    warnings: ctx.log.total('warning'),
    counts: ctx.log.countsByCheck(),
    findings: ctx.log.findings(files.map((f) => f.path)),
    findingsTruncated: ctx.log.truncated(),
    files,
    ...(split ? { split } : {}),
    trainFileOut: split ? split.trainFile : options.trainFile,
    ...(split ? { validationFileOut: split.validationFile } : options.validationFile !== undefined ? { validationFileOut: options.validationFile } : {}),
  };
}
