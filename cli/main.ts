// `amlft`: the toolkit's steps from a terminal, with the same library code and flags named like the action inputs.

import { tmpdir } from 'node:os';
import { systemClock } from '../src/clock.js';
import { parseDatasetInputs } from '../src/dataset/datasetInputs.js';
import { datasetStoreConnector } from '../src/dataset/datasetStore.js';
import { runDatasetCheck } from '../src/dataset/runDatasetCheck.js';
import { describeFailure } from '../src/github/runAction.js';
import { runTags } from '../src/github/runContext.js';
import { parseProvisionInputs } from '../src/provision/provisionInputs.js';
import { runProvision } from '../src/provision/runProvision.js';
import { InputError, inputsFromRecord } from '../src/inputs/parseInputs.js';
import { checkFlags, parseCommandLine, UsageError } from './parseCommandLine.js';
import { terminalReporter } from './terminalReporter.js';

/** Exit codes: 0 success, 1 the work failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const DATASET_FLAGS = ['train-file', 'validation-file', 'model', 'max-tokens', 'min-examples', 'strict', 'max-annotations', 'validation-split', 'seed', 'exact-tokens'] as const;
const SIGN_IN_FLAGS = ['subscription-id', 'resource-group', 'workspace', 'client-id', 'tenant-id', 'auth', 'cloud'] as const;
const UPLOAD_FLAGS = [...DATASET_FLAGS, 'data-name', 'datastore', ...SIGN_IN_FLAGS] as const;
const PROVISION_FLAGS = [
  ...SIGN_IN_FLAGS, 'location', 'create-resource-group', 'workspace-kind', 'hub', 'compute', 'vm-size', 'vm-priority', 'min-nodes', 'max-nodes',
  'idle-seconds', 'identity', 'attach-identity', 'assign-roles', 'serving-vm-size', 'serving-instances', 'check-quota', 'dry-run',
] as const;
const BOOLEAN_FLAGS = new Set(['strict', 'exact-tokens', 'create-resource-group', 'attach-identity', 'assign-roles', 'check-quota', 'dry-run']);

const COMMANDS: Record<string, { summary: string; flags: readonly string[] }> = {
  validate: { summary: 'check a JSONL chat dataset (and optionally split it)', flags: DATASET_FLAGS },
  upload: { summary: 'check, then upload the dataset to the workspace datastore and register data assets', flags: UPLOAD_FLAGS },
  provision: { summary: 'ensure the workspace, GPU cluster, managed identity and roles (plan first; --dry-run stops there)', flags: PROVISION_FLAGS },
  emulator: { summary: 'run the local Azure emulator (Azurite included) until stopped; prints the env to export (amlft emulator --help)', flags: [] },
};

export function usage(): string {
  const lines = ['usage: amlft <command> [--flag value ...] [--json]', '', 'commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  lines.push('', 'Flags are named like the action inputs (amlft validate --train-file data/train.jsonl).', 'Exit codes: 0 success, 1 failed, 2 usage error.');
  return lines.join('\n');
}

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly write: (text: string) => void;
  readonly writeError: (text: string) => void;
}

async function datasetCommand(command: 'validate' | 'upload', flags: Record<string, string>, json: boolean, io: CliIo): Promise<number> {
  const source = inputsFromRecord({ ...flags, upload: command === 'upload' ? 'true' : 'false', 'pr-comment': 'false' });
  const inputs = parseDatasetInputs(source, io.env);
  const reporter = terminalReporter({ json, write: io.write, writeError: io.writeError });
  const result = await runDatasetCheck(
    inputs,
    {
      workspace: io.cwd,
      outputDir: io.env.RUNNER_TEMP ?? tmpdir(),
      // The CLI runs from build/, where the compiled worker entry sits beside the library.
      workers: { script: new URL('../src/dataset/datasetWorkerMain.js', import.meta.url) },
      connectStore: datasetStoreConnector({
        env: io.env,
        getIdToken: async () => {
          throw new InputError('auth', 'oidc', 'GitHub OIDC tokens exist only inside GitHub Actions; use auth: secret, cli or managed-identity from a terminal');
        },
        clock: systemClock,
        log: (message) => reporter.info(message),
        maskSecret: (value) => reporter.setSecret(value),
      }),
      tags: runTags(io.env),
    },
    reporter,
  );
  if (json) io.write(`${JSON.stringify({ passed: result.passed, outputs: reporter.outputs, report: result.report, uploaded: result.uploaded ?? [] }, null, 2)}\n`);
  return result.passed ? EXIT.ok : EXIT.failed;
}

async function provisionCommand(flags: Record<string, string>, json: boolean, io: CliIo): Promise<number> {
  const inputs = parseProvisionInputs(inputsFromRecord(flags), io.env);
  const reporter = terminalReporter({ json, write: io.write, writeError: io.writeError });
  await runProvision(
    inputs,
    {
      env: io.env,
      clock: systemClock,
      getIdToken: async () => {
        throw new InputError('auth', 'oidc', 'GitHub OIDC tokens exist only inside GitHub Actions; use auth: secret, cli or managed-identity from a terminal');
      },
      log: (message) => reporter.info(message),
      tags: runTags(io.env),
    },
    reporter,
  );
  if (json) io.write(`${JSON.stringify({ passed: true, outputs: reporter.outputs }, null, 2)}\n`);
  return EXIT.ok;
}

/** `amlft emulator` is the emulator's own command (its flags: --port, --fault, --no-azurite, ...). */
async function emulatorCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { runEmulatorCommand } = await import('../emulator/src/command.js');
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  try {
    return await runEmulatorCommand([...argv], { stdout: io.write, stderr: io.writeError, signal: stop.signal });
  } finally {
    process.off('SIGINT', abort);
    process.off('SIGTERM', abort);
  }
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let json = false;
  if (argv[0] === 'emulator') return emulatorCommand(argv.slice(1), io);
  try {
    const line = parseCommandLine(argv, BOOLEAN_FLAGS);
    json = line.json;
    if (line.command === undefined || line.help) {
      io.write(`${usage()}\n`);
      return line.command === undefined && !line.help ? EXIT.usage : EXIT.ok;
    }
    const command = COMMANDS[line.command];
    if (command === undefined) throw new UsageError(`unknown command '${line.command}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    checkFlags(line.command, line.flags, command.flags);
    switch (line.command) {
      case 'validate':
      case 'upload':
        return await datasetCommand(line.command, line.flags, json, io);
      case 'provision':
        return await provisionCommand(line.flags, json, io);
      default:
        throw new UsageError(`unknown command '${line.command}'`);
    }
  } catch (error) {
    const usageError = error instanceof UsageError || error instanceof InputError;
    const message = error instanceof UsageError ? `amlft: ${error.message}` : describeFailure('amlft', error);
    if (json) io.write(`${JSON.stringify({ passed: false, error: message })}\n`);
    io.writeError(`${message}\n`);
    if (error instanceof UsageError) io.writeError(`run 'amlft --help' for usage\n`);
    return usageError ? EXIT.usage : EXIT.failed;
  }
}
