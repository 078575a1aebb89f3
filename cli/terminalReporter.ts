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

export interface Heartbeat {
  /** Something was printed: the quiet period starts again. */
  touch(): void;
  /** What is being waited for, shown in the heartbeat line. */
  waitingFor(label: string): void;
  stop(): void;
}

/** When nothing was printed for `everyMs`, prints that the work is still going and for how long. Never keeps the process alive. */
export function heartbeat(print: (line: string) => void, everyMs: number): Heartbeat {
  let started = Date.now();
  let last = started;
  let label = '';
  const timer =
    everyMs > 0
      ? setInterval(() => {
          if (Date.now() - last < everyMs) return;
          last = Date.now();
          print(`… still working${label ? ` (${label})` : ''}: ${formatDuration(Date.now() - started)} so far`);
        }, Math.max(1000, Math.floor(everyMs / 3)))
      : undefined;
  timer?.unref();
  return {
    touch: () => void (last = Date.now()),
    waitingFor: (text) => {
      label = text;
      started = Date.now();
      last = started;
    },
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}

export function terminalReporter(options: TerminalReporterOptions): TerminalReporter {
  const out = options.write ?? ((text: string) => process.stdout.write(text));
  const err = options.writeError ?? ((text: string) => process.stderr.write(text));
  const showSummaries = options.summaries ?? !options.json;
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
  // Long waits (a fine-tuning job, a deployment) log only on changes: say every so often that the command is alive.
  const beat = heartbeat((line) => log(line), options.heartbeatMs ?? 15_000);
  let waitingFor = '';
  const log = (text: string) => {
    beat.touch();
    err(`${options.prefix ?? ''}${mask(text)}\n`);
  };
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
      beat.waitingFor(name);
      try {
        return await work();
      } finally {
        waitingFor = outer;
        beat.waitingFor(outer);
      }
    },
    close: () => beat.stop(),
  };
  return reporter;
}
