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
    expect(await cli('train')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("unknown command 'train'; commands: validate, upload, provision, finetune, deploy, promote, rollback, smoke-test, pipeline, emulator") });
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

describe('amlft finetune / deploy / promote / rollback / smoke-test', () => {
  const signIn = ['--subscription-id', 'aaaaaaaa-0000-4000-8000-000000000002', '--resource-group', 'rg', '--workspace', 'mlws', '--auth', 'secret', '--cloud', 'https://127.0.0.1:1'];

  it('check their flags and inputs before signing in, naming the input, the value and what is allowed', async () => {
    expect(await cli('finetune', ...signIn, '--train-data', 'azureml:t:1', '--epochs', '0')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'epochs': '0' is not valid") });
    expect(await cli('finetune', ...signIn)).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'train-data'") });
    expect(await cli('deploy', ...signIn, '--endpoint', 'chat')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'model': an empty value is not valid; it is required with action: deploy") });
    expect(await cli('promote', ...signIn, '--endpoint', 'chat')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'deployment'") });
    expect(await cli('promote', ...signIn, '--endpoint', 'chat', '--deployment', 'chat-v2', '--traffic-steps', '50,40')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'traffic-steps': '50,40'") });
    expect(await cli('rollback', ...signIn, '--endpoint', 'chat')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'previous-traffic'") });
    expect(await cli('smoke-test', '--scoring-uri', 'https://127.0.0.1:1/score')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'api-key'") });
  });

  it('promote and rollback take only the flags of their mode', async () => {
    expect(await cli('promote', ...signIn, '--endpoint', 'chat', '--model', 'azureml:m:1')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('amlft promote has no flag --model; it takes') });
    expect(await cli('deploy', ...signIn, '--endpoint', 'chat', '--action', 'promote')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('amlft deploy has no flag --action') });
  });

  it('refuse OIDC in a terminal (no GitHub token endpoint), before any request', async () => {
    const run = await cli('deploy', ...signIn.slice(0, -4), '--auth', 'oidc', '--client-id', 'aaaaaaaa-0000-4000-8000-000000000003', '--tenant-id', 'aaaaaaaa-0000-4000-8000-000000000001', '--cloud', 'AzureCloud', '--endpoint', 'chat', '--model', 'azureml:m:1', '--json');
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toContain("amlft: input 'auth': 'oidc' is not valid; GitHub gives this job no OIDC token");
    expect(JSON.parse(run.out)).toMatchObject({ passed: false, error: expect.stringContaining("input 'auth'") });
  });
});

describe('amlft pipeline', () => {
  it('lists the fault presets', async () => {
    const run = await cli('pipeline', '--list-faults');
    expect(run.code).toBe(EXIT.ok);
    expect(run.out).toMatch(/^deployment-fails +Every online deployment/m);
  });

  it('rejects bad flags and inputs before starting anything', async () => {
    expect(await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--fault', 'no-such-fault')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'fault': 'no-such-fault' is not valid; expected a preset (throttle-arm") });
    expect(await cli('pipeline', '--train-file', 'train.jsonl', '--endpoint', 'chat', '--fault', 'job-fails')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('--fault needs --emulator') });
    expect(await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--cloud', 'AzureCloud')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('--emulator signs in to the local emulator itself; drop --cloud') });
    expect(await cli('pipeline', '--emulator')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'train-file'") });
    expect(await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--traffic-steps', '100,50')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'traffic-steps': '100,50'") });
    expect(await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--epochs', '3')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('amlft pipeline has no flag --epochs') });
    expect(await cli('pipeline', '--train-file', 'train.jsonl')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("input 'endpoint'") });
  });

  it('takes hyper-parameters from the finetune config file (--config-file), checked against its schema before anything runs', async () => {
    writeTemp(cwd, 'bad-config.json', JSON.stringify({ epochs: 0 }));
    writeTemp(cwd, 'unknown-config.json', JSON.stringify({ 'train-data': 'azureml:x:1' }));
    const bad = await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--config-file', 'bad-config.json');
    expect(bad).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("'bad-config.json' at /epochs: 0 is not valid") });
    const unknown = await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--config-file', 'unknown-config.json');
    expect(unknown).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('train-data') });
    expect(await cli('pipeline', '--emulator', '--train-file', 'train.jsonl', '--config-file', 'missing.json')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('missing.json') });
  });
});

describe('terminalReporter', () => {
  it('says a long wait is still going when nothing was logged for a while, and stops when closed', async () => {
    const { vi } = await import('vitest');
    const { terminalReporter } = await import('../../../cli/terminalReporter.js');
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const reporter = terminalReporter({ json: false, writeError: (t) => lines.push(t), heartbeatMs: 15_000 });
      await reporter.group('Waiting for job ft-1', async () => {
        reporter.info('Running');
        vi.advanceTimersByTime(10_000);
        expect(lines).toEqual(['▸ Waiting for job ft-1\n', 'Running\n']);
        vi.advanceTimersByTime(10_000);
      });
      expect(lines.at(-1)).toMatch(/^… still working \(Waiting for job ft-1\): 1\d s so far\n$/);
      reporter.close();
      const count = lines.length;
      vi.advanceTimersByTime(60_000);
      expect(lines).toHaveLength(count);
    } finally {
      vi.useRealTimers();
    }
  });
});
