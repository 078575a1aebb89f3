// Renders a dataset report as the Markdown a person wants in the job summary and the PR comment.

import { CHECKS, CHECK_IDS } from './checks.js';
import type { DatasetReport, FileStatistics } from './validateDataset.js';
import type { DistributionSummary } from './integerDistribution.js';
import { cell, formatNumber, table } from '../report/markdown.js';

const FIRST_LINES = 5;

function spread(d: DistributionSummary): string {
  if (d.count === 0) return '–';
  return `${formatNumber(d.min)} / ${formatNumber(d.median)} / ${formatNumber(d.p95)} / ${formatNumber(d.max)}`;
}

function fileTable(files: readonly FileStatistics[]): string {
  const column = (f: FileStatistics) => `${f.role} (\`${cell(f.path)}\`)`;
  const row = (label: string, value: (f: FileStatistics) => string) => [label, ...files.map(value)];
  return table(
    ['', ...files.map(column)],
    [
      row('Examples (valid)', (f) => `${formatNumber(f.examples)} (${formatNumber(f.examples - f.invalidExamples)})`),
      row('Messages per example: min / median / p95 / max', (f) => spread(f.messagesPerExample)),
      row('Tokens per example: min / median / p95 / max', (f) => spread(f.tokensPerExample) + (f.exactTokens ? '' : ' (upper bounds)')),
      row('Assistant tokens per example: min / median / p95 / max', (f) => spread(f.assistantTokensPerExample)),
      row('Total tokens', (f) => formatNumber(f.tokensPerExample.total)),
      row('Roles', (f) => Object.entries(f.roles).map(([role, n]) => `${role} ${formatNumber(n)}`).join(', ') || '–'),
      row('Over the token limit', (f) => formatNumber(f.overLimit)),
      row('Duplicates', (f) => formatNumber(f.duplicates)),
      row('Blank lines', (f) => formatNumber(f.blankLines)),
      ...(files.length > 1 ? [row('Also in train', (f) => (f.role === 'validation' ? formatNumber(f.overlapWithTrain) : '–'))] : []),
    ],
  );
}

function findingsTable(report: DatasetReport): string {
  const rows: string[][] = [];
  const ordered = [...CHECK_IDS].sort((a, b) => (CHECKS[a].severity === CHECKS[b].severity ? 0 : CHECKS[a].severity === 'error' ? -1 : 1));
  for (const check of ordered) {
    const count = report.counts[check];
    if (!count) continue;
    const places = report.findings.filter((f) => f.check === check).slice(0, FIRST_LINES);
    const shown = places.map((f) => (f.line > 0 ? `${cell(f.file)}:${f.line}` : cell(f.file)));
    rows.push([
      CHECKS[check].severity === 'error' ? '❌ error' : '⚠️ warning',
      `${CHECKS[check].title} (\`${check}\`)`,
      formatNumber(count),
      shown.join(', ') + (count > places.length ? ', …' : ''),
      cell(places[0]?.message ?? ''),
    ]);
  }
  return table(['Severity', 'Check', 'Count', 'First places', 'First message'], rows);
}

export interface SummaryOptions {
  /** Epoch counts for the training-token estimate. */
  readonly epochs?: readonly number[];
  readonly strict?: boolean;
}

export function renderDatasetSummary(report: DatasetReport, options: SummaryOptions = {}): string {
  const failed = !report.valid || (options.strict === true && report.warnings > 0);
  const verdict = failed
    ? `❌ ${formatNumber(report.errors)} error${report.errors === 1 ? '' : 's'}, ${formatNumber(report.warnings)} warning${report.warnings === 1 ? '' : 's'}${report.valid ? ' (strict: warnings fail)' : ''}`
    : `✅ valid${report.warnings > 0 ? `, ${formatNumber(report.warnings)} warning${report.warnings === 1 ? '' : 's'}` : ''}`;
  const parts = [`## Dataset check: ${verdict}`];
  parts.push(`Model \`${report.model}\`: at most ${formatNumber(report.maxTokens)} tokens per example (Phi-3 chat template included); at least ${formatNumber(report.minExamples)} training examples.`);
  parts.push(fileTable(report.files));
  const train = report.files.find((f) => f.role === 'train');
  if (train && train.tokensPerExample.total > 0) {
    const epochs = options.epochs ?? [1, 2, 3];
    const total = train.tokensPerExample.total;
    const scope = report.split ? ' (the whole file, before the split)' : '';
    parts.push(`Training tokens × epochs${scope}: ${epochs.map((e) => `${e} → ${formatNumber(total * e)}`).join(' · ')}`);
  }
  if (report.split) {
    const s = report.split;
    parts.push(`Split with seed ${s.seed}: ${formatNumber(s.trainExamples)} train / ${formatNumber(s.validationExamples)} validation examples (fraction ${s.fraction}); identical examples stay on one side.`);
  }
  if (report.errors + report.warnings > 0) {
    parts.push('### Findings');
    parts.push(findingsTable(report));
    if (report.findingsTruncated) parts.push('_Some findings were counted but not listed; the JSON report keeps the first 500 of each check._');
  }
  return `${parts.join('\n\n')}\n`;
}
