// Turns dataset findings into GitHub annotations, capped, with the rest counted.

import { CHECKS, type Finding } from '../dataset/checks.js';

export interface AnnotationProperties {
  title: string;
  file?: string;
  startLine?: number;
}

/** The part of @actions/core that writes annotations. */
export interface Annotator {
  error(message: string, properties: AnnotationProperties): void;
  warning(message: string, properties: AnnotationProperties): void;
}

/** Emits up to `max` annotations (errors first) and returns how many were left out. */
export function annotateFindings(findings: readonly Finding[], totalFindings: number, max: number, annotator: Annotator): number {
  const ordered = [...findings.filter((f) => f.severity === 'error'), ...findings.filter((f) => f.severity === 'warning')];
  const shown = ordered.slice(0, Math.max(0, max));
  for (const finding of shown) {
    const properties: AnnotationProperties = { title: `${CHECKS[finding.check].title} (${finding.check})`, file: finding.file };
    if (finding.line > 0) properties.startLine = finding.line;
    const message = finding.line > 0 ? `line ${finding.line}: ${finding.message}` : finding.message;
    if (finding.severity === 'error') annotator.error(message, properties);
    else annotator.warning(message, properties);
  }
  return Math.max(0, totalFindings - shown.length);
}
