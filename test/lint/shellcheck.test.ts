// shellcheck over every `run:` script of the workflows and the composite actions, where shellcheck is installed
// (it is on GitHub's ubuntu runners); elsewhere these tests are skipped and say why.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/runBundle.js';
import { readYamlFile, runScripts, workflowFiles, type YamlFile } from './workflowRules.js';

const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
const shellcheckMissing = probe.error !== undefined || probe.status !== 0;
const skipReason = 'shellcheck is not on PATH (apt-get install shellcheck, or brew install shellcheck): the run: scripts are not shellchecked here';

/** shellcheck findings of one file's run: scripts, "<file>:<line>: <where>: SC<code>: <message>". */
function shellcheckRunScripts(file: YamlFile): string[] {
  const findings: string[] = [];
  for (const { where, line, shell, script } of runScripts(file)) {
    const dialect = /^(bash|sh)\b/.exec(shell)?.[1];
    if (dialect === undefined) continue; // pwsh, python: not shell scripts
    // As actionlint does: an expression becomes a same-length word, so positions stay right.
    const text = script.replace(/\$\{\{.*?\}\}/g, (expr) => '_'.repeat(expr.length));
    const result = spawnSync('shellcheck', [`--shell=${dialect}`, '--format=json1', '-'], { input: text, encoding: 'utf8' });
    const report = JSON.parse(result.stdout || '{"comments":[]}') as { comments: { line: number; code: number; message: string }[] };
    // A block scalar (run: |) starts on the line after the key.
    const firstLine = script.includes('\n') ? line + 1 : line;
    for (const comment of report.comments) findings.push(`${file.file}:${firstLine + comment.line - 1}: ${where}: SC${comment.code}: ${comment.message}`);
  }
  return findings;
}

const files = [
  ...workflowFiles(join(repoRoot, '.github', 'workflows')),
  ...readdirSync(join(repoRoot, 'actions')).map((name) => join(repoRoot, 'actions', name, 'action.yml')).filter((path) => existsSync(path)),
];

describe.skipIf(shellcheckMissing)('shellcheck on run: scripts', () => {
  it.each(files.map((path) => [path.slice(repoRoot.length + 1), path]))('%s', (_label, path) => {
    const file = readYamlFile(repoRoot, path);
    expect(shellcheckRunScripts(file)).toEqual([]);
  });

  it('finds the unquoted variable in the broken fixture', () => {
    const file = readYamlFile(repoRoot, join(repoRoot, 'test', 'fixtures', 'workflows', 'broken', 'shellcheck-unquoted.yml'));
    expect(shellcheckRunScripts(file)).toEqual(['test/fixtures/workflows/broken/shellcheck-unquoted.yml:12: jobs.list.steps[0]: SC2086: Double quote to prevent globbing and word splitting.']);
  });
});

// Where shellcheck is missing, the report shows one skipped test whose name is the reason.
if (shellcheckMissing) {
  describe('shellcheck on run: scripts', () => {
    it.skip(skipReason, () => {});
  });
}
