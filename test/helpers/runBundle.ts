// Runs a bundled action (actions/<name>/dist/index.js) as a separate process, the way the runner does, through the
// same runner as the local pipeline (src/pipeline/actionProcess.ts).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runActionProcess, type ActionProcessRun } from '../../src/pipeline/actionProcess.js';

export type BundleRun = ActionProcessRun;

export const repoRoot = resolve(import.meta.dirname, '..', '..');

export interface RunBundleOptions {
  readonly inputs: Record<string, string>;
  readonly cwd: string;
  readonly env?: Record<string, string>;
  /** Called with the child once it started (e.g. to send it a signal), and a way to read its stdout so far. */
  readonly onStart?: (child: ChildProcess, output: () => string) => void;
  readonly timeoutMs?: number;
}

export async function runBundle(action: string, options: RunBundleOptions): Promise<BundleRun> {
  // RUNNER_TEMP outlives the run: some tests read files an action left there.
  const runnerTemp = mkdtempSync(join(tmpdir(), `amlft-run-${action}-`));
  let stdout = '';
  const { onStart } = options;
  return runActionProcess({
    script: join(repoRoot, 'actions', action, 'dist', 'index.js'),
    inputs: options.inputs,
    workspace: options.cwd,
    runnerTemp,
    timeoutMs: options.timeoutMs ?? 60_000,
    ...(options.env ? { env: options.env } : {}),
    ...(onStart ? { onLine: (line: string) => void (stdout += `${line}\n`), onStart: (child: ChildProcess) => onStart(child, () => stdout) } : {}),
  });
}
