// A small pool of validation workers: chunks go out in order, results are handed back in order.

import { Worker } from 'node:worker_threads';
import { datasetWorkerData, type ChunkReply, type ChunkRequest } from './datasetWorker.js';
import type { ChunkResult, LineValidatorSettings } from './lineValidator.js';

interface Pending {
  readonly resolve: (result: ChunkResult) => void;
  readonly reject: (error: Error) => void;
}

export class DatasetWorkerPool {
  private readonly workers: Worker[];
  private readonly load: number[];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private readonly spareBuffers: ArrayBuffer[] = [];
  private nextSeq = 0;
  private failure: Error | undefined;

  constructor(script: URL, count: number, settings: LineValidatorSettings) {
    this.workers = Array.from({ length: count }, (_, index) => {
      // --input-type (from `node -e`) is refused for a worker that runs a file.
      const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
      const worker = new Worker(script, { workerData: datasetWorkerData(settings), execArgv });
      worker.on('message', (reply: ChunkReply) => this.settle(index, reply));
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`dataset validation worker exited with code ${code}`));
      });
      return worker;
    });
    this.load = this.workers.map(() => 0);
  }

  /** Sends a copy of `bytes` to the least busy worker. */
  validate(bytes: Buffer, firstLine: number): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.nextSeq++;
    let buffer = this.spareBuffers.pop();
    if (buffer === undefined || buffer.byteLength < bytes.length) buffer = new ArrayBuffer(Math.max(bytes.length, 1 << 22));
    bytes.copy(new Uint8Array(buffer));
    let target = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[target]!) target = i;
    this.load[target]! += 1;
    return new Promise<ChunkResult>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, worker: target });
      const request: ChunkRequest = { seq, buffer, length: bytes.length, firstLine };
      this.workers[target]!.postMessage(request, [buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(worker: number, reply: ChunkReply): void {
    this.load[worker]! -= 1;
    this.spareBuffers.push(reply.buffer);
    const pending = this.pending.get(reply.seq);
    this.pending.delete(reply.seq);
    pending?.resolve(reply.result);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
