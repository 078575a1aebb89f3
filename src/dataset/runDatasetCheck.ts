// The dataset action, end to end: check inputs, validate, report (annotations, summary, JSON, PR comment), set outputs.

import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { annotateFindings } from '../github/annotations.js';
import type { ActionReporter } from '../github/actionReporter.js';
import { upsertPullRequestComment, type IssueComments } from '../github/pullRequestComment.js';
import { checkDatasetFile, type DatasetInputs } from './datasetInputs.js';
import { renderDatasetSummary } from './datasetSummary.js';
import { validateDataset, type DatasetReport } from './validateDataset.js';
import type { ConnectDatasetStore } from './datasetStore.js';
import { uploadDatasetFiles, type DatasetFile, type UploadedDataset } from './uploadDataset.js';
import { cell, table } from '../report/markdown.js';

export interface DatasetRunEnvironment {
  /** The repository root: paths in findings are shown relative to it. */
  readonly workspace: string;
  /** Where the report and split files go (RUNNER_TEMP on a runner). */
  readonly outputDir: string;
  /** Worker threads for big files: the module they run, and how many (undefined: by size and cores). */
  readonly workers?: { readonly script: URL; readonly count?: number | undefined };
  /** Connects to the workspace's datastore when upload is asked for. */
  readonly connectStore?: ConnectDatasetStore;
  /** Tags for registered data assets (repository, commit, run). */
  readonly tags?: Record<string, string>;
  /** Set when the run is for a pull request: where the summary comment goes. */
  readonly pullRequest?: { readonly number: number; readonly comments: (token: string) => IssueComments };
}

export interface DatasetRunResult {
  readonly report: DatasetReport;
  readonly uploaded?: UploadedDataset[];
  readonly reportPath: string;
  /** False when the step must fail: any error, or any warning under `strict`. */
  readonly passed: boolean;
}

