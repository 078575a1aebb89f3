// `amlft validate` and `amlft upload`: the dataset action's check, and its upload to the workspace datastore.

import { tmpdir } from 'node:os';
import { parseDatasetInputs } from '../../src/dataset/datasetInputs.js';
import { datasetStoreConnector } from '../../src/dataset/datasetStore.js';
import { runDatasetCheck } from '../../src/dataset/runDatasetCheck.js';
import type { ActionReporter } from '../../src/github/actionReporter.js';
import { runTags } from '../../src/github/runContext.js';
import { inputsFromRecord } from '../../src/inputs/parseInputs.js';
import { sessionOptions, type CliIo, type CommandResult } from './context.js';

export async function datasetCommand(command: 'validate' | 'upload', flags: Record<string, string>, io: CliIo, reporter: ActionReporter & { outputs: Record<string, string> }): Promise<CommandResult> {
  const source = inputsFromRecord({ ...flags, upload: command === 'upload' ? 'true' : 'false', 'pr-comment': 'false' });
  const inputs = parseDatasetInputs(source, io.env);
  const result = await runDatasetCheck(
    inputs,
    {
      workspace: io.cwd,
      outputDir: io.env.RUNNER_TEMP ?? tmpdir(),
      // The CLI runs from build/, where the compiled worker entry sits beside the library.
      workers: { script: new URL('../../src/dataset/datasetWorkerMain.js', import.meta.url) },
      connectStore: datasetStoreConnector({ ...sessionOptions(io, reporter), maskSecret: (value) => reporter.setSecret(value) }),
      tags: runTags(io.env),
    },
    reporter,
  );
  return { passed: result.passed, outputs: reporter.outputs, details: { report: result.report, uploaded: result.uploaded ?? [] } };
}
