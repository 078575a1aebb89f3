// Entry of actions/deploy: read inputs, run deploy / promote / rollback, report.

import * as core from '@actions/core';
import { actionSessionOptions } from '../../../src/github/actionSession.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { runAction } from '../../../src/github/runAction.js';
import { parseDeployInputs } from '../../../src/serving/deployInputs.js';
import { runDeploy } from '../../../src/serving/runDeploy.js';

await runAction('deploy', async () => {
  // github-token is masked by runDeploy before its first log line; parsing never prints it.
  const inputs = parseDeployInputs((name) => core.getInput(name), process.env);
  await runDeploy(inputs, actionSessionOptions(), coreReporter);
});
