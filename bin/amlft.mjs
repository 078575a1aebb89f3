#!/usr/bin/env node
// The amlft command: runs the compiled CLI (npm ci compiles it through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../build/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('amlft: the toolkit is not compiled yet; run `npm ci` (or `npm run build:lib`) in its folder first\n');
  process.exit(2);
}
const { runCli } = await import(compiled.href);
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
});
process.exitCode = code;
