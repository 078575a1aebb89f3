// Must show: the local pipeline (npm start) runs the bundled actions against a seeded emulator and, clean or with each
// fault preset injected, ends with live traffic where it should be: on the new version after a release, on the previous one after a failure.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT, runCli } from '../../cli/main.js';
import { faultPresets } from '../../emulator/src/index.js';
import type { StageId } from '../../src/pipeline/pipelinePlan.js';
import type { PipelineOutcome } from '../../src/pipeline/runPipeline.js';
import { fastTiming } from '../emulator/helpers.js';

const root = join(import.meta.dirname, '..', '..');
const previous = { 'phi3-chat-ft-v1': 100 };
const released = { 'phi3-chat-ft-v2': 100 };

interface Case {
  readonly fault?: string;
  readonly exit: number;
  readonly traffic: Record<string, number>;
  readonly failed?: StageId;
  readonly rollback: PipelineOutcome['rollback'];
  readonly flags?: readonly string[];
}

// Hangs end at the inputs' smallest timeout, timeout-minutes: 1 (the --emulator default, given here explicitly): those two
// cases take a minute each, concurrently with the rest, so they cost the file about a minute in all.
const hang = ['--timeout-minutes', '1'] as const;
const cases: Record<string, Case> = {
  clean: { exit: EXIT.ok, traffic: released, rollback: 'not needed' },
  'throttle-arm': { fault: 'throttle-arm', exit: EXIT.ok, traffic: released, rollback: 'not needed' },
  'flaky-arm': { fault: 'flaky-arm', exit: EXIT.ok, traffic: released, rollback: 'not needed' },
  'scoring-warmup': { fault: 'scoring-warmup', exit: EXIT.ok, traffic: released, rollback: 'not needed' },
  // The previous release already assigned the roles, so provisioning writes none and the fault never fires.
  'role-assignment-forbidden': { fault: 'role-assignment-forbidden', exit: EXIT.ok, traffic: released, rollback: 'not needed' },
  'deployment-fails': { fault: 'deployment-fails', exit: EXIT.failed, traffic: previous, failed: 'deploy', rollback: 'skipped' },
  'lro-fails': { fault: 'lro-fails', exit: EXIT.failed, traffic: previous, failed: 'deploy', rollback: 'skipped' },
  'lro-hangs': { fault: 'lro-hangs', exit: EXIT.failed, traffic: previous, failed: 'deploy', rollback: 'skipped', flags: hang },
  'job-fails': { fault: 'job-fails', exit: EXIT.failed, traffic: previous, failed: 'finetune', rollback: 'skipped' },
  'job-hangs': { fault: 'job-hangs', exit: EXIT.failed, traffic: previous, failed: 'finetune', rollback: 'skipped', flags: hang },
  'smoke-test-fails': { fault: 'smoke-test-fails', exit: EXIT.failed, traffic: previous, failed: 'smoke-deployment', rollback: 'skipped' },
  'scoring-5xx': { fault: 'scoring-5xx', exit: EXIT.failed, traffic: previous, failed: 'smoke-deployment', rollback: 'skipped' },
  'scoring-empty': { fault: 'scoring-empty', exit: EXIT.failed, traffic: previous, failed: 'smoke-deployment', rollback: 'skipped' },
};

const data = ['--train-file', 'examples/data/train.jsonl', '--validation-file', 'examples/data/validation.jsonl'];

interface Run {
  readonly code: number;
  readonly outcome: PipelineOutcome & { passed: boolean };
}

/** `amlft pipeline --emulator` in this process (the bundles run as child processes), with the emulator's fast timings. */
async function runInProcess(c: Case, startGate: <T>(start: () => Promise<T>) => Promise<T>): Promise<Run> {
  let out = '';
  const code = await runCli(['pipeline', '--emulator', ...data, '--step-wait-seconds', '0', '--json', ...(c.fault ? ['--fault', c.fault] : []), ...(c.flags ?? [])], {
    env: process.env,
    cwd: root,
    write: (t) => void (out += t),
    writeError: () => undefined,
  }, { emulatorTiming: { ...fastTiming }, startGate });
  return { code, outcome: JSON.parse(out) };
}

/** `npm start` as a user runs it: package.json's start script, as a process, with the emulator's default timings. */
function runStartScript(extra: readonly string[]): Promise<Run & { stderr: string }> {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const [command, ...args] = script.split(' ');
  expect(command).toBe('node');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, ...extra], { cwd: root, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      try {
        resolve({ code: code ?? -1, stderr, outcome: JSON.parse(stdout) });
      } catch (error) {
        reject(new Error(`${(error as Error).message}\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** Runs at most `limit` at once. */
function limiter(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await work();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

const runs = new Map<string, Promise<Run>>();
let startScript: Promise<Run & { stderr: string }>;
beforeAll(() => {
  // Every case gets its own emulator (Azurite included) on random ports. The two hang cases go first: they sit idle for
  // their one-minute timeout. Besides them, three pipelines run at a time: more makes this worker's event loop (which
  // serves every emulator) so busy that vitest's own RPC to it times out on two cores, for no gain in wall time.
  const running = limiter(5);
  const order = Object.keys(cases).sort((a, b) => Number(Boolean(cases[b]!.flags)) - Number(Boolean(cases[a]!.flags)));
  for (const name of order) {
    const run = running(() => runInProcess(cases[name]!, (start) => start()));
    run.catch(() => undefined);
    runs.set(name, run);
  }
  startScript = runStartScript(['--json', '--step-wait-seconds', '0']);
  startScript.catch(() => undefined);
});

describe('the local pipeline', () => {
  it('covers every fault preset of the emulator', () => {
    expect(Object.values(cases).map((c) => c.fault).filter(Boolean).sort()).toEqual(Object.keys(faultPresets).sort());
  });

  it.each(Object.keys(cases))('%s: ends with live traffic where it should be', async (name) => {
    const c = cases[name]!;
    const { code, outcome } = await runs.get(name)!;
    const trail = JSON.stringify(outcome.stages?.map((s) => [s.id, s.ok, s.error]) ?? outcome);
    expect(code, trail).toBe(c.exit);
    expect(outcome.traffic, trail).toEqual(c.traffic);
    expect(outcome.rollback).toBe(c.rollback);
    expect(outcome.failed).toBe(c.failed);
    if (c.exit === EXIT.ok) {
      expect(outcome.stages.map((s) => s.id)).toEqual(['validate', 'provision', 'upload', 'finetune', 'deploy', 'smoke-deployment', 'promote', 'smoke-endpoint']);
      expect(outcome.reply).toContain('[deployment phi3-chat-ft-v2, model phi3-chat-ft:2]');
    } else {
      const failedStage = outcome.stages.find((s) => s.id === c.failed)!;
      expect(failedStage.ok).toBe(false);
      expect(failedStage.error).toMatch(/^(deploy|finetune|smoke-test): /);
      expect(outcome.stages.map((s) => s.id)).not.toContain('promote');
      if (c.rollback === 'succeeded') expect(outcome.stages.at(-1)).toMatchObject({ id: 'rollback', ok: true });
    }
  }, 240_000);

  it('npm start (package.json start script, as a process) releases v2 and prints the reply and the final traffic', async () => {
    const { code, outcome, stderr } = await startScript;
    expect(code, stderr.slice(-2000)).toBe(EXIT.ok);
    expect(outcome).toMatchObject({ passed: true, traffic: released });
    expect(outcome.reply).toContain('Bill Gates');
    expect(outcome.stages.every((s) => s.seconds >= 0 && s.ok)).toBe(true);
  }, 240_000);
});
