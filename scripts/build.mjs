// Bundles every action's entry (actions/<name>/src/main.ts) into actions/<name>/dist/index.js.
// tsc first compiles the project to ESM JavaScript in build/ (ncc treats a .ts entry as CommonJS and
// cannot resolve the ESM-only @actions packages); ncc then bundles each compiled entry.
// Usage: node scripts/build.mjs [name ...]   (default: every action)
import ncc from '@vercel/ncc';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const actionsDir = join(root, 'actions');

export async function actionNames() {
  const entries = await readdir(actionsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && existsSync(join(actionsDir, e.name, 'src', 'main.ts')))
    .map((e) => e.name)
    .sort();
}

/** Compiles the TypeScript sources to build/ (type errors fail the build). */
export function compile() {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

/** Bundles one compiled action entry; `compile()` must have run. */
export async function buildAction(name, outDir = join(actionsDir, name, 'dist')) {
  const { code, assets } = await ncc(join(root, 'build', 'actions', name, 'src', 'main.js'), {
    minify: false,
    sourceMap: false,
    quiet: true,
    license: 'licenses.txt',
  });
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets)) {
    await mkdir(dirname(join(outDir, file)), { recursive: true });
    await writeFile(join(outDir, file), asset.source);
  }
  return outDir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : await actionNames();
  compile();
  for (const name of names) {
    const started = performance.now();
    await buildAction(name);
    console.log(`built actions/${name}/dist/index.js in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
