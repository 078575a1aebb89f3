// The committed bundle of actions/dataset, run as a process exactly as the runner runs it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runBundle } from '../helpers/runBundle.js';
import { chat, jsonl, tempDir, writeTemp } from '../helpers/tempFiles.js';

const ws = tempDir('amlft-bundle-ws-');
writeTemp(ws, 'train.jsonl', jsonl(Array.from({ length: 30 }, (_, i) => chat(i))));
writeTemp(ws, 'bad.jsonl', jsonl(Array.from({ length: 12 }, (_, i) => chat(i))) + '{"messages": [{"role": "bot", "content": "x"}]}\n');

describe('actions/dataset bundle', () => {
  it('loads as ESM, validates, writes outputs and the summary, exits 0', async () => {
    const run = await runBundle('dataset', { cwd: ws, inputs: { 'train-file': 'train.jsonl', 'validation-split': '0.2', seed: '7' } });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ valid: 'true', examples: '30', errors: '0', warnings: '0' });
    expect(run.outputs['train-file-out']).toMatch(/amlft-dataset\/train\.train\.jsonl$/);
    const trainOut = readFileSync(run.outputs['train-file-out']!, 'utf8').trim().split('\n').length;
    const validationOut = readFileSync(run.outputs['validation-file-out']!, 'utf8').trim().split('\n').length;
    expect(trainOut + validationOut).toBe(30);
    expect(validationOut).toBe(6);
    expect(run.summary).toContain('## Dataset check: ✅ valid');
    expect(JSON.parse(readFileSync(run.outputs.report!, 'utf8')).files[0].examples).toBe(30);
  });

  it('annotates the bad line and exits 1 with a one-line reason', async () => {
    const run = await runBundle('dataset', { cwd: ws, inputs: { 'train-file': 'bad.jsonl' } });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error title=Invalid role (role-invalid),file=bad.jsonl,line=13::line 13: message 1 has role "bot"');
    expect(run.stdout).toMatch(/::error::dataset: 1 error; see the annotations and the job summary/);
    expect(run.outputs.valid).toBe('false');
  });

  it('turns a bad input into one clear line, never a stack trace', async () => {
    for (const [inputs, message] of [
      [{ 'train-file': 'nope.jsonl' }, "::error::dataset: input 'train-file': 'nope.jsonl' is not valid; no such file"],
      [{ 'train-file': 'train.jsonl', model: 'llama-3' }, "::error::dataset: input 'model': 'llama-3' is not valid; allowed: phi-3-mini-4k-instruct"],
      [{ 'train-file': 'train.jsonl', 'validation-split': '1.2' }, "::error::dataset: input 'validation-split': '1.2' is not valid; expected a number > 0 and < 1"],
    ] as const) {
      const run = await runBundle('dataset', { cwd: ws, inputs });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain(message);
      expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('actions/dataset bundle in worker threads', () => {
  it('reports exactly what a single-threaded run reports', async () => {
    // Many chunks (workers take 1 MiB chunks), with findings of most kinds spread over them.
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      const r = i % 97;
      if (r === 0) lines.push('{broken');
      else if (r === 1) lines.push('');
      else if (r === 2) lines.push(JSON.stringify(chat(i % 50)));
      else if (r === 3) lines.push(JSON.stringify({ messages: [{ role: 'assistant', content: 'hi' }] }));
      else lines.push(JSON.stringify({ ...chat(i), prompt_id: 'x'.repeat(40) }));
    }
    writeTemp(ws, 'big.jsonl', lines.join('\n') + '\n');
    const report = async (workers: string) => {
      const run = await runBundle('dataset', { cwd: ws, inputs: { 'train-file': 'big.jsonl', 'max-annotations': '0' }, env: { AMLFT_DATASET_WORKERS: workers } });
      expect(run.exitCode).toBe(1);
      return JSON.parse(readFileSync(run.outputs.report!, 'utf8'));
    };
    const serial = await report('0');
    const parallel = await report('2');
    expect(serial.errors).toBeGreaterThan(1000);
    expect(serial.findings.length).toBeGreaterThan(1000);
    expect(parallel).toEqual(serial);
  }, 60_000);
});
