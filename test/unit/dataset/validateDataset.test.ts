import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChatModel } from '../../../src/dataset/chatModels.js';
import { validateDataset, type ValidateDatasetOptions } from '../../../src/dataset/validateDataset.js';
import { chat, jsonl, tempDir, writeTemp } from '../../helpers/tempFiles.js';

const dir = tempDir();
const model = findChatModel('phi-3-mini-4k-instruct')!;
let n = 0;
const file = (content: string | Buffer) => writeTemp(dir, `d${n++}.jsonl`, content);
const many = (count: number, from = 0) => Array.from({ length: count }, (_, i) => chat(i + from));

function validate(trainFile: string, extra: Partial<ValidateDatasetOptions> = {}) {
  return validateDataset({ trainFile, model, maxTokens: model.contextTokens, minExamples: 10, ...extra });
}

const where = (report: Awaited<ReturnType<typeof validate>>) => report.findings.map((f) => `${f.line}:${f.check}`);

describe('validateDataset', () => {
  it('passes a clean file and measures it', async () => {
    const report = await validate(file(jsonl(many(12))));
    expect(report).toMatchObject({ valid: true, errors: 0, warnings: 0 });
    const train = report.files[0]!;
    expect(train).toMatchObject({ lines: 12, examples: 12, invalidExamples: 0, exactTokens: true, roles: { user: 12, assistant: 12 } });
    expect(train.messagesPerExample).toMatchObject({ min: 2, median: 2, max: 2 });
    expect(train.tokensPerExample.min).toBeGreaterThan(20);
    expect(train.tokensPerExample.total).toBeGreaterThan(12 * 20);
  });

  it('reports each problem on its own line number', async () => {
    const lines = [
      JSON.stringify(chat(1)),
      '{"messages": [{"role": "user", "content": "hi"}',
      '',
      JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      JSON.stringify(chat(1)),
      '[1, 2]',
      ...many(10, 100).map((e) => JSON.stringify(e)),
    ];
    const report = await validate(file(lines.join('\n') + '\n'));
    expect(where(report)).toEqual(['2:invalid-json', '3:blank-line', '4:no-assistant-message', '5:duplicate-example', '6:not-an-object']);
    expect(report.findings[0]!.message).toMatch(/ends before the JSON value is complete|column/);
    expect(report.findings.find((f) => f.check === 'duplicate-example')!.message).toContain('line 1');
    expect(report.valid).toBe(false);
    expect(report.files[0]).toMatchObject({ examples: 15, invalidExamples: 3, blankLines: 1, duplicates: 1 });
  });

  it('accepts a BOM, CRLF endings and a missing final newline', async () => {
    const text = '\uFEFF' + many(12).map((e) => JSON.stringify(e)).join('\r\n');
    const report = await validate(file(text));
    expect(report.valid).toBe(true);
    expect(report.files[0]!.examples).toBe(12);
  });

  it('points at invalid UTF-8 and NUL bytes with a column', async () => {
    const good = many(12).map((e) => JSON.stringify(e) + '\n');
    const bad = Buffer.concat([Buffer.from(good.join('')), Buffer.from('{"messages": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n'), Buffer.from('{"a":\u0000}\n')]);
    const report = await validate(file(bad));
    expect(where(report)).toEqual(['13:invalid-utf8', '14:nul-byte']);
    expect(report.findings[0]!.message).toContain('column 18');
  });

  it('says an empty file is empty, once', async () => {
    const report = await validate(file(''));
    expect(where(report)).toEqual(['0:file-empty']);
  });

  it('recognises a binary file instead of listing a thousand bad lines', async () => {
    const bytes = Buffer.alloc(20000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    const report = await validate(file(bytes));
    expect(where(report)).toEqual(['0:binary-file']);
  });

  it('names UTF-16 and gzip files for what they are', async () => {
    const utf16 = await validate(file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jsonl(many(12)), 'utf16le')])));
    expect(utf16.findings.map((f) => f.message)).toEqual([expect.stringContaining('UTF-16 text; save it as UTF-8')]);
    const gzip = await validate(file(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3])));
    expect(gzip.findings[0]!.message).toContain('gzip-compressed');
  });

  it('rejects too few examples, counting only valid ones', async () => {
    const report = await validate(file(jsonl([...many(9), { messages: [] }])));
    expect(report.findings.map((f) => f.check)).toEqual(['too-few-examples', 'messages-empty']);
    expect(report.findings[0]!.message).toContain('9 valid training examples; at least 10');
  });

  it('skips a line over the size limit with its size and keeps going', async () => {
    const huge = JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(3000) }] });
    const report = await validate(file(jsonl(many(11)) + huge + '\n' + JSON.stringify(chat(99)) + '\n'), { maxLineBytes: 2048 });
    expect(where(report)).toEqual(['12:line-too-long']);
    expect(report.files[0]!.examples).toBe(13);
  });

  it('flags examples over the token limit with the exact count', async () => {
    const long = { messages: [{ role: 'user', content: 'word '.repeat(5000) }, { role: 'assistant', content: 'ok' }] };
    const report = await validate(file(jsonl([...many(10), long])));
    const finding = report.findings.find((f) => f.check === 'too-many-tokens')!;
    expect(finding.line).toBe(11);
    expect(finding.message).toMatch(/has 5,0\d\d tokens; phi-3-mini-4k-instruct takes at most 4,096/);
    expect(report.files[0]!.overLimit).toBe(1);
  });

  it('finds validation examples that are also in train, naming both lines', async () => {
    const train = file(jsonl(many(12)));
    const validation = file(jsonl([chat(500), chat(3), chat(501)]));
    const report = await validate(train, { validationFile: validation });
    const overlap = report.findings.filter((f) => f.check === 'train-validation-overlap');
    expect(overlap.map((f) => [f.file, f.line])).toEqual([[validation, 2]]);
    expect(overlap[0]!.message).toContain(`${train} line 4`);
    expect(report.files[1]).toMatchObject({ role: 'validation', overlapWithTrain: 1, examples: 3 });
    expect(report.validationFileOut).toBe(validation);
  });

  it('writes a deterministic seeded split that keeps duplicates together', async () => {
    const examples = [...many(200), chat(7), chat(7)];
    const source = file(jsonl(examples));
    const out1 = join(dir, 'split1');
    const out2 = join(dir, 'split2');
    const a = await validate(source, { split: { fraction: 0.2, seed: 42, outputDir: out1 } });
    const b = await validate(source, { split: { fraction: 0.2, seed: 42, outputDir: out2 } });
    expect(a.split).toMatchObject({ trainExamples: expect.any(Number), validationExamples: expect.any(Number) });
    const read = (p: string) => readFileSync(p, 'utf8').split('\n').filter(Boolean);
    const [trainA, valA] = [read(a.split!.trainFile), read(a.split!.validationFile)];
    expect(trainA).toEqual(read(b.split!.trainFile));
    expect(valA).toEqual(read(b.split!.validationFile));
    expect(trainA.length + valA.length).toBe(202);
    expect(valA.length).toBeGreaterThanOrEqual(38);
    expect(valA.length).toBeLessThanOrEqual(43);
    const seven = JSON.stringify(chat(7));
    const sevens = [trainA.filter((l) => l === seven).length, valA.filter((l) => l === seven).length];
    expect(sevens.sort()).toEqual([0, 3]);
    expect(trainA.filter((l) => valA.includes(l))).toEqual([]);
    const other = await validate(source, { split: { fraction: 0.2, seed: 43, outputDir: join(dir, 'split3') } });
    expect(read(other.split!.validationFile)).not.toEqual(valA);
    expect(a.trainFileOut).toBe(a.split!.trainFile);
  });

  it('writes no split for invalid data', async () => {
    const report = await validate(file(jsonl([...many(12), { messages: 'x' }])), { split: { fraction: 0.2, seed: 1, outputDir: join(dir, 'nosplit') } });
    expect(report.split).toBeUndefined();
    expect(report.valid).toBe(false);
  });

  it('skips a 40 MB single line without holding it, with a one-line reason', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 0x61);
    big.write('{"messages": "', 0);
    const report = await validate(file(big));
    expect(report.findings.map((f) => [f.line, f.check, f.message])).toEqual([
      [1, 'line-too-long', 'the line is 40.0 MiB; a line may hold at most 16 MiB (is the file one JSON example per line?)'],
      [0, 'too-few-examples', expect.stringContaining('0 valid training examples')],
    ].sort((a, b) => (a[0] as number) - (b[0] as number)));
  });

  it('handles deeply nested JSON without overflowing the stack', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const deepMessages = `{"messages": [${'['.repeat(100_000)}${']'.repeat(100_000)}]}`;
    const unclosed = '['.repeat(1_000_000);
    const report = await validate(file([deep, deepMessages, unclosed, ...many(10).map((e) => JSON.stringify(e))].join('\n')));
    expect(where(report)).toEqual(['1:not-an-object', '2:message-not-object', '3:invalid-json']);
  });

  it('never throws on arbitrary bytes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
          fc.array(fc.oneof(fc.json(), fc.string(), fc.constant('{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]}')), { maxLength: 30 }).map((ls) => Buffer.from(ls.join('\n'))),
        ),
        async (bytes) => {
          const report = await validate(file(bytes), { maxLineBytes: 1000, minExamples: 1 });
          expect(report.errors + report.warnings).toBeGreaterThanOrEqual(0);
          expect(report.findings.every((f) => f.line >= 0 && f.message.length < 1000)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
