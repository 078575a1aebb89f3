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
  /** ArrayBuffers allocate() gave out that have not been transferred yet. */
  private readonly handedOut = new WeakSet<ArrayBufferLike>();
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

  /**
   * A buffer for readChunks to read into (its handOver option): a spare one a worker gave back when one is large
   * enough, else a new one. It alone uses its ArrayBuffer, so validate() can transfer it without copying.
   */
  allocate(size: number): Buffer {
    const index = this.spareBuffers.findIndex((spare) => spare.byteLength >= size);
    const buffer = index >= 0 ? Buffer.from(this.spareBuffers.splice(index, 1)[0]!, 0, size) : Buffer.allocUnsafeSlow(size);
    this.handedOut.add(buffer.buffer);
    return buffer;
  }

  /**
   * Sends `bytes` to the least busy worker, transferring its ArrayBuffer: the caller must not use it any more. Bytes
   * that do not lie in a buffer from allocate() (which may share their ArrayBuffer) are copied into one first.
   */
  validate(bytes: Buffer, firstLine: number): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.nextSeq++;
    let owned = bytes;
    if (!this.handedOut.has(bytes.buffer)) {
      owned = this.allocate(bytes.length);
      bytes.copy(owned);
    }
    this.handedOut.delete(owned.buffer);
    const buffer = owned.buffer as ArrayBuffer;
    const offset = owned.byteOffset;
    let target = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[target]!) target = i;
    this.load[target]! += 1;
    return new Promise<ChunkResult>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, worker: target });
      const request: ChunkRequest = { seq, buffer, offset, length: bytes.length, firstLine };
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
