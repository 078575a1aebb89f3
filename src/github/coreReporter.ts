// The ActionReporter of a real run: @actions/core's workflow commands and files.

import * as core from '@actions/core';
import type { ActionReporter } from './actionReporter.js';

export const coreReporter: ActionReporter = {
  info: (message) => core.info(message),
  notice: (message) => core.notice(message),
  error: (message, properties) => core.error(message, properties),
  warning: (message, properties) => core.warning(message, properties),
  setOutput: (name, value) => core.setOutput(name, value),
  setSecret: (value) => core.setSecret(value),
  async summary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY) return; // outside a runner (CLI), there is no summary file
    await core.summary.addRaw(markdown, true).write();
  },
  group: (name, work) => core.group(name, work),
};
