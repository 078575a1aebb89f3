// Runs the planned stages one by one through a StageExecutor (bundled actions as processes, or the library in-process), rolling back on failure.

import type { Clock } from '../clock.js';
import { planRollback, planStages, type ActionName, type PipelineSettings, type StageId, type StageOutputs, type StageSpec } from './pipelinePlan.js';

export interface StageRun {
  readonly ok: boolean;
  readonly outputs: Readonly<Record<string, string>>;
  /** The one-line failure, when not ok. */
  readonly error?: string;
}

/** Runs one action with its inputs: the only thing that differs between `npm start` (processes) and `amlft pipeline` (in-process). */
export interface StageExecutor {
  run(stage: { readonly id: StageId; readonly title: string; readonly action: ActionName }, inputs: Record<string, string>): Promise<StageRun>;
}

export interface StageResult {
  readonly id: StageId;
  readonly title: string;
  readonly action: ActionName;
  readonly ok: boolean;
  readonly seconds: number;
  readonly outputs: Readonly<Record<string, string>>;
  readonly keyOutputs: readonly string[];
  readonly error?: string;
}

export interface PipelineObserver {
  stageStarted?(stage: StageSpec, index: number, count: number): void;
  stageFinished?(result: StageResult): void;
  note?(text: string): void;
}

export interface PipelineOutcome {
  readonly ok: boolean;
  readonly stages: readonly StageResult[];
  /** The stage that failed, if any. */
  readonly failed?: StageId;
  /** Whether a rollback ran, and whether it succeeded. */
  readonly rollback: 'not needed' | 'skipped' | 'succeeded' | 'failed';
  /** The reply of the last passing smoke test (the endpoint's, after promotion). */
  readonly reply?: string;
  /** Live traffic at the end, as last read back from Azure by a deploy stage (or by `readTraffic`). */
  readonly traffic?: Readonly<Record<string, number>>;
}

export interface RunPipelineOptions {
  readonly clock: Clock;
  readonly observer?: PipelineObserver;
  /** Reads the endpoint's live traffic at the end (e.g. from the emulator); default: the last deploy stage's `traffic` output. */
  readonly readTraffic?: () => Promise<Record<string, number> | undefined>;
}

function parseTraffic(text: string | undefined): Record<string, number> | undefined {
  if (!text) return undefined;
  try {
    const map = JSON.parse(text) as Record<string, number>;
    return Object.fromEntries(Object.entries(map).filter(([, percent]) => percent > 0));
  } catch {
    return undefined;
  }
}

export async function runPipeline(settings: PipelineSettings, executor: StageExecutor, options: RunPipelineOptions): Promise<PipelineOutcome> {
  const { clock, observer } = options;
  const stages = planStages(settings);
  const done: Partial<Record<StageId, Readonly<Record<string, string>>>> = {};
  const results: StageResult[] = [];
  const execute = async (stage: StageSpec, index: number, count: number): Promise<StageResult> => {
    observer?.stageStarted?.(stage, index, count);
    const started = clock.now();
    let run: StageRun;
    try {
      run = await executor.run(stage, stage.inputs(done as StageOutputs));
    } catch (error) {
      run = { ok: false, outputs: {}, error: error instanceof Error ? error.message : String(error) };
    }
    done[stage.id] = run.outputs;
    const result: StageResult = {
      id: stage.id,
      title: stage.title,
      action: stage.action,
      ok: run.ok,
      seconds: (clock.now() - started) / 1000,
      outputs: run.outputs,
      keyOutputs: stage.keyOutputs,
      ...(run.error !== undefined ? { error: run.error } : {}),
    };
    results.push(result);
    observer?.stageFinished?.(result);
    return result;
  };

  let failed: StageId | undefined;
  for (const [index, stage] of stages.entries()) {
    const result = await execute(stage, index, stages.length);
    if (!result.ok) {
      failed = stage.id;
      break;
    }
  }
  let rollback: PipelineOutcome['rollback'] = 'not needed';
  if (failed !== undefined) {
    const decision = planRollback(settings, failed, done as StageOutputs);
    if ('skip' in decision) {
      rollback = 'skipped';
      observer?.note?.(`rollback: ${decision.skip}`);
    } else {
      rollback = (await execute(decision.rollback, stages.length, stages.length + 1)).ok ? 'succeeded' : 'failed';
    }
  }
  const lastTraffic = [...results].reverse().find((r) => r.action === 'deploy' && r.outputs.traffic)?.outputs.traffic;
  const traffic = (options.readTraffic ? await options.readTraffic().catch(() => undefined) : undefined) ?? parseTraffic(lastTraffic);
  const reply = [...results].reverse().find((r) => r.action === 'smoke-test' && r.ok)?.outputs.reply;
  return {
    ok: failed === undefined,
    stages: results,
    ...(failed !== undefined ? { failed } : {}),
    rollback,
    ...(reply !== undefined ? { reply } : {}),
    ...(traffic !== undefined ? { traffic } : {}),
  };
}
