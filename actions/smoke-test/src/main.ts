// Entry of actions/smoke-test: read inputs, send the chat cases, report.

import * as core from '@actions/core';
import { parseSmokeTestInputs } from '../../../src/chat/smokeTestInputs.js';
import { runSmokeTest } from '../../../src/chat/runSmokeTest.js';
import { actionSessionOptions } from '../../../src/github/actionSession.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { runAction } from '../../../src/github/runAction.js';

await runAction('smoke-test', async () => {
  const inputs = parseSmokeTestInputs((name) => core.getInput(name), process.env);
  await runSmokeTest(inputs, actionSessionOptions(), coreReporter);
});
