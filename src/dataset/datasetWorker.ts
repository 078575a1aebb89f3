// The worker-thread side of parallel validation: validates chunks of lines and sends back plain results.

import { parentPort, workerData } from 'node:worker_threads';
import type { ChatModel } from './chatModels.js';
import { LineValidator, type ChunkResult, type LineValidatorSettings } from './lineValidator.js';

const WORKER_KIND = 'amlft-dataset-validator';

export interface DatasetWorkerData {
  readonly kind: typeof WORKER_KIND;
  readonly settings: LineValidatorSettings & { readonly model: ChatModel };
}

export interface ChunkRequest {
  readonly seq: number;
  readonly buffer: ArrayBuffer;
  /** Where the chunk starts in `buffer`. */
  readonly offset: number;
  readonly length: number;
  readonly firstLine: number;
}

export interface ChunkReply {
  readonly seq: number;
  readonly result: ChunkResult;
  /** The request's buffer, handed back for reuse. */
  readonly buffer: ArrayBuffer;
}

export function datasetWorkerData(settings: LineValidatorSettings): DatasetWorkerData {
  return { kind: WORKER_KIND, settings };
}

/** True in a worker thread started by the dataset pool (a bundle uses this to act as its own worker). */
export function isDatasetWorker(data: unknown = workerData): boolean {
  return typeof data === 'object' && data !== null && (data as { kind?: unknown }).kind === WORKER_KIND;
}

export function runDatasetWorker(): void {
  const port = parentPort;
  if (port === null || !isDatasetWorker()) throw new Error('runDatasetWorker must run in a dataset worker thread');
  const { settings } = workerData as DatasetWorkerData;
  const validator = new LineValidator(settings);
  port.on('message', (request: ChunkRequest) => {
    validator.chunk(Buffer.from(request.buffer, request.offset, request.length), request.firstLine);
    const result = validator.take();
    const reply: ChunkReply = { seq: request.seq, result, buffer: request.buffer };
    port.postMessage(reply, [request.buffer, result.exampleLines.buffer, result.exampleHigh.buffer, result.exampleLow.buffer, result.exampleHasError.buffer] as ArrayBuffer[]);
  });
}
