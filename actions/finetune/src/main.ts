// Entry of actions/finetune: read inputs, run the library's fine-tuning with the runner's cancel signals wired in, report.

import * as core from '@actions/core';
import { parseFinetuneInputs } from '../../../src/finetune/finetuneInputs.js';
import { runFinetune } from '../../../src/finetune/runFinetune.js';
import { actionSessionOptions } from '../../../src/github/actionSession.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { runAction } from '../../../src/github/runAction.js';

// The runner cancels a workflow with SIGINT, then SIGTERM: both abort the wait (so the job can be cancelled) instead of killing us.
const cancelled = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!cancelled.signal.aborted) core.info(`Received ${signal}: the workflow is being cancelled`);
    cancelled.abort(new Error(`received ${signal}`));
  });
}

await runAction('finetune', async () => {
  const inputs = parseFinetuneInputs((name) => core.getInput(name), process.env);
  if (inputs.config) {
    const { file, applied } = inputs.config;
    core.info(`Config file ${file}: ${applied.length === 0 ? 'every key it sets is given explicitly in the workflow' : `defaults for ${applied.join(', ')}`}`);
  }
  await runFinetune(inputs, { ...actionSessionOptions(), abortSignal: cancelled.signal }, coreReporter);
});
// A pending timer or socket must not keep a cancelled run alive once the job was asked to cancel.
if (cancelled.signal.aborted) process.exit(process.exitCode ?? 1);