function displayPathIn(workspace: string): (path: string) => string {
  return (path) => {
    const rel = relative(workspace, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
    return rel.split(sep).join('/');
  };
}

export async function runDatasetCheck(inputs: DatasetInputs, env: DatasetRunEnvironment, reporter: ActionReporter): Promise<DatasetRunResult> {
  const trainFile = await checkDatasetFile('train-file', inputs.trainFile, env.workspace);
  const validationFile = inputs.validationFile !== undefined ? await checkDatasetFile('validation-file', inputs.validationFile, env.workspace) : undefined;
  const outputDir = join(env.outputDir, 'amlft-dataset');
  const display = displayPathIn(env.workspace);

  const report = await reporter.group(`Validating ${display(trainFile)}${validationFile ? ` and ${display(validationFile)}` : ''} for ${inputs.model.id}`, async () => {
    const started = performance.now();
    const result = await validateDataset({
      trainFile,
      ...(validationFile !== undefined ? { validationFile } : {}),
      displayPath: display,
      model: inputs.model,
      maxTokens: inputs.maxTokens,
      minExamples: inputs.minExamples,
      exactTokens: inputs.exactTokens,
      ...(inputs.validationSplit !== undefined ? { split: { fraction: inputs.validationSplit, seed: inputs.seed, outputDir } } : {}),
      ...(env.workers ? { workerScript: env.workers.script, ...(env.workers.count !== undefined ? { workers: env.workers.count } : {}) } : {}),
    });
    const seconds = (performance.now() - started) / 1000;
    for (const file of result.files) {
      reporter.info(`${file.path}: ${file.lines} lines, ${file.examples} examples, ${file.tokensPerExample.total} tokens (${(file.bytes / 1048576).toFixed(1)} MiB)`);
    }
    reporter.info(`${result.errors} errors, ${result.warnings} warnings in ${seconds.toFixed(2)} s`);
    return result;
  });

  const passed = report.valid && !(inputs.strict && report.warnings > 0);
  await mkdir(outputDir, { recursive: true });
  const reportPath = join(outputDir, 'dataset-report.json');
  await writeFile(reportPath, `${JSON.stringify({ ...report, strict: inputs.strict, passed }, null, 2)}\n`);

  const left = annotateFindings(report.findings, report.errors + report.warnings, inputs.maxAnnotations, reporter);
  if (left > 0) reporter.info(`${left} more finding${left === 1 ? '' : 's'} not annotated (max-annotations: ${inputs.maxAnnotations}); all are counted in the summary and ${reportPath}`);

  let uploaded: UploadedDataset[] | undefined;
  if (inputs.upload !== undefined && passed) {
    if (env.connectStore === undefined) throw new Error('upload requested but no Azure connector was provided');
    const upload = inputs.upload;
    const connect = env.connectStore;
    uploaded = await reporter.group(`Uploading to datastore '${upload.datastore}' of workspace '${upload.signIn.workspace}'`, async () => {
      const store = await connect(upload);
      reporter.info(`signed in with ${store.signedInAs}`);
      const files: DatasetFile[] = [{ role: 'train', path: report.trainFileOut, displayPath: display(report.trainFileOut) }];
      if (report.validationFileOut !== undefined) files.push({ role: 'validation', path: report.validationFileOut, displayPath: display(report.validationFileOut) });
      return uploadDatasetFiles(files, store.workspace, store.container, { dataName: upload.dataName, datastore: upload.datastore, tags: env.tags ?? {}, log: (m) => reporter.info(m) });
    });
  } else if (inputs.upload !== undefined) {
    reporter.warning('the dataset has errors, so nothing was uploaded', { title: 'Upload skipped' });
  }

  const markdown = renderDatasetSummary(report, { strict: inputs.strict }) + (uploaded ? renderUploadSummary(uploaded) : '');
  await reporter.summary(markdown);

  const train = report.files[0]!;
  reporter.setOutput('valid', passed);
  reporter.setOutput('examples', train.examples);
  reporter.setOutput('errors', report.errors);
  reporter.setOutput('warnings', report.warnings);
  reporter.setOutput('train-tokens', train.tokensPerExample.total);
  reporter.setOutput('report', reportPath);
  reporter.setOutput('train-file-out', report.trainFileOut);
  reporter.setOutput('validation-file-out', report.validationFileOut ?? '');
  const byRole = (role: 'train' | 'validation') => uploaded?.find((u) => u.role === role);
  reporter.setOutput('train-data', byRole('train')?.assetId ?? '');
  reporter.setOutput('validation-data', byRole('validation')?.assetId ?? '');
  reporter.setOutput('train-data-uri', byRole('train')?.datastoreUri ?? '');
  reporter.setOutput('validation-data-uri', byRole('validation')?.datastoreUri ?? '');

  const wantsComment = inputs.prComment === 'true' || (inputs.prComment === 'auto' && env.pullRequest !== undefined);
  if (wantsComment) {
    if (env.pullRequest === undefined) {
      reporter.warning('pr-comment is true but this run is not for a pull request; the summary is in the job summary', { title: 'No pull request' });
    } else if (inputs.githubToken === undefined) {
      reporter.warning('no github-token, so no pull-request comment; the summary is in the job summary', { title: 'No pull-request comment' });
    } else {
      const outcome = await upsertPullRequestComment(env.pullRequest.comments(inputs.githubToken), env.pullRequest.number, 'dataset-check', markdown);
      if (outcome.kind === 'not-permitted') {
        reporter.warning(`could not comment on pull request #${env.pullRequest.number}: ${outcome.reason}; the summary is in the job summary`, { title: 'No pull-request comment' });
      } else {
        reporter.info(`pull request #${env.pullRequest.number}: summary comment ${outcome.kind}`);
      }
    }
  }
  return { report, reportPath, passed, ...(uploaded ? { uploaded } : {}) };
}

function renderUploadSummary(uploaded: readonly UploadedDataset[]): string {
  const rows = uploaded.map((u) => [
    u.role,
    `\`${u.assetId}\``,
    `\`${cell(u.datastoreUri)}\``,
    `${(u.bytes / 1048576).toFixed(2)} MiB`,
    u.uploaded ? 'uploaded' : 'already there (same SHA-256)',
    u.registered ? 'registered' : 'reused',
  ]);
  return `\n### Upload\n\n${table(['Data', 'Asset (job input)', 'Datastore URI', 'Size', 'Blob', 'Asset'], rows)}\n`;
}
