import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDatasetInputs } from '../../../src/dataset/datasetInputs.js';
import { runDatasetCheck } from '../../../src/dataset/runDatasetCheck.js';
import { inputsFromRecord } from '../../../src/inputs/parseInputs.js';
import { commentMarker } from '../../../src/github/pullRequestComment.js';
import { memoryComments } from '../../helpers/memoryComments.js';
import { recordingReporter } from '../../helpers/recordingReporter.js';
import { chat, jsonl, tempDir, writeTemp } from '../../helpers/tempFiles.js';

const workspace = tempDir('amlft-ws-');
const outputDir = tempDir('amlft-out-');
writeTemp(workspace, 'train.jsonl', jsonl(Array.from({ length: 20 }, (_, i) => chat(i))));
const broken = [...Array.from({ length: 12 }, (_, i) => JSON.stringify(chat(i))), ...Array.from({ length: 80 }, () => '{oops')];
writeTemp(workspace, 'broken.jsonl', broken.join('\n') + '\n');
writeTemp(workspace, 'warn.jsonl', jsonl([...Array.from({ length: 12 }, (_, i) => chat(i)), chat(1)]));

const inputs = (values: Record<string, string>) => parseDatasetInputs(inputsFromRecord(values));

describe('runDatasetCheck', () => {
  it('sets every output, writes the JSON report and a summary', async () => {
    const reporter = recordingReporter();
    const result = await runDatasetCheck(inputs({ 'train-file': 'train.jsonl' }), { workspace, outputDir }, reporter);
    expect(result.passed).toBe(true);
    expect(reporter.outputs).toMatchObject({ valid: 'true', examples: '20', errors: '0', warnings: '0', 'train-file-out': join(workspace, 'train.jsonl'), 'validation-file-out': '' });
    expect(Number(reporter.outputs['train-tokens'])).toBeGreaterThan(400);
    const json = JSON.parse(readFileSync(reporter.outputs.report!, 'utf8'));
    expect(json).toMatchObject({ valid: true, passed: true, model: 'phi-3-mini-4k-instruct', files: [{ role: 'train', path: 'train.jsonl', examples: 20 }] });
    expect(reporter.summaries[0]).toMatch(/## Dataset check: ✅ valid/);
    expect(reporter.summaries[0]).toMatch(/Tokens per example: min \/ median \/ p95 \/ max \| \d+ \/ \d+ \/ \d+ \/ \d+/);
    expect(reporter.summaries[0]).toMatch(/Training tokens × epochs: 1 → [\d,]+ · 2 → /);
  });

  it('annotates findings with workspace-relative paths and lines, capped, and fails', async () => {
    const reporter = recordingReporter();
    const result = await runDatasetCheck(inputs({ 'train-file': 'broken.jsonl', 'max-annotations': '5' }), { workspace, outputDir }, reporter);
    expect(result.passed).toBe(false);
    expect(reporter.annotations).toHaveLength(5);
    expect(reporter.annotations[0]).toMatchObject({ level: 'error', properties: { file: 'broken.jsonl', startLine: 13, title: 'Invalid JSON (invalid-json)' } });
    expect(reporter.logs.join('\n')).toContain('75 more findings not annotated (max-annotations: 5)');
    expect(reporter.outputs).toMatchObject({ valid: 'false', errors: '80' });
    expect(reporter.summaries[0]).toMatch(/\| ❌ error \| Invalid JSON \(`invalid-json`\) \| 80 \| broken.jsonl:13, broken.jsonl:14, broken.jsonl:15, broken.jsonl:16, broken.jsonl:17, … \|/);
  });

  it('fails on warnings only under strict', async () => {
    const lenient = await runDatasetCheck(inputs({ 'train-file': 'warn.jsonl' }), { workspace, outputDir }, recordingReporter());
    expect(lenient.passed).toBe(true);
    const reporter = recordingReporter();
    const strict = await runDatasetCheck(inputs({ 'train-file': 'warn.jsonl', strict: 'true' }), { workspace, outputDir }, reporter);
    expect(strict.passed).toBe(false);
    expect(reporter.outputs.valid).toBe('false');
    expect(reporter.summaries[0]).toContain('(strict: warnings fail)');
  });

  it('keeps one pull-request comment up to date', async () => {
    const comments = memoryComments();
    const env = { workspace, outputDir, pullRequest: { number: 12, comments: () => comments } };
    await runDatasetCheck(inputs({ 'train-file': 'train.jsonl', 'github-token': 't' }), env, recordingReporter());
    await runDatasetCheck(inputs({ 'train-file': 'broken.jsonl', 'github-token': 't' }), env, recordingReporter());
    const list = comments.byIssue.get(12)!;
    expect(list).toHaveLength(1);
    expect(list[0]!.body.startsWith(commentMarker('dataset-check'))).toBe(true);
    expect(list[0]!.body).toContain('Invalid JSON');
  });

  it('degrades to a warning when the token cannot comment (fork pull request)', async () => {
    const reporter = recordingReporter();
    const env = { workspace, outputDir, pullRequest: { number: 12, comments: () => memoryComments({ failWith: 403 }) } };
    const result = await runDatasetCheck(inputs({ 'train-file': 'train.jsonl', 'github-token': 't' }), env, reporter);
    expect(result.passed).toBe(true);
    expect(reporter.annotations).toEqual([expect.objectContaining({ level: 'warning', message: expect.stringContaining('could not comment on pull request #12') })]);
    expect(reporter.summaries).toHaveLength(1);
  });

  it('rejects bad inputs with the input name before reading anything', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ 'train-file': 'missing.jsonl' }, /input 'train-file': 'missing.jsonl' is not valid; no such file/],
      [{ 'train-file': '.' }, /input 'train-file': '.' is not valid; it is a directory/],
      [{ 'train-file': 'train.jsonl', 'validation-file': 'nope.jsonl' }, /input 'validation-file'/],
    ];
    for (const [values, message] of cases) {
      await expect(runDatasetCheck(inputs(values), { workspace, outputDir }, recordingReporter())).rejects.toThrow(message);
    }
    expect(() => inputs({ 'train-file': 'a', model: 'gpt-4o' })).toThrow(/input 'model': 'gpt-4o' is not valid; allowed: phi-3-mini-4k-instruct, phi-3-mini-128k-instruct/);
    expect(() => inputs({ 'train-file': 'a', 'validation-split': '1' })).toThrow(/input 'validation-split': '1' is not valid; expected a number > 0 and < 1/);
    expect(() => inputs({ 'train-file': 'a', 'validation-split': '0' })).toThrow(/> 0 and < 1/);
    expect(() => inputs({ 'train-file': 'a', 'validation-file': 'b', 'validation-split': '0.2' })).toThrow(/only applies when no validation-file/);
    expect(() => inputs({ 'train-file': 'a', 'max-tokens': '5000' })).toThrow(/input 'max-tokens': '5000' is not valid; expected a whole number >= 16 and <= 4096/);
  });
});
