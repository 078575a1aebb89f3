// Decides and writes a deterministic, seeded train/validation split that keeps identical examples on the same side.

import { closeSync, openSync, writeSync } from 'node:fs';
import { mix } from './exampleIndex.js';
import { readLines } from './readLines.js';

/** Appends lines to a file through a fixed buffer: constant memory from a synchronous callback. */
class LineWriter {
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  writeLine(bytes: Buffer): void {
    if (this.used + bytes.length + 1 > this.buffer.length) this.flush();
    if (bytes.length + 1 > this.buffer.length) {
      writeSync(this.fd, bytes);
      writeSync(this.fd, '\n');
      return;
    }
    bytes.copy(this.buffer, this.used);
    this.used += bytes.length;
    this.buffer[this.used++] = 0x0a;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    let offset = 0;
    while (offset < this.used) offset += writeSync(this.fd, this.buffer, offset, this.used - offset);
    this.used = 0;
  }
}

/** Mixes a 32-bit fingerprint with the seed (murmur3 finalizer): uniform, deterministic keys. */
export function splitKey(fingerprintLow: number, seed: number): number {
  return mix((fingerprintLow ^ Math.imul(seed | 0, 0x9e3779b1)) >>> 0);
}

/**
 * The key threshold below which an example goes to validation: about `fraction` of the examples,
 * exactly round(n * fraction) when no two examples share a key (identical examples always do).
 */
export function validationThreshold(keys: Uint32Array, fraction: number): number {
  const wanted = Math.round(keys.length * fraction);
  if (wanted <= 0) return 0;
  if (wanted >= keys.length) return 2 ** 32;
  const sorted = Uint32Array.from(keys).sort();
  return sorted[wanted]!;
}

export interface SplitPlan {
  /** Line numbers of the examples to keep, ascending. */
  readonly lines: Uint32Array;
  /** Split key of each kept line. */
  readonly keys: Uint32Array;
  readonly threshold: number;
}

export interface SplitCounts {
  readonly train: number;
  readonly validation: number;
}

/** Copies the planned lines of `source` byte for byte (LF endings, no BOM) into the two outputs. */
export async function writeSplit(source: string, maxLineBytes: number, plan: SplitPlan, trainPath: string, validationPath: string): Promise<SplitCounts> {
  const train = new LineWriter(trainPath);
  const validation = new LineWriter(validationPath);
  let next = 0;
  const counts = { train: 0, validation: 0 };
  try {
    await readLines(source, { maxLineBytes }, {
      line(number, bytes) {
        if (next >= plan.lines.length || plan.lines[next] !== number) return;
        const toValidation = plan.keys[next]! < plan.threshold;
        next += 1;
        (toValidation ? validation : train).writeLine(bytes);
        if (toValidation) counts.validation += 1;
        else counts.train += 1;
      },
      overlong() {},
    });
  } finally {
    train.close();
    validation.close();
  }
  return counts;
}
