// Runs a bundled action (actions/<name>/dist/index.js) as a child process exactly as the runner does: INPUT_* env, output and summary files, exit code.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ActionProcessRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the action wrote to GITHUB_OUTPUT. */
  readonly outputs: Record<string, string>;
  /** What the action wrote to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  /** The runner's failure message (`::error::` lines of stdout), if any. */
  readonly errors: string[];
}

export interface ActionProcessOptions {
  /** The bundle to run, e.g. <repo>/actions/deploy/dist/index.js. */
  readonly script: string;
  readonly inputs: Readonly<Record<string, string>>;
  /** GITHUB_WORKSPACE and the working directory. */
  readonly workspace: string;
  /** Environment beyond PATH / HOME and the runner's own variables (sign-in, NODE_EXTRA_CA_CERTS, ...). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Each line the process writes to stdout, as it comes (progress). */
  readonly onLine?: (line: string) => void;
  readonly onStart?: (child: ChildProcess) => void;
  /** RUNNER_TEMP, shared by the steps of one job (files a step leaves there outlive it); default: a directory removed after the step. */
  readonly runnerTemp?: string;
  /** Killed (SIGKILL) after this long; default 30 minutes. */
  readonly timeoutMs?: number;
}

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

/** The environment the runner gives a step: inputs as INPUT_<NAME> (upper-cased, spaces as underscores). */
export function runnerEnvironment(inputs: Readonly<Record<string, string>>, files: { workspace: string; temp: string; output: string; summary: string }, extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? files.temp,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: files.workspace,
    RUNNER_TEMP: files.temp,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
  };
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

export async function runActionProcess(options: ActionProcessOptions): Promise<ActionProcessRun> {
  const temp = mkdtempSync(join(tmpdir(), 'amlft-step-'));
  const output = join(temp, 'github-output');
  const summary = join(temp, 'step-summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  try {
    const env = runnerEnvironment(options.inputs, { workspace: options.workspace, temp: options.runnerTemp ?? temp, output, summary }, options.env);
    const child = spawn(process.execPath, [options.script], { cwd: options.workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (!options.onLine) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) options.onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    options.onStart?.(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30 * 60_000);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code, sig) => done([code, sig]));
    });
    clearTimeout(timer);
    if (pending && options.onLine) options.onLine(pending);
    const errors = stdout.split('\n').filter((l) => l.startsWith('::error')).map((l) => l.replace(/^::error[^:]*::/, '').replace(/%0A/g, '\n').replace(/%0D/g, '').replace(/%25/g, '%'));
    return { exitCode, signal, stdout, stderr, outputs: parseGithubOutput(readFileSync(output, 'utf8')), summary: readFileSync(summary, 'utf8'), errors };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
