// How a pipeline run reads in a terminal: one line per stage (name, ok / failed, seconds, key outputs), then the reply and the traffic.

import type { PipelineOutcome, StageResult } from './runPipeline.js';

const shorten = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function formatTrafficMap(traffic: Readonly<Record<string, number>> | undefined): string {
  if (traffic === undefined) return '(unknown)';
  const entries = Object.entries(traffic).filter(([, percent]) => percent > 0);
  return entries.length === 0 ? '(no live traffic)' : entries.map(([name, percent]) => `${name} ${percent}%`).join(', ');
}

/** `deploy           ok       10.8 s  deployment=phi3-chat-ft-v2  traffic={...}`, and the failure on the next line. */
export function formatStageLine(result: StageResult): string {
  const shown = result.keyOutputs
    .filter((name) => result.outputs[name])
    .map((name) => `${name}=${shorten(result.outputs[name]!.replace(/\s+/g, ' '), 70)}`)
    .join('  ');
  const head = `${result.id.padEnd(16)} ${result.ok ? 'ok    ' : 'FAILED'} ${result.seconds.toFixed(1).padStart(6)} s`;
  return [`${head}  ${shown}`.trimEnd(), ...(result.error ? [`      ${result.error}`] : [])].join('\n');
}

export function formatOutcome(outcome: PipelineOutcome): string {
  const lines = ['', outcome.ok ? 'Release complete.' : `Release FAILED at stage '${outcome.failed}'; rollback: ${outcome.rollback}.`];
  const total = outcome.stages.reduce((sum, s) => sum + s.seconds, 0);
  lines.push(`Stages: ${outcome.stages.filter((s) => s.ok).length} of ${outcome.stages.length} ok in ${total.toFixed(1)} s`);
  if (outcome.ok && outcome.reply !== undefined) lines.push(`Reply of the promoted deployment: ${JSON.stringify(outcome.reply)}`);
  lines.push(`Live traffic: ${formatTrafficMap(outcome.traffic)}`);
  return `${lines.join('\n')}\n`;
}
