// Writes each action's inputs/outputs tables into its README.md, between generated-section markers,
// from action.yml. `--check` exits 1 when a README is out of date instead of writing it.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- generated:action-reference:start (npm run build rewrites this section) -->';
const END = '<!-- generated:action-reference:end -->';

const escapeCell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').trim();

export function renderReference(action) {
  const lines = ['### Inputs', '', '| Input | Required | Default | Description |', '| --- | --- | --- | --- |'];
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const def = spec.default === undefined || spec.default === '' ? '' : `\`${escapeCell(spec.default)}\``;
    lines.push(`| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${def} | ${escapeCell(spec.description)} |`);
  }
  lines.push('', '### Outputs', '', '| Output | Description |', '| --- | --- |');
  for (const [name, spec] of Object.entries(action.outputs ?? {})) {
    lines.push(`| \`${name}\` | ${escapeCell(spec.description)} |`);
  }
  return `${START}\n${lines.join('\n')}\n${END}`;
}

export async function renderReadme(actionDir) {
  const action = parse(await readFile(join(actionDir, 'action.yml'), 'utf8'));
  const readmePath = join(actionDir, 'README.md');
  const current = existsSync(readmePath) ? await readFile(readmePath, 'utf8') : `# ${action.name}\n\n${action.description}\n\n`;
  const reference = renderReference(action);
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next = start >= 0 && end > start ? current.slice(0, start) + reference + current.slice(end + END.length) : `${current.trimEnd()}\n\n## Reference\n\n${reference}\n`;
  return { readmePath, current, next };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const actionsDir = join(root, 'actions');
  let stale = 0;
  for (const entry of await readdir(actionsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !existsSync(join(actionsDir, entry.name, 'action.yml'))) continue;
    const { readmePath, current, next } = await renderReadme(join(actionsDir, entry.name));
    if (current === next) continue;
    if (check) {
      stale += 1;
      console.error(`${readmePath} is out of date: run npm run build`);
    } else {
      await writeFile(readmePath, next);
      console.log(`wrote ${readmePath}`);
    }
  }
  process.exit(stale > 0 ? 1 : 0);
}
