// How an action talks to the runner: outputs, logs, annotations, summary, secrets. Real one over @actions/core; tests record.

import type { Annotator } from './annotations.js';

export interface ActionReporter extends Annotator {
  info(message: string): void;
  notice(message: string): void;
  setOutput(name: string, value: string | number | boolean): void;
  setSecret(value: string): void;
  /** Appends Markdown to the job summary. */
  summary(markdown: string): Promise<void>;
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
}
