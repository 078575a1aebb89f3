// Parses `amlft <command> --flag value ...`: flags are named exactly like the action inputs.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CommandLine {
  readonly command: string | undefined;
  readonly flags: Record<string, string>;
  readonly json: boolean;
  readonly help: boolean;
}

/**
 * `--name value`, `--name=value`, and `--name` alone for a boolean (true); `--no-name` for false.
 * `booleans` lists the flags that take no value.
 */
export function parseCommandLine(argv: readonly string[], booleans: ReadonlySet<string>): CommandLine {
  const flags: Record<string, string> = {};
  let command: string | undefined;
  let json = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`'${arg}' is not a flag; flags look like --train-file`);
      if (eq >= 0) flags[name] = arg.slice(eq + 1);
      else if (name.startsWith('no-') && booleans.has(name.slice(3))) flags[name.slice(3)] = 'false';
      else if (booleans.has(name)) flags[name] = 'true';
      else {
        const value = argv[i + 1];
        if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
        flags[name] = value;
        i += 1;
      }
    } else if (command === undefined) command = arg;
    else throw new UsageError(`unexpected argument '${arg}'; values follow their flag, e.g. --train-file data/train.jsonl`);
  }
  return { command, flags, json, help };
}

/** Rejects flags a command does not know, naming the ones it does. */
export function checkFlags(command: string, flags: Record<string, string>, known: readonly string[]): void {
  for (const name of Object.keys(flags)) {
    if (!known.includes(name)) throw new UsageError(`amlft ${command} has no flag --${name}; it takes ${known.map((k) => `--${k}`).join(', ')}`);
  }
}
