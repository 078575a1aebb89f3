// `amlft emulator`: parse the command line, start the emulator, print the environment to export, run until stopped.

import { writeFileSync } from 'node:fs';
import { faultPresets, loadFaultRules } from './faults.js';
import { formatEnv, startEmulator } from './index.js';
import type { EmulatorOptions } from './options.js';

export const emulatorUsage = `Usage: amlft emulator [options]

Runs a local stand-in for Azure (Entra, Resource Manager, Azure ML, scoring, Blob storage via Azurite) and
GitHub on 127.0.0.1, prints the environment to export, and runs until interrupted (Ctrl-C).

Options:
  --port <n>          HTTPS port (default: a free one)
  --github-port <n>   plain-HTTP port of the GitHub stand-in (default: a free one)
  --fault <spec>      a preset name, a JSON file of rules, or inline JSON; repeatable
  --list-faults       print the fault presets and exit
  --no-azurite        do not start Azurite (no blob storage)
  --data-dir <dir>    keep the CA, certificates and Azurite's files here (default: a temp dir, removed on exit)
  --write-env <file>  also write the export lines to this file
  --help              show this help
`;

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Stops the emulator when aborted (the process wires SIGINT / SIGTERM to it). */
  signal: AbortSignal;
}

export interface ParsedEmulatorArgs {
  options: Omit<EmulatorOptions, 'faults'>;
  /** Each --fault value: preset names, a file, or inline JSON. */
  faultSpecs: string[];
  envFile?: string;
}

/** Parses arguments; returns what to run, or a message for the user (help, presets, or an error). */
export function parseEmulatorArgs(argv: string[]): ParsedEmulatorArgs | { exitCode: number; message: string } {
  const options: ParsedEmulatorArgs['options'] = {};
  const faultSpecs: string[] = [];
  let envFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    try {
      switch (arg) {
        case '--help':
        case '-h':
          return { exitCode: 0, message: emulatorUsage };
        case '--list-faults':
          return { exitCode: 0, message: Object.entries(faultPresets).map(([name, p]) => `${name.padEnd(26)} ${p.description}`).join('\n') + '\n' };
        case '--port':
        case '--github-port': {
          const port = Number(value());
          if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${arg} must be a port number`);
          if (arg === '--port') options.port = port;
          else options.githubPort = port;
          break;
        }
        case '--fault':
          faultSpecs.push(value());
          break;
        case '--no-azurite':
          options.azurite = false;
          break;
        case '--data-dir':
          options.dataDir = value();
          break;
        case '--write-env':
          envFile = value();
          break;
        default:
          throw new Error(`unknown option ${arg}`);
      }
    } catch (error) {
      return { exitCode: 2, message: `amlft emulator: ${(error as Error).message}\n\n${emulatorUsage}` };
    }
  }
  return envFile === undefined ? { options, faultSpecs } : { options, faultSpecs, envFile };
}

export async function runEmulatorCommand(argv: string[], io: CommandIo): Promise<number> {
  const parsed = parseEmulatorArgs(argv);
  if ('exitCode' in parsed) {
    (parsed.exitCode === 0 ? io.stdout : io.stderr)(parsed.message);
    return parsed.exitCode;
  }
  const specs = parsed.faultSpecs;
  let emulator;
  try {
    emulator = await startEmulator({ ...parsed.options, faults: specs.flatMap((spec) => loadFaultRules(spec)) });
  } catch (error) {
    io.stderr(`amlft emulator: ${(error as Error).message}\n`);
    return 1;
  }
  const env = formatEnv(emulator);
  io.stdout(`${env}\n`);
  if (parsed.envFile) writeFileSync(parsed.envFile, `${env}\n`);
  io.stderr(`amlft emulator: Resource Manager and Entra at ${emulator.url}, GitHub at ${emulator.githubUrl}${specs.length ? `, faults: ${specs.join(' ')}` : ''}. Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await emulator.stop();
  io.stderr('amlft emulator: stopped.\n');
  return 0;
}
