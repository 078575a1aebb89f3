// `amlft provision | finetune | deploy | promote | rollback | smoke-test`: each parses its flags as the action parses its inputs, then runs the same library call.

import { parseSmokeTestInputs } from '../../src/chat/smokeTestInputs.js';
import { runSmokeTest } from '../../src/chat/runSmokeTest.js';
import { parseFinetuneInputs } from '../../src/finetune/finetuneInputs.js';
import { runFinetune } from '../../src/finetune/runFinetune.js';
import type { ActionReporter } from '../../src/github/actionReporter.js';
import { runTags } from '../../src/github/runContext.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { parseProvisionInputs } from '../../src/provision/provisionInputs.js';
import { runProvision } from '../../src/provision/runProvision.js';
import { parseDeployInputs } from '../../src/serving/deployInputs.js';
import { runDeploy } from '../../src/serving/runDeploy.js';
import { sessionOptions, type CliIo, type CommandResult } from './context.js';

type Reporter = ActionReporter & { outputs: Record<string, string> };

export async function provisionCommand(flags: Record<string, string>, io: CliIo, reporter: Reporter): Promise<CommandResult> {
  const inputs = parseProvisionInputs(inputsFromRecord(flags), io.env);
  await runProvision(inputs, { ...sessionOptions(io, reporter), tags: runTags(io.env) }, reporter);
  return { passed: true, outputs: reporter.outputs };
}

/** `signal` aborts the wait (Ctrl-C); with cancel-on-abort the Azure ML job is cancelled too, as in a cancelled workflow. */
export async function finetuneCommand(flags: Record<string, string>, io: CliIo, reporter: Reporter, signal?: AbortSignal): Promise<CommandResult> {
  const inputs = parseFinetuneInputs(inputsFromRecord(flags), io.env, io.cwd);
  const result = await runFinetune(inputs, { ...sessionOptions(io, reporter), tags: runTags(io.env), ...(signal ? { abortSignal: signal } : {}) }, reporter);
  return { passed: true, outputs: reporter.outputs, details: { submitted: result.submitted } };
}

/** deploy, promote and rollback are the deploy action's three modes (its `action` input). */
export async function deployCommand(mode: 'deploy' | 'promote' | 'rollback', flags: Record<string, string>, io: CliIo, reporter: Reporter): Promise<CommandResult> {
  const inputs = parseDeployInputs(inputsFromRecord({ ...flags, action: mode }), io.env);
  const result = await runDeploy(inputs, sessionOptions(io, reporter), reporter);
  return { passed: true, outputs: reporter.outputs, details: result.target === 'online' ? { target: 'online', reused: result.release.reused } : { target: 'serverless' } };
}

export async function smokeTestCommand(flags: Record<string, string>, io: CliIo, reporter: Reporter): Promise<CommandResult> {
  const inputs = parseSmokeTestInputs(inputsFromRecord(flags), io.env, io.cwd);
  const result = await runSmokeTest(inputs, sessionOptions(io, reporter), reporter);
  return { passed: result.passed, outputs: reporter.outputs, details: { results: result.results } };
}
