// Runs an action's body: one clear failure line instead of a stack trace, and the right exit code.

import * as core from '@actions/core';
import { InputError } from '../inputs/parseInputs.js';

/** An error whose message is already what the user should read (no stack trace needed). */
export class UserFacingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserFacingError';
  }
}

export function describeFailure(action: string, error: unknown): string {
  if (error instanceof InputError || error instanceof UserFacingError) return `${action}: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  return `${action}: unexpected error: ${message.split('\n')[0]} (re-run with ACTIONS_STEP_DEBUG=true for details, and please report it)`;
}

/** Runs `body`; any throw becomes core.setFailed with a one-line message, the stack only in the debug log. */
export async function runAction(action: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    if (!(error instanceof InputError || error instanceof UserFacingError) && error instanceof Error && error.stack) {
      core.debug(error.stack);
    }
    core.setFailed(describeFailure(action, error));
  }
}
