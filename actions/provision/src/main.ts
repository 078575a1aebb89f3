// Entry of actions/provision: read inputs, run the library's provisioning, report.

import * as core from '@actions/core';
import { actionSessionOptions } from '../../../src/github/actionSession.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { runAction } from '../../../src/github/runAction.js';
import { parseProvisionInputs } from '../../../src/provision/provisionInputs.js';
import { runProvision } from '../../../src/provision/runProvision.js';

await runAction('provision', async () => {
  const inputs = parseProvisionInputs((name) => core.getInput(name), process.env);
  await runProvision(inputs, actionSessionOptions(), coreReporter);
});
