// `amlft pipeline`: the whole release from a terminal, through src/pipeline; with --emulator against a seeded local Azure, running the bundled actions.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '../../src/clock.js';
import { parseSmokeTestInputs } from '../../src/chat/smokeTestInputs.js';
import { findChatModel } from '../../src/dataset/chatModels.js';
import { parseDatasetInputs } from '../../src/dataset/datasetInputs.js';
import { parseFinetuneInputs } from '../../src/finetune/finetuneInputs.js';
import { describeFailure } from '../../src/github/runAction.js';
import { InputError, inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { bundleExecutor } from '../../src/pipeline/bundleExecutor.js';
import { LOCAL_RELEASE, startLocalAzure, type LocalAzure } from '../../src/pipeline/localAzure.js';
import { packageRoot } from '../../src/pipeline/packageRoot.js';
import type { PipelineSettings, StageSpec } from '../../src/pipeline/pipelinePlan.js';
import { formatOutcome, formatStageLine } from '../../src/pipeline/pipelineReport.js';
import { runnerLog } from '../../src/pipeline/runnerLog.js';
import { runPipeline, type PipelineObserver, type StageExecutor } from '../../src/pipeline/runPipeline.js';
import { parseProvisionInputs } from '../../src/provision/provisionInputs.js';
import { parseDeployInputs } from '../../src/serving/deployInputs.js';
import { SIGN_IN_FLAGS } from '../commandFlags.js';
import { UsageError } from '../parseCommandLine.js';
import { heartbeat, terminalReporter, type Heartbeat } from '../terminalReporter.js';
import { deployCommand, finetuneCommand, provisionCommand, smokeTestCommand } from './azureCommands.js';
import type { CliIo, CommandResult } from './context.js';
import { datasetCommand } from './dataset.js';

/** What the emulator's scoring answers "Who founded Microsoft?" with: the local run's smoke tests expect it. */
const LOCAL_EXPECTATION = 'Bill Gates';

export interface PipelineCommandOptions {
  /** Emulator timings (tests use short ones); default: the emulator's own. */
  readonly emulatorTiming?: Record<string, number>;
  /** Wraps the emulator's start and seed: a caller running many pipelines side by side limits how many start at once. */
  readonly startGate?: (start: () => Promise<LocalAzure>) => Promise<LocalAzure>;
}

/** The settings of the run from the flags (and the local Azure's names with --emulator). */
export function pipelineSettings(flags: Record<string, string>, cwd: string, local: { signIn: Record<string, string> } | undefined): PipelineSettings {
  const pick = (names: readonly string[]) => Object.fromEntries(names.filter((n) => flags[n] !== undefined && flags[n] !== '').map((n) => [n, flags[n]!]));
  const signIn = local ? local.signIn : pick(SIGN_IN_FLAGS);
  const trainFile = flags['train-file'] ?? '';
  if (!trainFile) throw new InputError('train-file', '', 'it is required (a JSONL chat dataset, e.g. examples/data/train.jsonl)');
  const endpoint = flags.endpoint ?? (local ? LOCAL_RELEASE.endpoint : '');
  if (!endpoint) throw new InputError('endpoint', '', 'it is required (the managed online endpoint to release to)');
  const provisionWanted = flags.provision !== undefined ? flags.provision === 'true' : local !== undefined;
  const location = flags.location ?? (local ? LOCAL_RELEASE.location : '');
  if (provisionWanted && !location) throw new InputError('location', '', 'it is required with --provision (the Azure region, e.g. eastus2)');
  // The emulator's jobs and deployments finish in about a second: with --emulator a hang (job-hangs, lro-hangs) fails at
  // the inputs' smallest timeout, a minute, instead of the real-Azure defaults (6 h for a job, 1 h for a deployment).
  const timeout = flags['timeout-minutes'] ?? (local ? '1' : undefined);
  const datasetModel = flags.model ? findChatModel(flags.model)?.id : undefined;
  return {
    signIn,
    trainFile,
    ...(flags['validation-file'] ? { validationFile: flags['validation-file'] } : {}),
    ...(datasetModel ? { datasetModel } : {}),
    ...(flags['data-name'] ? { dataName: flags['data-name'] } : local ? { dataName: 'amlft-local-chat' } : {}),
    ...(provisionWanted ? { provision: { location, 'create-resource-group': 'true', ...(flags.compute ? { compute: flags.compute } : {}) } } : {}),
    finetune: {
      // The finetune action's own config file: checked against schemas/finetune.config.schema.json, explicit inputs win.
      ...(flags['config-file'] ? { 'config-file': flags['config-file'] } : {}),
      ...(flags.model ? { model: flags.model } : {}),
      ...(flags['model-name'] ? { 'model-name': flags['model-name'] } : local ? { 'model-name': LOCAL_RELEASE.modelName } : {}),
      ...(flags.compute ? { compute: flags.compute } : !provisionWanted ? { compute: 'gpu-cluster' } : {}),
      ...(timeout ? { 'timeout-minutes': timeout } : {}),
      ...(local ? { 'poll-seconds': '1' } : {}),
    },
    endpoint,
    deploy: { ...(flags['instance-type'] ? { 'instance-type': flags['instance-type'] } : {}), ...(timeout ? { 'timeout-minutes': timeout } : {}) },
    promote: {
      'traffic-steps': flags['traffic-steps'] ?? '50,100',
      ...(flags['step-wait-seconds'] ? { 'step-wait-seconds': flags['step-wait-seconds'] } : local ? { 'step-wait-seconds': '2' } : {}),
      ...(timeout ? { 'timeout-minutes': timeout } : {}),
    },
    smokeTest: {
      ...(flags.prompt ? { prompt: flags.prompt } : {}),
      ...(flags['expect-contains'] ? { 'expect-contains': flags['expect-contains'] } : local && !flags.prompt ? { 'expect-contains': LOCAL_EXPECTATION } : {}),
      ...(local ? { 'timeout-seconds': '60' } : {}),
    },
  };
}

/** Checks every stage's inputs with the actions' own parsers (earlier outputs stand in as placeholders) before anything runs. */
export function checkPipelineSettings(settings: PipelineSettings, cwd: string, env: NodeJS.ProcessEnv): void {
  const signIn = settings.signIn;
  const data = { 'train-file': settings.trainFile, 'validation-file': settings.validationFile, model: settings.datasetModel };
  parseDatasetInputs(inputsFromRecord({ ...data, ...signIn, upload: 'true', 'pr-comment': 'false', 'data-name': settings.dataName }), env);
  if (settings.provision) parseProvisionInputs(inputsFromRecord({ ...signIn, ...settings.provision }), env);
  parseFinetuneInputs(inputsFromRecord({ ...signIn, compute: 'gpu-cluster', ...settings.finetune, 'train-data': 'azureml:placeholder:1' }), env, cwd);
  const endpoint = { ...signIn, endpoint: settings.endpoint };
  parseDeployInputs(inputsFromRecord({ ...endpoint, ...settings.deploy, model: 'azureml:placeholder:1' }), env);
  parseDeployInputs(inputsFromRecord({ ...endpoint, ...settings.promote, action: 'promote', deployment: 'placeholder' }), env);
  parseSmokeTestInputs(inputsFromRecord({ ...endpoint, ...settings.smokeTest }), env, cwd);
}

/** Runs each stage through the library in this process (the CLI's own commands): the pipeline against an Azure the terminal already reaches. */
function inProcessExecutor(io: CliIo, json: boolean): StageExecutor {
  return {
    async run(stage, inputs) {
      const reporter = terminalReporter({ json, summaries: false, write: io.write, writeError: io.writeError, prefix: '   │ ' });
      const { upload: _upload, 'pr-comment': _comment, action: mode, ...flags } = inputs;
      try {
        let result: CommandResult;
        if (stage.action === 'dataset') result = await datasetCommand(inputs.upload === 'true' ? 'upload' : 'validate', flags, io, reporter);
        else if (stage.action === 'provision') result = await provisionCommand(flags, io, reporter);
        else if (stage.action === 'finetune') result = await finetuneCommand(flags, io, reporter);
        else if (stage.action === 'deploy') result = await deployCommand((mode ?? 'deploy') as 'deploy' | 'promote' | 'rollback', flags, io, reporter);
        else result = await smokeTestCommand(flags, io, reporter);
        if (result.passed) return { ok: true, outputs: result.outputs };
        // Only the dataset check fails without throwing: its findings were logged above.
        return { ok: false, outputs: result.outputs, error: `${stage.action}: ${result.outputs.errors ?? 'some'} error(s) in the data; see the lines above` };
      } catch (error) {
        return { ok: false, outputs: reporter.outputs, error: describeFailure(stage.action, error) };
      } finally {
        reporter.close();
      }
    },
  };
}

function observer(io: CliIo, json: boolean, beat: Heartbeat | undefined): PipelineObserver {
  if (json) return {};
  return {
    stageStarted: (stage: StageSpec, index, count) => {
      beat?.waitingFor(`stage ${stage.id}`);
      io.writeError(`\n▶ ${index + 1}/${count} ${stage.id}: ${stage.title} (${stage.action} action)\n`);
    },
    stageFinished: (result) => io.write(`${formatStageLine(result)}\n`),
    note: (text) => io.write(`${text}\n`),
  };
}

export async function pipelineCommand(flags: Record<string, string>, json: boolean, io: CliIo, options: PipelineCommandOptions = {}): Promise<number> {
  const { faultPresets, loadFaultRules } = await import('../../emulator/src/faults.js');
  if (flags['list-faults'] === 'true') {
    io.write(Object.entries(faultPresets).map(([name, preset]) => `${name.padEnd(26)} ${preset.description}`).join('\n') + '\n');
    return 0;
  }
  const useEmulator = flags.emulator === 'true';
  if (flags.fault !== undefined) {
    if (!useEmulator) throw new UsageError('--fault needs --emulator: faults are injected into the local emulator');
    try {
      loadFaultRules(flags.fault);
    } catch (error) {
      throw new InputError('fault', flags.fault, `expected a preset (${Object.keys(faultPresets).join(', ')}), inline JSON or a JSON file: ${(error as Error).message}`);
    }
  }
  if (useEmulator) {
    const given = SIGN_IN_FLAGS.filter((name) => flags[name] !== undefined);
    if (given.length > 0) throw new UsageError(`--emulator signs in to the local emulator itself; drop ${given.map((n) => `--${n}`).join(', ')}`);
  }
  const placeholder = useEmulator ? { signIn: { 'subscription-id': '00000000-0000-4000-8000-000000000000', 'resource-group': LOCAL_RELEASE.resourceGroup, workspace: LOCAL_RELEASE.workspace, auth: 'secret', cloud: 'https://127.0.0.1:1' } } : undefined;
  // Every input is checked before the emulator starts or anything is written.
  checkPipelineSettings(pipelineSettings(flags, io.cwd, placeholder), io.cwd, io.env);

  const clock = io.clock ?? systemClock;
  const say = (text: string) => {
    if (!json) io.writeError(`${text}\n`);
  };
  let local: LocalAzure | undefined;
  let dispose = () => undefined as void;
  let beat: Heartbeat | undefined;
  // Ctrl-C (or SIGTERM) stops the running step the way the runner cancels a workflow (SIGINT: the finetune step cancels
  // its job), the pipeline ends there (rolling back if live traffic may have moved), and the emulator and every folder
  // go. A second Ctrl-C stops at once, still removing the folders.
  let interrupt = () => false;
  let interruptedBy: NodeJS.Signals | undefined;
  const interrupted = (signal: NodeJS.Signals) => {
    if (interruptedBy !== undefined) {
      beat?.stop();
      dispose();
      void Promise.resolve(local?.stop()).finally(() => process.exit(130));
      return;
    }
    interruptedBy = signal;
    say(`Received ${signal}: stopping the running step (again to quit at once)`);
    interrupt();
  };
  if (useEmulator) {
    process.on('SIGINT', interrupted);
    process.on('SIGTERM', interrupted);
  }
  try {
    let executor: StageExecutor;
    if (useEmulator) {
      const started = clock.now();
      say('Starting the local Azure emulator (Azurite included) on 127.0.0.1 ...');
      const start = () => startLocalAzure({ clock, ...(options.emulatorTiming ? { timing: options.emulatorTiming } : {}), log: (m) => say(`   │ ${m}`) });
      local = await (options.startGate ? options.startGate(start) : start());
      say(`Emulator at ${local.emulator.url}, seeded in ${((clock.now() - started) / 1000).toFixed(1)} s; live traffic: ${JSON.stringify(local.readTraffic())}`);
      if (flags.fault) say(`Fault injected: ${flags.fault} (${local.injectFaults(flags.fault).join(', ')})`);
      const log = runnerLog();
      // A step's log says nothing while it waits for a job or a deployment: a line every 15 s says the stage is alive.
      const stageBeat = json ? undefined : heartbeat((line) => io.writeError(`   │ ${line}\n`), 15_000);
      beat = stageBeat;
      const bundles = bundleExecutor({
        actionsDir: join(packageRoot(import.meta.url), 'actions'),
        workspace: io.cwd,
        env: { ...local.env, GITHUB_REPOSITORY: 'local/amlft' },
        onLine: (line) => {
          const shown = log(line);
          stageBeat?.touch();
          if (shown !== undefined && !json) io.writeError(`   │ ${shown}\n`);
        },
      });
      dispose = () => bundles.dispose();
      interrupt = () => bundles.interrupt();
      if (interruptedBy !== undefined) interrupt();
      executor = bundles;
    } else {
      executor = inProcessExecutor(io, json);
    }
    const settings = pipelineSettings(flags, io.cwd, local);
    const localAzure = local;
    const outcome = await runPipeline(settings, executor, {
      clock,
      observer: observer(io, json, beat),
      ...(localAzure ? { readTraffic: async () => localAzure.readTraffic() } : {}),
    });
    if (json) io.write(`${JSON.stringify({ passed: outcome.ok, ...outcome }, null, 2)}\n`);
    else io.write(formatOutcome(outcome));
    if (interruptedBy !== undefined) return 130;
    return outcome.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    beat?.stop();
    dispose();
    await local?.stop();
  }
}
