// A StageExecutor that runs each stage's bundled action (actions/<name>/dist/index.js) as a process, as the runner would.

import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runActionProcess } from './actionProcess.js';
import type { StageExecutor } from './runPipeline.js';

export interface BundleExecutorOptions {
  /** The folder holding actions/<name>/dist/index.js. */
  readonly actionsDir: string;
  /** GITHUB_WORKSPACE: where relative paths (train-file) resolve. */
  readonly workspace: string;
  /** Sign-in and trust variables (the emulator's env, NODE_EXTRA_CA_CERTS), GITHUB_REPOSITORY, ... */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every log line of every step, as it comes. */
  readonly onLine?: (line: string) => void;
  readonly stepTimeoutMs?: number;
}

export interface BundleExecutor extends StageExecutor {
  /** Sends SIGINT to the running step, as the runner does when a workflow is cancelled, and starts no other step but a rollback. */
  interrupt(): boolean;
  /** Removes the job's RUNNER_TEMP. */
  dispose(): void;
}

export function bundleExecutor(options: BundleExecutorOptions): BundleExecutor {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'amlft-job-'));
  let current: ChildProcess | undefined;
  let stopped = false;
  return {
    async run(stage, inputs) {
      // After an interrupt only the rollback still runs: live traffic may have moved in a step that was stopped.
      if (stopped && stage.id !== 'rollback') return { ok: false, outputs: {}, error: 'not started: the run was interrupted' };
      const script = join(options.actionsDir, stage.action, 'dist', 'index.js');
      if (!existsSync(script)) return { ok: false, outputs: {}, error: `${script} is missing: the action bundles ship with the repository (npm run build rebuilds them)` };
      const run = await runActionProcess({
        script,
        inputs,
        workspace: options.workspace,
        env: options.env,
        runnerTemp,
        onStart: (child) => (current = child),
        ...(options.onLine ? { onLine: options.onLine } : {}),
        ...(options.stepTimeoutMs !== undefined ? { timeoutMs: options.stepTimeoutMs } : {}),
      });
      current = undefined;
      if (run.exitCode === 0) return { ok: true, outputs: run.outputs };
      const reason = run.errors.at(-1) ?? (run.signal ? `killed by ${run.signal}` : run.stderr.trim().split('\n').at(-1) ?? `exit code ${run.exitCode}`);
      return { ok: false, outputs: run.outputs, error: reason };
    },
    interrupt: () => {
      stopped = true;
      return current?.kill('SIGINT') ?? false;
    },
    dispose: () => rmSync(runnerTemp, { recursive: true, force: true }),
  };
}
