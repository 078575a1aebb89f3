// The ActionReporter of a terminal run: logs to stderr, the summary as text, outputs collected for --json.

import type { ActionReporter } from '../src/github/actionReporter.js';

export interface TerminalReporter extends ActionReporter {
  readonly outputs: Record<string, string>;
}

export function terminalReporter(options: { json: boolean; write?: (text: string) => void; writeError?: (text: string) => void }): TerminalReporter {
  const out = options.write ?? ((text: string) => process.stdout.write(text));
  const err = options.writeError ?? ((text: string) => process.stderr.write(text));
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
  const log = (text: string) => err(`${mask(text)}\n`);
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
      if (!options.json) out(`\n${mask(markdown)}\n`);
    },
    group: async (name, work) => {
      log(`▸ ${name}`);
      return work();
    },
  };
  return reporter;
}
