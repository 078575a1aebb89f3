// What every Azure-facing action entry hands the library: the runner's environment, the real clock, GitHub's OIDC
// token (asked for afresh each time Entra needs one), logging through @actions/core, and the run's tags.

import * as core from '@actions/core';
import type { SessionOptions } from '../azure/azureSession.js';
import { systemClock } from '../clock.js';
import { runTags } from './runContext.js';

export interface ActionSessionOptions extends SessionOptions {
  /** Tags that tie what a run creates to the run (repository, workflow, run id, commit). */
  readonly tags: Readonly<Record<string, string>>;
}

export function actionSessionOptions(env: NodeJS.ProcessEnv = process.env): ActionSessionOptions {
  return {
    env,
    clock: systemClock,
    getIdToken: (audience) => core.getIDToken(audience),
    log: (message) => core.info(message),
    tags: runTags(env),
  };
}
