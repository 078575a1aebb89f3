// `amlft`: the toolkit's steps from a terminal, with the same library code and flags named like the action inputs.

import { describeFailure } from '../src/github/runAction.js';
import { InputError } from '../src/inputs/parseInputs.js';
import { ACTION_COMMANDS, BOOLEAN_FLAGS, PIPELINE_FLAGS, type ActionCommand } from './commandFlags.js';
import { deployCommand, finetuneCommand, provisionCommand, smokeTestCommand } from './commands/azureCommands.js';
import type { CliIo, CommandResult } from './commands/context.js';
import { datasetCommand } from './commands/dataset.js';
import { pipelineCommand, type PipelineCommandOptions } from './commands/pipeline.js';
import { checkFlags, parseCommandLine, UsageError } from './parseCommandLine.js';
import { terminalReporter } from './terminalReporter.js';

export type { CliIo } from './commands/context.js';

/** Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const SUMMARIES: Record<ActionCommand | 'pipeline' | 'emulator', string> = {
  validate: 'check a JSONL chat dataset (and optionally split it)',
  upload: 'check, then upload the dataset to the workspace datastore and register data assets',
  provision: 'ensure the workspace, GPU cluster, managed identity and roles (plan first; --dry-run stops there)',
  finetune: 'fine-tune the model on the uploaded data, wait (Ctrl-C cancels the job), register the model',
  deploy: 'deploy a model to an online endpoint at 0 % live traffic',
  promote: 'move live traffic to a deployment in --traffic-steps, verified after each step',
  rollback: 'restore --previous-traffic (a deploy or promote output), or 100 % to --deployment',
  'smoke-test': 'chat with the endpoint, or one --deployment of it, and check the replies',
  pipeline: 'the whole release: validate -> (provision) -> upload -> finetune -> deploy -> smoke-test -> promote -> smoke-test, rollback on failure',
  emulator: 'run the local Azure emulator (Azurite included) until stopped; prints the env to export (amlft emulator --help)',
};

export function usage(): string {
  const lines = ['usage: amlft <command> [--flag value ...] [--json]', '', 'commands:'];
  for (const [name, summary] of Object.entries(SUMMARIES)) lines.push(`  ${name.padEnd(11)} ${summary}`);
  lines.push(
    '',
    'Flags are named like the inputs of the action a command runs (amlft validate --train-file data/train.jsonl);',
    'amlft <command> --flag-that-does-not-exist lists the flags a command takes. Booleans: --strict, --no-strict.',
    'Sign-in flags of the Azure commands: --subscription-id, --resource-group, --workspace, --client-id, --tenant-id,',
    '--auth (secret, cli or managed-identity from a terminal; oidc exists only in GitHub Actions), --cloud.',
    '',
    'amlft pipeline flags: --train-file, --validation-file, --model (base model), --model-name, --config-file <finetune',
    'config, e.g. finetune.config.json>, --compute, --data-name, --provision (with --location), --endpoint, --instance-type, --traffic-steps',
    '(default 50,100), --step-wait-seconds, --timeout-minutes, --prompt, --expect-contains, and the sign-in flags; or:',
    '  --emulator          start the local emulator (Azurite included) on 127.0.0.1, seed it with a previous release live',
    '                      at 100 %, and run the bundled actions (actions/<name>/dist) as the runner would (npm start);',
    '                      waits default to --timeout-minutes 1 and --step-wait-seconds 2; the smoke tests expect',
    '                      "Bill Gates" (the emulator\'s answer to the default prompt) unless --prompt is given',
    '  --fault <name>      with --emulator: inject an emulator fault preset (comma-separated names, or JSON) once the',
    '                      previous release is live; the run shows where live traffic ends up',
    '  --list-faults       print the fault presets and exit',
    '',
    '--json prints one JSON object on stdout (passed, the outputs, and per stage for pipeline); logs go to stderr.',
    'Exit codes: 0 success, 1 failed, 2 usage error (an unknown flag or a bad value, named with what is allowed).',
  );
  return lines.join('\n');
}

/** `amlft emulator` is the emulator's own command (its flags: --port, --fault, --no-azurite, ...). */
async function emulatorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { runEmulatorCommand } = await import('../emulator/src/command.js');
  return withInterrupt((signal) => runEmulatorCommand([...argv], { stdout: io.write, stderr: io.writeError, signal }));
}

