// What every command gets: the terminal (or a test's stand-in), and the session options the library takes.

import type { HttpClient } from '@azure/core-rest-pipeline';
import { systemClock, type Clock } from '../../src/clock.js';
import { InputError } from '../../src/inputs/parseInputs.js';
import type { ActionReporter } from '../../src/github/actionReporter.js';

export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly write: (text: string) => void;
  readonly writeError: (text: string) => void;
  /** The HTTP client of every Azure call (default: Node's, trusting NODE_EXTRA_CA_CERTS); tests pass one trusting the emulator's CA. */
  readonly httpClient?: HttpClient;
  /** Default: the system clock. */
  readonly clock?: Clock;
}

/** What a command did: passed or not, the action's outputs, and anything more --json should show. */
export interface CommandResult {
  readonly passed: boolean;
  readonly outputs: Record<string, string>;
  readonly details?: Record<string, unknown>;
}

/** GitHub's OIDC tokens exist only inside a workflow run. */
export async function refuseOidc(): Promise<string> {
  throw new InputError('auth', 'oidc', 'GitHub OIDC tokens exist only inside GitHub Actions; use auth: secret, cli or managed-identity from a terminal');
}

/** The SessionOptions of the library, for a terminal run. */
export function sessionOptions(io: CliIo, reporter: ActionReporter) {
  return {
    env: io.env,
    clock: io.clock ?? systemClock,
    getIdToken: refuseOidc,
    log: (message: string) => reporter.info(message),
    ...(io.httpClient ? { httpClient: io.httpClient } : {}),
  };
}
