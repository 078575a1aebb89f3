import { describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../../cli/main.js';
import { parseCommandLine } from '../../../cli/parseCommandLine.js';
import { chat, jsonl, tempDir, writeTemp } from '../../helpers/tempFiles.js';

const cwd = tempDir('amlft-cli-');
writeTemp(cwd, 'train.jsonl', jsonl(Array.from({ length: 15 }, (_, i) => chat(i))));
writeTemp(cwd, 'bad.jsonl', jsonl(Array.from({ length: 15 }, (_, i) => chat(i))) + '{"messages": 3}\n');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(argv, { env: { RUNNER_TEMP: cwd }, cwd, write: (t) => void (out += t), writeError: (t) => void (err += t) });
  return { code, out, err };
}

describe('amlft', () => {
  it('validates a good file: exit 0, the summary on stdout, progress on stderr', async () => {
    const run = await cli('validate', '--train-file', 'train.jsonl', '--model', 'phi-3-mini-128k-instruct');
    expect(run.code).toBe(EXIT.ok);
    expect(run.out).toContain('## Dataset check: ✅ valid');
    expect(run.err).toContain('train.jsonl: 15 lines, 15 examples');
  });

  it('fails a bad file with exit 1 and the line', async () => {
    const run = await cli('validate', '--train-file=bad.jsonl');
    expect(run.code).toBe(EXIT.failed);
    expect(run.err).toContain('error bad.jsonl:16: line 16: "messages" is a number');
  });

  it('prints machine-readable JSON with --json', async () => {
    const run = await cli('validate', '--train-file', 'train.jsonl', '--json', '--validation-split', '0.2');
    const parsed = JSON.parse(run.out);
    expect(parsed).toMatchObject({ passed: true, outputs: { valid: 'true', examples: '15' }, report: { split: { validationExamples: 3 } } });
  });

  it('exits 2 on usage errors, naming what is allowed', async () => {
    expect(await cli()).toMatchObject({ code: EXIT.usage, out: expect.stringContaining('usage: amlft <command>') });
    expect(await cli('train')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("unknown command 'train'; commands: validate, upload, provision, emulator") });
    expect(await cli('validate', '--train-file', 'train.jsonl', '--epochs', '3')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('amlft validate has no flag --epochs; it takes --train-file') });
    expect(await cli('validate', '--model', 'gpt-4')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'train-file'") });
    expect(await cli('validate', '--train-file', 'train.jsonl', '--model', 'gpt-4')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("amlft: input 'model': 'gpt-4' is not valid") });
    expect(await cli('validate', '--train-file')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('--train-file needs a value') });
    expect((await cli('--help')).code).toBe(EXIT.ok);
  });

  it('upload insists on the sign-in inputs before doing anything', async () => {
    const run = await cli('upload', '--train-file', 'train.jsonl');
    expect(run).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'subscription-id': an empty value is not valid; it is required") });
  });

  it('parses booleans and --no- forms', () => {
    expect(parseCommandLine(['validate', '--strict', '--no-azurite', '--seed=3'], new Set(['strict', 'azurite'])).flags).toEqual({ strict: 'true', azurite: 'false', seed: '3' });
  });
});

describe('amlft validate --no-exact-tokens', () => {
  it('skips tokenizing what the byte count proves under the limit, and says the statistics are bounds', async () => {
    const run = await cli('validate', '--train-file', 'train.jsonl', '--no-exact-tokens', '--json');
    const parsed = JSON.parse(run.out);
    expect(parsed.passed).toBe(true);
    expect(parsed.report.files[0].exactTokens).toBe(false);
    const exact = JSON.parse((await cli('validate', '--train-file', 'train.jsonl', '--json')).out);
    expect(parsed.report.files[0].tokensPerExample.max).toBeGreaterThanOrEqual(exact.report.files[0].tokensPerExample.max);
  });
});

describe('amlft provision', () => {
  it('checks its flags and inputs before signing in', async () => {
    expect(await cli('provision', '--workspace', 'demo', '--epochs', '1')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('amlft provision has no flag --epochs') });
    expect(await cli('provision', '--resource-group', 'rg', '--workspace', 'x')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'subscription-id'") });
  });
});
