// Entry of actions/smoke-test: read inputs, send the chat cases, report.

import * as core from '@actions/core';
import { systemClock } from '../../../src/clock.js';
import { parseSmokeTestInputs } from '../../../src/chat/smokeTestInputs.js';
import { runSmokeTest } from '../../../src/chat/runSmokeTest.js';
import { coreReporter } from '../../../src/github/coreReporter.js';
import { runAction } from '../../../src/github/runAction.js';

await runAction('smoke-test', async () => {
  const inputs = parseSmokeTestInputs((name) => core.getInput(name), process.env);
  await runSmokeTest(inputs, { env: process.env, clock: systemClock, getIdToken: (audience) => core.getIDToken(audience), log: (message) => core.info(message) }, coreReporter);
});
