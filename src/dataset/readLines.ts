// Streams a file as lines of bytes with constant memory: BOM and CR stripped, over-long lines skipped, never one big string.

import { open } from 'node:fs/promises';

export interface LineSink {
  /** Called for each line, without its newline, CR or BOM; `bytes` is only valid during the call. */
  line(number: number, bytes: Buffer): void;
  /** Called instead of `line` for a line longer than the limit, with the line's full length. */
  overlong(number: number, length: number): void;
}

export interface ReadLinesOptions {
  readonly maxLineBytes: number;
  readonly chunkBytes?: number;
}

export interface ReadLinesResult {
  readonly lines: number;
  readonly bytes: number;
  /** Whether the last line ended with a newline (false for an empty file). */
  readonly endsWithNewline: boolean;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

function trimLine(bytes: Buffer, first: boolean): Buffer {
  let start = 0;
  let end = bytes.length;
  if (first && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  if (end > start && bytes[end - 1] === CR) end -= 1;
  return start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
}

/** Calls the sink for every line of the file, including a last one without a newline. */
export async function readLines(path: string, options: ReadLinesOptions, sink: LineSink): Promise<ReadLinesResult> {
  const chunkBytes = Math.max(options.chunkBytes ?? 1 << 22, 1024);
  const handle = await open(path, 'r');
  let buffer = Buffer.allocUnsafe(Math.min(chunkBytes, options.maxLineBytes + 1));
  let filled = 0; // bytes of the current partial line, kept at the start of `buffer`
  let skipping = 0; // > 0 while skipping the rest of an over-long line: its length so far
  let lineNumber = 0;
  let total = 0;
  let lastByte = -1;
  try {
    for (;;) {
      if (filled === buffer.length) {
        if (buffer.length <= options.maxLineBytes) {
          const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, options.maxLineBytes + 1));
          buffer.copy(grown, 0, 0, filled);
          buffer = grown;
        } else {
          skipping = filled;
          filled = 0;
        }
      }
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      const end = filled + bytesRead;
      lastByte = buffer[end - 1]!;
      let start = 0;
      let searchFrom = filled;
      if (skipping > 0) {
        const newline = buffer.indexOf(NEWLINE, 0);
        if (newline < 0 || newline >= end) {
          skipping += bytesRead;
          continue;
        }
        lineNumber += 1;
        sink.overlong(lineNumber, skipping + newline);
        skipping = 0;
        start = newline + 1;
        searchFrom = start;
      }
      for (;;) {
        const newline = buffer.indexOf(NEWLINE, searchFrom);
        if (newline < 0 || newline >= end) break;
        lineNumber += 1;
        if (newline - start > options.maxLineBytes) sink.overlong(lineNumber, newline - start);
        else sink.line(lineNumber, trimLine(buffer.subarray(start, newline), lineNumber === 1));
        start = newline + 1;
        searchFrom = start;
      }
      if (start > 0 && start < end) buffer.copy(buffer, 0, start, end);
      filled = end - start;
    }
    if (skipping > 0) {
      lineNumber += 1;
      sink.overlong(lineNumber, skipping + filled);
    } else if (filled > 0) {
      lineNumber += 1;
      if (filled > options.maxLineBytes) sink.overlong(lineNumber, filled);
      else sink.line(lineNumber, trimLine(buffer.subarray(0, filled), lineNumber === 1));
    }
  } finally {
    await handle.close();
  }
  return { lines: lineNumber, bytes: total, endsWithNewline: lastByte === NEWLINE };
}
