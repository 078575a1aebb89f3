// Entry of actions/dataset: read inputs, run the library's dataset check, report.

import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { parseDatasetInputs, workersFromEnv } from '../../../src/dataset/datasetInputs.js';
import { isDatasetWorker, runDatasetWorker } from '../../../src/dataset/datasetWorker.js';
import { runDatasetCheck } from '../../../src/dataset/runDatasetCheck.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { octokitComments } from '../../../src/github/octokitComments.js';
import { pullRequestFromEnv } from '../../../src/github/runContext.js';
import { runAction, UserFacingError } from '../../../src/github/runAction.js';

// Big files are validated by worker threads running this same bundle.
if (!isMainThread && isDatasetWorker()) runDatasetWorker();
else await runAction('dataset', async () => {
  const inputs = parseDatasetInputs((name) => core.getInput(name));
  if (inputs.githubToken !== undefined) core.setSecret(inputs.githubToken);
  if (inputs.upload) throw new UserFacingError("input 'upload': 'true' needs the Azure sign-in inputs, which this version does not have yet; set upload: false");
  const pullRequest = pullRequestFromEnv(process.env);
  const result = await runDatasetCheck(
    inputs,
    {
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      outputDir: process.env.RUNNER_TEMP ?? tmpdir(),
      workers: { script: new URL(import.meta.url), count: workersFromEnv(process.env) },
      ...(pullRequest ? { pullRequest: { number: pullRequest.number, comments: (token: string) => octokitComments(token, pullRequest.owner, pullRequest.repo) } } : {}),
    },
    coreReporter,
  );
  if (!result.passed) {
    const { errors, warnings } = result.report;
    core.setFailed(`dataset: ${errors} error${errors === 1 ? '' : 's'}${inputs.strict ? ` and ${warnings} warning${warnings === 1 ? '' : 's'} (strict)` : ''}; see the annotations and the job summary`);
  }
});
