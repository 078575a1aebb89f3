// Runs a bundled action (actions/<name>/dist/index.js) as a separate process, the way the runner does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseGithubOutput, runnerEnvironment } from '../../src/pipeline/actionProcess.js';

export interface BundleRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface RunBundleOptions {
  readonly inputs: Record<string, string>;
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Called with the child once it started (e.g. to send it a signal). */
  readonly onStart?: (child: import('node:child_process').ChildProcess, output: () => string) => void;
  readonly timeoutMs?: number;
}

export async function runBundle(action: string, options: RunBundleOptions): Promise<BundleRun> {
  const scratch = mkdtempSync(join(tmpdir(), `amlft-run-${action}-`));
  const outputFile = join(scratch, 'output');
  const summaryFile = join(scratch, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  // The same environment the local pipeline gives a step: INPUT_<NAME>, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, ...
  const env = runnerEnvironment(options.inputs, { workspace: options.cwd, temp: scratch, output: outputFile, summary: summaryFile }, options.env);
  const child = spawn(process.execPath, [join(repoRoot, 'actions', action, 'dist', 'index.js')], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  options.onStart?.(child, () => stdout);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done) => child.on('close', (code, sig) => done([code, sig])));
  clearTimeout(timer);
  return { exitCode, signal, stdout, stderr, outputs: parseGithubOutput(readFileSync(outputFile, 'utf8')), summary: readFileSync(summaryFile, 'utf8') };
}