/**
 * Ctrl-C (or SIGTERM) aborts the signal instead of killing the process: `amlft finetune` stops waiting (and, with
 * cancel-on-abort, cancels the Azure ML job); `amlft emulator` stops its servers.
 */
async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupted = new AbortController();
  const abort = () => interrupted.abort(new Error('interrupted'));
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await work(interrupted.signal);
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

async function actionCommand(command: ActionCommand, flags: Record<string, string>, json: boolean, io: CliIo): Promise<number> {
  const reporter = terminalReporter({ json, write: io.write, writeError: io.writeError });
  try {
    let result: CommandResult;
    switch (command) {
      case 'validate':
      case 'upload':
        result = await datasetCommand(command, flags, io, reporter);
        break;
      case 'provision':
        result = await provisionCommand(flags, io, reporter);
        break;
      case 'finetune':
        result = await withInterrupt((signal) => finetuneCommand(flags, io, reporter, signal));
        break;
      case 'deploy':
      case 'promote':
      case 'rollback':
        result = await deployCommand(command, flags, io, reporter);
        break;
      case 'smoke-test':
        result = await smokeTestCommand(flags, io, reporter);
        break;
    }
    if (json) io.write(`${JSON.stringify({ passed: result.passed, outputs: result.outputs, ...result.details }, null, 2)}\n`);
    return result.passed ? EXIT.ok : EXIT.failed;
  } catch (error) {
    // The outputs set before the failure (smoke-test's passed: false, deploy's previous-traffic) still go to --json.
    return failure(error, json, io, reporter.outputs);
  } finally {
    reporter.close();
  }
}

/** One line naming what went wrong (and, with --json, the same as JSON); exit 2 for the command line or an input, 1 for the work. */
function failure(error: unknown, json: boolean, io: CliIo, outputs?: Record<string, string>): number {
  const usageError = error instanceof UsageError || error instanceof InputError;
  const message = error instanceof UsageError ? `amlft: ${error.message}` : describeFailure('amlft', error);
  if (json) io.write(`${JSON.stringify({ passed: false, error: message, ...(outputs ? { outputs } : {}) })}\n`);
  io.writeError(`${message}\n`);
  if (error instanceof UsageError) io.writeError(`run 'amlft --help' for usage\n`);
  return usageError ? EXIT.usage : EXIT.failed;
}

export async function runCli(argv: readonly string[], io: CliIo, options: PipelineCommandOptions = {}): Promise<number> {
  let json = false;
  if (argv[0] === 'emulator') return emulatorCommand(argv.slice(1), io);
  try {
    const line = parseCommandLine(argv, BOOLEAN_FLAGS);
    json = line.json;
    if (line.command === undefined || line.help) {
      io.write(`${usage()}\n`);
      return line.command === undefined && !line.help ? EXIT.usage : EXIT.ok;
    }
    if (line.command === 'pipeline') {
      checkFlags('pipeline', line.flags, PIPELINE_FLAGS);
      return await pipelineCommand(line.flags, json, io, options);
    }
    if (!(line.command in ACTION_COMMANDS)) throw new UsageError(`unknown command '${line.command}'; commands: ${Object.keys(SUMMARIES).join(', ')}`);
    const command = line.command as ActionCommand;
    checkFlags(command, line.flags, ACTION_COMMANDS[command].flags);
    return await actionCommand(command, line.flags, json, io);
  } catch (error) {
    return failure(error, json, io);
  }
}
