// The plan as a person reads it: one log line per resource, and a Markdown table for the job summary.

import { cell, table } from '../report/markdown.js';
import type { ProvisionPlan } from './provisionPlan.js';
import type { QuotaLine } from './quotaCheck.js';

export function planLines(plan: ProvisionPlan): string[] {
  return plan.steps.map((s) => `${s.action.padEnd(9)} ${s.resource} '${s.name}'${s.changes.length > 0 ? `: ${s.changes.join(', ')}` : ''}`);
}

export function planMarkdown(plan: ProvisionPlan, heading: string): string {
  const rows = plan.steps.map((s) => [cell(s.resource), cell(s.name), s.action, cell(s.changes.join(', '))]);
  return `### ${heading}\n\n${table(['Resource', 'Name', 'Action', 'Changes'], rows)}\n\n${plan.writes === 0 ? 'Nothing to change.' : `${plan.writes} write${plan.writes === 1 ? '' : 's'} planned.`}\n`;
}

export function quotaMarkdown(lines: readonly QuotaLine[], location: string): string {
  const rows = lines.map((l) => [cell(l.row), String(l.need), `${l.free} of ${l.limit}`, l.ok ? 'ok' : 'short']);
  return `### Quota in ${location}\n\n${table(['Quota', 'vCPUs needed', 'Free', ''], rows)}\n`;
}
