// Entry of actions/dataset: read inputs, run the library's dataset check, report.

import * as core from '@actions/core';
import { tmpdir } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { parseDatasetInputs, workersFromEnv } from '../../../src/dataset/datasetInputs.js';
import { isDatasetWorker, runDatasetWorker } from '../../../src/dataset/datasetWorker.js';
import { runDatasetCheck } from '../../../src/dataset/runDatasetCheck.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { pullRequestFromEnv } from '../../../src/github/runContext.js';
import { runAction } from '../../../src/github/runAction.js';
import type { IssueComments } from '../../../src/github/pullRequestComment.js';
import { runTags } from '../../../src/github/runContext.js';
import { systemClock } from '../../../src/clock.js';

/** Octokit-backed comments, loaded on first use. */
function lazyComments(token: string, owner: string, repo: string): IssueComments {
  const load = import('../../../src/github/octokitComments.js').then(({ octokitComments }) => octokitComments(token, owner, repo));
  return {
    list: async (issue) => (await load).list(issue),
    create: async (issue, body) => (await load).create(issue, body),
    update: async (id, body) => (await load).update(id, body),
  };
}

// Big files are validated by worker threads running this same bundle.
if (!isMainThread && isDatasetWorker()) runDatasetWorker();
else await runAction('dataset', async () => {
  const inputs = parseDatasetInputs((name) => core.getInput(name), process.env);
  if (inputs.githubToken !== undefined) core.setSecret(inputs.githubToken);
  const pullRequest = pullRequestFromEnv(process.env);
  const result = await runDatasetCheck(
    inputs,
    {
      workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      outputDir: process.env.RUNNER_TEMP ?? tmpdir(),
      workers: { script: new URL(import.meta.url), count: workersFromEnv(process.env) },
      // The Azure SDK and Octokit load only when used: a plain check starts in a fraction of the time.
      connectStore: async (upload) => {
        const { datasetStoreConnector } = await import('../../../src/dataset/datasetStore.js');
        const connect = datasetStoreConnector({
          env: process.env,
          getIdToken: (audience) => core.getIDToken(audience),
          clock: systemClock,
          log: (message) => core.info(message),
          maskSecret: (value) => core.setSecret(value),
        });
        return connect(upload);
      },
      tags: runTags(process.env),
      ...(pullRequest ? { pullRequest: { number: pullRequest.number, comments: (token: string) => lazyComments(token, pullRequest.owner, pullRequest.repo) } } : {}),
    },
    coreReporter,
  );
  if (!result.passed) {
    const { errors, warnings } = result.report;
    core.setFailed(`dataset: ${errors} error${errors === 1 ? '' : 's'}${inputs.strict ? ` and ${warnings} warning${warnings === 1 ? '' : 's'} (strict)` : ''}; see the annotations and the job summary`);
  }
});
