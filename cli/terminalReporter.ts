// The ActionReporter of a terminal run: logs to stderr, the summary as text, outputs collected for --json, a heartbeat during long waits.

import type { ActionReporter } from '../src/github/actionReporter.js';

export interface TerminalReporter extends ActionReporter {
  readonly outputs: Record<string, string>;
  /** Stops the heartbeat. */
  close(): void;
}

export interface TerminalReporterOptions {
  readonly json: boolean;
  readonly write?: (text: string) => void;
  readonly writeError?: (text: string) => void;
  /** Print the summary Markdown (default: unless json). */
  readonly summaries?: boolean;
  /** Prefix of every log line (the pipeline's stage name). */
  readonly prefix?: string;
  /** When nothing was logged for this long, say the command is still waiting and for how long (0: never). Default 15 s. */
  readonly heartbeatMs?: number;
}

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

export function terminalReporter(options: TerminalReporterOptions): TerminalReporter {
  const out = options.write ?? ((text: string) => process.stdout.write(text));
  const err = options.writeError ?? ((text: string) => process.stderr.write(text));
  const showSummaries = options.summaries ?? !options.json;
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
  const started = Date.now();
  let lastLine = started;
  let waitingFor = '';
  const log = (text: string) => {
    lastLine = Date.now();
    err(`${options.prefix ?? ''}${mask(text)}\n`);
  };
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  // Long waits (a fine-tuning job, a deployment) log only on changes: say every so often that the command is alive.
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          if (Date.now() - lastLine >= heartbeatMs) log(`… still working${waitingFor ? ` (${waitingFor})` : ''}: ${formatDuration(Date.now() - started)} so far`);
        }, Math.max(1000, Math.floor(heartbeatMs / 3)))
      : undefined;
  heartbeat?.unref();
  const reporter: TerminalReporter = {
    outputs: {},
    info: log,
    notice: (m) => log(`notice: ${m}`),
    error: (m, p) => log(`error${p.file ? ` ${p.file}${p.startLine ? `:${p.startLine}` : ''}` : ''}: ${m}`),
    warning: (m, p) => log(`warning${p.file ? ` ${p.file}${p.startLine ? `:${p.startLine}` : ''}` : ''}: ${m}`),
    setOutput: (name, value) => void (reporter.outputs[name] = String(value)),
    setSecret: (value) => {
      if (value.length >= 4) secrets.push(value);
    },
    summary: async (markdown) => {
      if (showSummaries) out(`\n${mask(markdown)}\n`);
    },
    group: async (name, work) => {
      log(`▸ ${name}`);
      const outer = waitingFor;
      waitingFor = name;
      try {
        return await work();
      } finally {
        waitingFor = outer;
      }
    },
    close: () => {
      if (heartbeat) clearInterval(heartbeat);
    },
  };
  return reporter;
}
