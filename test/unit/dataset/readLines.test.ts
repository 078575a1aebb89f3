import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readChunks, readLines } from '../../../src/dataset/readLines.js';
import { tempDir, writeTemp } from '../../helpers/tempFiles.js';

const dir = tempDir();
let counter = 0;

async function collect(content: Buffer | string, maxLineBytes = 1 << 20, chunkBytes?: number) {
  const path = writeTemp(dir, `f${counter++}.jsonl`, content);
  const lines: [number, string][] = [];
  const overlong: [number, number][] = [];
  const result = await readLines(path, { maxLineBytes, ...(chunkBytes ? { chunkBytes } : {}) }, {
    line: (n, bytes) => lines.push([n, bytes.toString('latin1')]),
    overlong: (n, length) => overlong.push([n, length]),
  });
  return { lines, overlong, result };
}

describe('readLines', () => {
  it('numbers lines from 1, strips CR and a leading BOM, and keeps a last line without newline', async () => {
    const { lines, result } = await collect(Buffer.from('\uFEFFa\r\nb\n\nc', 'utf8'));
    expect(lines).toEqual([[1, 'a'], [2, 'b'], [3, ''], [4, 'c']]);
    expect(result).toMatchObject({ lines: 4, endsWithNewline: false });
  });

  it('reads nothing from an empty file', async () => {
    const { lines, result } = await collect('');
    expect(lines).toEqual([]);
    expect(result.lines).toBe(0);
  });

  it('strips the BOM only on the first line', async () => {
    const { lines } = await collect(Buffer.from('x\n\uFEFFy\n', 'utf8'));
    expect(lines[1]![1]).toBe(Buffer.from('\uFEFFy', 'utf8').toString('latin1'));
  });

  it('reports over-long lines with their length and goes on with the next line', async () => {
    const long = 'x'.repeat(5000);
    const { lines, overlong } = await collect(`short\n${long}\nafter\n${long}`, 1000, 1024);
    expect(lines).toEqual([[1, 'short'], [3, 'after']]);
    expect(overlong).toEqual([[2, 5000], [4, 5000]]);
  });

  it('handles lines that straddle chunk boundaries', async () => {
    const text = Array.from({ length: 300 }, (_, i) => 'y'.repeat(i % 37) + i).join('\n') + '\n';
    const { lines } = await collect(text, 1 << 20, 1024);
    expect(lines.map(([, l]) => l)).toEqual(text.split('\n').slice(0, -1));
  });

  it('agrees with a plain split on arbitrary bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 1024, max: 3000 }), async (bytes, chunk) => {
        const buffer = Buffer.from(bytes);
        const { lines, overlong } = await collect(buffer, 200, chunk);
        const expected = buffer.toString('latin1').split('\n');
        if (expected[expected.length - 1] === '') expected.pop();
        const got = new Map(lines.map(([n, l]) => [n, l]));
        const long = new Map(overlong);
        expected.forEach((raw, i) => {
          let line = raw;
          if (i === 0 && line.startsWith('\xEF\xBB\xBF')) line = line.slice(3);
          if (raw.length > 200) {
            expect(long.get(i + 1)).toBe(raw.length);
          } else {
            if (line.endsWith('\r')) line = line.slice(0, -1);
            expect(got.get(i + 1)).toBe(line);
          }
        });
        expect(lines.length + overlong.length).toBe(expected.length);
      }),
      { numRuns: 150 },
    );
  });

  it('hands chunks over when asked: each chunk stays intact after reading goes on, in buffers from the allocator', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 6000 }), fc.integer({ min: 1024, max: 3000 }), async (bytes, chunkBytes) => {
        const path = writeTemp(dir, `h${counter++}.jsonl`, Buffer.from(bytes));
        const lent: string[] = [];
        await readChunks(path, { maxLineBytes: 500, chunkBytes }, {
          chunk: (chunk, first) => void lent.push(`${first}:${chunk.toString('latin1')}`),
          overlong: (n, length) => void lent.push(`overlong ${n} ${length}`),
        });
        const kept: { first: number; chunk: Buffer }[] = [];
        const owned = new Set<ArrayBufferLike>();
        const overlong: string[] = [];
        await readChunks(path, { maxLineBytes: 500, chunkBytes, handOver: { allocate: (size) => { const b = Buffer.allocUnsafeSlow(size); owned.add(b.buffer); return b; } } }, {
          chunk: (chunk, first) => void kept.push({ first, chunk }),
          overlong: (n, length) => void overlong.push(`overlong ${n} ${length}`),
        });
        // Every handed-over chunk lives in an allocator buffer and no two chunks share one.
        expect(kept.every(({ chunk }) => owned.has(chunk.buffer))).toBe(true);
        expect(new Set(kept.map(({ chunk }) => chunk.buffer)).size).toBe(kept.length);
        const handed = kept.map(({ first, chunk }) => `${first}:${chunk.toString('latin1')}`);
        expect([...handed, ...overlong].sort()).toEqual([...lent].sort());
      }),
      { numRuns: 150 },
    );
  });
});
