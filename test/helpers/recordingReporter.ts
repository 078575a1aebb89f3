// An ActionReporter that records everything an action says, for assertions.
import type { ActionReporter } from '../../src/github/actionReporter.js';
import type { AnnotationProperties } from '../../src/github/annotations.js';

export interface RecordingReporter extends ActionReporter {
  readonly outputs: Record<string, string>;
  readonly annotations: { level: 'error' | 'warning'; message: string; properties: AnnotationProperties }[];
  readonly logs: string[];
  readonly summaries: string[];
  readonly secrets: string[];
}

export function recordingReporter(): RecordingReporter {
  const r: RecordingReporter = {
    outputs: {},
    annotations: [],
    logs: [],
    summaries: [],
    secrets: [],
    info: (m) => void r.logs.push(m),
    notice: (m) => void r.logs.push(`notice: ${m}`),
    error: (message, properties) => void r.annotations.push({ level: 'error', message, properties }),
    warning: (message, properties) => void r.annotations.push({ level: 'warning', message, properties }),
    setOutput: (name, value) => void (r.outputs[name] = String(value)),
    setSecret: (value) => void r.secrets.push(value),
    summary: async (markdown) => void r.summaries.push(markdown),
    group: async (_name, work) => work(),
  };
  return r;
}
