// Runs a bundled action (actions/<name>/dist/index.js) as a separate process, the way the runner does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface BundleRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Reads a GITHUB_OUTPUT file: `name<<delimiter` blocks and plain `name=value` lines. */
export function parseGithubOutput(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const value: string[] = [];
      for (i += 1; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
      outputs[name!] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      outputs[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return outputs;
}

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
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    GITHUB_WORKSPACE: options.cwd,
    RUNNER_TEMP: scratch,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    ...options.env,
  };
  // The runner passes inputs as INPUT_<NAME> with the name upper-cased and spaces as underscores.
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
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
