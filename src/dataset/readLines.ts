// Streams a file as chunks of whole lines and lines of bytes, with constant memory: BOM and CR stripped,
// over-long lines skipped, never one big string. Chunks let worker threads validate lines in parallel.

import { open } from 'node:fs/promises';

export interface LineSink {
  /** Called for each line, without its newline, CR or BOM; `bytes` is only valid during the call. */
  line(number: number, bytes: Buffer): void;
  /** Called instead of `line` for a line longer than the limit, with the line's full length. */
  overlong(number: number, length: number): void;
}

export interface ChunkSink {
  /**
   * Called with whole lines: `bytes` holds lines `firstLine` .. `firstLine + lines - 1`, each ending in
   * a newline except possibly the file's last. `bytes` is only valid until the returned promise settles.
   */
  chunk(bytes: Buffer, firstLine: number, lines: number): void | Promise<void>;
  /** A line longer than the limit, skipped without being held in memory. */
  overlong(number: number, length: number): void;
}

export interface ReadLinesOptions {
  readonly maxLineBytes: number;
  readonly chunkBytes?: number;
  /**
   * Hand chunks over instead of lending them: the sink may keep each chunk's bytes (for example transfer its
   * ArrayBuffer to a worker), and reading goes on in a fresh buffer from `allocate`, which must return a Buffer that
   * alone uses its ArrayBuffer, at offset 0. Saves copying every chunk once more.
   */
  readonly handOver?: { allocate(size: number): Buffer };
}

export interface ReadLinesResult {
  readonly lines: number;
  readonly bytes: number;
  /** Whether the last line ended with a newline (false for an empty file). */
  readonly endsWithNewline: boolean;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

function countNewlines(bytes: Buffer, start: number, end: number): number {
  let count = 0;
  for (let at = bytes.indexOf(NEWLINE, start); at >= 0 && at < end; at = bytes.indexOf(NEWLINE, at + 1)) count += 1;
  return count;
}

/** Reads the file in chunks of whole lines. */
export async function readChunks(path: string, options: ReadLinesOptions, sink: ChunkSink): Promise<ReadLinesResult> {
  const chunkBytes = Math.max(options.chunkBytes ?? 1 << 22, 1024);
  const { handOver } = options;
  const allocate = (size: number): Buffer => (handOver ? handOver.allocate(size) : Buffer.allocUnsafe(size));
  const handle = await open(path, 'r');
  let buffer = allocate(Math.min(chunkBytes, options.maxLineBytes + 1));
  let filled = 0; // bytes held at the start of `buffer` that do not end with a newline yet
  let skipping = 0; // > 0 while skipping the rest of an over-long line: its length so far
  let nextLine = 1;
  let total = 0;
  let lastByte = -1;
  try {
    for (;;) {
      if (filled === buffer.length) {
        // One line fills the buffer: grow it up to the limit, then skip the line.
        if (buffer.length <= options.maxLineBytes) {
          const grown = allocate(Math.min(buffer.length * 2, options.maxLineBytes + 1));
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
      if (skipping > 0) {
        const newline = buffer.indexOf(NEWLINE, 0);
        if (newline < 0 || newline >= end) {
          skipping += bytesRead;
          continue;
        }
        sink.overlong(nextLine, skipping + newline);
        nextLine += 1;
        skipping = 0;
        start = newline + 1;
      }
      const lastNewline = buffer.lastIndexOf(NEWLINE, end - 1);
      if (lastNewline >= start) {
        const lines = countNewlines(buffer, start, lastNewline + 1);
        const chunk = buffer.subarray(start, lastNewline + 1);
        start = lastNewline + 1;
        if (handOver) {
          // The chunk now belongs to the sink: the unfinished line moves to a fresh buffer first.
          const next = allocate(buffer.length);
          buffer.copy(next, 0, start, end);
          buffer = next;
          filled = end - start;
          await sink.chunk(chunk, nextLine, lines);
          nextLine += lines;
          continue;
        }
        await sink.chunk(chunk, nextLine, lines);
        nextLine += lines;
      }
      if (start > 0 && start < end) buffer.copy(buffer, 0, start, end);
      filled = end - start;
    }
    if (skipping > 0) {
      sink.overlong(nextLine, skipping + filled);
      nextLine += 1;
    } else if (filled > 0) {
      if (filled > options.maxLineBytes) sink.overlong(nextLine, filled);
      else await sink.chunk(buffer.subarray(0, filled), nextLine, 1);
      nextLine += 1;
    }
  } finally {
    await handle.close();
  }
  return { lines: nextLine - 1, bytes: total, endsWithNewline: lastByte === NEWLINE };
}

/** Calls the sink for each line of a chunk from `readChunks`; line 1 loses a UTF-8 BOM, every line its CR. */
export function splitLines(bytes: Buffer, firstLine: number, maxLineBytes: number, sink: LineSink): void {
  let start = 0;
  let number = firstLine;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end < 0) end = bytes.length;
    if (end - start > maxLineBytes) {
      sink.overlong(number, end - start);
    } else {
      let lineStart = start;
      let lineEnd = end;
      if (number === 1 && lineEnd - lineStart >= 3 && bytes[lineStart] === 0xef && bytes[lineStart + 1] === 0xbb && bytes[lineStart + 2] === 0xbf) lineStart += 3;
      if (lineEnd > lineStart && bytes[lineEnd - 1] === CR) lineEnd -= 1;
      sink.line(number, bytes.subarray(lineStart, lineEnd));
    }
    number += 1;
    start = end + 1;
  }
}

/** Calls the sink for every line of the file, including a last one without a newline. */
export async function readLines(path: string, options: ReadLinesOptions, sink: LineSink): Promise<ReadLinesResult> {
  return readChunks(path, options, {
    chunk: (bytes, firstLine) => splitLines(bytes, firstLine, options.maxLineBytes, sink),
    overlong: (number, length) => sink.overlong(number, length),
  });
}
